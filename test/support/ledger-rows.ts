import type { DecisionRecord, EventRecord } from '../../src/ledger/ledger-record.ts';
import { partitionDate } from '../../src/ledger/ledger-record.ts';
import type { OpportunityOutcome } from '../../src/ports/outcome-store.ts';

/**
 * The one builder of hand-made ledger rows and outcome records, for the tests and the benches (rows
 * the pipeline makes come from src/ledger's decisionRecord/eventRecord; these are for stories told
 * row by row). Every column is set, in the columns' order (ledger-columns.ts), so a row written as
 * JSON has the same keys in the same order as the recorder's; the defaults are a plain November 2026
 * Salesforce row and a caller overrides what its story needs. `dt` follows the row's time unless given.
 * `due_at` stays absent unless given (as in a row written before the column existed).
 */
export function decisionRow(over: Partial<DecisionRecord> = {}): DecisionRecord {
  const decidedAt = over.decided_at ?? '2026-11-10T01:00:00.000Z';
  const primary = over.primary_reason ?? 'behaviour.high';
  return {
    kind: 'decision',
    record_id: 'd_1',
    crm: 'salesforce',
    object_type: 'Lead',
    lead_id: '00Q000000000001AAA',
    decided_at: decidedAt,
    dt: partitionDate(decidedAt),
    rules_version: 'v1',
    rule_id: 'hot',
    flag: 'yes',
    next_action: 'field_sales_tossup',
    priority: 'high',
    primary_reason: primary,
    reason_codes: [primary],
    reasons_json: '[]',
    attribute_score: 60,
    behaviour_score: 50,
    owner_id: null,
    owner_key: null,
    episode_key: null,
    new_episode: false,
    supersedes: null,
    override_flag: null,
    override_source: null,
    override_by: null,
    sources: [],
    facts_json: '{}',
    ...over,
  };
}

/** An episode event row: by default a rep's first response to u001's toss-up E1, nothing measured. */
export function eventRow(over: Partial<EventRecord> = {}): EventRecord {
  const at = over.event_at ?? '2026-11-12T01:00:00.000Z';
  return {
    kind: 'event',
    record_id: 'e_1',
    crm: 'salesforce',
    object_type: 'Lead',
    lead_id: '00Q000000000001AAA',
    episode_key: 'E1',
    event_type: 'first_response',
    step: 'first_response',
    event_at: at,
    dt: partitionDate(at),
    cause: 'rep',
    next_action: 'field_sales_tossup',
    owner_id: '005A',
    owner_key: 'u001',
    round: 0,
    close_reason: null,
    verdict_result: null,
    sent_back_reason: null,
    opportunity_id: null,
    opportunity_won: null,
    lost_reason: null,
    activity: null,
    ladder_action: null,
    sla_status: null,
    response_hours: null,
    response_unit: null,
    allowed_hours: null,
    on_time: null,
    ...over,
  };
}

/** A toss-up decision with every nullable column filled (round trips through Firehose, Athena's types). */
export function filledDecisionRow(over: Partial<DecisionRecord> = {}): DecisionRecord {
  return decisionRow({
    reason_codes: ['behaviour.high', 'title.exec'],
    reasons_json: '[{"code":"behaviour.high","params":{"score":50}}]',
    owner_id: '005A',
    owner_key: 'u001',
    episode_key: 'E1',
    new_episode: true,
    sources: ['seminar-2026-11'],
    ...over,
  });
}

/** A first response by call, 2.5 of 4 business hours (on time). */
export function filledEventRow(over: Partial<EventRecord> = {}): EventRecord {
  return eventRow({
    activity: 'call',
    response_hours: 2.5,
    response_unit: 'businessHours',
    allowed_hours: 4,
    on_time: true,
    ...over,
  });
}

/** An open opportunity of a Salesforce lead without toss-up, recorded when it was created. */
export function outcomeRow(over: Partial<OpportunityOutcome> = {}): OpportunityOutcome {
  const createdAt = over.createdAt ?? '2026-11-20T03:00:00.000Z';
  return {
    crm: 'salesforce',
    opportunityId: '006Y',
    leadId: 'L8',
    objectType: 'Lead',
    source: 'lead_conversion',
    stage: 'open',
    createdAt,
    closedAt: null,
    lostReason: null,
    episodeKey: null,
    flagAtOpportunity: 'no',
    firstRecordedAt: createdAt,
    updatedAt: createdAt,
    ...over,
  };
}
