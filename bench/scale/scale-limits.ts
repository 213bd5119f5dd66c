/**
 * The CRMs' real API limits the scale curve measures against (bench/scale.ts). The emulators enforce
 * them multiplied by the run's declared factor, so a 1M-lead run fits on the bench machine while
 * every call is still made and counted; the rate bound is then stated at these real figures.
 */
export const REAL_LIMITS = {
  hubspot: {
    /** Professional/Enterprise private app: 190 requests per rolling 10 s (rate-budget.ts). */
    burst: 190,
    intervalMs: 10_000,
    /** The search endpoints: 5 requests per second, apart from the burst window. */
    searchPerSecond: 5,
    /** Professional: 650,000 requests a day. */
    daily: 650_000,
  },
  salesforce: {
    /**
     * Enterprise Edition's base daily allowance (rolling 24 h; more per user licence). Salesforce sets
     * no per-second rate for these calls, so its bound is the share of the day's allowance used.
     */
    dailyApiAllowance: 100_000,
  },
} as const;

/** The World's snapshot: a Tuesday, 10:00 in Tokyo; the backfill runs an hour later, the day a day after. */
export const SCALE_AS_OF = '2026-09-01T01:00:00.000Z';
