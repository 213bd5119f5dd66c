import type { Decision } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import type { DecisionRecord } from '../ledger/ledger-record.ts';
import { leadOfRow } from '../ledger/replay-decision.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';
import { decideWithDataIssues } from '../scoring/data-issues.ts';
import { isHoldLike } from '../scoring/hold-expiry.ts';
import { withScoreDetail } from '../scoring/score-detail.ts';
import { zonedDate } from '../sla/zoned-time.ts';

/** A recorded decision row and its lead, parsed once and replayed under any number of rule sets. */
export interface RecordedDecision {
  row: DecisionRecord;
  lead: Lead;
  /** `crm|leadId`: one lead across its decisions (ids are unique within a CRM). */
  leadKey: string;
}

export interface ReplayedDecision {
  recorded: RecordedDecision;
  decision: Decision;
  /** The lead becomes a toss-up here: flag yes after anything else (the CRM's flag before the first row). */
  newTossUp: boolean;
}

export function leadKeyOf(crm: string, leadId: string): string {
  return `${crm}|${leadId}`;
}

/**
 * Parses the rows' facts once, in time order (the order replay needs for quotas and holds); rows of the
 * same instant by record id, so any source (DuckDB, Athena, files) gives the same replay.
 */
export function recordedDecisions(rows: readonly DecisionRecord[]): RecordedDecision[] {
  return [...rows]
    .sort((a, b) => compare(a.decided_at, b.decided_at) || compare(a.record_id, b.record_id))
    .map((row) => ({
      row,
      lead: leadOfRow(row),
      leadKey: leadKeyOf(row.crm, row.lead_id),
    }));
}

/**
 * Every recorded decision decided again by `rules` at its own time, in time order, as the sync calls the
 * engine — so look-back windows and campaign overrides apply as they did then. What the sync keeps in
 * its state store is rebuilt from the replay itself:
 * - monthly quotas (manual requests): the leads a quota rule tossed up for the same requester earlier
 *   in the same month (rule set's time zone) of this replay — counted from the period's start, since
 *   the replay knows nothing before it;
 * - hold expiry: a lead's hold started at its first decision of an unbroken run of holds in this replay.
 */
export function replayHistory(
  decisions: readonly RecordedDecision[],
  rules: CompiledRuleSet,
  options: { scoreDetail?: boolean } = {},
): ReplayedDecision[] {
  // The score detail only adds parameters to score reasons: worth it for examples, not for a sweep.
  const detail = options.scoreDetail ?? true;
  const quotaRules = new Set(
    rules.rules.filter((r) => r.rule.quotaPerMonth !== undefined).map((r) => r.rule.id),
  );
  /** rule|requester|month → leads the rule tossed up. */
  const quotaUse = new Map<string, Set<string>>();
  const holdSince = new Map<string, string>();
  const flagOf = new Map<string, string>();
  const out: ReplayedDecision[] = [];
  for (const recorded of decisions) {
    const { lead, row, leadKey } = recorded;
    const now = new Date(row.decided_at);
    // The month (a time-zone conversion) only when a quota rule is in play: replays run by the dozen.
    let month: string | undefined;
    const monthOf = () => {
      month ??= zonedDate(now, rules.source.timeZone).slice(0, 7);
      return month;
    };
    const since = holdSince.get(leadKey);
    const decided = decideWithDataIssues(lead, rules, now, {
      quotaUsed: (ruleId, requester) => {
        const used = quotaUse.get(`${ruleId}|${requester}|${monthOf()}`);
        return used ? used.size - (used.has(leadKey) ? 1 : 0) : 0;
      },
      ...(since ? { holdSince: since } : {}),
    });
    const decision = detail ? withScoreDetail(decided, lead, rules) : decided;
    if (decision.flag === 'yes' && quotaRules.has(decision.ruleId)) {
      const key = `${decision.ruleId}|${lead.manualRequest?.requestedBy ?? null}|${monthOf()}`;
      const used = quotaUse.get(key) ?? new Set<string>();
      used.add(leadKey);
      quotaUse.set(key, used);
    }
    if (isHoldLike(decision)) {
      if (!since) holdSince.set(leadKey, row.decided_at);
    } else holdSince.delete(leadKey);
    const before = flagOf.get(leadKey) ?? lead.current.flag;
    flagOf.set(leadKey, decision.flag);
    out.push({ recorded, decision, newTossUp: decision.flag === 'yes' && before !== 'yes' });
  }
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
