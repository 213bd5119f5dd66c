import { z } from 'zod';
import { RESPONSE_STYLES, type RepResponseProfile } from './rep-response.ts';
import { type RepVerdictProfile, VERDICT_STYLES } from './rep-verdict.ts';
import type {
  WorldActivity,
  WorldCampaign,
  WorldCompany,
  WorldHearing,
  WorldOpportunity,
  WorldPerson,
  WorldQueue,
  WorldUser,
} from './world.ts';

/**
 * zod schemas for the records of a world file. Each is typed against the `world.ts` interface it
 * validates, so the two cannot drift apart silently (a field missing from or mistyped in a schema
 * fails the type check). Objects are strict: a misspelt field in a hand-edited file is an error,
 * not silently dropped data.
 */

const IsoDateTime = z.iso.datetime({ offset: true });
const IsoDate = z.iso.date();
const Key = z.string().min(1);
const Email = z
  .string()
  .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'expected an e-mail address like name@example.co.jp');
const Answer = z.enum(['yes', 'no', 'unknown']);

const Share = z.number().min(0).max(1);
const BusinessHours = z.number().nonnegative().max(1000);

export const RepResponseProfileSchema: z.ZodType<RepResponseProfile> = z.strictObject({
  style: z.enum(RESPONSE_STYLES),
  answerShare: Share,
  typicalDelayHours: BusinessHours,
  lateShare: Share,
  lateDelayHours: BusinessHours,
  via: z.strictObject({
    task: z.number().nonnegative(),
    call: z.number().nonnegative(),
    meeting: z.number().nonnegative(),
  }),
});

export const RepVerdictProfileSchema: z.ZodType<RepVerdictProfile> = z.strictObject({
  style: z.enum(VERDICT_STYLES),
  verdictShare: Share,
  acceptBias: z.number().min(-1).max(1),
  opportunityFactor: z.number().nonnegative().max(10),
  verdictDelayHours: BusinessHours,
  opportunityDelayHours: BusinessHours,
});

export const WorldUserSchema: z.ZodType<WorldUser> = z.strictObject({
  key: Key,
  lastName: z.string(),
  firstName: z.string(),
  email: Email,
  role: z.enum(['field_sales', 'inside_sales', 'sales_planning', 'account_manager']),
  territory: z.string().min(1),
  active: z.boolean(),
  managerKey: Key.optional(),
  response: RepResponseProfileSchema.optional(),
  verdict: RepVerdictProfileSchema.optional(),
});

export const WorldQueueSchema: z.ZodType<WorldQueue> = z.strictObject({
  key: Key,
  name: z.string().min(1),
  memberKeys: z.array(Key),
});

export const WorldOpportunitySchema: z.ZodType<WorldOpportunity> = z.strictObject({
  key: Key,
  name: z.string(),
  stage: z.enum(['Prospecting', 'Negotiation', 'Closed Won', 'Closed Lost']),
  closeDate: IsoDate,
  amountJpy: z.number().nonnegative(),
});

export const WorldCompanySchema: z.ZodType<WorldCompany> = z.strictObject({
  key: Key,
  name: z.string(),
  domain: z.string().min(1),
  employees: z.number().int().nonnegative().nullable(),
  employeesText: z.string().nullable(),
  revenueJpy: z.number().nonnegative().nullable(),
  industry: z.string().nullable(),
  prefecture: z.string().nullable(),
  territory: z.string().min(1),
  ownerKey: Key,
  existingCustomer: z.boolean(),
  strategicTarget: z.boolean(),
  opportunities: z.array(WorldOpportunitySchema),
});

export const WorldCampaignSchema: z.ZodType<WorldCampaign> = z.strictObject({
  key: Key,
  name: z.string(),
  type: z.enum(['Webinar', 'Seminar / Conference', 'Content', 'Email', 'Website']),
  startDate: IsoDate,
});

export const WorldActivitySchema: z.ZodType<WorldActivity> = z.strictObject({
  type: z.enum([
    'document_request',
    'webinar_attendance',
    'event_attendance',
    'form_submission',
    'inquiry',
    'email_open',
    'email_click',
    'page_view',
  ]),
  at: IsoDateTime,
  page: z.string().min(1).optional(),
  campaignKey: Key.optional(),
});

export const WorldHearingSchema: z.ZodType<WorldHearing> = z.strictObject({
  heardAt: IsoDateTime,
  budget: Answer,
  decisionMaker: Answer,
  decisionInvolved: Answer,
  clearProblem: Answer,
  timelineMonths: z.number().nonnegative().nullable(),
  notes: z.string().nullable(),
});

export const WorldPersonSchema: z.ZodType<WorldPerson> = z.strictObject({
  key: Key,
  companyKey: Key,
  kind: z.enum(['lead', 'contact']),
  lastName: z.string(),
  firstName: z.string(),
  email: Email,
  phone: z.string().nullable(),
  title: z.string().nullable(),
  department: z.string().nullable(),
  ownerKey: Key,
  leadSource: z.string().nullable(),
  maScore: z.number().nullable(),
  hearing: WorldHearingSchema.nullable(),
  manualRequestByKey: Key.nullable(),
  createdAt: IsoDateTime,
  modifiedAt: IsoDateTime,
  activities: z.array(WorldActivitySchema),
});

export const WORLD_FILE_FORMAT = 'tossup-world';
export const WORLD_FILE_VERSION = 1;

export const WorldHeaderSchema = z.strictObject({
  format: z.literal(WORLD_FILE_FORMAT),
  version: z.literal(WORLD_FILE_VERSION),
  seed: z.number().int(),
  asOf: IsoDateTime,
});
export type WorldHeader = z.infer<typeof WorldHeaderSchema>;

/** The record kinds of a world file, in the order a written file lists them. */
export const WORLD_RECORD_TYPES = ['world', 'user', 'queue', 'company', 'campaign', 'person'] as const;
export type WorldRecordType = (typeof WORLD_RECORD_TYPES)[number];

export const WorldRecordEnvelopeSchema = z.strictObject({
  type: z.enum(WORLD_RECORD_TYPES),
  data: z.unknown(),
});
