import type { OpportunityOutcome } from '../ports/outcome-store.ts';
import { leadKeyOf } from './replay-history.ts';

/** An episode event that says what became of a toss-up (ledger-queries.ts `BACKTEST_OUTCOME_EVENTS`). */
export interface OutcomeEventRow {
  crm: string;
  lead_id: string;
  event_type: string;
  event_at: string;
  close_reason: string | null;
  verdict_result: string | null;
}

/** What was observed of a lead after it was decided. */
export interface LeadOutcome {
  /** First time an opportunity was seen for the lead (ledger or outcome store), ISO UTC. */
  opportunityAt: string | null;
  /** The rep sent a toss-up back at some point. */
  sentBack: boolean;
}

/**
 * Per lead (`crm|leadId`): when it first became an opportunity and whether a toss-up of it was sent
 * back. Opportunities come from the ledger's episode events (the opportunity phase's `opportunity`, a
 * close as opportunity, a verdict saying so) and from the outcome store, which also holds the
 * opportunities of leads never tossed up (the ones a candidate rule set could have caught).
 */
export function observedOutcomes(
  events: readonly OutcomeEventRow[],
  opportunities: readonly OpportunityOutcome[],
): Map<string, LeadOutcome> {
  const out = new Map<string, LeadOutcome>();
  const of = (crm: string, leadId: string): LeadOutcome => {
    const key = leadKeyOf(crm, leadId);
    let o = out.get(key);
    if (!o) {
      o = { opportunityAt: null, sentBack: false };
      out.set(key, o);
    }
    return o;
  };
  const sawOpportunity = (o: LeadOutcome, at: string) => {
    if (o.opportunityAt === null || at < o.opportunityAt) o.opportunityAt = at;
  };
  for (const e of events) {
    const o = of(e.crm, e.lead_id);
    if (
      e.event_type === 'opportunity' ||
      (e.event_type === 'closed' && e.close_reason === 'opportunity') ||
      (e.event_type === 'verdict' && e.verdict_result === 'opportunity')
    )
      sawOpportunity(o, e.event_at);
    if (e.event_type === 'verdict' && e.verdict_result === 'sent_back') o.sentBack = true;
  }
  for (const opp of opportunities) sawOpportunity(of(opp.crm, opp.leadId), opp.createdAt);
  return out;
}
