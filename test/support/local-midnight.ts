/**
 * Rules count activity in calendar days of the rule set's zone (Asia/Tokyo), so a scenario that
 * compares two runs against the real clock sees a lead's decision change if local midnight falls
 * between them (an activity leaves "the last 30 days"). That is the product being right; the test
 * has to keep clear of it: when midnight is closer than `windowMs`, wait until it has passed.
 */
const TOKYO_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** Milliseconds from `nowMs` to the next midnight in Asia/Tokyo (no daylight saving there). */
export function msToTokyoMidnight(nowMs: number): number {
  return DAY_MS - ((nowMs + TOKYO_OFFSET_MS) % DAY_MS);
}

/** Resolves at once, or just after the next Tokyo midnight when it is within `windowMs`. */
export async function clearOfTokyoMidnight(windowMs: number): Promise<void> {
  const left = msToTokyoMidnight(Date.now());
  if (left >= windowMs) return;
  await new Promise((r) => setTimeout(r, left + 1_000));
}

/** What a guarded test adds to its timeout for the wait. */
export const MIDNIGHT_GUARD_MS = 120_000;
