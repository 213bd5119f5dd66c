import { z } from 'zod';
import { ActivityTypeSchema, NextActionSchema, PrioritySchema, TossUpFlagSchema } from '../domain/lead.ts';

/**
 * The admin-editable rule file (`mappings/rules/*.yaml`). Structural checks live here; checks that
 * need the fact registry (does this fact exist, is this operator valid for its type) live in
 * `validate-rule-set.ts`, so every problem is reported at once with its line.
 */

const Id = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'use lower_snake_case letters, digits and _ (starting with a letter)');

/** Threshold names are referenced from conditions; camelCase reads naturally there (`timelineMonths`). */
const ThresholdName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'use letters, digits and _ (starting with a letter)');

export const OperatorSchema = z.enum([
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'contains',
  'matches',
]);
export type Operator = z.infer<typeof OperatorSchema>;

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/** `"30 days"` or `"10 businessDays"`: parsed by `src/scoring/hold-expiry.ts`. */
export const HOLD_DURATION_PATTERN = /^\s*([1-9]\d*)\s*(days?|businessDays?)\s*$/;
const HoldDuration = z
  .string({ error: 'write a whole number and a unit in quotes, e.g. "30 days" or "10 businessDays"' })
  .regex(HOLD_DURATION_PATTERN, {
    error:
      'write a whole number ≥ 1 and a unit, e.g. "30 days" or "10 businessDays" (units: days, businessDays)',
  })
  .describe(
    'flag: hold only: after this long on hold the lead becomes no / nurture, e.g. "30 days", "10 businessDays"',
  );

export const LeafConditionSchema = z
  .object({
    /** Name from the fact registry, e.g. `score.behaviour`, `company.employees`, `hearing.timelineMonths`. */
    fact: z.string(),
    op: OperatorSchema,
    /** Literal to compare with (a list for `in`/`notIn`). */
    value: z.union([Scalar, z.array(Scalar)]).optional(),
    /** Name of a threshold from `thresholds:` (campaign overrides can change it). */
    threshold: z.string().optional(),
    /** `activities.count` only: which activity types count (default: all). */
    types: z.array(ActivityTypeSchema).optional(),
    /** `activities.count` only: the last N days, inclusive of day N (default: the behaviour window). */
    withinDays: z.number().int().positive().optional(),
    /** `activities.count` only: only page views of this named page. */
    page: z.string().optional(),
  })
  .strict()
  .refine((c) => (c.value === undefined) !== (c.threshold === undefined), {
    message: 'give exactly one of `value` or `threshold`',
  });
export type LeafCondition = z.infer<typeof LeafConditionSchema>;

export type Condition = LeafCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ any: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ not: ConditionSchema }).strict(),
    LeafConditionSchema,
  ]),
);

export const OwnerSpecSchema = z.union([
  z.literal('account_owner'),
  z.literal('requester'),
  z.object({ queue: Id }).strict(),
]);
export type OwnerSpec = z.infer<typeof OwnerSpecSchema>;

export const OutcomeSchema = z
  .object({
    flag: TossUpFlagSchema,
    nextAction: NextActionSchema,
    priority: PrioritySchema.default('medium'),
  })
  .strict();

/**
 * A rule's intent gate (existing customers): the rule decides the owner either way, but its outcome
 * (a task) only when the lead shows intent; otherwise `otherwise` applies with the same owner as the
 * owner of record and no task. See docs/rules.md, "Existing customers: the intent floor".
 */
export const IntentSchema = z
  .object({
    /** What counts as intent, e.g. `{ fact: score.behaviour, op: gte, threshold: customerIntent }`. */
    when: ConditionSchema,
    /** The outcome without intent (default no → nurture, low): a flag other than yes, normally no task. */
    otherwise: OutcomeSchema.default({ flag: 'no', nextAction: 'nurture', priority: 'low' }),
  })
  .strict();
export type Intent = z.infer<typeof IntentSchema>;

export const RuleSchema = z
  .object({
    id: Id,
    /** One line for sales, shown in `tossup rules doc`. */
    description: z.string().optional(),
    when: ConditionSchema,
    flag: TossUpFlagSchema,
    nextAction: NextActionSchema,
    priority: PrioritySchema.default('medium'),
    owner: OwnerSpecSchema.optional(),
    /**
     * When the rule would match but some input is missing: `hold` stops here and asks for the data
     * (the lead is put on hold with the missing fields as reasons); `skip` treats it as not matched.
     */
    onMissing: z.enum(['hold', 'skip']).default('hold'),
    /** Explain a lead that ends in `otherwise` by this rule's unmet conditions. */
    explainWhenNotMet: z.boolean().default(false),
    /** Manual-request style rules: at most this many matches per requester per calendar month. */
    quotaPerMonth: z.number().int().positive().optional(),
    /**
     * `flag: hold` rules only: once the lead has been on hold this long (e.g. "30 days",
     * "10 businessDays"), it becomes `no` / `nurture` with a `hold.expired` reason.
     */
    holdExpiresAfter: HoldDuration.optional(),
    /** Only when the lead shows intent does the rule's outcome apply (see `IntentSchema`). */
    intent: IntentSchema.optional(),
    /**
     * `manager`: the toss-up waits for the team manager's approval before the rep's task is created
     * (the SLA clock starts at the approval); see docs/sales-in-the-loop.md, "Manager approval".
     */
    approval: z
      .enum(['manager'])
      .optional()
      .describe(
        "manager: the rep's task is created only once the team's manager approves (SLA from the approval)",
      ),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

const TierSchema = z
  .object({
    op: OperatorSchema,
    value: z.union([Scalar, z.array(Scalar)]),
    points: z.number().int(),
  })
  .strict();

export const AttributeGroupSchema = z
  .object({
    id: Id,
    fact: z.string(),
    /** The first matching tier scores (order tiers from best to worst). */
    tiers: z.array(TierSchema).min(1),
    /**
     * A missing value in a required group makes the score uncertain (it could be worth the best
     * tier), so a rule that depends on it holds and asks for the data. A missing value in an
     * optional group simply scores 0: CRMs rarely have every attribute and that must not stall leads.
     */
    required: z.boolean().default(false),
  })
  .strict();
export type AttributeGroup = z.infer<typeof AttributeGroupSchema>;

const IsoDate = z.iso.date('use a date like 2026-11-30');

export const RuleSetSchema = z
  .object({
    version: z.literal(1),
    name: Id,
    description: z.string().optional(),
    /** Calendar used for "last N days", campaign dates and quotas. */
    timeZone: z.string().default('Asia/Tokyo'),
    thresholds: z.record(ThresholdName, z.number()).default({}),
    attributeScore: z
      .object({
        cap: z.number().int().positive().default(100),
        groups: z.array(AttributeGroupSchema).default([]),
      })
      .strict()
      .default({ cap: 100, groups: [] }),
    behaviourScore: z
      .object({
        /** `activities`: computed here; `ma`: the MA tool's score; `ma_or_activities`: MA when present. */
        source: z.enum(['activities', 'ma', 'ma_or_activities']).default('activities'),
        windowDays: z.number().int().positive().default(90),
        /** Older activity counts less: weight × 0.5^(days ago / halfLifeDays). Omit for no decay. */
        halfLifeDays: z.number().positive().optional(),
        cap: z.number().int().positive().optional(),
        weights: z.partialRecord(ActivityTypeSchema, z.number()).default({}),
        /** Extra points for views of named pages, e.g. `pricing: 10`. */
        pageWeights: z.record(z.string(), z.number()).default({}),
      })
      .strict()
      .default({ source: 'activities', windowDays: 90, weights: {}, pageWeights: {} }),
    /** Time-boxed threshold changes, e.g. a campaign; they end by themselves after `to`. */
    overrides: z
      .array(
        z
          .object({
            id: Id,
            label: z.string(),
            /** Inclusive local dates in `timeZone`. */
            from: IsoDate,
            to: IsoDate,
            thresholds: z.record(ThresholdName, z.number()),
          })
          .strict(),
      )
      .default([]),
    /** Ordered; the first rule that matches decides. */
    rules: z.array(RuleSchema).min(1),
    /** What happens when no rule matches. */
    otherwise: OutcomeSchema,
    /** The outcome used when a rule with `onMissing: hold` lacks data (may expire, as a hold rule may). */
    missingData: OutcomeSchema.extend({ holdExpiresAfter: HoldDuration.optional() }).default({
      flag: 'hold',
      nextAction: 'inside_sales_hearing',
      priority: 'medium',
    }),
    /** Message template overrides, by locale and reason code (see docs/reasons.md). */
    messages: z
      .object({
        ja: z.record(z.string(), z.string()).default({}),
        en: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default({ ja: {}, en: {} }),
  })
  .strict();
export type RuleSet = z.infer<typeof RuleSetSchema>;
