export { isValidTimeZone, zoneOffsetMs } from '../sla/zoned-time.ts';

/**
 * Time helpers for the hot path. Activity timestamps are ISO strings in the lead model; parsing
 * them with `Date.parse` dominated the engine's profile, so the common fixed-width UTC/offset form
 * is parsed by hand and anything else falls back to `Date.parse`.
 */

const DAY_MS = 86_400_000;

const c = (s: string, i: number): number => s.charCodeAt(i) - 48;

/** Epoch ms of an ISO 8601 date-time, or NaN. */
export function isoToEpochMs(s: string): number {
  // YYYY-MM-DDTHH:mm:ss[.sss](Z|±hh:mm), the shape both CRMs and the normalizers produce.
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(10) !== 84) return Date.parse(s);
  const y = c(s, 0) * 1000 + c(s, 1) * 100 + c(s, 2) * 10 + c(s, 3);
  const mo = c(s, 5) * 10 + c(s, 6);
  const d = c(s, 8) * 10 + c(s, 9);
  const h = c(s, 11) * 10 + c(s, 12);
  const mi = c(s, 14) * 10 + c(s, 15);
  const se = c(s, 17) * 10 + c(s, 18);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    i++;
    let scale = 100;
    while (i < s.length) {
      const digit = s.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      ms += digit * scale;
      scale /= 10;
      i++;
    }
    ms = Math.floor(ms);
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 && i === s.length - 1) offsetMin = 0;
  else if ((z === 43 || z === 45) && s.length - i === 6 && s.charCodeAt(i + 3) === 58) {
    offsetMin = (c(s, i + 1) * 10 + c(s, i + 2)) * 60 + c(s, i + 4) * 10 + c(s, i + 5);
    if (z === 45) offsetMin = -offsetMin;
  } else return Date.parse(s);
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 59 && y >= 0))
    return Number.NaN;
  return (dayNumber(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + se - offsetMin * 60) * 1000 + ms;
}

/**
 * The local day (in the zone whose offset is given) of an ISO 8601 date-time that is not after
 * `nowMs`; NaN when it is after, or unparseable. The same instant as `isoToEpochMs`, but for the
 * `…Z` shapes CRMs send it never hands the epoch milliseconds (beyond a small integer) out of the
 * function: a returned one is a heap number, allocated once per activity on the engine's hot path.
 */
export function isoLocalDay(s: string, offsetMs: number, nowMs: number): number {
  const n = s.length;
  const fraction = n === 24 && s.charCodeAt(19) === 46 && digit(s, 20) && digit(s, 21) && digit(s, 22);
  if (
    !(fraction || n === 20) ||
    s.charCodeAt(n - 1) !== 90 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(10) !== 84
  ) {
    const t = isoToEpochMs(s);
    return t <= nowMs ? localDay(t, offsetMs) : Number.NaN;
  }
  const y = c(s, 0) * 1000 + c(s, 1) * 100 + c(s, 2) * 10 + c(s, 3);
  const mo = c(s, 5) * 10 + c(s, 6);
  const d = c(s, 8) * 10 + c(s, 9);
  const h = c(s, 11) * 10 + c(s, 12);
  const mi = c(s, 14) * 10 + c(s, 15);
  const se = c(s, 17) * 10 + c(s, 18);
  const ms = fraction ? c(s, 20) * 100 + c(s, 21) * 10 + c(s, 22) : 0;
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 59 && y >= 0))
    return Number.NaN;
  const t = (dayNumber(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + se) * 1000 + ms;
  return t <= nowMs ? localDay(t, offsetMs) : Number.NaN;
}

const digit = (s: string, i: number): boolean => {
  const x = s.charCodeAt(i);
  return x >= 48 && x <= 57;
};

/** Days since 1970-01-01 of the first of each month from `TABLE_FROM_YEAR`: no division per timestamp. */
const TABLE_FROM_YEAR = 1900;
const TABLE_YEARS = 300;
const MONTH_START = Int32Array.from({ length: TABLE_YEARS * 12 }, (_, k) =>
  daysFromCivil(TABLE_FROM_YEAR + Math.floor(k / 12), (k % 12) + 1, 1),
);

function dayNumber(y: number, m: number, d: number): number {
  const k = (y - TABLE_FROM_YEAR) * 12 + m - 1;
  return k >= 0 && k < MONTH_START.length ? MONTH_START[k]! + d - 1 : daysFromCivil(y, m, d);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm; no Date object). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Local calendar day number (days since 1970-01-01 in the zone whose offset is given). */
export function localDay(epochMs: number, offsetMs: number): number {
  return Math.floor((epochMs + offsetMs) / DAY_MS);
}

/** Local day number of a `YYYY-MM-DD` date. */
export function dateToDay(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
}
