import type { RuleSet } from '../config/rule-set-schema.ts';
import type { DecisionRecord } from '../ledger/ledger-record.ts';
import { replayDifferences } from '../ledger/replay-decision.ts';
import type { OpportunityOutcome } from '../ports/outcome-store.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { compileRuleSet } from '../scoring/compile-rule-set.ts';
import type { BacktestReport, RuleSetResult } from './backtest-report.ts';
import { classify, type ObservedLeads, observedLeads } from './classification.ts';
import { flagFlips } from './flag-flips.ts';
import { type OutcomeEventRow, observedOutcomes } from './observed-outcomes.ts';
import { leadKeyOf, type ReplayedDecision, recordedDecisions, replayHistory } from './replay-history.ts';
import { type SweepOptions, thresholdSweeps } from './threshold-sweep.ts';
import { type LoadCalendar, weeklyLoad } from './weekly-load.ts';

/** What the backtest reads: the period's decision rows and what became of the leads. */
export interface BacktestHistory {
  period: { from: string; to: string };
  decisions: readonly DecisionRecord[];
  outcomeEvents: readonly OutcomeEventRow[];
  /** The outcome store's opportunities (with or without a toss-up). */
  opportunities: readonly OpportunityOutcome[];
}

export interface BacktestRules {
  current: RuleSet;
  candidate: RuleSet;
  routing: RoutingConfig;
  /** sla.yaml's business calendar, as the sync routes with (default: Monday to Friday, the decision's date). */
  calendar?: LoadCalendar;
}

/**
 * Replays the period's recorded decisions through the current and the candidate rules (each at its
 * own time), and measures both against the observed outcomes: flag flips, tasks per owner and week,
 * precision and recall with 95% intervals, and the threshold sweeps of the current rules. Pure apart
 * from time spent: the caller reads the ledger and the outcome store.
 */
export async function runBacktest(
  history: BacktestHistory,
  rules: BacktestRules,
  options: SweepOptions = {},
): Promise<BacktestReport> {
  const decisions = recordedDecisions(history.decisions);
  const outcomes = observedOutcomes(history.outcomeEvents, history.opportunities);
  const currentRules = compileRuleSet(rules.current);
  const candidateRules = compileRuleSet(rules.candidate);
  const current = replayHistory(decisions, currentRules);
  const candidate = replayHistory(decisions, candidateRules);
  const observed = observedLeads(current, outcomes);
  const decided = new Set(decisions.map((d) => d.leadKey));
  let opportunitiesWithoutDecision = 0;
  for (const o of history.opportunities)
    if (!decided.has(leadKeyOf(o.crm, o.leadId))) opportunitiesWithoutDecision++;
  return {
    period: history.period,
    decisions: decisions.length,
    reproduced: reproducedCount(current),
    leads: decided.size,
    opportunitiesWithoutDecision,
    current: await result(rules.current, currentRules.version, current, observed, rules),
    candidate: await result(rules.candidate, candidateRules.version, candidate, observed, rules),
    flips: flagFlips(current, candidate, observed),
    sweeps: thresholdSweeps(rules.current, decisions, observed, options),
  };
}

async function result(
  rs: RuleSet,
  version: string,
  replayed: readonly ReplayedDecision[],
  observed: ObservedLeads,
  rules: BacktestRules,
): Promise<RuleSetResult> {
  return {
    name: rs.name,
    version,
    classification: classify(replayed, observed),
    load: await weeklyLoad(replayed, rules.routing, rules.calendar),
  };
}

/**
 * Rows the current rules decide as recorded: same rule, flag, next action, reasons and scores. The
 * rule-set version is left out — rows recorded before the file last changed differ in it by design.
 */
function reproducedCount(replayed: readonly ReplayedDecision[]): number {
  return replayed.filter(
    (r) =>
      replayDifferences(r.recorded.row, r.decision).filter((d) => !d.startsWith('rules_version')).length ===
      0,
  ).length;
}
