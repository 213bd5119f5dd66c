import { APPROVAL_DECISION_LABELS, APPROVAL_DECISIONS } from '../../src/approval/approval-values.ts';
import { SENT_BACK_REASONS, TOSSUP_RESULTS } from '../../src/domain/rep-feedback.ts';
import { SENT_BACK_REASON_LABELS, TOSSUP_RESULT_LABELS } from '../../src/reasons/feedback-label.ts';
import { FLAG_LABELS } from '../../src/reasons/next-action-label.ts';
import type { CrmObjectType, PropertyCreateInput } from './client.ts';
import type { HubspotMapping } from './mapping.ts';

/**
 * Every portal property the mapping relies on, with what it must look like. The schema check
 * compares these with the portal; setup creates the connector's own ones (`create`).
 */

export interface PropertyRequirement {
  object: CrmObjectType;
  name: string;
  /** Where the mapping names it, e.g. `writeBack.flag`. */
  mappingPath: string;
  /** Written by the connector: must not be read-only. */
  write: boolean;
  /** Accepted HubSpot `type`s. */
  types: readonly string[];
  /** Accepted `fieldType`s (writes only; reads accept any rendering). */
  fieldTypes?: readonly string[];
  /** Option values the property must offer. */
  options?: readonly { value: string; label: string }[];
  /** Where the mapping lists those options, when not `<mappingPath>Options`. */
  optionsPath?: string;
  unique?: boolean;
  /** How setup creates it; absent = the customer's own property, never created by us. */
  create?: PropertyCreateInput;
}

const TEXT = ['string'];
const NUMBER = ['number'];
const TIME = ['datetime', 'date'];
const CHOICE = ['enumeration'];
const FLAG = ['bool', 'enumeration'];

export function requiredProperties(m: HubspotMapping): PropertyRequirement[] {
  const out: PropertyRequirement[] = [];
  const read = (
    object: CrmObjectType,
    name: string | null | undefined,
    mappingPath: string,
    types: readonly string[],
    options?: PropertyRequirement['options'],
  ) => {
    if (name) out.push({ object, name, mappingPath, write: false, types, ...(options ? { options } : {}) });
  };
  const c = m.contact;
  read('contacts', c.owner, 'contact.owner', CHOICE);
  read('contacts', c.firstName, 'contact.firstName', TEXT);
  read('contacts', c.lastName, 'contact.lastName', TEXT);
  read('contacts', c.title, 'contact.title', TEXT);
  read('contacts', c.department, 'contact.department', [...TEXT, ...CHOICE]);
  read('contacts', c.email, 'contact.email', TEXT);
  read('contacts', c.primaryCompanyId, 'contact.primaryCompanyId', [...NUMBER, ...TEXT]);
  read('contacts', c.companyName, 'contact.companyName', TEXT);
  read('contacts', c.employeesText, 'contact.employeesText', [...TEXT, ...NUMBER, ...CHOICE]);
  read('contacts', c.region, 'contact.region', [...TEXT, ...CHOICE]);
  read('contacts', c.maBehaviourScore, 'contact.maBehaviourScore', NUMBER);

  const co = m.company;
  read('companies', co.name, 'company.name', TEXT);
  read('companies', co.employees, 'company.employees', NUMBER);
  read('companies', co.revenueJpy, 'company.revenueJpy', NUMBER);
  read('companies', co.industry, 'company.industry', [...CHOICE, ...TEXT]);
  read('companies', co.region, 'company.region', [...TEXT, ...CHOICE]);
  read('companies', co.owner, 'company.owner', CHOICE);
  read('companies', co.strategicTarget, 'company.strategicTarget', FLAG);
  if (co.existingCustomer) {
    read(
      'companies',
      co.existingCustomer.property,
      'company.existingCustomer.property',
      CHOICE,
      co.existingCustomer.values.map((v) => ({ value: v, label: v })),
    );
  }
  if (m.deals) {
    read(
      'deals',
      m.deals.stageProperty,
      'deals.stageProperty',
      CHOICE,
      m.deals.lostStages.map((v) => ({ value: v, label: v })),
    );
  }
  // The sweep's opportunity phase reads the deals' stage and loss reason.
  const op = m.opportunity;
  read(
    'deals',
    op.stageProperty,
    'opportunity.stageProperty',
    CHOICE,
    [...op.wonStages, ...op.lostStages].map((v) => ({ value: v, label: v })),
  );
  read('deals', op.lostReasonProperty, 'opportunity.lostReasonProperty', [...TEXT, ...CHOICE]);
  const h = m.hearing;
  if (h) {
    const answers = (['yes', 'no', 'unknown'] as const).map((a) => ({ value: h.answerValues[a], label: a }));
    read('contacts', h.heardAt, 'hearing.heardAt', TIME);
    read('contacts', h.budget, 'hearing.budget', CHOICE, answers);
    read('contacts', h.decisionMaker, 'hearing.decisionMaker', CHOICE, answers);
    read('contacts', h.decisionInvolved, 'hearing.decisionInvolved', CHOICE, answers);
    read('contacts', h.clearProblem, 'hearing.clearProblem', CHOICE, answers);
    read('contacts', h.timelineMonths, 'hearing.timelineMonths', [...NUMBER, ...TEXT]);
    read('contacts', h.notes, 'hearing.notes', TEXT);
  }
  if (m.manualRequest) {
    read('contacts', m.manualRequest.requested, 'manualRequest.requested', FLAG);
    read('contacts', m.manualRequest.requestedBy, 'manualRequest.requestedBy', [...CHOICE, ...TEXT]);
  }
  const b = m.behaviour;
  if (b.conversions) {
    read('contacts', b.conversions.count, 'behaviour.conversions.count', NUMBER);
    read('contacts', b.conversions.firstAt, 'behaviour.conversions.firstAt', TIME);
    read('contacts', b.conversions.firstName, 'behaviour.conversions.firstName', TEXT);
    read('contacts', b.conversions.lastAt, 'behaviour.conversions.lastAt', TIME);
    read('contacts', b.conversions.lastName, 'behaviour.conversions.lastName', TEXT);
  }
  read('contacts', b.pageViews?.lastAt, 'behaviour.pageViews.lastAt', TIME);
  for (const [i, p] of b.namedPages.entries()) {
    read('contacts', p.lastAt, `behaviour.namedPages[${i}].lastAt`, TIME);
  }
  read('contacts', b.emailOpens?.lastAt, 'behaviour.emailOpens.lastAt', TIME);
  read('contacts', b.emailClicks?.lastAt, 'behaviour.emailClicks.lastAt', TIME);

  const w = m.writeBack;
  const group = w.group.name;
  /** A contact property the connector needs, with the definition setup creates it from. */
  const created =
    (write: boolean, description: string) =>
    (
      name: string,
      mappingPath: string,
      label: string,
      type: string,
      fieldType: string,
      fieldTypes: readonly string[],
      options?: { value: string; label: string }[],
    ) => {
      out.push({
        object: 'contacts',
        name,
        mappingPath,
        write,
        types: [type],
        fieldTypes,
        ...(options ? { options } : {}),
        create: {
          name,
          label,
          type,
          fieldType,
          groupName: group,
          description,
          ...(options ? { options: options.map((o, i) => ({ ...o, displayOrder: i })) } : {}),
        },
      });
    };
  const write = created(true, 'Written by the toss-up connector.');
  write(
    w.flag,
    'writeBack.flag',
    'トスアップ対象フラグ',
    'enumeration',
    'select',
    ['select', 'radio'],
    Object.values(w.flagOptions),
  );
  write(w.reason, 'writeBack.reason', 'トスアップ理由', 'string', 'textarea', ['textarea', 'text']);
  write(
    w.nextAction,
    'writeBack.nextAction',
    '次のアクション',
    'enumeration',
    'select',
    ['select', 'radio'],
    Object.values(w.nextActionOptions),
  );
  write(w.attributeScore, 'writeBack.attributeScore', '属性スコア', 'number', 'number', ['number']);
  write(w.behaviourScore, 'writeBack.behaviourScore', '行動スコア', 'number', 'number', ['number']);
  write(w.dueAt, 'writeBack.dueAt', '対応期限', 'datetime', 'date', ['date']);
  write(w.decisionKey, 'writeBack.decisionKey', 'トスアップ判定キー', 'string', 'text', ['text']);
  const sla = m.sla;
  write(
    sla.status,
    'sla.status',
    'SLA ステータス',
    'enumeration',
    'select',
    ['select', 'radio'],
    Object.values(sla.statusOptions),
  );
  out[out.length - 1]!.optionsPath = 'sla.statusOptions';
  write(sla.firstResponseAt, 'sla.firstResponseAt', '初回対応日時', 'datetime', 'date', ['date']);
  // The rep's feedback (issue 14): created by setup, read only by the connector (write: false).
  const feedback = created(false, 'Set by the sales rep; read, never written, by the toss-up connector.');
  const f = m.feedback;
  feedback(
    f.result,
    'feedback.result',
    'トスアップ結果',
    'enumeration',
    'select',
    ['select', 'radio'],
    TOSSUP_RESULTS.map((r) => ({ value: r, label: TOSSUP_RESULT_LABELS.ja[r] })),
  );
  feedback(
    f.sentBackReason,
    'feedback.sentBackReason',
    '差し戻し理由',
    'enumeration',
    'select',
    ['select', 'radio'],
    SENT_BACK_REASONS.map((r) => ({ value: r, label: SENT_BACK_REASON_LABELS.ja[r] })),
  );
  feedback(f.note, 'feedback.note', 'トスアップフィードバック', 'string', 'textarea', ['textarea', 'text']);
  // The opportunity flag (issue 14): written once by the sweep's opportunity phase.
  const o = m.opportunity;
  write(o.flag, 'opportunity.flag', '商談化フラグ', 'bool', 'booleancheckbox', [
    'booleancheckbox',
    'checkbox',
  ]);
  out[out.length - 1]!.create!.options = [
    { value: 'true', label: 'はい', displayOrder: 0 },
    { value: 'false', label: 'いいえ', displayOrder: 1 },
  ];
  write(o.flagDate, 'opportunity.flagDate', '商談化日', 'date', 'date', ['date']);
  // The manager's approval (issue 14): created by setup, read only by the sweep (write: false).
  const approval = created(false, 'Set by the manager; read, never written, by the toss-up sweep.');
  approval(
    m.approval.decision,
    'approval.decision',
    'トスアップ承認',
    'enumeration',
    'select',
    ['select', 'radio'],
    APPROVAL_DECISIONS.map((d) => ({ value: d, label: APPROVAL_DECISION_LABELS.ja[d] })),
  );
  approval(m.approval.rejectionReason, 'approval.rejectionReason', '却下理由', 'string', 'textarea', [
    'textarea',
    'text',
  ]);
  // A person's override of the flag (issue 14): created by setup, read only by the connector.
  created(
    false,
    'Set by a person to override the toss-up flag; empty it to hand the lead back to the rules.',
  )(
    m.override.flag,
    'override.flag',
    'トスアップ上書き',
    'enumeration',
    'select',
    ['select', 'radio'],
    (['yes', 'no', 'hold'] as const).map((v) => ({ value: v, label: FLAG_LABELS.ja[v] })),
  );
  if (w.owner)
    out.push({
      object: 'contacts',
      name: w.owner,
      mappingPath: 'writeBack.owner',
      write: true,
      types: CHOICE,
    });

  const key = m.tasks.keyProperty;
  out.push({
    object: 'tasks',
    name: key,
    mappingPath: 'tasks.keyProperty',
    write: true,
    types: TEXT,
    fieldTypes: ['text'],
    unique: true,
    create: {
      name: key,
      label: 'トスアップタスクキー',
      type: 'string',
      fieldType: 'text',
      groupName: group,
      description: 'One task per toss-up: the connector refuses to create a second task with the same key.',
      hasUniqueValue: true,
    },
  });
  return out;
}
