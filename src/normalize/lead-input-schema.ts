import { z } from 'zod';

/**
 * What a lead in a file (`tossup score --input x.jsonl|x.csv`) may look like. Deliberately
 * lenient: every field is optional except `id`, and text is accepted wherever a number, date or
 * boolean is meant, because files come from spreadsheets and CRM exports. `normalizeLead` turns
 * it into the strict `Lead`; a value that cannot be read becomes `null` plus a `dataIssues` entry,
 * never a rejected file. Unknown keys are ignored (so exports may carry extra columns), and flat
 * aliases such as `employees` or `title` are resolved first (see docs/lead-model.md).
 *
 * This schema documents the format (docs/schema/lead-input.schema.json); `normalizeLead` applies
 * the same field types and reports each value this schema would reject as a data issue.
 */

const Text = z.union([z.string(), z.number(), z.null()]);
const Figure = z.union([z.number(), z.string(), z.null()]);
const Flag = z.union([z.boolean(), z.number(), z.string(), z.null()]);
const DateTime = z
  .union([z.string(), z.number(), z.null()])
  .describe(
    'ISO 8601 (offset optional), Salesforce `+0000`, epoch milliseconds, or `2026/11/20 10:00`; no offset = Asia/Tokyo',
  );
const Answer = z
  .union([z.string(), z.boolean(), z.number(), z.null()])
  .describe('yes/no/unknown, あり/なし/不明, はい/いいえ, 確認済/未確認, true/false, 1/0; blank = unknown');

export const ActivityInputSchema = z
  .object({
    type: z.string().describe('activity type or a known alias (資料請求, webinar, セミナー参加, ...)'),
    at: DateTime,
    page: Text.optional(),
    source: Text.optional(),
  })
  .loose();

export const HearingInputSchema = z
  .object({
    heardAt: DateTime.optional(),
    budget: Answer.optional(),
    decisionMaker: Answer.optional(),
    decisionInvolved: Answer.optional(),
    clearProblem: Answer.optional(),
    timelineMonths: Figure.optional().describe('months: 3, "3ヶ月以内", "半年", "3-6 months" (upper end)'),
    notes: Text.optional(),
  })
  .loose()
  .nullable()
  .describe('absent or null = not heard yet; an object = heard (blank answers mean unknown)');

export const LeadInputSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).describe('CRM record id (required)'),
    objectType: Text.optional(),
    ownerId: Text.optional(),
    modifiedAt: DateTime.optional(),
    company: z
      .object({
        name: Text.optional(),
        employees: Figure.optional().describe('1200, "1,200名", "50-99" (lower bound), "1.2万人"'),
        revenueJpy: Figure.optional().describe('yen: 1000000000, "10億円", "5,000万円", "¥300,000,000"'),
        industry: Text.optional(),
        region: Text.optional(),
        existingCustomer: Flag.optional(),
        accountOwnerId: Text.optional(),
        strategicTarget: Flag.optional(),
      })
      .loose()
      .or(z.string().describe('the company name alone'))
      .nullable()
      .optional(),
    person: z
      .object({
        name: Text.optional().describe(
          "the person's display name, used only to name the lead in chat notices",
        ),
        title: Text.optional(),
        department: Text.optional(),
        email: Text.optional().describe('only its domain is kept'),
        emailDomain: Text.optional(),
      })
      .loose()
      .nullable()
      .optional(),
    activities: z
      .union([z.array(ActivityInputSchema), z.string().describe('a JSON array (CSV column)'), z.null()])
      .optional(),
    maBehaviourScore: Figure.optional(),
    hearing: HearingInputSchema.optional(),
    history: z
      .object({ previouslyLost: Flag.optional(), lastTossUpAt: DateTime.optional() })
      .loose()
      .nullable()
      .optional(),
    manualRequest: z
      .union([
        z
          .object({ requested: Flag.optional(), requestedBy: Text.optional(), at: DateTime.optional() })
          .loose(),
        z.boolean(),
        z.number(),
        z.string(),
        z.null(),
      ])
      .optional()
      .describe('sales asked for a toss-up: true, or { requestedBy, at }'),
    current: z
      .object({
        flag: z.union([z.string(), z.boolean(), z.null()]).optional(),
        reason: Text.optional(),
        nextAction: z.string().nullable().optional(),
        attributeScore: Figure.optional(),
        behaviourScore: Figure.optional(),
        dueAt: DateTime.optional(),
        decisionKey: Text.optional(),
        feedback: z
          .object({
            result: Text.optional(),
            sentBackReason: Text.optional(),
            note: Text.optional(),
            changedAt: DateTime.optional(),
          })
          .loose()
          .nullable()
          .optional()
          .describe("the rep's verdict, read only: result, sentBackReason, note"),
        override: z
          .object({ flag: Text.optional(), modifiedBy: Text.optional(), modifiedAt: DateTime.optional() })
          .loose()
          .nullable()
          .optional()
          .describe(
            "a person's override, read only: flag (yes/no/hold), modifiedBy, modifiedAt of the record",
          ),
      })
      .loose()
      .nullable()
      .optional(),
  })
  .loose();
export type LeadInput = z.input<typeof LeadInputSchema>;
