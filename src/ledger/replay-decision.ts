import type { Decision } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';
import { decideWithDataIssues } from '../scoring/data-issues.ts';
import { withScoreDetail } from '../scoring/score-detail.ts';
import { type FactsRow, factsOfRow, type LeadFacts } from './lead-facts.ts';
import type { DecisionRecord } from './ledger-record.ts';

/**
 * The lead a decision row's facts describe, with what the ledger leaves out set to "unknown" (names,
 * free text, raw unreadable values): none of it is read by the rules.
 */
export function leadFromFacts(facts: LeadFacts): Lead {
  const { feedback, ...current } = facts.current;
  return {
    ...facts,
    company: { ...facts.company, name: null },
    person: { ...facts.person, name: null },
    hearing: facts.hearing ? { ...facts.hearing, notes: null } : null,
    current: { ...current, reason: null, ...(feedback ? { feedback: { ...feedback, note: null } } : {}) },
    dataIssues: facts.dataIssues.map((i) => ({ ...i, raw: '' })),
  };
}

/** The lead a decision row's facts describe (compact or whole `facts_json`, lead-facts.ts `factsOfRow`). */
export function leadOfRow(row: FactsRow): Lead {
  return leadFromFacts(factsOfRow(row));
}

/** The decision `rules` make on a row's recorded facts at the row's own time (the engine as the sync calls it). */
export function replayDecision(row: DecisionRecord, rules: CompiledRuleSet): Decision {
  const lead = leadOfRow(row);
  return withScoreDetail(decideWithDataIssues(lead, rules, new Date(row.decided_at)), lead, rules);
}

/** What of a replayed decision differs from the row (empty: the same decision). */
export function replayDifferences(row: DecisionRecord, replayed: Decision): string[] {
  const diffs: string[] = [];
  const check = (what: string, recorded: unknown, now: unknown) => {
    if (JSON.stringify(recorded) !== JSON.stringify(now))
      diffs.push(`${what}: ${JSON.stringify(recorded)} → ${JSON.stringify(now)}`);
  };
  check('rules_version', row.rules_version, replayed.rulesVersion);
  check('rule_id', row.rule_id, replayed.ruleId);
  check('flag', row.flag, replayed.flag);
  check('next_action', row.next_action, replayed.nextAction);
  check(
    'reason_codes',
    row.reason_codes,
    replayed.reasons.map((r) => r.code),
  );
  check('attribute_score', row.attribute_score, replayed.scores.attribute);
  check('behaviour_score', row.behaviour_score, replayed.scores.behaviour);
  return diffs;
}
