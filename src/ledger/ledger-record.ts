import { createHash } from 'node:crypto';
import type { CrmName } from '../domain/lead.ts';

/**
 * The decision ledger's two tables, one row shape each (docs/ledger.md). Columns are snake_case and
 * flat (nested data as JSON text) so the same rows load into DuckDB from JSONL and into Athena from
 * Parquet with one column list. No names, e-mail addresses or phone numbers: the lead is its CRM id,
 * owners are CRM user ids and routing keys, facts are the normalized values the rules read.
 */

/** One decision that changed what the CRM shows (the toss-up fields written). */
export interface DecisionRecord {
  kind: 'decision';
  /** Idempotency key: the same decision staged twice (a retry, a crash) is one row. */
  record_id: string;
  crm: CrmName;
  object_type: string;
  lead_id: string;
  decided_at: string;
  /** UTC date of `decided_at`: the partition. */
  dt: string;
  rules_version: string;
  rule_id: string;
  flag: 'yes' | 'no' | 'hold';
  next_action: string;
  priority: string;
  /** The most decisive reason's code (reasons are ordered). */
  primary_reason: string;
  reason_codes: string[];
  /** `[{code, params}]` as the engine produced them, personal data masked. */
  reasons_json: string;
  attribute_score: number;
  behaviour_score: number | null;
  /** The task's owner (CRM user or queue id) when the decision handed the lead off, else the record owner written, else null. */
  owner_id: string | null;
  /** routing.yaml key of that owner, when listed there. */
  owner_key: string | null;
  episode_key: string | null;
  new_episode: boolean;
  /** Key of the open episode this decision replaced, if any. */
  supersedes: string | null;
  /**
   * A person's override that stood over this decision (issue 14, human-override.ts): the flag they
   * set, how (`field`, `flag_edit`) and who (CRM user id). `flag` and the rest stay what the rules
   * said; the CRM showed the override's flag. Null when no override.
   */
  override_flag: string | null;
  override_source: string | null;
  override_by: string | null;
  /** Campaigns or assets of the lead's activities, distinct, for the review by campaign and source. */
  sources: string[];
  /**
   * The normalized lead the decision read, without personal data (lead-facts.ts), as JSON: compact,
   * its defaults and what the row's own columns say left out; `factsOfRow` gives it back whole.
   */
  facts_json: string;
}

/** One episode event (handed off, first response, ladder step, verdict, close …) as the store recorded it. */
export interface EventRecord {
  kind: 'event';
  /** Idempotency key: the episode key and the event's step (one per step, as in the store). */
  record_id: string;
  crm: CrmName;
  object_type: string;
  lead_id: string;
  episode_key: string;
  event_type: string;
  step: string;
  event_at: string;
  /** UTC date of `event_at`: the partition. */
  dt: string;
  cause: string;
  /** The episode's next action and current owner once the event is applied. */
  next_action: string;
  owner_id: string;
  owner_key: string | null;
  round: number;
  /** closed: its reason; a closing verdict (sent back, lost): the result; opportunity: `opportunity`. */
  close_reason: string | null;
  verdict_result: string | null;
  sent_back_reason: string | null;
  /** opportunity, opportunity_closed: the CRM's opportunity (deal) id. */
  opportunity_id: string | null;
  /** opportunity_closed: won (true) or lost (false). */
  opportunity_won: boolean | null;
  /** opportunity_closed, lost: the CRM's lost reason (personal data masked). */
  lost_reason: string | null;
  /** first_response: the activity that counted. */
  activity: string | null;
  /** ladder_step: what the step did. */
  ladder_action: string | null;
  /** sla_status: the status written. */
  sla_status: string | null;
  /**
   * first_response (and task_completed when it is the first response): time from the hand-off to the
   * response on the SLA's clock (business hours for business-unit SLAs), holds excluded.
   */
  response_hours: number | null;
  /** `businessHours` or `hours`: the unit of `response_hours` and `allowed_hours`. */
  response_unit: string | null;
  /** The SLA's allowance on the same clock (null: the next action has no SLA). */
  allowed_hours: number | null;
  /** The first response came within the SLA (null: no SLA, or not a response event). */
  on_time: boolean | null;
  /**
   * When the first-response SLA runs out, counted from the hand-off on the SLA's clock with the holds
   * known at this event (ISO UTC; null or absent: no SLA, a hold still running, or a row written before the
   * column existed). The review counts a toss-up unanswered past it as late (SQL has no business
   * calendar, so it is computed here).
   */
  due_at?: string | null;
}

export type LedgerRecord = DecisionRecord | EventRecord;

/** The partition of an instant: its UTC date. */
export function partitionDate(iso: string): string {
  return new Date(iso).toISOString().slice(0, 10);
}

/** When a record happened (decision time or event time). */
export function recordTime(r: LedgerRecord): string {
  return r.kind === 'decision' ? r.decided_at : r.event_at;
}

/** A short, stable id from the parts that identify a record. */
export function recordId(prefix: 'd' | 'e', parts: readonly (string | number | null | undefined)[]): string {
  const h = createHash('sha256')
    .update(parts.map((p) => (p === null || p === undefined ? '' : String(p))).join('\u0000'))
    .digest('base64url');
  return `${prefix}_${h.slice(0, 32)}`;
}
