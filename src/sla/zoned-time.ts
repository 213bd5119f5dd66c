/**
 * Wall-clock arithmetic in an IANA time zone (or a fixed offset such as `+09:00`) using only `Intl`,
 * since no time-zone library is installed. Offsets are read from `Intl` for each instant, so zones
 * with daylight saving time work too, except for wall times inside a DST gap or overlap (an hour that
 * does not exist or exists twice), which resolve to one of the neighbouring offsets. Business hours
 * rarely touch those hours (transitions happen at night), which is why that limit is accepted.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `Intl` knows the zone (IANA name or `±HH:MM`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The zone's wall clock at `instant`. `Intl` is asked once per zone and quarter hour (the offset is
 * cached), because the SLA arithmetic asks this thousands of times per sweep and `formatToParts` is
 * slow: every offset change since the 1970s falls on a quarter hour in every zone, so the offset at the
 * start of a quarter hour holds for all of it.
 */
export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const t = instant.getTime();
  if (!Number.isFinite(t)) return intlParts(instant, timeZone); // throws as Intl does
  const local = new Date(t + offsetInQuarter(t, timeZone));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

const QUARTER_HOUR_MS = 900_000;
/** Zone → quarter-hour index → offset (ms); cleared when large, never wrong. */
const offsets = new Map<string, Map<number, number>>();

function offsetInQuarter(t: number, timeZone: string): number {
  const q = Math.floor(t / QUARTER_HOUR_MS);
  let byQuarter = offsets.get(timeZone);
  if (!byQuarter) {
    byQuarter = new Map();
    offsets.set(timeZone, byQuarter);
  }
  let offset = byQuarter.get(q);
  if (offset === undefined) {
    const start = q * QUARTER_HOUR_MS;
    const p = intlParts(new Date(start), timeZone);
    offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - start;
    if (byQuarter.size >= 100_000) byQuarter.clear();
    byQuarter.set(q, offset);
  }
  return offset;
}

function intlParts(instant: Date, timeZone: string): ZonedParts {
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of formatterFor(timeZone).formatToParts(instant)) {
    if (p.type in out) out[p.type as keyof ZonedParts] = Number(p.value);
  }
  return out;
}

/** Offset of the zone from UTC at `instant`, in milliseconds (Asia/Tokyo: +9 h). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  return asUtc - wholeSeconds;
}

/** Calendar date (YYYY-MM-DD) of `instant` in the zone. */
export function zonedDate(instant: Date, timeZone: string): string {
  const p = zonedParts(instant, timeZone);
  return formatDate(p.year, p.month, p.day);
}

/** Minutes since local midnight of `instant` in the zone, with fractions for seconds and ms. */
export function zonedMinuteOfDay(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  return p.hour * 60 + p.minute + p.second / 60 + (instant.getTime() % 1000) / MINUTE_MS;
}

/** The instant at `minuteOfDay` minutes after local midnight of `date` in the zone. */
export function instantAt(date: string, minuteOfDay: number, timeZone: string): Date {
  const [y, m, d] = parseDate(date);
  const wallAsUtc = Date.UTC(y, m - 1, d) + minuteOfDay * MINUTE_MS;
  // Two passes: the offset at the first guess may differ from the offset at the answer near a DST change.
  const firstOffset = zoneOffsetMs(new Date(wallAsUtc), timeZone);
  let guess = wallAsUtc - firstOffset;
  const secondOffset = zoneOffsetMs(new Date(guess), timeZone);
  if (secondOffset !== firstOffset) guess = wallAsUtc - secondOffset;
  return new Date(guess);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD (2026-02-30 is false, 2028-02-29 true). */
export function isIsoDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function parseDate(date: string): [number, number, number] {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

function formatDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Calendar-date arithmetic (no time zone involved: a date is a date). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = parseDate(date);
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY_MS);
  return formatDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** 0 = Sunday … 6 = Saturday, for a calendar date. */
export function weekdayOf(date: string): number {
  const [y, m, d] = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}
