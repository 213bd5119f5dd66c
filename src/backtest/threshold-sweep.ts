import type { RuleSet } from '../config/rule-set-schema.ts';
import { compileRuleSet } from '../scoring/compile-rule-set.ts';
import { type Classification, classify, type ObservedLeads } from './classification.ts';
import { type RecordedDecision, replayHistory } from './replay-history.ts';

/** The two thresholds of the score grid a sweep moves (rule sets name them so, e.g. `large`). */
export const SWEPT_THRESHOLDS = ['behaviour', 'attribute'] as const;
export type SweptThreshold = (typeof SWEPT_THRESHOLDS)[number];

export interface SweepPoint extends Classification {
  value: number;
  /** The rule set's own value. */
  isCurrent: boolean;
  /** Highest F1 of the sweep (the lowest load among equals). */
  isBestF1: boolean;
  /** Where more load stops buying many more opportunities (see `kneeIndex`). */
  isKnee: boolean;
}

export interface ThresholdSweep {
  threshold: SweptThreshold;
  /** The value the rule set has (campaign overrides aside). */
  current: number;
  points: SweepPoint[];
}

export interface SweepOptions {
  /** Grid step (default 5). */
  step?: number;
  /** At most this many points per threshold; the step widens to a multiple of itself to fit (default 41). */
  maxPoints?: number;
}

/**
 * For each score threshold the rule set has (`behaviour`, `attribute`), the history replayed with that
 * threshold set to each value of a grid from 0 to just past the highest score seen, the other held where
 * it is: toss-ups, tasks, opportunities caught and missed, precision, recall, F1. The swept value applies
 * at all times: a campaign override of the same threshold is left out, so each point is one setting.
 */
export function thresholdSweeps(
  base: RuleSet,
  decisions: readonly RecordedDecision[],
  observed: ObservedLeads,
  options: SweepOptions = {},
): ThresholdSweep[] {
  const out: ThresholdSweep[] = [];
  for (const threshold of SWEPT_THRESHOLDS) {
    const current = base.thresholds[threshold];
    if (current === undefined) continue;
    const seen = decisions.reduce((m, d) => {
      const s = threshold === 'behaviour' ? d.row.behaviour_score : d.row.attribute_score;
      return s !== null && s > m ? s : m;
    }, current);
    const values = grid(seen, options.step ?? 5, options.maxPoints ?? 41);
    if (!values.includes(current)) values.push(current);
    values.sort((a, b) => a - b);
    const points = values.map((value): SweepPoint => {
      const rules = compileRuleSet(withThreshold(base, threshold, value));
      const c = classify(replayHistory(decisions, rules, { scoreDetail: false }), observed);
      return { ...c, value, isCurrent: value === current, isBestF1: false, isKnee: false };
    });
    const best = bestF1Index(points);
    if (best !== null) points[best]!.isBestF1 = true;
    const knee = kneeIndex(points);
    if (knee !== null) points[knee]!.isKnee = true;
    out.push({ threshold, current, points });
  }
  return out;
}

/** The rule set with one threshold at `value`, campaign overrides of it removed. */
export function withThreshold(rs: RuleSet, threshold: string, value: number): RuleSet {
  return {
    ...rs,
    thresholds: { ...rs.thresholds, [threshold]: value },
    overrides: rs.overrides.map((o) => {
      const { [threshold]: _dropped, ...rest } = o.thresholds;
      return { ...o, thresholds: rest };
    }),
  };
}

function grid(highest: number, step: number, maxPoints: number): number[] {
  const top = Math.ceil(highest / step) * step + step;
  // Widened to a multiple of the step, so the grid keeps round values (0, 10, 20 … rather than 0, 7, 14 …).
  const s = top / step + 1 > maxPoints ? Math.ceil(top / (maxPoints - 1) / step) * step : step;
  const values: number[] = [];
  for (let v = 0; ; v += s) {
    values.push(v);
    if (v >= top) break; // past the highest score seen: nothing is tossed up on score alone
  }
  return values;
}

/** The point with the highest F1; among equals the one with the fewest tasks. */
export function bestF1Index(points: readonly Classification[]): number | null {
  let best: number | null = null;
  points.forEach((p, i) => {
    if (p.f1 === null) return;
    const b = best === null ? null : points[best]!;
    if (b === null || p.f1 > b.f1! || (p.f1 === b.f1 && p.tasks < b.tasks)) best = i;
  });
  return best;
}

/**
 * The knee of "opportunities caught" against "tasks" (Kneedle): both scaled to [0, 1] over the sweep,
 * the point farthest above the straight line from the lightest to the heaviest setting — past it, each
 * extra task buys fewer opportunities than on average.
 */
export function kneeIndex(points: readonly Classification[]): number | null {
  if (points.length < 3) return null;
  const xs = points.map((p) => p.tasks);
  const ys = points.map((p) => p.caught);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0 || y1 === y0) return null;
  let best: number | null = null;
  let bestGap = 0;
  points.forEach((p, i) => {
    const gap = (p.caught - y0) / (y1 - y0) - (p.tasks - x0) / (x1 - x0);
    if (gap > bestGap || (gap === bestGap && best !== null && p.tasks < points[best]!.tasks)) {
      bestGap = gap;
      best = i;
    }
  });
  return best;
}
