import { APPROVAL_DECISIONS } from '../../src/approval/approval-values.ts';
import { locateYamlPath, parseYamlSource, type YamlPath } from '../../src/config/yaml-locate.ts';
import { SENT_BACK_REASONS, TOSSUP_RESULTS } from '../../src/domain/rep-feedback.ts';
import { SLA_STATUSES } from '../../src/ports/episode-crm.ts';
import type { CallRunner } from './call-runner.ts';
import type { SalesforceMapping } from './mapping.ts';
import { lookupFieldOf } from './soql.ts';

/**
 * `tossup validate --crm salesforce`: describes the objects the mapping touches and reports, all at
 * once, every mapped field that is missing, of the wrong type, not writable, too short, or a picklist
 * lacking one of our values — each with the fix. One describe call per object (Lead, Contact, Account,
 * Task, Event, CampaignMember, Opportunity as the mapping needs them).
 */

export type SchemaProblemKind =
  | 'missing_object'
  | 'missing_field'
  | 'wrong_type'
  | 'not_updateable'
  | 'not_createable'
  | 'too_short'
  | 'too_small'
  | 'picklist_values_missing'
  | 'not_external_id'
  | 'not_unique'
  | 'missing_relationship';

export interface SchemaProblem {
  object: string;
  field: string;
  kind: SchemaProblemKind;
  message: string;
  fix: string;
  /** Where the field is named in the mapping, e.g. `writeBack.reason`. */
  mappingPath: string;
  /** Line in the mapping file, when its text was given. */
  line?: number;
}

export interface SchemaCheckResult {
  ok: boolean;
  problems: SchemaProblem[];
  objects: string[];
}

interface DescribeField {
  name: string;
  type: string;
  length?: number;
  precision?: number;
  scale?: number;
  digits?: number;
  updateable?: boolean;
  createable?: boolean;
  externalId?: boolean;
  idLookup?: boolean;
  unique?: boolean;
  relationshipName?: string | null;
  referenceTo?: string[];
  picklistValues?: { value: string; active?: boolean }[];
}

interface Describe {
  name: string;
  fields: DescribeField[];
}

const TEXT = ['string', 'textarea'];
const NUMBER = ['double', 'int', 'currency', 'percent'];
const PICKLIST = ['picklist'];
const TEXTISH = [...TEXT, 'picklist', 'email', 'phone', 'url'];
const DATETIME = ['datetime'];
const DATEISH = ['datetime', 'date'];
const BOOLEAN = ['boolean'];
const REFERENCE = ['reference'];

/** A field the mapping names: where, what type, and what the connector does with it. */
interface Expectation {
  object: string;
  field: string;
  mappingPath: string;
  types: readonly string[];
  /** Written by the connector. */
  updateable?: boolean;
  createable?: boolean;
  minLength?: number;
  /** Largest number written (checked against precision − scale). */
  maxValue?: number;
  picklistValues?: readonly string[];
  externalIdUnique?: boolean;
  typeLabel: string;
}

export interface SchemaCheckOptions {
  /** Mapping text and file name, to report mapping line numbers. */
  mappingText?: string;
  mappingFile?: string;
}

export async function checkSalesforceSchema(
  runner: CallRunner,
  mapping: SalesforceMapping,
  options: SchemaCheckOptions = {},
): Promise<SchemaCheckResult> {
  const expectations = expectationsOf(mapping);
  const objects = [...new Set(expectations.map((e) => e.object))];
  const described = new Map<string, Describe | null>();
  await Promise.all(
    objects.map(async (object) => {
      try {
        const { body } = await runner.run<Describe>(
          { method: 'GET', path: `/sobjects/${object}/describe` },
          { what: `describe ${object}`, idempotent: true },
        );
        described.set(object, body);
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        if (code === 'NOT_FOUND' || code === 'INVALID_TYPE' || code === 'http_404')
          described.set(object, null);
        else throw e;
      }
    }),
  );
  const problems: SchemaProblem[] = [];
  const missingObjects = new Set<string>();
  for (const e of expectations) {
    const d = described.get(e.object);
    if (!d) {
      if (!missingObjects.has(e.object)) {
        missingObjects.add(e.object);
        problems.push({
          object: e.object,
          field: '',
          kind: 'missing_object',
          message: `${e.object} cannot be described`,
          fix: `give the integration user access to ${e.object} (permission set: Read on ${e.object})`,
          mappingPath: e.mappingPath,
        });
      }
      continue;
    }
    problems.push(...checkField(d, e));
  }
  if (mapping.contact.accountRelationship)
    problems.push(...checkRelationship(described.get('Contact'), mapping));
  locate(problems, options);
  return { ok: problems.length === 0, problems, objects };
}

function checkField(d: Describe, e: Expectation): SchemaProblem[] {
  const f = d.fields.find((x) => x.name.toLowerCase() === e.field.toLowerCase());
  const base = { object: e.object, field: e.field, mappingPath: e.mappingPath };
  if (!f) {
    const ours = isOurField(e);
    return [
      {
        ...base,
        kind: 'missing_field',
        message: `${e.object}.${e.field} does not exist (or the integration user cannot see it)`,
        fix: ours
          ? `deploy the field with \`tossup setup salesforce\` (docs/salesforce-admin-guide.md), then grant field access in the TossUp_Integration permission set`
          : `create it as ${e.typeLabel}, or grant the integration user read access to it, or set ${e.mappingPath} to the right API name (or null where allowed)`,
      },
    ];
  }
  const out: SchemaProblem[] = [];
  if (!e.types.includes(f.type)) {
    out.push({
      ...base,
      kind: 'wrong_type',
      message: `${e.object}.${f.name} is ${f.type}, the connector needs ${e.typeLabel}`,
      fix: `change the field type to ${e.typeLabel} (or map ${e.mappingPath} to another field)`,
    });
  }
  if (e.updateable && f.updateable === false) {
    out.push({
      ...base,
      kind: 'not_updateable',
      message: `${e.object}.${f.name} is not editable by the integration user`,
      fix: `give the integration user Edit access to ${e.object}.${f.name} (field-level security in the TossUp_Integration permission set); formula and system fields cannot be written`,
    });
  }
  if (e.createable && f.createable === false) {
    out.push({
      ...base,
      kind: 'not_createable',
      message: `${e.object}.${f.name} cannot be set on new records by the integration user`,
      fix: `give the integration user Edit access to ${e.object}.${f.name}`,
    });
  }
  if (e.minLength !== undefined && TEXT.includes(f.type) && (f.length ?? 0) < e.minLength) {
    out.push({
      ...base,
      kind: 'too_short',
      message: `${e.object}.${f.name} holds ${f.length ?? 0} characters, the connector writes up to ${e.minLength}`,
      fix: `raise the field length to ${e.minLength} (or lower ${e.mappingPath === 'writeBack.reason' ? 'writeBack.reasonMaxLength' : 'the value written'})`,
    });
  }
  if (e.maxValue !== undefined && NUMBER.includes(f.type)) {
    const integerDigits = f.type === 'int' ? (f.digits ?? 9) : (f.precision ?? 18) - (f.scale ?? 0);
    if (10 ** integerDigits <= e.maxValue) {
      out.push({
        ...base,
        kind: 'too_small',
        message: `${e.object}.${f.name} holds ${integerDigits} digits before the decimal point, the connector writes up to ${e.maxValue}`,
        fix: `raise the field's length to at least ${String(e.maxValue).length} digits`,
      });
    }
  }
  if (e.picklistValues && f.type === 'picklist') {
    const have = new Set((f.picklistValues ?? []).filter((v) => v.active !== false).map((v) => v.value));
    const missing = e.picklistValues.filter((v) => !have.has(v));
    if (missing.length > 0) {
      out.push({
        ...base,
        kind: 'picklist_values_missing',
        message: `${e.object}.${f.name} lacks the picklist value${missing.length > 1 ? 's' : ''} ${missing.map((v) => `"${v}"`).join(', ')}`,
        fix: `add ${missing.map((v) => `"${v}"`).join(', ')} to the picklist (Setup → Object Manager → ${e.object} → ${f.name} → Values), or change ${e.mappingPath} to the values the org uses`,
      });
    }
  }
  if (e.externalIdUnique) {
    if (!f.externalId) {
      out.push({
        ...base,
        kind: 'not_external_id',
        message: `${e.object}.${f.name} is not an External ID, so tasks cannot be upserted on it`,
        fix: `edit the field and tick "External ID" (the setup metadata does this)`,
      });
    }
    if (f.unique === false) {
      out.push({
        ...base,
        kind: 'not_unique',
        message: `${e.object}.${f.name} does not refuse duplicate values`,
        fix: `edit the field and tick "Do not allow duplicate values" (case sensitive), so one key can never hold two tasks`,
      });
    }
  }
  return out;
}

function checkRelationship(d: Describe | null | undefined, m: SalesforceMapping): SchemaProblem[] {
  const rel = m.contact.accountRelationship!;
  if (!d) return [];
  const f = d.fields.find((x) => x.relationshipName?.toLowerCase() === rel.toLowerCase());
  if (f) return [];
  return [
    {
      object: 'Contact',
      field: lookupFieldOf(rel),
      kind: 'missing_relationship',
      message: `Contact has no relationship named ${rel}`,
      fix: 'set contact.accountRelationship to the relationship name of the Contact → Account lookup (standard: Account)',
      mappingPath: 'contact.accountRelationship',
    },
  ];
}

function isOurField(e: Expectation): boolean {
  return (
    e.mappingPath.startsWith('writeBack.') ||
    e.mappingPath.startsWith('sla.') ||
    e.mappingPath.startsWith('feedback.') ||
    e.mappingPath.startsWith('override.') ||
    e.mappingPath.startsWith('opportunity.flag') ||
    e.mappingPath.startsWith('approval.') ||
    e.mappingPath === 'tasks.keyField' ||
    e.mappingPath === 'account.previouslyLost.rollupField'
  );
}

/** What the mapping needs from the org, field by field. */
export function expectationsOf(m: SalesforceMapping): Expectation[] {
  const out: Expectation[] = [];
  const add = (
    object: string,
    field: string | null | undefined,
    mappingPath: string,
    types: readonly string[],
    typeLabel: string,
    extra: Partial<Expectation> = {},
  ) => {
    if (field) out.push({ object, field, mappingPath, types, typeLabel, ...extra });
  };
  const l = m.lead;
  add('Lead', l.owner, 'lead.owner', REFERENCE, 'a lookup(User, Group)');
  add('Lead', l.name, 'lead.name', TEXTISH, 'text');
  add('Lead', l.company, 'lead.company', TEXTISH, 'text');
  add('Lead', l.employees, 'lead.employees', [...NUMBER, ...TEXT], 'a number');
  add('Lead', l.employeesText, 'lead.employeesText', TEXT, 'text');
  add('Lead', l.revenueJpy, 'lead.revenueJpy', [...NUMBER, ...TEXT], 'a currency or number');
  add('Lead', l.industry, 'lead.industry', TEXTISH, 'a picklist or text');
  add('Lead', l.region, 'lead.region', TEXTISH, 'text or a picklist');
  add('Lead', l.title, 'lead.title', TEXTISH, 'text');
  add('Lead', l.department, 'lead.department', TEXTISH, 'text');
  add('Lead', l.email, 'lead.email', [...TEXTISH], 'an email');
  add('Lead', l.strategicTarget, 'lead.strategicTarget', BOOLEAN, 'a checkbox');
  add('Lead', l.status, 'lead.lostStatuses', PICKLIST, 'a picklist', {
    ...(l.lostStatuses.length ? { picklistValues: l.lostStatuses } : {}),
  });
  if (l.accountMatching.enabled) {
    // Lead-to-account matching reads every Account's website once per run (lead-accounts.ts).
    add(
      'Account',
      l.accountMatching.websiteField,
      'lead.accountMatching.websiteField',
      TEXTISH,
      'a URL or text',
    );
  }
  const c = m.contact;
  add('Contact', c.owner, 'contact.owner', REFERENCE, 'a lookup(User)');
  add('Contact', c.name, 'contact.name', TEXTISH, 'text');
  add('Contact', c.title, 'contact.title', TEXTISH, 'text');
  add('Contact', c.department, 'contact.department', TEXTISH, 'text');
  add('Contact', c.email, 'contact.email', TEXTISH, 'an email');
  if (c.accountRelationship) {
    const a = m.account;
    add('Account', a.name, 'account.name', TEXTISH, 'text');
    add('Account', a.employees, 'account.employees', [...NUMBER, ...TEXT], 'a number');
    add('Account', a.revenueJpy, 'account.revenueJpy', [...NUMBER, ...TEXT], 'a currency or number');
    add('Account', a.industry, 'account.industry', TEXTISH, 'a picklist or text');
    add('Account', a.region, 'account.region', TEXTISH, 'text or a picklist');
    add('Account', a.owner, 'account.owner', REFERENCE, 'a lookup(User)');
    add('Account', a.strategicTarget, 'account.strategicTarget', BOOLEAN, 'a checkbox');
    if (a.existingCustomer) {
      add(
        'Account',
        a.existingCustomer.field,
        'account.existingCustomer.field',
        TEXTISH,
        'a picklist or text',
        {
          ...(a.existingCustomer.field.toLowerCase() === 'type'
            ? { picklistValues: a.existingCustomer.values.slice(0, 1) }
            : {}),
        },
      );
    }
    const lost = a.previouslyLost;
    if (lost && 'rollupField' in lost)
      add(
        'Account',
        lost.rollupField,
        'account.previouslyLost.rollupField',
        NUMBER,
        'a roll-up summary (COUNT)',
      );
    if (lost && 'source' in lost) {
      add('Opportunity', 'AccountId', 'account.previouslyLost', REFERENCE, 'a lookup(Account)');
      add('Opportunity', 'IsClosed', 'account.previouslyLost', BOOLEAN, 'a checkbox');
      add('Opportunity', 'IsWon', 'account.previouslyLost', BOOLEAN, 'a checkbox');
      add('Opportunity', 'CloseDate', 'account.previouslyLost', DATEISH, 'a date');
    }
  }
  for (const object of ['Lead', 'Contact']) {
    add(object, m.maBehaviourScore, 'maBehaviourScore', NUMBER, 'a number');
    const h = m.hearing;
    if (h) {
      const answers = [h.answerValues.yes, h.answerValues.no, h.answerValues.unknown];
      add(object, h.heardAt, 'hearing.heardAt', DATEISH, 'a date/time');
      for (const k of ['budget', 'decisionMaker', 'decisionInvolved', 'clearProblem'] as const) {
        add(object, h[k], `hearing.${k}`, [...PICKLIST, ...TEXT], 'a picklist', { picklistValues: answers });
      }
      add(object, h.timelineMonths, 'hearing.timelineMonths', [...NUMBER, ...TEXTISH], 'a number');
      add(object, h.notes, 'hearing.notes', TEXT, 'a long text area');
    }
    if (m.manualRequest) {
      add(object, m.manualRequest.requested, 'manualRequest.requested', BOOLEAN, 'a checkbox');
      add(object, m.manualRequest.requestedBy, 'manualRequest.requestedBy', REFERENCE, 'a lookup(User)');
    }
    const b = m.behaviour;
    for (const [i, p] of b.namedPages.entries()) {
      add(object, p.lastAt, `behaviour.namedPages[${i}].lastAt`, DATEISH, 'a date/time');
    }
    add(object, b.pageViews?.lastAt, 'behaviour.pageViews.lastAt', DATEISH, 'a date/time');
    add(object, b.emailOpens?.lastAt, 'behaviour.emailOpens.lastAt', DATEISH, 'a date/time');
    add(object, b.emailClicks?.lastAt, 'behaviour.emailClicks.lastAt', DATEISH, 'a date/time');
    const w = m.writeBack;
    const write = { updateable: true };
    add(object, w.flag, 'writeBack.flag', PICKLIST, 'a picklist', {
      ...write,
      picklistValues: Object.values(w.flagValues),
    });
    add(object, w.reason, 'writeBack.reason', TEXT, `text(${w.reasonMaxLength})`, {
      ...write,
      minLength: w.reasonMaxLength,
    });
    add(object, w.nextAction, 'writeBack.nextAction', PICKLIST, 'a picklist', {
      ...write,
      picklistValues: Object.values(w.nextActionValues),
    });
    add(object, w.attributeScore, 'writeBack.attributeScore', NUMBER, 'number(3, 0)', {
      ...write,
      maxValue: 100,
    });
    add(object, w.behaviourScore, 'writeBack.behaviourScore', NUMBER, 'number(5, 0)', {
      ...write,
      maxValue: 9999,
    });
    add(object, w.dueAt, 'writeBack.dueAt', DATETIME, 'a date/time', write);
    add(object, w.decisionKey, 'writeBack.decisionKey', TEXT, 'text(80)', { ...write, minLength: 32 });
    add(object, w.owner, 'writeBack.owner', REFERENCE, 'a lookup(User)', write);
    add(object, m.sla.status, 'sla.status', PICKLIST, 'a picklist', {
      ...write,
      picklistValues: SLA_STATUSES,
    });
    add(object, m.sla.firstResponseAt, 'sla.firstResponseAt', DATETIME, 'a date/time', write);
    // The rep's feedback: read only (the connector never writes it), so no edit access needed.
    add(object, m.feedback.result, 'feedback.result', PICKLIST, 'a picklist', {
      picklistValues: TOSSUP_RESULTS,
    });
    add(object, m.feedback.sentBackReason, 'feedback.sentBackReason', PICKLIST, 'a picklist', {
      picklistValues: SENT_BACK_REASONS,
    });
    add(object, m.feedback.note, 'feedback.note', TEXT, 'a long text area');
    // A person's override of the flag: read only too.
    add(object, m.override.flag, 'override.flag', PICKLIST, 'a picklist', {
      picklistValues: ['yes', 'no', 'hold'],
    });
    add(object, m.opportunity.flag, 'opportunity.flag', BOOLEAN, 'a checkbox', write);
    add(object, m.opportunity.flagDate, 'opportunity.flagDate', ['date'], 'a date', write);
    // The manager's approval: read only by the sweep.
    add(object, m.approval.decision, 'approval.decision', PICKLIST, 'a picklist', {
      picklistValues: APPROVAL_DECISIONS,
    });
    add(object, m.approval.rejectionReason, 'approval.rejectionReason', TEXT, 'a long text area');
  }
  // The sweep's opportunity phase reads opportunities, conversions and contact roles.
  const o = m.opportunity;
  add('Opportunity', 'StageName', 'opportunity', PICKLIST, 'a picklist');
  add('Opportunity', 'IsClosed', 'opportunity', BOOLEAN, 'a checkbox');
  add('Opportunity', 'IsWon', 'opportunity', BOOLEAN, 'a checkbox');
  add('Opportunity', 'CloseDate', 'opportunity', ['date'], 'a date');
  add('Opportunity', 'AccountId', 'opportunity', REFERENCE, 'a lookup(Account)');
  add('Opportunity', o.lostReasonField, 'opportunity.lostReasonField', TEXTISH, 'a picklist or text');
  add('Lead', 'ConvertedOpportunityId', 'opportunity', REFERENCE, 'a lookup(Opportunity)');
  add('Lead', 'ConvertedContactId', 'opportunity', REFERENCE, 'a lookup(Contact)');
  if (o.linkBy === 'contact_roles') {
    add('OpportunityContactRole', 'OpportunityId', 'opportunity.linkBy', REFERENCE, 'a lookup(Opportunity)');
    add('OpportunityContactRole', 'ContactId', 'opportunity.linkBy', REFERENCE, 'a lookup(Contact)');
  }
  if (m.behaviour.campaignMembers) {
    add('CampaignMember', 'HasResponded', 'behaviour.campaignMembers', BOOLEAN, 'a checkbox');
    add('CampaignMember', 'FirstRespondedDate', 'behaviour.campaignMembers', DATEISH, 'a date');
    add('CampaignMember', 'LeadId', 'behaviour.campaignMembers', REFERENCE, 'a lookup(Lead)');
    add('CampaignMember', 'ContactId', 'behaviour.campaignMembers', REFERENCE, 'a lookup(Contact)');
    add('CampaignMember', 'CampaignId', 'behaviour.campaignMembers', REFERENCE, 'a lookup(Campaign)');
  }
  const t = m.tasks;
  const create = { createable: true };
  add('Task', t.keyField, 'tasks.keyField', TEXT, 'text(80), External ID, unique', {
    createable: true,
    updateable: true,
    minLength: 32,
    externalIdUnique: true,
  });
  add('Task', 'Status', 'tasks.status', PICKLIST, 'a picklist', {
    ...create,
    updateable: true,
    picklistValues: [...new Set([t.status, t.closedStatus])],
  });
  add('Task', 'Priority', 'tasks.priorities', PICKLIST, 'a picklist', {
    ...create,
    picklistValues: [...new Set(Object.values(t.priorities))],
  });
  add('Task', 'OwnerId', 'tasks', REFERENCE, 'a lookup(User)', create);
  add('Task', 'WhoId', 'tasks', REFERENCE, 'a lookup(Lead, Contact)', create);
  add('Task', 'Subject', 'tasks', [...TEXT, 'combobox'], 'text', create);
  add('Task', 'Description', 'tasks', TEXT, 'a long text area', create);
  add('Task', 'ActivityDate', 'tasks', ['date'], 'a date', create);
  // The SLA sweep reads the owner's activities (episodes.ts): closed tasks and meetings.
  add('Task', 'CompletedDateTime', 'sla', DATETIME, 'a date/time (API v49+)');
  add('Task', 'TaskSubtype', 'sla', PICKLIST, 'a picklist');
  add('Event', 'WhoId', 'sla', REFERENCE, 'a lookup(Lead, Contact)');
  add('Event', 'OwnerId', 'sla', REFERENCE, 'a lookup(User)');
  add('Event', 'StartDateTime', 'sla', DATETIME, 'a date/time');
  if (t.reminder) {
    add('Task', 'ReminderDateTime', 'tasks.reminder', DATETIME, 'a date/time', create);
    add('Task', 'IsReminderSet', 'tasks.reminder', BOOLEAN, 'a checkbox', create);
  }
  return out;
}

/** Adds mapping line numbers when the mapping text is known. */
function locate(problems: SchemaProblem[], options: SchemaCheckOptions): void {
  if (!options.mappingText) return;
  let source: ReturnType<typeof parseYamlSource>['source'];
  try {
    source = parseYamlSource(options.mappingText, options.mappingFile ?? 'mapping').source;
  } catch {
    return;
  }
  for (const p of problems) {
    const path: YamlPath = p.mappingPath.split('.').flatMap((seg) => {
      const m = /^(\w+)\[(\d+)\]$/.exec(seg);
      return m ? [m[1]!, Number(m[2])] : [seg];
    });
    const pos = locateYamlPath(source, path);
    if (pos.line > 0) p.line = pos.line;
  }
}

/** Human-readable report: one block per problem, with the fix. */
export function formatSchemaReport(
  result: SchemaCheckResult,
  mappingFile = 'mappings/salesforce.yaml',
): string {
  if (result.ok) return `Salesforce org matches ${mappingFile} (checked ${result.objects.join(', ')}).`;
  const lines = [`${result.problems.length} problem(s) between ${mappingFile} and the org:`];
  for (const p of result.problems) {
    const where = p.line ? `${mappingFile}:${p.line} ${p.mappingPath}` : p.mappingPath;
    lines.push(`- ${p.message} [${p.kind}] (${where})`, `  fix: ${p.fix}`);
  }
  return lines.join('\n');
}
