import { z } from 'zod';
import { unknownKeyHint } from '../../src/config/did-you-mean.ts';
import { answersFromCrm, recordAt as rec, sharedMappingSections } from '../../src/config/mapping-sections.ts';
import { readConfigFile } from '../../src/config/read-config-file.ts';
import { RegexSchema } from '../../src/config/regex-schema.ts';
import { type IssueHint, parseYamlWithSchema } from '../../src/config/yaml-locate.ts';
import {
  type ActivityType,
  ActivityTypeSchema,
  type HearingAnswer,
  type NextAction,
  NextActionSchema,
  TOSSUP_FIELDS,
  type TossUpFlag,
  TossUpFlagSchema,
} from '../../src/domain/lead.ts';

/**
 * Schema of `mappings/salesforce.yaml`: which org fields feed which Lead fields, how picklist values
 * translate, and which fields the connector writes on Leads, Contacts and Tasks. Parsed with the
 * shared YAML locator, so every problem is reported as `file:line:column path: message` plus a hint.
 */

/** Salesforce API names: a letter, then letters, digits and `_` (custom `__c`, namespaced `ns__x__c`). */
const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;
const FIELD_HINT =
  "use the field's API name (Setup → Object Manager → the object → Fields & Relationships → Field Name), e.g. TossUp_Flag__c";

const Field = z
  .string({ error: 'must be a field API name' })
  .regex(API_NAME, { error: 'not a Salesforce field API name' })
  .refine((s) => !s.endsWith('_') || s.endsWith('__c'), { error: 'not a Salesforce field API name' });
/** A field the connector can do without: `null` switches it off. */
const OptionalField = Field.nullable();
const Value = z.string({ error: 'must be a picklist value (text)' }).min(1);
const shared = sharedMappingSections(Field, Value);

/**
 * Lead-to-account matching (src/routing/account-match.ts): Leads have no AccountId, so the account
 * facts come from the one Account their e-mail domain or company name matches. On unless switched off.
 */
const AccountMatchingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Account field holding the website or domain ("https://www.example.co.jp/" or "example.co.jp"). */
  websiteField: Field.default('Website'),
  /** Free-mail domains on top of the built-in list (src/normalize/free-mail-domains.ts). */
  extraFreeMailDomains: z.array(z.string().min(1)).default([]),
});

export const DEFAULT_ACCOUNT_MATCHING = {
  enabled: true,
  websiteField: 'Website',
  extraFreeMailDomains: [] as string[],
};

/** The person's full name, read only (Salesforce formats it per the org's locale, family name first in Japanese). */
const PersonNameField = OptionalField.default('Name');

const LeadSchema = z.strictObject({
  owner: Field,
  name: PersonNameField,
  company: OptionalField,
  employees: OptionalField,
  employeesText: OptionalField,
  revenueJpy: OptionalField,
  industry: OptionalField,
  region: OptionalField,
  title: OptionalField,
  department: OptionalField,
  email: OptionalField,
  strategicTarget: OptionalField,
  status: OptionalField,
  lostStatuses: z.array(Value).default([]),
  accountMatching: AccountMatchingSchema.default({ ...DEFAULT_ACCOUNT_MATCHING, extraFreeMailDomains: [] }),
});

const ContactSchema = z.strictObject({
  owner: Field,
  name: PersonNameField,
  title: OptionalField,
  department: OptionalField,
  email: OptionalField,
  /** Relationship name of Contact.AccountId (parent fields are read through it). */
  accountRelationship: Field.nullable(),
});

const PreviouslyLostSchema = z.union([
  z.strictObject({
    source: z.literal('opportunities'),
    withinDays: z.number().int().positive().max(36_500).nullable().default(null),
  }),
  z.strictObject({ rollupField: Field }),
  z.null(),
]);

const AccountSchema = z.strictObject({
  name: OptionalField,
  employees: OptionalField,
  revenueJpy: OptionalField,
  industry: OptionalField,
  region: OptionalField,
  owner: OptionalField,
  strategicTarget: OptionalField,
  existingCustomer: z.strictObject({ field: Field, values: z.array(Value).min(1) }).nullable(),
  previouslyLost: PreviouslyLostSchema,
});

const Regex = RegexSchema;

const LastAtSchema = shared.lastAt;

const BehaviourSchema = z.strictObject({
  lookbackDays: z.number().int().min(1).max(730),
  campaignMembers: z
    .strictObject({
      maxPerRecord: z.number().int().min(1).max(200).default(20),
      names: z.array(z.strictObject({ match: Regex, type: ActivityTypeSchema })).default([]),
      types: z.record(Value, ActivityTypeSchema).default({}),
      otherwise: ActivityTypeSchema,
    })
    .nullable(),
  namedPages: shared.namedPages,
  pageViews: LastAtSchema.default(null),
  emailOpens: LastAtSchema.default(null),
  emailClicks: LastAtSchema.default(null),
});

const WriteBackSchema = z.strictObject({
  ...shared.tossUpFields,
  owner: OptionalField,
  reasonMaxLength: z.number().int().min(20).max(131_072),
  flagValues: z.strictObject({ yes: Value, no: Value, hold: Value }),
  nextActionValues: z.strictObject({
    field_sales_tossup: Value,
    inside_sales_follow_up: Value,
    inside_sales_hearing: Value,
    nurture: Value,
    notify_is_sales_planning: Value,
  }),
});

const TaskSchema = z.strictObject({
  keyField: Field,
  status: Value,
  /** The closed Status the SLA sweep sets when it closes a superseded task (IsClosed must follow). */
  closedStatus: Value.default('Completed'),
  priorities: z.strictObject({ high: Value, medium: Value, low: Value }),
  reminder: z.boolean().default(true),
});

/**
 * The SLA sweep's fields on Leads and Contacts (issue 13): the status picklist (values are the English
 * codes of SLA_STATUSES) and the first-response time. Defaulted, so mappings written before the
 * sweep keep working; `tossup setup salesforce` creates both fields.
 */
const SlaFieldsSchema = z.strictObject({
  status: Field,
  firstResponseAt: Field,
});

export const DEFAULT_SLA_FIELDS = {
  status: 'TossUp_SLA_Status__c',
  firstResponseAt: 'TossUp_First_Response_At__c',
} as const;

/**
 * The rep's feedback on a toss-up (issue 14) on Leads and Contacts: the result and sent-back reason
 * picklists (values are the English codes of TOSSUP_RESULTS / SENT_BACK_REASONS) and a note. Read,
 * never written, by the connector. Defaulted, so older mappings keep working; `tossup setup
 * salesforce` creates the three fields.
 */
const FeedbackFieldsSchema = z.strictObject({
  result: Field,
  sentBackReason: Field,
  note: Field,
});

export const DEFAULT_FEEDBACK_FIELDS = {
  result: 'TossUp_Result__c',
  sentBackReason: 'TossUp_Sent_Back_Reason__c',
  note: 'TossUp_Feedback_Note__c',
} as const;

/**
 * Opportunity outcomes (issue 14): the opportunity flag (商談化フラグ, a checkbox) and its date on
 * Leads and Contacts, written once by the sweep's opportunity phase; how an Opportunity reaches a
 * Contact (its contact roles, or every contact of its Account); the Opportunity field with the loss
 * reason (null = none). Defaulted, so older mappings keep working.
 */
const OpportunityFieldsSchema = z.strictObject({
  flag: Field,
  flagDate: Field,
  linkBy: z.enum(['contact_roles', 'account']).default('contact_roles'),
  lostReasonField: OptionalField.default(null),
});

export const DEFAULT_OPPORTUNITY_FIELDS = {
  flag: 'TossUp_Opportunity__c',
  flagDate: 'TossUp_Opportunity_Date__c',
  linkBy: 'contact_roles',
  lostReasonField: null,
} as const;

/**
 * The manager's approval (issue 14, rules with `approval: manager`) on Leads and Contacts: the answer
 * picklist (values approved / rejected) and the rejection reason. Read by the sweep, never written.
 */
const ApprovalFieldsSchema = z.strictObject({
  decision: Field,
  rejectionReason: Field,
});

export const DEFAULT_APPROVAL_FIELDS = {
  decision: 'TossUp_Approval__c',
  rejectionReason: 'TossUp_Rejection_Reason__c',
} as const;

/**
 * A person's override of the toss-up flag (issue 14) on Leads and Contacts: a picklist with the values
 * yes / no / hold, set by people and read, never written, by the connector (src/pipeline/human-override.ts).
 * Defaulted, so older mappings keep working; `tossup setup salesforce` creates it.
 */
const OverrideFieldsSchema = z.strictObject({
  flag: Field,
});

export const DEFAULT_OVERRIDE_FIELDS = {
  flag: 'TossUp_Override__c',
} as const;

const MappingShapeSchema = z.strictObject({
  version: z.literal(1),
  lead: LeadSchema,
  contact: ContactSchema,
  account: AccountSchema,
  industryValues: z.record(Value, z.string().min(1)).default({}),
  maBehaviourScore: OptionalField,
  hearing: shared.hearing,
  manualRequest: shared.manualRequest,
  behaviour: BehaviourSchema,
  writeBack: WriteBackSchema,
  sla: SlaFieldsSchema.default({ ...DEFAULT_SLA_FIELDS }),
  feedback: FeedbackFieldsSchema.default({ ...DEFAULT_FEEDBACK_FIELDS }),
  opportunity: OpportunityFieldsSchema.default({ ...DEFAULT_OPPORTUNITY_FIELDS }),
  approval: ApprovalFieldsSchema.default({ ...DEFAULT_APPROVAL_FIELDS }),
  override: OverrideFieldsSchema.default({ ...DEFAULT_OVERRIDE_FIELDS }),
  tasks: TaskSchema,
});

export const SalesforceMappingSchema = MappingShapeSchema.superRefine(
  (parsed, ctx) => {
    // Also run when other fields are wrong (`when` below), so a duplicate picklist value is reported
    // with the rest in one pass: the value may then be partly unparsed, so every part is read warily.
    const m = parsed as unknown as Record<string, unknown>;
    const writeBack = rec(m.writeBack);
    // Two of our values on one picklist value would make reading the current flag back ambiguous.
    const distinct = (section: 'writeBack' | 'hearing', key: string, values: Record<string, unknown>) => {
      const seen = new Map<string, string>();
      for (const [ours, theirs] of Object.entries(values)) {
        if (typeof theirs !== 'string') continue;
        const other = seen.get(theirs);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [section, key, ours],
            message: `"${ours}" uses the same picklist value "${theirs}" as "${other}"`,
            params: { hint: 'give each of our values its own picklist value' },
          });
        }
        seen.set(theirs, ours);
      }
    };
    distinct('writeBack', 'flagValues', rec(writeBack.flagValues));
    distinct('writeBack', 'nextActionValues', rec(writeBack.nextActionValues));
    if (m.hearing) distinct('hearing', 'answerValues', rec(rec(m.hearing).answerValues));
    // Writing to a field we also read as an input would feed our own output back into the decision.
    const inputs = new Map<string, string>();
    const noteInput = (path: string, f: unknown) => {
      if (typeof f === 'string') inputs.set(f.toLowerCase(), path);
    };
    noteInput('maBehaviourScore', m.maBehaviourScore);
    for (const [k, v] of Object.entries(rec(m.hearing)))
      if (k !== 'answerValues') noteInput(`hearing.${k}`, v);
    noteInput('manualRequest.requested', rec(m.manualRequest).requested);
    const lead = rec(m.lead);
    for (const k of ['title', 'department', 'email', 'company', 'employees', 'employeesText'] as const) {
      noteInput(`lead.${k}`, lead[k]);
    }
    const seenWritten = new Map<string, string>();
    const sla = rec(m.sla);
    const feedback = rec(m.feedback);
    const opportunity = rec(m.opportunity);
    // Feedback fields are not written, but sharing one with a written or read field would mix the
    // rep's verdict with the engine's values, so they are checked alike.
    const written: [section: 'writeBack' | 'sla' | 'feedback' | 'opportunity', key: string, name: unknown][] =
      [
        ...TOSSUP_FIELDS.map((k) => ['writeBack', k, writeBack[k]] as ['writeBack', string, unknown]),
        ['sla', 'status', sla.status],
        ['sla', 'firstResponseAt', sla.firstResponseAt],
        ['feedback', 'result', feedback.result],
        ['feedback', 'sentBackReason', feedback.sentBackReason],
        ['feedback', 'note', feedback.note],
        ['opportunity', 'flag', opportunity.flag],
        ['opportunity', 'flagDate', opportunity.flagDate],
      ];
    for (const [section, key, name] of written) {
      if (typeof name !== 'string') continue;
      const field = name.toLowerCase();
      const input = inputs.get(field);
      if (input) {
        ctx.addIssue({
          code: 'custom',
          path: [section, key],
          message: `"${name}" is also read as ${input}`,
          params: {
            hint: 'write the toss-up result to its own field (tossup setup salesforce creates them)',
          },
        });
      }
      const twice = seenWritten.get(field);
      if (twice) {
        ctx.addIssue({
          code: 'custom',
          path: [section, key],
          message: `"${name}" is already used for ${twice}`,
          params: { hint: 'each toss-up value needs its own field' },
        });
      }
      seenWritten.set(field, `${section}.${key}`);
    }
  },
  { when: () => true },
);

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((v, k) => rec(v)[k as string], data);
}

export type SalesforceMapping = z.output<typeof SalesforceMappingSchema>;

/** Picklist values of the toss-up and hearing fields, ours ↔ the org's. */
export interface ValueMaps {
  flagToOrg: Readonly<Record<TossUpFlag, string>>;
  flagFromOrg: ReadonlyMap<string, TossUpFlag>;
  nextActionToOrg: Readonly<Record<NextAction, string>>;
  nextActionFromOrg: ReadonlyMap<string, NextAction>;
  answerFromOrg: ReadonlyMap<string, HearingAnswer>;
}

export function valueMaps(m: SalesforceMapping): ValueMaps {
  const flags = m.writeBack.flagValues;
  const actions = m.writeBack.nextActionValues;
  return {
    flagToOrg: flags,
    flagFromOrg: new Map(TossUpFlagSchema.options.map((f) => [flags[f], f] as const)),
    nextActionToOrg: actions,
    nextActionFromOrg: new Map(NextActionSchema.options.map((a) => [actions[a], a] as const)),
    answerFromOrg: answersFromCrm(m.hearing),
  };
}

/** Activity type of one campaign response: name rules first, then Campaign.Type, then `otherwise`. */
export function campaignActivityType(
  cm: NonNullable<SalesforceMapping['behaviour']['campaignMembers']>,
  campaignType: string | null,
  campaignName: string | null,
): ActivityType {
  if (campaignName) {
    for (const rule of cm.names) if (new RegExp(rule.match, 'iu').test(campaignName)) return rule.type;
  }
  if (campaignType && Object.hasOwn(cm.types, campaignType)) return cm.types[campaignType]!;
  return cm.otherwise;
}

const SECTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(MappingShapeSchema.shape),
  lead: Object.keys(LeadSchema.shape),
  contact: Object.keys(ContactSchema.shape),
  account: Object.keys(AccountSchema.shape),
  ...shared.keys,
  behaviour: Object.keys(BehaviourSchema.shape),
  writeBack: Object.keys(WriteBackSchema.shape),
  sla: Object.keys(SlaFieldsSchema.shape),
  feedback: Object.keys(FeedbackFieldsSchema.shape),
  opportunity: Object.keys(OpportunityFieldsSchema.shape),
  approval: Object.keys(ApprovalFieldsSchema.shape),
  override: Object.keys(OverrideFieldsSchema.shape),
  tasks: Object.keys(TaskSchema.shape),
};

const mappingHint: IssueHint = (issue, data) => {
  const badName =
    (issue.code === 'invalid_format' && issue.format === 'regex') ||
    (issue.code === 'custom' && issue.message === 'not a Salesforce field API name');
  if (badName) {
    const value = valueAt(data, issue.path);
    // Labels ("Job Title", "役職") are what admins see in Setup; the API name sits next to them.
    return typeof value === 'string' && /[^\x21-\x7e]/.test(value)
      ? `"${value}" looks like a field label; ${FIELD_HINT}`
      : FIELD_HINT;
  }
  if (issue.code === 'unrecognized_keys') {
    const accepted = SECTION_KEYS[issue.path.map(String).join('.')];
    if (!accepted) return undefined;
    return unknownKeyHint(issue.keys[0] ?? '', accepted);
  }
  if (issue.code === 'invalid_union' && issue.path.join('.') === 'account.previouslyLost') {
    return 'write { source: opportunities, withinDays: null }, { rollupField: <Account field API name> } or null';
  }
  return undefined;
};

export function parseSalesforceMapping(text: string, file: string): SalesforceMapping {
  return parseYamlWithSchema(text, file, SalesforceMappingSchema, mappingHint);
}

export const DEFAULT_MAPPING_FILE = 'mappings/salesforce.yaml';

/** Reads and validates the mapping; a missing file is a `ConfigError` too (line 0). */
export function loadSalesforceMapping(file = DEFAULT_MAPPING_FILE): SalesforceMapping {
  const text = readConfigFile(
    file,
    'Salesforce mapping',
    'pass the path of your mapping file, or copy mappings/salesforce.yaml and edit it',
  );
  return parseSalesforceMapping(text, file);
}
