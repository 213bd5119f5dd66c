/**
 * Internal value representation and the wire formats. Inside the store: text-like values are
 * strings, numbers are numbers, checkboxes booleans, dates `YYYY-MM-DD` strings and datetimes epoch
 * milliseconds (cheap to compare and small for a million rows).
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** REST format: `2026-11-20T01:00:00.000+0000` (always UTC). */
export function formatDatetime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

/** Bulk API CSV format: `2026-11-20T01:00:00.000Z`. */
export function formatDatetimeCsv(ms: number): string {
  return new Date(ms).toISOString();
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const DATETIME_INPUT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Accepts what Salesforce's JSON deserializer accepts for dateTime: ISO 8601 with `Z`, `+hh:mm`
 * or `+hhmm` offsets, optional seconds and fraction; a bare date means midnight UTC.
 */
export function parseDatetimeInput(text: string): number | undefined {
  const m = DATETIME_INPUT.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  if (!isRealDate(Number(y), Number(mo), Number(d))) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(frac.slice(0, 3).padEnd(3, '0')),
  );
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return ms;
}

/** `YYYY-MM-DD`, also taking the date part of a datetime string (Salesforce truncates). */
export function parseDateInput(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T.*)?$/.exec(text);
  if (!m) return undefined;
  if (!isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

export function isRealDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** Midnight UTC of a `YYYY-MM-DD` date. */
export function dateToMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}
