import holidayJp from '@holiday-jp/holiday_jp';
import { companyHolidayOn } from './company-holidays.ts';
import { type SlaConfig, type SlaDuration, WEEKDAY_INDEX } from './sla-config.ts';
import { addDays, instantAt, weekdayOf, zonedDate, zonedMinuteOfDay } from './zoned-time.ts';

/**
 * The working calendar every SLA is counted on: working weekdays, Japanese public holidays (incl.
 * substitute holidays and Golden Week, from @holiday-jp/holiday_jp, which covers 1970–2050), company
 * holidays, and one business-hours window per working day, all in the configured time zone.
 */

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Ten years: a calendar with no working day in that span is a configuration mistake, not a long wait. */
const MAX_DAYS_SCANNED = 3660;

const nationalHolidays = holidayJp.holidays as unknown as Readonly<
  Record<string, { name: string } | undefined>
>;

export type CalendarConfig = Pick<
  SlaConfig,
  'timeZone' | 'businessHours' | 'workingDays' | 'nationalHolidays' | 'companyHolidays'
>;

export interface BusinessCalendar {
  readonly timeZone: string;
  /** Length of one business day's window, in hours (9 for 09:00–18:00). */
  readonly hoursPerDay: number;
  /** Name of the public or company holiday on `date` (YYYY-MM-DD), or null. Weekends are not named. */
  holidayName(date: string): string | null;
  isBusinessDay(date: string): boolean;
  /** `date` itself when it is a business day, otherwise the next one. */
  businessDayOnOrAfter(date: string): string;
  /** The `days`-th business day after `date` (0 = `businessDayOnOrAfter(date)`). */
  addBusinessDays(date: string, days: number): string;
  /** Calendar date of `instant` in the calendar's time zone. */
  localDate(instant: Date): string;
  /** The business day on which something arriving at `instant` is worked (after closing → next one). */
  businessDateOf(instant: Date): string;
  /** Opening is inside, closing is outside: [09:00, 18:00). */
  isWithinBusinessHours(instant: Date): boolean;
  /** `instant` when inside business hours, otherwise the next opening. */
  nextOpening(instant: Date): Date;
  /**
   * Counts `hours` of business time from `instant`; time outside business hours does not count, so a
   * start outside hours begins at the next opening. A result exactly at closing stays at closing.
   */
  addBusinessHours(instant: Date, hours: number): Date;
  /** Applies an SLA duration in any unit (see `SlaDuration`). */
  add(instant: Date, duration: SlaDuration): Date;
  /**
   * Business hours elapsed from `from` to `to` (0 when `to` is not after `from`), e.g. to report a
   * rep's response time against the SLA the way the SLA itself was counted.
   */
  businessHoursBetween(from: Date, to: Date): number;
}

export function createBusinessCalendar(config: CalendarConfig): BusinessCalendar {
  const { timeZone } = config;
  const openMinute = minuteOf(config.businessHours.start);
  const closeMinute = minuteOf(config.businessHours.end);
  const dayMs = (closeMinute - openMinute) * MINUTE_MS;
  const workingWeekdays = new Set(config.workingDays.map((d) => WEEKDAY_INDEX[d]));

  const holidayName = (date: string): string | null => {
    const national = config.nationalHolidays ? nationalHolidays[date] : undefined;
    return national?.name ?? companyHolidayOn(date, config.companyHolidays);
  };

  const isBusinessDay = (date: string): boolean =>
    workingWeekdays.has(weekdayOf(date)) && holidayName(date) === null;

  const businessDayOnOrAfter = (date: string): string => {
    let d = date;
    for (let i = 0; i < MAX_DAYS_SCANNED; i++) {
      if (isBusinessDay(d)) return d;
      d = addDays(d, 1);
    }
    throw new Error(
      `no business day within ${MAX_DAYS_SCANNED} days after ${date}; check workingDays and companyHolidays in sla.yaml`,
    );
  };

  const addBusinessDays = (date: string, days: number): string => {
    if (!Number.isInteger(days) || days < 0)
      throw new RangeError(`business days must be a whole number ≥ 0: ${days}`);
    let d = businessDayOnOrAfter(date);
    for (let i = 0; i < days; i++) d = businessDayOnOrAfter(addDays(d, 1));
    return d;
  };

  const localDate = (instant: Date): string => zonedDate(instant, timeZone);

  const businessDateOf = (instant: Date): string => {
    const date = localDate(instant);
    if (isBusinessDay(date) && zonedMinuteOfDay(instant, timeZone) < closeMinute) return date;
    return businessDayOnOrAfter(addDays(date, 1));
  };

  const isWithinBusinessHours = (instant: Date): boolean => {
    const date = localDate(instant);
    if (!isBusinessDay(date)) return false;
    const t = instant.getTime();
    return (
      instantAt(date, openMinute, timeZone).getTime() <= t &&
      t < instantAt(date, closeMinute, timeZone).getTime()
    );
  };

  /**
   * A date's business window (null: not a business day) and the next date, memoized: a sweep walks
   * the same few days for every episode, and the date arithmetic and holiday lookups add up.
   */
  const windows = new Map<string, { open: number; close: number } | null>();
  const nextDates = new Map<string, string>();
  const windowOf = (date: string): { open: number; close: number } | null => {
    let w = windows.get(date);
    if (w === undefined) {
      w = isBusinessDay(date)
        ? {
            open: instantAt(date, openMinute, timeZone).getTime(),
            close: instantAt(date, closeMinute, timeZone).getTime(),
          }
        : null;
      if (windows.size >= 10_000) windows.clear();
      windows.set(date, w);
    }
    return w;
  };
  const dayAfter = (date: string): string => {
    let next = nextDates.get(date);
    if (next === undefined) {
      next = addDays(date, 1);
      if (nextDates.size >= 10_000) nextDates.clear();
      nextDates.set(date, next);
    }
    return next;
  };

  /** Business-time walk shared by `nextOpening` and `addBusinessHours`. */
  const walk = (instant: Date, ms: number): Date => {
    let remaining = ms;
    let date = localDate(instant);
    for (let i = 0; i < MAX_DAYS_SCANNED; i++) {
      const window = windowOf(date);
      if (window) {
        const { open, close } = window;
        const cursor = Math.max(instant.getTime(), open);
        if (cursor < close) {
          const available = close - cursor;
          if (remaining <= available) return new Date(cursor + remaining);
          remaining -= available;
        }
      }
      date = dayAfter(date);
    }
    throw new Error(`no business hours within ${MAX_DAYS_SCANNED} days; check sla.yaml`);
  };

  const nextOpening = (instant: Date): Date => walk(instant, 0);

  const addBusinessHours = (instant: Date, hours: number): Date => {
    if (!(hours >= 0) || !Number.isFinite(hours))
      throw new RangeError(`business hours must be ≥ 0: ${hours}`);
    // Zero means "no extra time" (e.g. escalate exactly at the due time), not "move to the next opening".
    if (hours === 0) return new Date(instant);
    return walk(instant, Math.round(hours * HOUR_MS));
  };

  const add = (instant: Date, duration: SlaDuration): Date => {
    switch (duration.unit) {
      case 'hours':
        return new Date(instant.getTime() + Math.round(duration.amount * HOUR_MS));
      case 'days': {
        // Same wall-clock time N calendar days later (not N×24 h, which would drift over a DST change).
        if (duration.amount === 0) return new Date(instant);
        const whole = Math.trunc(duration.amount);
        const date = addDays(localDate(instant), whole);
        const wall = instantAt(date, zonedMinuteOfDay(instant, timeZone), timeZone);
        return new Date(wall.getTime() + Math.round((duration.amount - whole) * 24 * HOUR_MS));
      }
      case 'businessHours':
        return addBusinessHours(instant, duration.amount);
      case 'businessDays':
        // A business day is one full business-hours window, so 1 businessDay from Mon 10:00 is Tue 10:00
        // and from Fri 17:30 is Mon 17:30; from Sunday night it is Monday's closing.
        return addBusinessHours(instant, (duration.amount * dayMs) / HOUR_MS);
    }
  };

  const businessHoursBetween = (from: Date, to: Date): number => {
    const end = to.getTime();
    let total = 0;
    let date = localDate(from);
    const lastDate = localDate(to);
    for (let i = 0; date <= lastDate && i < MAX_DAYS_SCANNED * 10; i++) {
      if (isBusinessDay(date)) {
        const open = Math.max(instantAt(date, openMinute, timeZone).getTime(), from.getTime());
        const close = Math.min(instantAt(date, closeMinute, timeZone).getTime(), end);
        if (close > open) total += close - open;
      }
      date = addDays(date, 1);
    }
    return total / HOUR_MS;
  };

  return {
    timeZone,
    hoursPerDay: dayMs / HOUR_MS,
    holidayName,
    isBusinessDay,
    businessDayOnOrAfter,
    addBusinessDays,
    localDate,
    businessDateOf,
    isWithinBusinessHours,
    nextOpening,
    addBusinessHours,
    add,
    businessHoursBetween,
  };
}

function minuteOf(hhmm: string): number {
  const [h, m] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}
