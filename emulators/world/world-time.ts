import type { SeededRandom } from './seeded-random.ts';

/**
 * Time arithmetic for the generator, in whole epoch seconds (CRMs store seconds, and whole seconds
 * make same-second ties possible, as they are in real orgs). Business hours follow JST because the
 * prospects are Japanese companies.
 */

export const SECONDS_PER_DAY = 86_400;
const JST_OFFSET_SECONDS = 9 * 3600;

const dayPrefixCache = new Map<number, string>();
/** Reused buffer of character codes: building the string in one go keeps it flat. */
const isoCodes: number[] = Array.from('0000-00-00T00:00:00.000Z', (c) => c.charCodeAt(0));

/**
 * `2025-06-01T03:04:05.000Z`, the exact form `Date.prototype.toISOString` gives (round-trips).
 * Written as char codes rather than concatenated: a 1M-lead world holds millions of timestamps,
 * and a concatenated string keeps its pieces (about 200 bytes) where a flat one takes about 50.
 */
export function isoFromSeconds(seconds: number): string {
  const epochSeconds = Math.floor(seconds);
  const day = Math.floor(epochSeconds / SECONDS_PER_DAY);
  let prefix = dayPrefixCache.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(0, 11);
    dayPrefixCache.set(day, prefix);
  }
  for (let i = 0; i < 11; i++) isoCodes[i] = prefix.charCodeAt(i);
  const rest = epochSeconds - day * SECONDS_PER_DAY;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const s = rest % 60;
  isoCodes[11] = 48 + Math.floor(h / 10);
  isoCodes[12] = 48 + (h % 10);
  isoCodes[14] = 48 + Math.floor(m / 10);
  isoCodes[15] = 48 + (m % 10);
  isoCodes[17] = 48 + Math.floor(s / 10);
  isoCodes[18] = 48 + (s % 10);
  return String.fromCharCode.apply(null, isoCodes);
}

export function secondsFromIso(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

/** `YYYY-MM-DD` of the JST calendar day containing the instant. */
export function jstDateFromSeconds(epochSeconds: number): string {
  return new Date((epochSeconds + JST_OFFSET_SECONDS) * 1000).toISOString().slice(0, 10);
}

/** Epoch seconds of `hour:minute` JST on the JST calendar day `YYYY-MM-DD`. */
export function secondsAtJst(date: string, hour: number, minute = 0): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000 - JST_OFFSET_SECONDS + hour * 3600 + minute * 60;
}

/** Weight of each JST hour for B2B activity: office hours dominate, evenings and nights are thin. */
const HOUR_WEIGHTS: readonly number[] = [
  0.3, 0.15, 0.1, 0.05, 0.05, 0.1, 0.4, 1.2, 3, 6, 8, 8, 5, 7.5, 8, 8, 7.5, 6.5, 4, 2.5, 1.8, 1.5, 1, 0.6,
];
const HOUR_CUMULATIVE: readonly number[] = HOUR_WEIGHTS.reduce<number[]>((acc, w) => {
  acc.push((acc.at(-1) ?? 0) + w);
  return acc;
}, []);
const HOUR_TOTAL = HOUR_CUMULATIVE.at(-1) ?? 1;

function drawJstHour(random: SeededRandom): number {
  const target = random.next() * HOUR_TOTAL;
  let hour = 0;
  while ((HOUR_CUMULATIVE[hour] as number) <= target) hour++;
  return hour;
}

/**
 * A plausible moment for a person's action in [fromSeconds, toSeconds]: a random JST day, weekdays
 * favoured, at a business-weighted hour. Falls back to uniform when the range is too short to hold
 * a typical office moment.
 */
export function businessMoment(random: SeededRandom, fromSeconds: number, toSeconds: number): number {
  if (toSeconds <= fromSeconds) return Math.floor(toSeconds);
  const firstDay = Math.floor((fromSeconds + JST_OFFSET_SECONDS) / SECONDS_PER_DAY);
  const lastDay = Math.floor((toSeconds + JST_OFFSET_SECONDS) / SECONDS_PER_DAY);
  for (let attempt = 0; attempt < 6; attempt++) {
    const day = firstDay + Math.floor(random.next() * (lastDay - firstDay + 1));
    // 1970-01-01 was a Thursday; (day + 4) % 7 gives 0 = Sunday, 6 = Saturday.
    const weekday = (day + 4) % 7;
    if ((weekday === 0 || weekday === 6) && random.next() > 0.15) continue;
    const at =
      day * SECONDS_PER_DAY -
      JST_OFFSET_SECONDS +
      drawJstHour(random) * 3600 +
      Math.floor(random.next() * 3600);
    if (at >= fromSeconds && at <= toSeconds) return at;
  }
  return Math.floor(fromSeconds + random.next() * (toSeconds - fromSeconds));
}
