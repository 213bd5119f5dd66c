import type { Decision } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import type { RecheckRecord, RecheckStore } from '../ports/recheck-store.ts';
import { recheckKey } from '../ports/recheck-store.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';
import type { DecideOptions } from '../scoring/decide.ts';
import { isHoldLike } from '../scoring/hold-expiry.ts';
import { recheckAt } from '../scoring/recheck-at.ts';
import type { BusinessCalendar } from '../sla/business-calendar.ts';

/**
 * The pipeline's side of re-checks: the hold start a decision needs (read in one batch before
 * deciding) and the record to keep after it (written once the lead's outcome is settled).
 */

/** The stored records of a batch's leads, keyed by `recheckKey`. */
export async function loadRechecks(
  store: RecheckStore | undefined,
  crm: Lead['crm'],
  leads: readonly Lead[],
): Promise<ReadonlyMap<string, RecheckRecord>> {
  if (!store) return new Map();
  return store.getMany(
    crm,
    leads.map((l) => ({ objectType: l.objectType, leadId: l.id })),
  );
}

/** `holdSince` and the calendar for `decide`, from the lead's stored record. */
export function holdOptions(
  lead: Lead,
  records: ReadonlyMap<string, RecheckRecord>,
  calendar: BusinessCalendar,
): Pick<DecideOptions, 'holdSince' | 'calendar'> {
  const since = records.get(recheckKey({ objectType: lead.objectType, leadId: lead.id }))?.holdSince;
  return since ? { holdSince: since, calendar } : { calendar };
}

/**
 * The record to keep after deciding `decision` at `now`, or null when the stored one is already
 * that (nothing to write). A hold keeps the start it had, or starts now; anything else clears it.
 */
export function nextRecheck(
  lead: Lead,
  decision: Decision,
  rules: CompiledRuleSet,
  now: Date,
  options: DecideOptions,
  records: ReadonlyMap<string, RecheckRecord>,
): RecheckRecord | null {
  const stored = records.get(recheckKey({ objectType: lead.objectType, leadId: lead.id }));
  const holdSince = isHoldLike(decision) ? (stored?.holdSince ?? now.toISOString()) : null;
  const at = recheckAt(lead, rules, now, { ...options, holdSince: holdSince ?? undefined });
  const record: RecheckRecord = {
    objectType: lead.objectType,
    leadId: lead.id,
    recheckAt: at ? at.toISOString() : null,
    holdSince,
  };
  const same = stored
    ? stored.recheckAt === record.recheckAt && stored.holdSince === record.holdSince
    : record.recheckAt === null && record.holdSince === null;
  return same ? null : record;
}

/**
 * A re-check never takes a hand-off back from sales: with `keepHandOffs`, a lead the CRM shows as
 * tossed up (flag yes) whose new decision is something else (another flag or next action) is left
 * as it is.
 */
export function withdrawsHandOff(lead: Lead, decision: Decision): boolean {
  return (
    lead.current.flag === 'yes' &&
    (decision.flag !== 'yes' ||
      (lead.current.nextAction !== null && decision.nextAction !== lead.current.nextAction))
  );
}
