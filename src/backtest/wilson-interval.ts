/** A proportion with its Wilson score interval. */
export interface Proportion {
  successes: number;
  trials: number;
  /** successes / trials; null when there were no trials. */
  rate: number | null;
  low: number | null;
  high: number | null;
}

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/**
 * The Wilson score interval (95%): unlike the normal approximation it stays inside [0, 1] and keeps a
 * sensible width for small counts and rates near 0 or 1 — the usual case for a few dozen toss-ups.
 */
export function wilson(successes: number, trials: number, z = Z95): Proportion {
  if (trials === 0) return { successes, trials, rate: null, low: null, high: null };
  const p = successes / trials;
  const z2 = z * z;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  return {
    successes,
    trials,
    rate: p,
    low: Math.max(0, centre - half),
    high: Math.min(1, centre + half),
  };
}
