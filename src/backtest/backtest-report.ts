import type { Classification } from './classification.ts';
import type { FlagFlip } from './flag-flips.ts';
import type { ThresholdSweep } from './threshold-sweep.ts';
import type { LoadReport } from './weekly-load.ts';

/** One rule set replayed over the period. */
export interface RuleSetResult {
  /** The rule set's name and content hash. */
  name: string;
  version: string;
  classification: Classification;
  load: LoadReport;
}

/** Everything `tossup backtest` reports; rendered as text, Markdown, CSV or JSON. */
export interface BacktestReport {
  /** [from, to) ISO UTC. */
  period: { from: string; to: string };
  /** Decision rows replayed, and how many of them the current rules reproduce as recorded (rules version aside). */
  decisions: number;
  reproduced: number;
  leads: number;
  /** Opportunities observed for leads that had no decision in the period (not replayable). */
  opportunitiesWithoutDecision: number;
  current: RuleSetResult;
  candidate: RuleSetResult;
  flips: FlagFlip[];
  /** Threshold sweeps over the score grid, on the current rules. */
  sweeps: ThresholdSweep[];
}
