import type { DecisionRecord, EventRecord } from '../../src/ledger/ledger-record.ts';

/** A decision row with every column set (overrides on top), for the AWS ledger tests. */
export function decisionRow(over: Partial<DecisionRecord> = {}): DecisionRecord {
  const decided = over.decided_at ?? '2026-11-10T01:00:00.000Z';
  return {
    kind: 'decision',
    record_id: 'd_1',
    crm: 'salesforce',
    object_type: 'Lead',
    lead_id: '00Q000000000001AAA',
    decided_at: decided,
    dt: decided.slice(0, 10),
    rules_version: 'v1',
    rule_id: 'hot',
    flag: 'yes',
    next_action: 'field_sales_tossup',
    priority: 'high',
    primary_reason: 'behaviour.high',
    reason_codes: ['behaviour.high', 'title.exec'],
    reasons_json: '[{"code":"behaviour.high","params":{"score":50}}]',
    attribute_score: 60,
    behaviour_score: 50,
    owner_id: '005A',
    owner_key: 'u001',
    episode_key: 'E1',
    new_episode: true,
    supersedes: null,
    override_flag: null,
    override_source: null,
    override_by: null,
    sources: ['seminar-2026-11'],
    facts_json: '{}',
    ...over,
  };
}

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
    dt: at.slice(0, 10),
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
    activity: 'call',
    ladder_action: null,
    sla_status: null,
    response_hours: 2.5,
    response_unit: 'businessHours',
    allowed_hours: 4,
    on_time: true,
    ...over,
  };
}
