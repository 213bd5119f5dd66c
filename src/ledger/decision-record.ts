import type { Decision } from '../domain/decision.ts';
import type { HumanOverride } from '../domain/human-override.ts';
import type { Lead } from '../domain/lead.ts';
import type { TossUpFieldValues } from '../ports/lead-sink.ts';
import { compactFactsJson, leadFacts, maskStrings } from './lead-facts.ts';
import { type DecisionRecord, partitionDate, recordId } from './ledger-record.ts';

/** What the pipeline knows about one decision it is about to write. */
export interface DecidedLead {
  lead: Lead;
  decision: Decision;
  /** The toss-up fields this run writes (only the changed ones). */
  fields: TossUpFieldValues;
  episodeKey: string | null;
  newEpisode: boolean;
  supersedes?: string;
  /** The task's owner when the decision hands the lead off. */
  taskOwner?: { id: string; key?: string };
  /** A person's override that stood instead of the decision. */
  override?: HumanOverride;
}

/**
 * The ledger row of a decision. Its id depends only on what the run read and writes — the lead, its
 * version (`modifiedAt`), the CRM's toss-up fields before the write, the fields written and the
 * decision's content — never on the run's clock: a retry after a crash that read the same lead makes
 * the same decision and the same id, so the ledger keeps one row.
 */
export function decisionRecord(d: DecidedLead): DecisionRecord {
  return { ...decisionRecordWithoutFacts(d), facts_json: leadFactsJson(d.lead) };
}

/** A decision record but for its `facts_json`, the bulk of it, which `withFacts` adds. */
export type DecisionRecordWithoutFacts = Omit<DecisionRecord, 'facts_json'>;

/** `decisionRecord` without `facts_json` (the same keys in the same order before it). */
export function decisionRecordWithoutFacts(d: DecidedLead): DecisionRecordWithoutFacts {
  const { lead, decision } = d;
  const reasons = maskStrings(decision.reasons);
  const reasonsJson = JSON.stringify(reasons);
  const c = lead.current;
  return {
    kind: 'decision',
    record_id: recordId('d', [
      lead.crm,
      lead.objectType,
      lead.id,
      lead.modifiedAt,
      c.decisionKey,
      c.flag,
      c.nextAction,
      c.attributeScore,
      c.behaviourScore,
      c.dueAt,
      stableJson(d.fields),
      decision.rulesVersion,
      decision.ruleId,
      decision.flag,
      decision.nextAction,
      reasonsJson,
      d.override ? `${d.override.flag}|${d.override.source}|${d.override.at}` : '',
    ]),
    crm: lead.crm,
    object_type: lead.objectType,
    lead_id: lead.id,
    decided_at: decision.decidedAt,
    dt: partitionDate(decision.decidedAt),
    rules_version: decision.rulesVersion,
    rule_id: decision.ruleId,
    flag: decision.flag,
    next_action: decision.nextAction,
    priority: decision.priority,
    primary_reason: decision.reasons[0]?.code ?? 'otherwise',
    reason_codes: decision.reasons.map((r) => r.code),
    reasons_json: reasonsJson,
    attribute_score: decision.scores.attribute,
    behaviour_score: decision.scores.behaviour,
    owner_id: d.taskOwner?.id ?? d.fields.ownerId ?? null,
    owner_key: d.taskOwner?.key ?? null,
    episode_key: d.episodeKey,
    new_episode: d.newEpisode,
    supersedes: d.supersedes ?? null,
    override_flag: d.override?.flag ?? null,
    override_source: d.override?.source ?? null,
    override_by: d.override?.by ?? null,
    sources: maskStrings([...new Set(lead.activities.flatMap((a) => (a.source ? [a.source] : [])))].sort()),
  };
}

/**
 * The whole record, its `facts_json` made from the lead each time it is read — when the record is
 * serialized (the outbox, the ledger file) — and never kept: a batch of 10,000 records held their
 * facts at once (~20 MB) from staging to the append. The lead must not change while the record lives:
 * the pipeline's batch never changes its leads, and a store that keeps records as given (the memory
 * ledger and outboxes) keeps the lead with each and makes its facts when they are read.
 */
export function withFacts(record: DecisionRecordWithoutFacts, lead: Lead): DecisionRecord {
  return {
    ...record,
    get facts_json() {
      return leadFactsJson(lead);
    },
  };
}

/**
 * `facts_json` of a decision record: a function of the lead alone, so a record held between its
 * staging and its append can leave it out and have it made again from the same lead (ledger-decisions.ts).
 * Compact (lead-facts.ts, `compactFactsJson`): the lead's id, CRM and object and the defaults left out.
 */
export function leadFactsJson(lead: Lead): string {
  return compactFactsJson(leadFacts(lead), { lead_id: lead.id, crm: lead.crm, object_type: lead.objectType });
}

function stableJson(fields: TossUpFieldValues): string {
  return JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))));
}
