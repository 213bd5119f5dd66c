import type { DecisionRecord, EventRecord } from './ledger-record.ts';

/** Column types in the subset every engine of the ledger maps (DuckDB here, Athena/Glue later). */
export type ColumnType = 'string' | 'boolean' | 'double' | 'integer' | 'string_array';

/**
 * The two tables' columns, in order: the one list the DuckDB views and (later) the Glue table are
 * built from. A test checks it names every field of the record types and nothing else.
 */
export const DECISION_COLUMNS: Readonly<Record<keyof DecisionRecord, ColumnType>> = {
  kind: 'string',
  record_id: 'string',
  crm: 'string',
  object_type: 'string',
  lead_id: 'string',
  decided_at: 'string',
  dt: 'string',
  rules_version: 'string',
  rule_id: 'string',
  flag: 'string',
  next_action: 'string',
  priority: 'string',
  primary_reason: 'string',
  reason_codes: 'string_array',
  reasons_json: 'string',
  attribute_score: 'double',
  behaviour_score: 'double',
  owner_id: 'string',
  owner_key: 'string',
  episode_key: 'string',
  new_episode: 'boolean',
  supersedes: 'string',
  override_flag: 'string',
  override_source: 'string',
  override_by: 'string',
  sources: 'string_array',
  facts_json: 'string',
};

export const EVENT_COLUMNS: Readonly<Record<keyof EventRecord, ColumnType>> = {
  kind: 'string',
  record_id: 'string',
  crm: 'string',
  object_type: 'string',
  lead_id: 'string',
  episode_key: 'string',
  event_type: 'string',
  step: 'string',
  event_at: 'string',
  dt: 'string',
  cause: 'string',
  next_action: 'string',
  owner_id: 'string',
  owner_key: 'string',
  round: 'integer',
  close_reason: 'string',
  verdict_result: 'string',
  sent_back_reason: 'string',
  opportunity_id: 'string',
  opportunity_won: 'boolean',
  lost_reason: 'string',
  activity: 'string',
  ladder_action: 'string',
  sla_status: 'string',
  response_hours: 'double',
  response_unit: 'string',
  allowed_hours: 'double',
  on_time: 'boolean',
  due_at: 'string',
};

/** Table names the queries use (views in DuckDB, Glue tables in Athena). */
export const LEDGER_TABLE_NAMES = { decision: 'ledger_decisions', event: 'ledger_events' } as const;
