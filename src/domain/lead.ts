import { z } from 'zod';
import { OverrideReadSchema } from './human-override.ts';
import { RepFeedbackSchema } from './rep-feedback.ts';

/**
 * The CRM-neutral lead every connector produces and the engine consumes.
 * Values are already normalized (numbers are numbers, titles carry a rank); the raw text a value
 * came from is kept only where sales need to see it in a reason (title) or where it failed to parse
 * (`dataIssues`). `null` always means "the CRM had nothing"; a parse failure is `null` plus an issue.
 */

export const CrmNameSchema = z.enum(['salesforce', 'hubspot', 'file']);
export type CrmName = z.infer<typeof CrmNameSchema>;

export const TossUpFlagSchema = z.enum(['yes', 'no', 'hold']);
export type TossUpFlag = z.infer<typeof TossUpFlagSchema>;

export const NextActionSchema = z.enum([
  'field_sales_tossup',
  'inside_sales_follow_up',
  'inside_sales_hearing',
  'nurture',
  'notify_is_sales_planning',
]);
export type NextAction = z.infer<typeof NextActionSchema>;

export const PrioritySchema = z.enum(['high', 'medium', 'low']);
export type Priority = z.infer<typeof PrioritySchema>;

/** Seniority ladder shared by Japanese and English titles; higher is more senior. */
export const TitleRankSchema = z.enum([
  'staff',
  'senior_staff',
  'supervisor',
  'manager',
  'deputy_head',
  'department_head',
  'division_head',
  'officer',
  'executive',
]);
export type TitleRank = z.infer<typeof TitleRankSchema>;
/** The ladder, most junior first: the one list the normalizer, the rules and the sample-data generator use. */
export const TITLE_RANKS: readonly TitleRank[] = TitleRankSchema.options;
/** Position on the ladder, 1 = staff. */
export const TITLE_RANK_ORDER: Readonly<Record<TitleRank, number>> = Object.fromEntries(
  TITLE_RANKS.map((rank, i) => [rank, i + 1]),
) as Record<TitleRank, number>;

export const ActivityTypeSchema = z.enum([
  'document_request',
  'webinar_attendance',
  'event_attendance',
  'form_submission',
  'inquiry',
  'email_open',
  'email_click',
  'page_view',
]);
export type ActivityType = z.infer<typeof ActivityTypeSchema>;

const IsoDateTime = z.iso.datetime({ offset: true });

export const ActivitySchema = z.object({
  type: ActivityTypeSchema,
  /** When it happened (ISO 8601 with offset). */
  at: IsoDateTime,
  /** Named page for page views, e.g. `pricing`; free text otherwise ignored by scoring. */
  page: z.string().min(1).optional(),
  /** Campaign or asset the activity belongs to, shown in hand-off notes. */
  source: z.string().min(1).optional(),
});
export type Activity = z.infer<typeof ActivitySchema>;

/** Answer to a yes/no hearing question once IS has asked it; `unknown` = asked, no clear answer. */
export const HearingAnswerSchema = z.enum(['yes', 'no', 'unknown']);
export type HearingAnswer = z.infer<typeof HearingAnswerSchema>;

/**
 * IS hearing results. The whole object is `null` while the lead has not been heard yet; once heard,
 * each answer is explicit (`unknown` when the prospect could not say), and `timelineMonths` is
 * `null` when heard but no timeline was given.
 */
export const HearingSchema = z.object({
  heardAt: IsoDateTime.nullable(),
  budget: HearingAnswerSchema,
  decisionMaker: HearingAnswerSchema,
  decisionInvolved: HearingAnswerSchema,
  clearProblem: HearingAnswerSchema,
  timelineMonths: z.number().nonnegative().nullable(),
  notes: z.string().nullable(),
});
export type Hearing = z.infer<typeof HearingSchema>;

/** The toss-up fields the engine writes, as the CRM currently holds them, so write-back can skip unchanged values. */
const WrittenTossUpSchema = z.object({
  flag: TossUpFlagSchema.nullable(),
  reason: z.string().nullable(),
  nextAction: NextActionSchema.nullable(),
  attributeScore: z.number().nullable(),
  behaviourScore: z.number().nullable(),
  dueAt: IsoDateTime.nullable(),
  /** Decision key of the last toss-up task created, used to avoid a second task. */
  decisionKey: z.string().nullable(),
});
/**
 * What the CRM holds: the written fields plus, read only, the rep's verdict (issue 14). `feedback`
 * is absent when the rep has set nothing (or the CRM has no feedback fields).
 */
export const CurrentTossUpSchema = WrittenTossUpSchema.extend({
  feedback: RepFeedbackSchema.optional(),
  /** A person's override of the flag and the record's last modifier (human-override.ts); absent when not read. */
  override: OverrideReadSchema.optional(),
});
export type CurrentTossUp = z.infer<typeof CurrentTossUpSchema>;
/**
 * The toss-up fields the product writes to a CRM and reads back as `current`: the one list both
 * connectors read and both CRM mappings require a field for. Never the rep's feedback.
 */
export const TOSSUP_FIELDS: readonly TossUpField[] = WrittenTossUpSchema.keyof().options;
export type TossUpField = keyof z.infer<typeof WrittenTossUpSchema>;

export const DataIssueSchema = z.object({
  /** Lead path the value was meant for, e.g. `company.employees`. */
  field: z.string(),
  /** The raw value as received (truncated), for the reason shown to sales. */
  raw: z.string(),
  problem: z.enum(['unparseable', 'out_of_range', 'unknown_value']),
});
export type DataIssue = z.infer<typeof DataIssueSchema>;

export const LeadSchema = z.object({
  id: z.string().min(1),
  crm: CrmNameSchema,
  /** CRM object the lead lives in: `Lead`/`Contact` for Salesforce, `contact` for HubSpot. */
  objectType: z.string().min(1),
  ownerId: z.string().nullable(),
  /** Last modification in the CRM, the sync cursor value. */
  modifiedAt: IsoDateTime.nullable(),
  company: z.object({
    name: z.string().nullable(),
    employees: z.number().int().nonnegative().nullable(),
    /** Annual revenue in JPY. */
    revenueJpy: z.number().nonnegative().nullable(),
    industry: z.string().nullable(),
    region: z.string().nullable(),
    existingCustomer: z.boolean(),
    accountOwnerId: z.string().nullable(),
    strategicTarget: z.boolean(),
  }),
  person: z.object({
    /**
     * The person's display name (Salesforce `Name`; HubSpot first/last name, family name first when
     * Japanese), read in the same query as the rest. Personal data: used only to name the lead in a
     * chat notice (src/domain/lead-label.ts), never scored, logged or reported. Optional: leads from
     * files and older fixtures have none.
     */
    name: z.string().nullable().optional(),
    title: z.string().nullable(),
    titleRank: TitleRankSchema.nullable(),
    department: z.string().nullable(),
    emailDomain: z.string().nullable(),
  }),
  activities: z.array(ActivitySchema),
  /** Behaviour score supplied by an MA tool (e.g. Account Engagement), when the mapping has one. */
  maBehaviourScore: z.number().nullable(),
  hearing: HearingSchema.nullable(),
  history: z.object({
    previouslyLost: z.boolean(),
    lastTossUpAt: IsoDateTime.nullable(),
  }),
  manualRequest: z
    .object({
      requestedBy: z.string().nullable(),
      at: IsoDateTime.nullable(),
    })
    .nullable(),
  current: CurrentTossUpSchema,
  dataIssues: z.array(DataIssueSchema),
});
export type Lead = z.infer<typeof LeadSchema>;

export const EMPTY_CURRENT: CurrentTossUp = Object.freeze({
  flag: null,
  reason: null,
  nextAction: null,
  attributeScore: null,
  behaviourScore: null,
  dueAt: null,
  decisionKey: null,
});
