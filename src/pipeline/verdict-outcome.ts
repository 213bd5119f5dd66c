import type { Decision } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import { fitText } from '../domain/text-length.ts';
import type { TossUpFieldValues } from '../ports/lead-sink.ts';
import type { RecheckRecord } from '../ports/recheck-store.ts';
import type { Locale } from '../reasons/messages.ts';
import { verdictReason } from '../reasons/verdict-reason.ts';
import { episodeKey } from './episode-key.ts';
import type { LeadOutcome } from './process-leads.ts';
import type { VerdictStanding } from './verdict-standing.ts';

/**
 * The pipeline's outcomes for a lead whose rep's verdict shapes the decision (docs/sales-in-the-loop.md).
 */

/**
 * A sent-back or lost verdict stands: flag, next action, key, scores and owner stay as the CRM has
 * them, no task; only the reason is written (once: an unchanged reason costs no call), saying why the
 * rules leave the lead alone and what hands it back. The rules' decision is kept in the outcome for
 * the run report.
 */
export function verdictKept(
  lead: Lead,
  decision: Decision,
  verdict: Extract<VerdictStanding, { kind: 'stands' }>,
  options: { locale: Locale; maxLength: number; recheck: RecheckRecord | null },
): {
  lead: Lead;
  fields: TossUpFieldValues;
  task: null;
  outcome: LeadOutcome;
  recheck?: RecheckRecord;
} {
  const reasonText = fitText(
    verdictReason(verdict.verdict, verdict.until, options.locale),
    options.maxLength,
  );
  const fields: TossUpFieldValues = lead.current.reason === reasonText ? {} : { reason: reasonText };
  return {
    lead,
    fields,
    task: null,
    outcome: {
      leadId: lead.id,
      objectType: lead.objectType,
      decision,
      reasonText,
      episodeKey: lead.current.decisionKey,
      newEpisode: false,
      fields,
      task: null,
      taskStatus: 'none',
      status: 'not_attempted',
      verdict: 'stands',
    },
    ...(options.recheck ? { recheck: options.recheck } : {}),
  };
}

/**
 * The key of a new episode for a lead released from a sent-back or lost verdict whose decision has
 * the flag and next action the verdict closed (`episodeKey` would return the closed episode's key):
 * chained on that key like any new key, so a retry derives the same one until the new key is written.
 */
export function freshEpisodeKey(
  lead: Lead,
  decision: Pick<Decision, 'flag' | 'nextAction'>,
  mark?: string,
): string {
  return episodeKey({ ...lead, current: { ...lead.current, flag: null, nextAction: null } }, decision, mark);
}
