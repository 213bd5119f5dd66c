import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APPROVAL_DECISION_LABELS, APPROVAL_DECISIONS } from '../../src/approval/approval-values.ts';
import type { NextAction } from '../../src/domain/lead.ts';
import { SENT_BACK_REASONS, TOSSUP_RESULTS } from '../../src/domain/rep-feedback.ts';
import { SLA_STATUSES } from '../../src/ports/episode-crm.ts';
import { SENT_BACK_REASON_LABELS, TOSSUP_RESULT_LABELS } from '../../src/reasons/feedback-label.ts';
import { FLAG_LABELS, NEXT_ACTION_LABELS } from '../../src/reasons/next-action-label.ts';
import { SLA_STATUS_LABELS } from '../../src/reasons/sla-status-label.ts';
import type { SalesforceMapping } from './mapping.ts';

/**
 * `tossup setup salesforce`: writes the custom fields the mapping needs as Salesforce metadata an
 * admin deploys with the Salesforce CLI (`sf project deploy start --manifest package.xml`):
 *
 *   force-app/main/default/objects/Lead/fields/TossUp_Flag__c.field-meta.xml   (and the other write-back, SLA and feedback fields)
 *   force-app/main/default/objects/Contact/fields/…                            (same fields on Contact)
 *   force-app/main/default/objects/Activity/fields/TossUp_Key__c.field-meta.xml (Task custom fields live on Activity)
 *   force-app/main/default/objects/Account/fields/<rollup>.field-meta.xml      (only with a roll-up "previously lost")
 *   force-app/main/default/permissionsets/TossUp_Integration.permissionset-meta.xml
 *   package.xml, sfdx-project.json
 *
 * Only the connector's own fields are generated; fields the mapping READS (hearing, MA score, ...) are
 * the org's own and `checkSalesforceSchema` reports them when missing.
 */

export interface SetupOptions {
  /** Directory to write into (created when missing). */
  outDir: string;
  apiVersion?: string;
  /** Field labels in this language. */
  locale?: 'ja' | 'en';
}

export interface SetupResult {
  files: string[];
  /** `Object.Field` of every custom field written. */
  fields: string[];
}

interface FieldSpec {
  object: string;
  name: string;
  xml: string;
  /** The integration user only reads it (the rep's feedback): no edit permission, so it cannot write it. */
  readOnly?: boolean;
}

const LABELS = {
  ja: {
    flag: ['トスアップ対象フラグ', 'はい / いいえ / 一時保留。コネクタが自動判定して書き込みます。'],
    reason: ['トスアップ理由', '判定理由(決め手が先頭)。'],
    nextAction: ['次のアクション', 'トスアップ後に取るべきアクション。'],
    attributeScore: ['属性スコア', '0〜100。'],
    behaviourScore: ['行動スコア', '行動履歴から算出したスコア。'],
    dueAt: ['トスアップ対応期限', '次のアクションのSLA期限。'],
    decisionKey: [
      'トスアップ判定キー',
      'コネクタ内部用(同じトスアップでタスクを二重作成しないため)。編集しないでください。',
    ],
    taskKey: ['トスアップキー', 'コネクタ内部用。1トスアップにつき1タスクを保証する外部ID。'],
    rollup: ['失注商談数', 'IsClosed = true かつ IsWon = false の商談数(トスアップの「過去失注」判定)。'],
    result: ['トスアップ結果', '営業担当者がトスアップの結果を選びます(受入 / 差し戻し / 商談化 / 失注)。'],
    sentBackReason: ['差し戻し理由', '結果が「差し戻し」のときの理由。'],
    feedbackNote: ['トスアップフィードバック', 'インサイドセールス・マーケティングへのコメント(自由記述)。'],
    opportunityFlag: ['商談化フラグ', 'トスアップが商談になったとき、SLAスイープが一度だけ設定します。'],
    override: [
      'トスアップ上書き',
      '手動でトスアップ対象フラグを決めるとき(はい / いいえ / 一時保留)。空にするとルールの判定に戻ります。',
    ],
    opportunityDate: ['商談化日', '商談化フラグが立った商談の作成日。'],
    approval: ['トスアップ承認', 'マネージャーが承認 / 却下を選びます(承認が必要なルールのトスアップ)。'],
    rejectionReason: ['却下理由', '却下したときの理由。'],
    slaStatus: ['トスアップSLA状況', 'トスアップ後の対応期限に対する状況。SLAスイープが書き込みます。'],
    firstResponseAt: [
      '初回対応日時',
      'トスアップ後、担当者が最初に対応(電話・メール・商談・タスク完了)した日時。',
    ],
  },
  en: {
    flag: ['Toss-up Flag', 'Yes / No / On hold, decided and written by the connector.'],
    reason: ['Toss-up Reason', 'Why, most decisive reason first.'],
    nextAction: ['Toss-up Next Action', 'What happens next.'],
    attributeScore: ['Toss-up Attribute Score', '0 to 100.'],
    behaviourScore: ['Toss-up Behaviour Score', 'Score from behaviour.'],
    dueAt: ['Toss-up Due', 'SLA due time of the next action.'],
    decisionKey: [
      'Toss-up Decision Key',
      'Used by the connector to never create a second task; do not edit.',
    ],
    taskKey: ['Toss-up Key', 'External ID that makes one task per toss-up; used by the connector.'],
    rollup: [
      'Closed Lost Opportunities',
      'Opportunities with IsClosed = true and IsWon = false (previously lost).',
    ],
    result: [
      'Toss-up Result',
      "The rep's verdict on the toss-up (accepted / sent back / opportunity / lost).",
    ],
    sentBackReason: ['Sent-back Reason', 'Why the rep sent the toss-up back.'],
    feedbackNote: ['Toss-up Feedback', 'Free-text comment for inside sales and marketing.'],
    opportunityFlag: [
      'Toss-up Opportunity',
      'Set once by the SLA sweep when the toss-up became an opportunity.',
    ],
    opportunityDate: ['Toss-up Opportunity Date', 'Creation day of the opportunity that set the flag.'],
    approval: [
      'Toss-up Approval',
      "The manager's answer (approved / rejected) to a toss-up that needs approval.",
    ],
    rejectionReason: ['Rejection Reason', 'Why the manager rejected the toss-up.'],
    override: [
      'Toss-up Override',
      'Set the toss-up flag by hand (Yes / No / On hold); empty it to hand the lead back to the rules.',
    ],
    slaStatus: ['Toss-up SLA Status', 'Where the toss-up stands against its SLA; written by the SLA sweep.'],
    firstResponseAt: [
      'Toss-up First Response',
      'When the owner first responded after the toss-up (call, e-mail, meeting or the task completed).',
    ],
  },
} as const;

export function setupSalesforce(mapping: SalesforceMapping, options: SetupOptions): SetupResult {
  const apiVersion = options.apiVersion ?? '62.0';
  const locale = options.locale ?? 'ja';
  const specs = fieldSpecs(mapping, locale);
  const files: string[] = [];
  const write = (rel: string, text: string) => {
    const path = join(options.outDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    files.push(path);
  };
  for (const s of specs) {
    write(`force-app/main/default/objects/${s.object}/fields/${s.name}.field-meta.xml`, s.xml);
  }
  write(
    'force-app/main/default/permissionsets/TossUp_Integration.permissionset-meta.xml',
    permissionSet(specs),
  );
  write('package.xml', packageXml(specs, apiVersion));
  write(
    'sfdx-project.json',
    `${JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], sourceApiVersion: apiVersion }, null, 2)}\n`,
  );
  return { files, fields: specs.map((s) => `${s.object}.${s.name}`) };
}

/** Long enough for a rep's comment; above 255 it becomes a long text area. */
const FEEDBACK_NOTE_LENGTH = 32768;

function fieldSpecs(m: SalesforceMapping, locale: 'ja' | 'en'): FieldSpec[] {
  const w = m.writeBack;
  const L = LABELS[locale];
  const specs: FieldSpec[] = [];
  const custom = (f: string | null): f is string => !!f && f.endsWith('__c');
  for (const object of ['Lead', 'Contact']) {
    const add = (name: string, xml: string) => {
      if (custom(name)) specs.push({ object, name, xml });
    };
    const readOnly = (name: string, xml: string) => {
      if (custom(name)) specs.push({ object, name, xml, readOnly: true });
    };
    add(
      w.flag,
      picklistField(
        w.flag,
        L.flag,
        (['yes', 'no', 'hold'] as const).map((f) => ({ value: w.flagValues[f], label: FLAG_LABELS.ja[f] })),
      ),
    );
    add(w.reason, textField(w.reason, L.reason, w.reasonMaxLength));
    add(
      w.nextAction,
      picklistField(
        w.nextAction,
        L.nextAction,
        (Object.keys(w.nextActionValues) as NextAction[]).map((a) => ({
          value: w.nextActionValues[a],
          label: NEXT_ACTION_LABELS[locale][a],
        })),
      ),
    );
    add(w.attributeScore, numberField(w.attributeScore, L.attributeScore, 3));
    add(w.behaviourScore, numberField(w.behaviourScore, L.behaviourScore, 5));
    add(w.dueAt, fieldXml(w.dueAt, L.dueAt, '<type>DateTime</type>'));
    add(w.decisionKey, textField(w.decisionKey, L.decisionKey, 80));
    add(
      m.sla.status,
      picklistField(
        m.sla.status,
        L.slaStatus,
        SLA_STATUSES.map((s) => ({ value: s, label: SLA_STATUS_LABELS[locale][s] })),
      ),
    );
    add(m.sla.firstResponseAt, fieldXml(m.sla.firstResponseAt, L.firstResponseAt, '<type>DateTime</type>'));
    // The rep's feedback (issue 14): set by people, only read by the connector.
    const f = m.feedback;
    readOnly(
      f.result,
      picklistField(
        f.result,
        L.result,
        TOSSUP_RESULTS.map((r) => ({ value: r, label: TOSSUP_RESULT_LABELS[locale][r] })),
      ),
    );
    readOnly(
      f.sentBackReason,
      picklistField(
        f.sentBackReason,
        L.sentBackReason,
        SENT_BACK_REASONS.map((r) => ({ value: r, label: SENT_BACK_REASON_LABELS[locale][r] })),
      ),
    );
    readOnly(f.note, textField(f.note, L.feedbackNote, FEEDBACK_NOTE_LENGTH));
    // A person's override of the flag (issue 14): set by people, only read by the connector.
    readOnly(
      m.override.flag,
      picklistField(
        m.override.flag,
        L.override,
        (['yes', 'no', 'hold'] as const).map((v) => ({ value: v, label: FLAG_LABELS[locale][v] })),
      ),
    );
    // The opportunity flag (issue 14): written once by the sweep's opportunity phase.
    const o = m.opportunity;
    add(
      o.flag,
      fieldXml(o.flag, L.opportunityFlag, '<defaultValue>false</defaultValue>\n    <type>Checkbox</type>'),
    );
    add(
      o.flagDate,
      fieldXml(o.flagDate, L.opportunityDate, '<required>false</required>\n    <type>Date</type>'),
    );
    // The manager's approval (issue 14): set by the manager, only read by the sweep.
    const a = m.approval;
    readOnly(
      a.decision,
      picklistField(
        a.decision,
        L.approval,
        APPROVAL_DECISIONS.map((d) => ({ value: d, label: APPROVAL_DECISION_LABELS[locale][d] })),
      ),
    );
    readOnly(a.rejectionReason, textField(a.rejectionReason, L.rejectionReason, FEEDBACK_NOTE_LENGTH));
  }
  if (custom(m.tasks.keyField)) {
    // Task and Event custom fields are defined on Activity in metadata.
    specs.push({
      object: 'Activity',
      name: m.tasks.keyField,
      xml: fieldXml(
        m.tasks.keyField,
        L.taskKey,
        '<caseSensitive>true</caseSensitive>\n    <externalId>true</externalId>\n    <length>80</length>\n    <type>Text</type>\n    <unique>true</unique>',
      ),
    });
  }
  const lost = m.account.previouslyLost;
  if (lost && 'rollupField' in lost && custom(lost.rollupField)) {
    specs.push({
      object: 'Account',
      name: lost.rollupField,
      xml: fieldXml(
        lost.rollupField,
        L.rollup,
        [
          '<summaryFilterItems>',
          '        <field>Opportunity.IsClosed</field>',
          '        <operation>equals</operation>',
          '        <value>True</value>',
          '    </summaryFilterItems>',
          '    <summaryFilterItems>',
          '        <field>Opportunity.IsWon</field>',
          '        <operation>equals</operation>',
          '        <value>False</value>',
          '    </summaryFilterItems>',
          '    <summaryForeignKey>Opportunity.AccountId</summaryForeignKey>',
          '    <summaryOperation>count</summaryOperation>',
          '    <type>Summary</type>',
        ].join('\n    '),
        false,
      ),
    });
  }
  return specs;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fieldXml(
  name: string,
  [label, help]: readonly [string, string],
  body: string,
  trackable = true,
): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">',
    `    <fullName>${escapeXml(name)}</fullName>`,
    `    <description>${escapeXml(help)}</description>`,
    `    <inlineHelpText>${escapeXml(help)}</inlineHelpText>`,
    `    <label>${escapeXml(label)}</label>`,
    `    ${body}`,
    ...(trackable ? ['    <trackHistory>false</trackHistory>'] : []),
    '</CustomField>',
    '',
  ].join('\n');
}

function textField(name: string, label: readonly [string, string], length: number): string {
  // Text holds at most 255 characters; longer reasons need a long text area.
  return length <= 255
    ? fieldXml(
        name,
        label,
        `<length>${length}</length>\n    <required>false</required>\n    <type>Text</type>`,
      )
    : fieldXml(
        name,
        label,
        `<length>${length}</length>\n    <type>LongTextArea</type>\n    <visibleLines>3</visibleLines>`,
      );
}

function numberField(name: string, label: readonly [string, string], precision: number): string {
  return fieldXml(
    name,
    label,
    `<precision>${precision}</precision>\n    <required>false</required>\n    <scale>0</scale>\n    <type>Number</type>`,
  );
}

function picklistField(
  name: string,
  label: readonly [string, string],
  values: { value: string; label: string }[],
): string {
  const items = values
    .map(
      (v) =>
        `            <value>\n                <fullName>${escapeXml(v.value)}</fullName>\n                <default>false</default>\n                <label>${escapeXml(v.label)}</label>\n            </value>`,
    )
    .join('\n');
  return fieldXml(
    name,
    label,
    [
      '<required>false</required>',
      '    <type>Picklist</type>',
      '    <valueSet>',
      '        <restricted>true</restricted>',
      '        <valueSetDefinition>',
      '            <sorted>false</sorted>',
      items,
      '        </valueSetDefinition>',
      '    </valueSet>',
    ].join('\n'),
  );
}

/** Field access for the integration user: edit on what it writes, read on the roll-up and the rep's feedback. */
function permissionSet(specs: FieldSpec[]): string {
  const perms = specs
    .map((s) => {
      const object = s.object === 'Activity' ? 'Task' : s.object;
      const editable = s.object !== 'Account' && !s.readOnly;
      return `    <fieldPermissions>\n        <editable>${editable}</editable>\n        <field>${object}.${escapeXml(s.name)}</field>\n        <readable>true</readable>\n    </fieldPermissions>`;
    })
    .join('\n');
  const objects = ['Lead', 'Contact', 'Task']
    .map(
      (o) =>
        `    <objectPermissions>\n        <allowCreate>${o === 'Task'}</allowCreate>\n        <allowDelete>false</allowDelete>\n        <allowEdit>true</allowEdit>\n        <allowRead>true</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n        <object>${o}</object>\n        <viewAllRecords>${o !== 'Task'}</viewAllRecords>\n    </objectPermissions>`,
    )
    .join('\n');
  const readOnly = [
    'Account',
    'Campaign',
    'CampaignMember',
    // The SLA sweep reads the owner's meetings.
    'Event',
    // "Previously lost" and the sweep's opportunity outcomes (contact roles follow Opportunity access).
    'Opportunity',
  ]
    .map(
      (o) =>
        `    <objectPermissions>\n        <allowCreate>false</allowCreate>\n        <allowDelete>false</allowDelete>\n        <allowEdit>false</allowEdit>\n        <allowRead>true</allowRead>\n        <modifyAllRecords>false</modifyAllRecords>\n        <object>${o}</object>\n        <viewAllRecords>true</viewAllRecords>\n    </objectPermissions>`,
    )
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">',
    '    <description>Toss-up connector integration user: reads leads, contacts and campaign responses, writes the toss-up fields and follow-up tasks.</description>',
    perms,
    '    <hasActivationRequired>false</hasActivationRequired>',
    '    <label>TossUp Integration</label>',
    objects,
    readOnly,
    '    <userPermissions>\n        <enabled>true</enabled>\n        <name>ApiEnabled</name>\n    </userPermissions>',
    '</PermissionSet>',
    '',
  ].join('\n');
}

function packageXml(specs: FieldSpec[], apiVersion: string): string {
  const members = specs.map((s) => `        <members>${s.object}.${escapeXml(s.name)}</members>`).sort();
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Package xmlns="http://soap.sforce.com/2006/04/metadata">',
    '    <types>',
    ...members,
    '        <name>CustomField</name>',
    '    </types>',
    '    <types>',
    '        <members>TossUp_Integration</members>',
    '        <name>PermissionSet</name>',
    '    </types>',
    `    <version>${apiVersion}</version>`,
    '</Package>',
    '',
  ].join('\n');
}
