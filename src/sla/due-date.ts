import type { NextAction } from '../domain/lead.ts';
import { type BusinessCalendar, createBusinessCalendar } from './business-calendar.ts';
import type { SlaConfig, SlaDuration } from './sla-config.ts';

/** When the receiver of a toss-up must have acted, and when the manager is told they have not. */
export interface SlaDue {
  nextAction: NextAction;
  /** Deadline, ISO 8601 UTC (`TossUp_Due__c`, `tossup_due_at`). */
  dueAt: string;
  /**
   * Business date of the deadline in the calendar's zone, for date-only fields such as Salesforce
   * `Task.ActivityDate`. A deadline on a non-business day (possible only with clock units) moves to
   * the next business day, so the date is never before the toss-up itself.
   */
  dueDate: string;
  /** When an unfinished item escalates to the manager (ISO UTC), or null when the SLA has no escalation. */
  escalateAt: string | null;
  sla: SlaDuration;
  escalateAfter: SlaDuration | null;
}

const calendars = new WeakMap<SlaConfig, BusinessCalendar>();

/** One calendar per loaded config: building it is cheap, but the pipeline asks once per lead. */
export function calendarFor(config: SlaConfig): BusinessCalendar {
  let cal = calendars.get(config);
  if (!cal) {
    cal = createBusinessCalendar(config);
    calendars.set(config, cal);
  }
  return cal;
}

/** The SLA for `nextAction` counted from `decidedAt`, or null when that next action has none (nurture). */
export function computeSlaDue(
  nextAction: NextAction,
  decidedAt: string | Date,
  config: SlaConfig,
): SlaDue | null {
  const entry = config.slas[nextAction];
  if (!entry) return null;
  const start = decidedAt instanceof Date ? decidedAt : new Date(decidedAt);
  if (Number.isNaN(start.getTime()))
    throw new RangeError(`decidedAt is not a date-time: ${String(decidedAt)}`);
  const cal = calendarFor(config);
  const due = cal.add(start, entry.due);
  const escalate = entry.escalateAfter ? cal.add(due, entry.escalateAfter) : null;
  return {
    nextAction,
    dueAt: due.toISOString(),
    dueDate: cal.businessDayOnOrAfter(cal.localDate(due)),
    escalateAt: escalate ? escalate.toISOString() : null,
    sla: entry.due,
    escalateAfter: entry.escalateAfter ?? null,
  };
}

/** Deadline only (ISO UTC), or null for a next action without an SLA. */
export function dueAt(nextAction: NextAction, decidedAt: string | Date, config: SlaConfig): string | null {
  return computeSlaDue(nextAction, decidedAt, config)?.dueAt ?? null;
}
