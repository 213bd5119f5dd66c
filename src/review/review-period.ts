import { addDays, instantAt, isIsoDate, weekdayOf, zonedDate } from '../sla/zoned-time.ts';

/**
 * The span a review covers: [from, to) as ISO UTC instants, from local midnights in the business time
 * zone (a week is Monday to Sunday, ISO 8601 numbering; a month is a calendar month).
 */
export interface ReviewPeriod {
  kind: 'week' | 'month' | 'range';
  /** `2026-W48`, `2026-11`, or `2026-11-01..2026-11-15` (local dates, both included). */
  label: string;
  from: string;
  /** Exclusive. */
  to: string;
  timeZone: string;
}

/** A period option the user got wrong; the message says what to write instead. */
export class ReviewPeriodError extends Error {
  override name = 'ReviewPeriodError';
}

const WEEK_RE = /^(\d{4})-W(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

/**
 * `--week`: `2026-W48`, or a date inside the week (`2026-11-25`); without a value, the last complete
 * week before `asOf`.
 */
export function weekPeriod(value: string | undefined, asOf: Date, timeZone: string): ReviewPeriod {
  let monday: string;
  if (value === undefined || value === '') {
    monday = addDays(mondayOf(zonedDate(asOf, timeZone)), -7);
  } else if (isIsoDate(value)) {
    monday = mondayOf(value);
  } else {
    const m = WEEK_RE.exec(value);
    const week = m ? Number(m[2]) : 0;
    if (!m || week < 1 || week > weeksInYear(Number(m[1])))
      throw new ReviewPeriodError(
        `--week "${value}" is not a week: write an ISO week such as 2026-W48, or a date inside it such as 2026-11-25`,
      );
    monday = addDays(mondayOf(`${m[1]}-01-04`), (week - 1) * 7);
  }
  return {
    kind: 'week',
    label: isoWeekLabel(monday),
    from: midnight(monday, timeZone),
    to: midnight(addDays(monday, 7), timeZone),
    timeZone,
  };
}

/** `--month 2026-11`. */
export function monthPeriod(value: string, timeZone: string): ReviewPeriod {
  const m = MONTH_RE.exec(value);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12)
    throw new ReviewPeriodError(`--month "${value}" is not a month: write it as YYYY-MM, e.g. 2026-11`);
  const first = `${m[1]}-${m[2]}-01`;
  const next =
    month === 12 ? `${Number(m[1]) + 1}-01-01` : `${m[1]}-${String(month + 1).padStart(2, '0')}-01`;
  return {
    kind: 'month',
    label: value,
    from: midnight(first, timeZone),
    to: midnight(next, timeZone),
    timeZone,
  };
}

/** The last complete calendar month before `asOf` in the time zone (the scheduled monthly review). */
export function lastMonthPeriod(asOf: Date, timeZone: string): ReviewPeriod {
  const [year, month] = zonedDate(asOf, timeZone).split('-').map(Number) as [number, number];
  const previous = month === 1 ? `${year - 1}-12` : `${year}-${String(month - 1).padStart(2, '0')}`;
  return monthPeriod(previous, timeZone);
}

/** `--from 2026-11-01 --to 2026-11-15`: local dates, both days included. */
export function rangePeriod(from: string, to: string, timeZone: string): ReviewPeriod {
  for (const [flag, v] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!isIsoDate(v))
      throw new ReviewPeriodError(`${flag} "${v}" is not a date: write it as YYYY-MM-DD, e.g. 2026-11-01`);
  }
  if (to < from) throw new ReviewPeriodError(`--to ${to} is before --from ${from}: swap them`);
  return {
    kind: 'range',
    label: `${from}..${to}`,
    from: midnight(from, timeZone),
    to: midnight(addDays(to, 1), timeZone),
    timeZone,
  };
}

function midnight(date: string, timeZone: string): string {
  return instantAt(date, 0, timeZone).toISOString();
}

function mondayOf(date: string): string {
  return addDays(date, -((weekdayOf(date) + 6) % 7));
}

/** ISO 8601 week label of a Monday: the year is the one its Thursday falls in. */
function isoWeekLabel(monday: string): string {
  const thursday = addDays(monday, 3);
  const year = Number(thursday.slice(0, 4));
  const firstMonday = mondayOf(`${year}-01-04`);
  const week = Math.round((Date.parse(monday) - Date.parse(firstMonday)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

function weeksInYear(year: number): number {
  // A year has 53 ISO weeks when its 28 December falls in week 53.
  return isoWeekLabel(mondayOf(`${year}-12-28`)).endsWith('W53') ? 53 : 52;
}
