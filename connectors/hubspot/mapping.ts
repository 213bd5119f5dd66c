import { z } from 'zod';
import { unknownKeyHint } from '../../src/config/did-you-mean.ts';
import { answersFromCrm, recordAt as rec, sharedMappingSections } from '../../src/config/mapping-sections.ts';
import { readConfigFile } from '../../src/config/read-config-file.ts';
import { RegexSchema } from '../../src/config/regex-schema.ts';
import { type IssueHint, parseYamlWithSchema } from '../../src/config/yaml-locate.ts';
import {
  ActivityTypeSchema,
  type HearingAnswerSchema,
  NextActionSchema,
  TOSSUP_FIELDS,
  TossUpFlagSchema,
} from '../../src/domain/lead.ts';
import { SLA_STATUSES, type SlaStatus } from '../../src/ports/episode-crm.ts';
import { SLA_STATUS_LABELS } from '../../src/reasons/sla-status-label.ts';

/**
 * Schema of `mappings/hubspot.yaml`: which HubSpot properties feed which Lead fields, how option
 * values translate, and which contact properties the connector writes. Parsed with the shared
 * YAML locator, so every problem is reported as `file:line:column path: message` with a hint.
 */

const PROPERTY_NAME = /^[a-z0-9][a-z0-9_]*$/;
const PROPERTY_HINT =
  "use the property's internal name (Settings → Properties → the property → internal name): lower-case letters, digits and _, e.g. jobtitle";

const Property = z.string().regex(PROPERTY_NAME, { error: 'not a HubSpot internal property name' });
/** A property the connector can do without: `null` switches it off. */
const OptionalProperty = Property.nullable();
const shared = sharedMappingSections(Property, z.string().min(1));

const ContactSchema = z.strictObject({
  owner: Property,
  /** The person's given and family name, read only, for the chat notices' lead name (defaulted for older mappings). */
  firstName: OptionalProperty.default('firstname'),
  lastName: OptionalProperty.default('lastname'),
  title: OptionalProperty,
  department: OptionalProperty,
  email: OptionalProperty,
  primaryCompanyId: OptionalProperty,
  companyName: OptionalProperty,
  employeesText: OptionalProperty,
  region: OptionalProperty,
  maBehaviourScore: OptionalProperty,
});

const CompanySchema = z.strictObject({
  name: OptionalProperty,
  employees: OptionalProperty,
  revenueJpy: OptionalProperty,
  industry: OptionalProperty,
  region: OptionalProperty,
  owner: OptionalProperty,
  strategicTarget: OptionalProperty,
  existingCustomer: z
    .strictObject({ property: Property, values: z.array(z.string().min(1)).min(1) })
    .nullable(),
  industryValues: z.record(z.string().min(1), z.string().min(1)).default({}),
});

const DealsSchema = z
  .strictObject({ stageProperty: Property, lostStages: z.array(z.string().min(1)).min(1) })
  .nullable();

const Regex = RegexSchema;

const LastAtSchema = shared.lastAt;

const BehaviourSchema = z.strictObject({
  conversions: z
    .strictObject({
      count: OptionalProperty,
      firstAt: OptionalProperty,
      firstName: OptionalProperty,
      lastAt: Property,
      lastName: OptionalProperty,
      types: z.array(z.strictObject({ match: Regex, type: ActivityTypeSchema })).default([]),
      otherwise: ActivityTypeSchema,
    })
    .nullable(),
  pageViews: LastAtSchema,
  namedPages: shared.namedPages,
  emailOpens: LastAtSchema,
  emailClicks: LastAtSchema,
  events: z
    .strictObject({
      enabled: z.boolean(),
      lookbackDays: z.number().int().positive().max(3650),
      pageProperty: z.string().min(1).nullable(),
      sourceProperty: z.string().min(1).nullable(),
      types: z.record(z.string().min(1), ActivityTypeSchema),
    })
    .nullable()
    .default(null),
});

const OptionSchema = z.strictObject({ value: z.string().min(1), label: z.string().min(1) });

const WriteBackSchema = z.strictObject({
  group: z.strictObject({ name: Property, label: z.string().min(1) }),
  ...shared.tossUpFields,
  owner: OptionalProperty,
  reasonMaxLength: z.number().int().min(20).max(65_536),
  flagOptions: z.strictObject({ yes: OptionSchema, no: OptionSchema, hold: OptionSchema }),
  nextActionOptions: z.strictObject({
    field_sales_tossup: OptionSchema,
    inside_sales_follow_up: OptionSchema,
    inside_sales_hearing: OptionSchema,
    nurture: OptionSchema,
    notify_is_sales_planning: OptionSchema,
  }),
});

/** The SLA watch after the hand-off (issue 13): what the sweep writes on the contact. */
const SlaStatusOptionsSchema = z.strictObject(
  Object.fromEntries(SLA_STATUSES.map((s) => [s, OptionSchema])) as Record<SlaStatus, typeof OptionSchema>,
);

const SlaSchema = z.strictObject({
  status: Property,
  firstResponseAt: Property,
  statusOptions: SlaStatusOptionsSchema,
});

/** A mapping written before the sweep existed gets these (and `tossup setup hubspot` creates them). */
const DEFAULT_SLA: z.infer<typeof SlaSchema> = {
  status: 'tossup_sla_status',
  firstResponseAt: 'tossup_first_response_at',
  statusOptions: Object.fromEntries(
    SLA_STATUSES.map((s) => [s, { value: s, label: SLA_STATUS_LABELS.ja[s] }]),
  ) as Record<SlaStatus, { value: string; label: string }>,
};

/**
 * The rep's feedback on a toss-up (issue 14): contact properties a person sets and the connector only
 * reads. Option values are the codes of TOSSUP_RESULTS / SENT_BACK_REASONS, labels from
 * src/reasons/feedback-label.ts. Defaulted so older mappings keep working; setup creates them.
 */
const FeedbackSchema = z.strictObject({
  result: Property,
  sentBackReason: Property,
  note: Property,
});

export const DEFAULT_FEEDBACK: z.infer<typeof FeedbackSchema> = {
  result: 'tossup_result',
  sentBackReason: 'tossup_sent_back_reason',
  note: 'tossup_feedback_note',
};

/**
 * Opportunity outcomes (issue 14): the opportunity flag (商談化フラグ, a checkbox) and its date on the
 * contact, written once by the sweep's opportunity phase, and how a deal's stage says won or lost.
 * Defaulted so older mappings keep working; setup creates the two contact properties.
 */
const OpportunitySchema = z.strictObject({
  flag: Property,
  flagDate: Property,
  stageProperty: Property,
  wonStages: z.array(z.string().min(1)).min(1),
  lostStages: z.array(z.string().min(1)).min(1),
  lostReasonProperty: OptionalProperty,
});

export const DEFAULT_OPPORTUNITY: z.infer<typeof OpportunitySchema> = {
  flag: 'tossup_opportunity',
  flagDate: 'tossup_opportunity_date',
  stageProperty: 'dealstage',
  wonStages: ['closedwon'],
  lostStages: ['closedlost'],
  lostReasonProperty: 'closed_lost_reason',
};

/**
 * The manager's approval (issue 14, rules with `approval: manager`): contact properties the manager
 * sets and the sweep only reads (values approved / rejected). Defaulted; setup creates them.
 */
const ApprovalSchema = z.strictObject({
  decision: Property,
  rejectionReason: Property,
});

export const DEFAULT_APPROVAL: z.infer<typeof ApprovalSchema> = {
  decision: 'tossup_approval',
  rejectionReason: 'tossup_rejection_reason',
};

/**
 * A person's override of the toss-up flag (issue 14): a contact dropdown (yes / no / hold) people set
 * and the connector only reads (src/pipeline/human-override.ts). Defaulted; setup creates it.
 */
const OverrideSchema = z.strictObject({
  flag: Property,
});

export const DEFAULT_OVERRIDE: z.infer<typeof OverrideSchema> = { flag: 'tossup_override' };

const TaskSchema = z.strictObject({
  keyProperty: Property,
  type: z.enum(['TODO', 'CALL', 'EMAIL']),
  priorities: z.strictObject({
    high: z.enum(['HIGH', 'MEDIUM', 'LOW']),
    medium: z.enum(['HIGH', 'MEDIUM', 'LOW']),
    low: z.enum(['HIGH', 'MEDIUM', 'LOW']),
  }),
});

export const HubspotMappingSchema = z
  .strictObject({
    version: z.literal(1),
    contact: ContactSchema,
    company: CompanySchema,
    deals: DealsSchema,
    hearing: shared.hearing,
    manualRequest: shared.manualRequest,
    behaviour: BehaviourSchema,
    writeBack: WriteBackSchema,
    sla: SlaSchema.default(DEFAULT_SLA),
    feedback: FeedbackSchema.default({ ...DEFAULT_FEEDBACK }),
    opportunity: OpportunitySchema.default({ ...DEFAULT_OPPORTUNITY }),
    approval: ApprovalSchema.default({ ...DEFAULT_APPROVAL }),
    override: OverrideSchema.default({ ...DEFAULT_OVERRIDE }),
    tasks: TaskSchema,
  })
  .superRefine(
    (parsed, ctx) => {
      // Also run when other fields are wrong (`when` below), so these are reported with the rest in
      // one pass: the value may then be partly unparsed, so every part is read warily.
      const m = parsed as unknown as Record<string, unknown>;
      const writeBack = rec(m.writeBack);
      // Two of our values on one portal option would make reading the flag back ambiguous.
      const distinct = (field: 'flagOptions' | 'nextActionOptions') => {
        const seen = new Map<string, string>();
        for (const [ours, option] of Object.entries(rec(writeBack[field]))) {
          const value = rec(option).value;
          if (typeof value !== 'string') continue;
          const other = seen.get(value);
          if (other !== undefined) {
            ctx.addIssue({
              code: 'custom',
              path: ['writeBack', field, ours, 'value'],
              message: `"${ours}" uses the same option value "${value}" as "${other}"`,
              params: { hint: 'give each value its own option value' },
            });
          }
          seen.set(value, ours);
        }
      };
      distinct('flagOptions');
      distinct('nextActionOptions');
      const slaSeen = new Map<string, string>();
      for (const [ours, option] of Object.entries(rec(rec(m.sla).statusOptions))) {
        const value = rec(option).value;
        if (typeof value !== 'string') continue;
        const other = slaSeen.get(value);
        if (other !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['sla', 'statusOptions', ours, 'value'],
            message: `"${ours}" uses the same option value "${value}" as "${other}"`,
            params: { hint: 'give each SLA status its own option value' },
          });
        }
        slaSeen.set(value, ours);
      }
      const answers = Object.entries(rec(rec(m.hearing).answerValues));
      const dup = answers.find(([, v], i) => answers.findIndex(([, w]) => w === v) !== i);
      if (dup) {
        ctx.addIssue({
          code: 'custom',
          path: ['hearing', 'answerValues', dup[0]],
          message: `"${dup[0]}" uses the same option value "${String(dup[1])}" as another answer`,
          params: { hint: 'map yes, no and unknown to three different option values' },
        });
      }
      // The rep's verdict in a property the connector writes would be overwritten by the next run.
      const ours = new Set(
        [...TOSSUP_FIELDS.map((k) => writeBack[k]), rec(m.sla).status, rec(m.sla).firstResponseAt].filter(
          (p): p is string => typeof p === 'string',
        ),
      );
      for (const [key, name] of Object.entries(rec(m.feedback))) {
        if (typeof name === 'string' && ours.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['feedback', key],
            message: `"${name}" is also written by the connector`,
            params: {
              hint: "keep the rep's feedback in its own property (tossup setup hubspot creates them)",
            },
          });
        }
      }
      // Writing to a property we also read as an input would feed our own output back in.
      const contact = rec(m.contact);
      const inputs = new Set(
        [contact.title, contact.department, contact.maBehaviourScore, contact.employeesText].filter(
          (p): p is string => typeof p === 'string',
        ),
      );
      for (const key of TOSSUP_FIELDS) {
        const name = writeBack[key];
        if (typeof name === 'string' && inputs.has(name)) {
          ctx.addIssue({
            code: 'custom',
            path: ['writeBack', key],
            message: `"${name}" is also read as a lead input`,
            params: {
              hint: 'write the toss-up result to its own property (tossup setup hubspot creates them)',
            },
          });
        }
      }
    },
    { when: () => true },
  );

export type HubspotMapping = z.output<typeof HubspotMappingSchema>;

/** The enumeration values of the toss-up fields, ours ↔ the portal's. */
export interface OptionMaps {
  flagToPortal: Readonly<Record<z.infer<typeof TossUpFlagSchema>, string>>;
  flagFromPortal: ReadonlyMap<string, z.infer<typeof TossUpFlagSchema>>;
  nextActionToPortal: Readonly<Record<z.infer<typeof NextActionSchema>, string>>;
  nextActionFromPortal: ReadonlyMap<string, z.infer<typeof NextActionSchema>>;
  answerFromPortal: ReadonlyMap<string, z.infer<typeof HearingAnswerSchema>>;
}

export function optionMaps(m: HubspotMapping): OptionMaps {
  const flag = m.writeBack.flagOptions;
  const next = m.writeBack.nextActionOptions;
  return {
    flagToPortal: { yes: flag.yes.value, no: flag.no.value, hold: flag.hold.value },
    flagFromPortal: new Map(TossUpFlagSchema.options.map((f) => [flag[f].value, f] as const)),
    nextActionToPortal: Object.fromEntries(NextActionSchema.options.map((a) => [a, next[a].value])) as Record<
      z.infer<typeof NextActionSchema>,
      string
    >,
    nextActionFromPortal: new Map(NextActionSchema.options.map((a) => [next[a].value, a] as const)),
    answerFromPortal: answersFromCrm(m.hearing),
  };
}

/** Keys each section accepts, for "did you mean" hints on typos. */
const SECTION_KEYS: Readonly<Record<string, readonly string[]>> = {
  '': [
    'version',
    'contact',
    'company',
    'deals',
    'hearing',
    'manualRequest',
    'behaviour',
    'writeBack',
    'sla',
    'feedback',
    'approval',
    'override',
    'tasks',
  ],
  contact: Object.keys(ContactSchema.shape),
  company: Object.keys(CompanySchema.shape),
  deals: ['stageProperty', 'lostStages'],
  ...shared.keys,
  behaviour: Object.keys(BehaviourSchema.shape),
  writeBack: Object.keys(WriteBackSchema.shape),
  sla: Object.keys(SlaSchema.shape),
  feedback: Object.keys(FeedbackSchema.shape),
  opportunity: Object.keys(OpportunitySchema.shape),
  approval: Object.keys(ApprovalSchema.shape),
  override: Object.keys(OverrideSchema.shape),
  'sla.statusOptions': [...SLA_STATUSES],
  tasks: Object.keys(TaskSchema.shape),
};

const mappingHint: IssueHint = (issue, data) => {
  if (issue.code === 'invalid_format' && issue.format === 'regex') {
    const value = issue.path.reduce<unknown>(
      (v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
      data,
    );
    // Labels ("Job Title", "役職") are what admins see in Settings; the internal name sits next to them.
    return typeof value === 'string' && /[^\x21-\x7e]/.test(value)
      ? `"${value}" looks like a property label; ${PROPERTY_HINT}`
      : PROPERTY_HINT;
  }
  if (issue.code === 'unrecognized_keys') {
    const accepted = SECTION_KEYS[issue.path.map(String).join('.')];
    if (!accepted) return undefined;
    return unknownKeyHint(issue.keys[0] ?? '', accepted);
  }
  return undefined;
};

export function parseHubspotMapping(text: string, file: string): HubspotMapping {
  return parseYamlWithSchema(text, file, HubspotMappingSchema, mappingHint);
}

export const DEFAULT_MAPPING_FILE = 'mappings/hubspot.yaml';

/** Reads and validates the mapping; a missing file is a `ConfigError` too (line 0). */
export function loadHubspotMapping(file = DEFAULT_MAPPING_FILE): HubspotMapping {
  const text = readConfigFile(
    file,
    'HubSpot mapping',
    'pass the path of your mapping file, or copy mappings/hubspot.yaml and edit it',
  );
  return parseHubspotMapping(text, file);
}
