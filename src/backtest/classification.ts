import type { LeadOutcome } from './observed-outcomes.ts';
import type { ReplayedDecision } from './replay-history.ts';
import { type Proportion, wilson } from './wilson-interval.ts';

/** How a rule set's toss-ups over a period compare with what became of the leads. */
export interface Classification {
  /** Leads decided in the period. */
  leads: number;
  /** Leads the rules flagged yes at least once in the period. */
  tossedUp: number;
  /** New toss-ups (a task each): flag yes after anything else. */
  tasks: number;
  /** Leads that became an opportunity after their first decision in the period. */
  opportunities: number;
  /** Tossed-up leads that became an opportunity. */
  caught: number;
  /** Opportunities the rules did not toss up. */
  missed: number;
  /** Tossed-up leads a rep had sent back (a verdict in the ledger): the noise sales saw. */
  sentBack: number;
  /** caught / tossedUp: toss-ups that became opportunities. */
  precision: Proportion;
  /** caught / opportunities: opportunities that had been tossed up. */
  recall: Proportion;
  /** Harmonic mean of precision and recall (null when either is). */
  f1: number | null;
}

/** What was observed, per lead key: the leads that became opportunities, and those sent back. */
export interface ObservedLeads {
  opportunities: ReadonlySet<string>;
  sentBack: ReadonlySet<string>;
}

/**
 * Per lead: whether it became an opportunity after its first decision in the period, and whether a
 * toss-up of it was sent back.
 */
export function observedLeads(
  replayed: readonly ReplayedDecision[],
  outcomes: ReadonlyMap<string, LeadOutcome>,
): ObservedLeads {
  const first = new Map<string, string>();
  for (const r of replayed)
    if (!first.has(r.recorded.leadKey)) first.set(r.recorded.leadKey, r.recorded.row.decided_at);
  const opportunities = new Set<string>();
  const sentBack = new Set<string>();
  for (const [key, at] of first) {
    const o = outcomes.get(key);
    if (o?.opportunityAt != null && o.opportunityAt >= at) opportunities.add(key);
    if (o?.sentBack) sentBack.add(key);
  }
  return { opportunities, sentBack };
}

export function classify(replayed: readonly ReplayedDecision[], observed: ObservedLeads): Classification {
  const { opportunities } = observed;
  const leads = new Set<string>();
  const tossed = new Set<string>();
  let tasks = 0;
  for (const r of replayed) {
    leads.add(r.recorded.leadKey);
    if (r.decision.flag === 'yes') tossed.add(r.recorded.leadKey);
    if (r.newTossUp) tasks++;
  }
  let caught = 0;
  let sentBack = 0;
  for (const key of tossed) {
    if (opportunities.has(key)) caught++;
    if (observed.sentBack.has(key)) sentBack++;
  }
  const precision = wilson(caught, tossed.size);
  const recall = wilson(caught, opportunities.size);
  const p = precision.rate;
  const r = recall.rate;
  return {
    leads: leads.size,
    tossedUp: tossed.size,
    tasks,
    opportunities: opportunities.size,
    caught,
    missed: opportunities.size - caught,
    sentBack,
    precision,
    recall,
    f1: p === null || r === null ? null : p + r === 0 ? 0 : (2 * p * r) / (p + r),
  };
}
