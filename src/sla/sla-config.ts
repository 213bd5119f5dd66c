import { z } from 'zod';
import { parseYamlWithSchema } from '../config/yaml-locate.ts';
import { NextActionSchema } from '../domain/lead.ts';
import { isIsoDate, isValidTimeZone } from './zoned-time.ts';

/**
 * Schema of `mappings/sla.yaml`: the business calendar (time zone, hours, working days, holidays) and,
 * per next action, how long the receiver has and when an overdue item escalates to the manager.
 */

export const DurationUnitSchema = z.enum(['hours', 'businessHours', 'days', 'businessDays']);
export type DurationUnit = z.infer<typeof DurationUnitSchema>;

export interface SlaDuration {
  amount: number;
  unit: DurationUnit;
}

const UNIT_WORDS: Readonly<Record<string, DurationUnit>> = {
  hour: 'hours',
  hours: 'hours',
  businesshour: 'businessHours',
  businesshours: 'businessHours',
  day: 'days',
  days: 'days',
  businessday: 'businessDays',
  businessdays: 'businessDays',
};

const DURATION_HINT =
  'write an amount and a unit, e.g. "24 hours", "9 businessHours", "1 businessDay", "3 businessDays" or "2 days"';

/** Accepts `"3 businessDays"` (admin-friendly) or `{ amount: 3, unit: businessDays }`. */
const DurationSchema = z.preprocess(
  (raw) => {
    if (typeof raw !== 'string') return raw;
    const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(raw);
    if (!m) return raw;
    const unit = UNIT_WORDS[(m[2] ?? '').toLowerCase()];
    return unit ? { amount: Number(m[1]), unit } : raw;
  },
  z.strictObject(
    {
      amount: z.number().nonnegative(),
      unit: DurationUnitSchema,
    },
    { error: `not a duration; ${DURATION_HINT}` },
  ),
);

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const TimeOfDaySchema = z
  .string({ error: 'write the time as "HH:MM" in quotes, e.g. "09:00"' })
  .regex(HHMM, { error: 'write the time as "HH:MM" (24-hour), e.g. "09:00" or "18:00"' });

const WeekdaySchema = z.enum(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']);
export type Weekday = z.infer<typeof WeekdaySchema>;
export const WEEKDAY_INDEX: Readonly<Record<Weekday, number>> = {
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};

/** YYYY-MM-DD (one-off) or MM-DD (every year). */
const HolidayDaySchema = z.string().refine((v) => isIsoDate(v) || isMonthDay(v), {
  error: 'write a date as "YYYY-MM-DD" (that year only) or "MM-DD" (every year), in quotes',
});

const CompanyHolidaySchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    date: HolidayDaySchema.optional(),
    from: HolidayDaySchema.optional(),
    to: HolidayDaySchema.optional(),
  })
  .superRefine((h, ctx) => {
    const single = h.date !== undefined;
    const range = h.from !== undefined || h.to !== undefined;
    if (single === range) {
      ctx.addIssue({
        code: 'custom',
        message: 'a company holiday needs either "date" or both "from" and "to"',
        params: { hint: 'e.g. { name: 創立記念日, date: "2026-10-01" } or { from: "12-29", to: "01-03" }' },
      });
      return;
    }
    if (range) {
      if (h.from === undefined || h.to === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [h.from === undefined ? 'from' : 'to'],
          message: 'a holiday range needs both "from" and "to"',
        });
        return;
      }
      if (isMonthDay(h.from) !== isMonthDay(h.to)) {
        ctx.addIssue({
          code: 'custom',
          path: ['to'],
          message: '"from" and "to" must both be YYYY-MM-DD or both be MM-DD',
          params: { hint: 'use MM-DD for a range that repeats every year (it may cross New Year)' },
        });
      } else if (!isMonthDay(h.from) && h.from > h.to) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: '"to" is before "from"' });
      }
    }
  });
export type CompanyHoliday = z.infer<typeof CompanyHolidaySchema>;

/** What a ladder step does; the sweep (src/sweep/run-sweep.ts) carries it out. */
export const LadderActionSchema = z.enum(['remind_owner', 'notify_manager', 'manager_task', 'reassign']);

/**
 * When a ladder step is due, on the SLA clock of the current owner (paused while on hold, counted in
 * business time for business units): a share of the due time, the breach (= the due time), or the
 * escalation point (breach + `escalateAfter`), optionally plus a duration.
 */
export type LadderAt =
  | { kind: 'percent'; percent: number }
  | { kind: 'breach' | 'escalation'; plus: SlaDuration | null };

const LADDER_AT_HINT =
  'write "75%" (of the due time), "breach", "breach + 4 businessHours", "escalation" or "escalation + 1 businessDay"';

/** Text as an admin writes it; an already parsed value (the built-in defaults) passes through. */
const LadderAtSchema = z.unknown().transform((raw, ctx): LadderAt => {
  if (isLadderAt(raw)) return raw;
  if (typeof raw !== 'string') {
    ctx.addIssue({ code: 'custom', message: 'not a ladder time', params: { hint: LADDER_AT_HINT } });
    return z.NEVER;
  }
  const text = raw.trim();
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  if (pct) {
    const percent = Number(pct[1]);
    if (percent > 0 && percent <= 100) return { kind: 'percent', percent };
    ctx.addIssue({
      code: 'custom',
      message: `${percent}% is not within the due time`,
      params: { hint: 'use a share above 0% and up to 100%; for later steps write "breach + …"' },
    });
    return z.NEVER;
  }
  const m = /^(breach|escalation)\s*(?:\+\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+))?$/.exec(text);
  const unit = m?.[3] === undefined ? undefined : UNIT_WORDS[m[3].toLowerCase()];
  if (m && (m[3] === undefined || unit)) {
    return {
      kind: m[1] as 'breach' | 'escalation',
      plus: unit ? { amount: Number(m[2]), unit } : null,
    };
  }
  ctx.addIssue({
    code: 'custom',
    message: `"${raw}" is not a ladder time`,
    params: { hint: LADDER_AT_HINT },
  });
  return z.NEVER;
});

function isLadderAt(v: unknown): v is LadderAt {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return o.kind === 'percent'
    ? typeof o.percent === 'number'
    : o.kind === 'breach' || o.kind === 'escalation';
}

const LadderStepSchema = z.strictObject({
  /** Names the step in records (once per episode and owner); defaults to `do`. */
  id: z
    .string()
    .regex(/^[a-z0-9_]+$/, { error: 'a step id uses lower-case letters, digits and "_"' })
    .optional(),
  do: LadderActionSchema,
  at: LadderAtSchema,
  /** reassign only: how many times one toss-up may be passed on (default 1). */
  maxTimes: z.number().int().positive().optional(),
});
export type LadderStepConfig = z.infer<typeof LadderStepSchema>;

const SlaEntrySchema = z
  .strictObject({
    due: DurationSchema,
    /** Counted from the due time: overdue by this much → escalate to the manager. */
    escalateAfter: DurationSchema.optional(),
    /** What happens while the item is unanswered, step by step (see docs/routing-and-sla.md). */
    ladder: z.array(LadderStepSchema).optional(),
  })
  .superRefine((entry, ctx) => {
    const seen = new Set<string>();
    entry.ladder?.forEach((step, i) => {
      const id = step.id ?? step.do;
      if (seen.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['ladder', i],
          message: `step "${id}" is listed twice`,
          params: { hint: `give the second one its own id, e.g. { id: ${id}_2, do: ${step.do}, … }` },
        });
      }
      seen.add(id);
      if (step.at.kind === 'escalation' && entry.escalateAfter === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ladder', i, 'at'],
          message: '"escalation" needs an "escalateAfter" for this next action',
          params: { hint: 'add escalateAfter (e.g. "1 businessDay"), or write "breach + …"' },
        });
      }
      if (step.maxTimes !== undefined && step.do !== 'reassign') {
        ctx.addIssue({
          code: 'custom',
          path: ['ladder', i, 'maxTimes'],
          message: 'only a reassign step takes "maxTimes"',
          params: { hint: 'remove maxTimes' },
        });
      }
    });
  });

/**
 * How long a manager has to approve a toss-up (rules with `approval: manager`) and what the sweep does
 * while the approval is pending. The ladder's "owner" is the approver: `remind_owner` reminds the
 * approving manager, `notify_manager` tells the approver's own manager. Tasks and reassignment have no
 * meaning before the toss-up exists, so only those two steps are allowed.
 */
const APPROVAL_ACTIONS: readonly string[] = ['remind_owner', 'notify_manager'];
const ApprovalSlaSchema = SlaEntrySchema.superRefine((entry, ctx) => {
  entry.ladder?.forEach((step, i) => {
    if (APPROVAL_ACTIONS.includes(step.do)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['ladder', i, 'do'],
      message: `"${step.do}" cannot be a step of a pending approval (there is no toss-up task or owner yet)`,
      params: {
        hint: 'use remind_owner (reminds the approving manager) or notify_manager (tells their manager)',
      },
    });
  });
});

/** The approval SLA when sla.yaml has none: 4 business hours, a reminder at 75%, the approver's manager at the breach. */
export const DEFAULT_APPROVAL_SLA: SlaEntry = {
  due: { amount: 4, unit: 'businessHours' },
  ladder: [
    { do: 'remind_owner', at: { kind: 'percent', percent: 75 } },
    { do: 'notify_manager', at: { kind: 'breach', plus: null } },
  ],
};

/** `none` (or null) = this next action has no SLA: no due date and no escalation. */
const SlaOrNoneSchema = z.preprocess((raw) => (raw === 'none' ? null : raw), SlaEntrySchema.nullable());

const slaShape = Object.fromEntries(NextActionSchema.options.map((a) => [a, SlaOrNoneSchema])) as Record<
  (typeof NextActionSchema.options)[number],
  typeof SlaOrNoneSchema
>;

export const SlaConfigSchema = z
  .strictObject({
    version: z.literal(1),
    timeZone: z
      .string()
      .refine(isValidTimeZone, {
        error: 'unknown time zone; use an IANA name such as "Asia/Tokyo" or a fixed offset such as "+09:00"',
      })
      .default('Asia/Tokyo'),
    businessHours: z
      .strictObject({ start: TimeOfDaySchema, end: TimeOfDaySchema })
      .refine((h) => h.start < h.end, {
        error: 'business hours must start before they end (overnight hours are not supported)',
        path: ['end'],
      })
      .default({ start: '09:00', end: '18:00' }),
    workingDays: z
      .array(WeekdaySchema)
      .min(1, { error: 'at least one working day is needed' })
      .default(['mon', 'tue', 'wed', 'thu', 'fri']),
    /** Japanese public holidays (incl. substitute holidays) from @holiday-jp/holiday_jp. */
    nationalHolidays: z.boolean().default(true),
    companyHolidays: z.array(CompanyHolidaySchema).default([]),
    /**
     * Who "the owner's manager" is for ladder steps: the `manager` of the owner's pool in routing.yaml,
     * or the CRM's own (Salesforce User.ManagerId; HubSpot has none, so it uses routing.yaml).
     */
    managers: z.enum(['routing', 'crm']).default('routing'),
    slas: z.strictObject(slaShape),
    /** Pending manager approvals (docs/sales-in-the-loop.md, "Manager approval"). */
    approval: ApprovalSlaSchema.default(() => structuredClone(DEFAULT_APPROVAL_SLA)),
  })
  .superRefine(
    (c, ctx) => {
      // Runs with the rest of the file's problems too (`when`), so the list may not be a list yet.
      const days: unknown[] = Array.isArray(c.workingDays) ? c.workingDays : [];
      if (new Set(days).size !== days.length) {
        ctx.addIssue({ code: 'custom', path: ['workingDays'], message: 'a working day is listed twice' });
      }
    },
    { when: () => true },
  );
export type SlaConfig = z.infer<typeof SlaConfigSchema>;
export type SlaEntry = z.infer<typeof SlaEntrySchema>;

/** Parses and validates sla.yaml text; problems become a `ConfigError` with line numbers. */
export function parseSlaConfig(text: string, file = 'mappings/sla.yaml'): SlaConfig {
  return parseYamlWithSchema(text, file, SlaConfigSchema, (issue) => {
    const last = issue.path.at(-1);
    if (issue.path[0] === 'slas' && issue.code === 'invalid_type' && issue.path.length === 2) {
      return `give "${String(last)}" a due time such as { due: "3 businessDays" }, or write "${String(last)}: none" for no SLA`;
    }
    if (issue.path[0] === 'slas' && issue.code === 'invalid_union') return DURATION_HINT;
    return undefined;
  });
}

export function isMonthDay(value: string): boolean {
  const m = /^(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const month = Number(m[1]);
  const day = Number(m[2]);
  // Leap year 2000 so that 02-29 is accepted as a recurring date.
  return isIsoDate(`2000-${m[1]}-${m[2]}`) && month >= 1 && day >= 1;
}

/**
 * The SLAs from the case studies, used when no sla.yaml is given (mappings/sla.yaml ships the same).
 * Field sales: "act within 24 hours" is read as one business day (Fri 17:30 → Mon 17:30), and the
 * "contact within 48 hours" case becomes the escalation point one business day after that.
 */
const REMIND_AT_75: LadderStepConfig = { do: 'remind_owner', at: { kind: 'percent', percent: 75 } };
const AT_ESCALATION: LadderAt = { kind: 'escalation', plus: null };
const AT_BREACH: LadderAt = { kind: 'breach', plus: null };

export const DEFAULT_SLAS: SlaConfig['slas'] = {
  field_sales_tossup: {
    due: { amount: 1, unit: 'businessDays' },
    escalateAfter: { amount: 1, unit: 'businessDays' },
    ladder: [
      REMIND_AT_75,
      { do: 'notify_manager', at: AT_ESCALATION },
      { do: 'manager_task', at: AT_ESCALATION },
      { do: 'reassign', at: { kind: 'escalation', plus: { amount: 4, unit: 'businessHours' } } },
    ],
  },
  inside_sales_follow_up: {
    due: { amount: 3, unit: 'businessDays' },
    ladder: [REMIND_AT_75, { do: 'notify_manager', at: AT_BREACH }],
  },
  inside_sales_hearing: {
    due: { amount: 3, unit: 'businessDays' },
    ladder: [REMIND_AT_75, { do: 'notify_manager', at: AT_BREACH }],
  },
  notify_is_sales_planning: {
    due: { amount: 3, unit: 'businessDays' },
    escalateAfter: { amount: 0, unit: 'businessHours' },
    ladder: [
      REMIND_AT_75,
      { do: 'notify_manager', at: AT_ESCALATION },
      { do: 'manager_task', at: AT_ESCALATION },
    ],
  },
  nurture: null,
};

export function defaultSlaConfig(): SlaConfig {
  return SlaConfigSchema.parse({ version: 1, slas: DEFAULT_SLAS });
}
