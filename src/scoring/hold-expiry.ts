import { HOLD_DURATION_PATTERN } from '../config/rule-set-schema.ts';
import type { Decision } from '../domain/decision.ts';
import { type BusinessCalendar, createBusinessCalendar } from '../sla/business-calendar.ts';
import { defaultSlaConfig, type SlaDuration } from '../sla/sla-config.ts';
import { zonedDate } from '../sla/zoned-time.ts';

/**
 * `holdExpiresAfter` of a hold rule (or of `missingData`): a lead that has been on hold that long
 * becomes `no` / `nurture`, with a `hold.expired` reason naming when the hold started and ended.
 *
 * The engine does not know history, so the caller says since when the lead has been on hold
 * (`DecideOptions.holdSince`): the pipeline keeps that instant in the recheck store, from the first
 * decision that put the lead on hold, for as long as every later decision is a hold or an expired
 * hold (see `src/ports/recheck-store.ts`). Without it a hold never expires.
 */

/** `"30 days"` → `{ amount: 30, unit: 'days' }`; undefined for anything the schema would refuse. */
export function parseHoldDuration(text: string | undefined): SlaDuration | undefined {
  if (text === undefined) return undefined;
  const m = HOLD_DURATION_PATTERN.exec(text);
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase().startsWith('business') ? 'businessDays' : 'days';
  return { amount: Number(m[1]), unit };
}

const calendars = new Map<string, BusinessCalendar>();

/**
 * The calendar business days are counted on when the caller has none (e.g. `tossup score`): the
 * default SLA calendar (Mon–Fri, 09:00–18:00, Japanese public holidays) in the rule set's zone. The
 * pipeline passes the calendar of `mappings/sla.yaml`, company holidays included.
 */
export function defaultHoldCalendar(timeZone: string): BusinessCalendar {
  let cal = calendars.get(timeZone);
  if (!cal) {
    cal = createBusinessCalendar({ ...defaultSlaConfig(), timeZone });
    calendars.set(timeZone, cal);
  }
  return cal;
}

/**
 * When a hold that started at `sinceMs` expires: the same local time N calendar days later, or
 * after N business days (N business-hours windows, as SLAs count them: from Mon 10:00, 1 business
 * day is Tue 10:00).
 */
export function holdExpiresAt(sinceMs: number, duration: SlaDuration, calendar: BusinessCalendar): number {
  return calendar.add(new Date(sinceMs), duration).getTime();
}

/** The `hold.expired` reason: dates in the calendar's zone, language-free. */
export function holdExpiredReason(
  ruleId: string,
  sinceMs: number,
  untilMs: number,
  calendar: BusinessCalendar,
): Decision['reasons'][number] {
  return {
    code: 'hold.expired',
    params: {
      rule: ruleId,
      since: zonedDate(new Date(sinceMs), calendar.timeZone),
      until: zonedDate(new Date(untilMs), calendar.timeZone),
    },
  };
}

/**
 * True when the decision is a hold or a hold that expired: while this holds, the hold keeps its
 * start instant (an expired hold must stay expired, not start over on the next decision).
 */
export function isHoldLike(decision: Pick<Decision, 'flag' | 'reasons'>): boolean {
  return decision.flag === 'hold' || decision.reasons[0]?.code === 'hold.expired';
}

/** Epoch ms of a `holdSince` given as a Date, epoch ms or ISO string; NaN when unreadable. */
export function toEpochMs(v: Date | number | string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  return v.getTime();
}
