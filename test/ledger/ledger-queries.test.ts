import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECISION_COLUMNS, EVENT_COLUMNS } from '../../src/ledger/ledger-columns.ts';
import {
  DECISION_AT,
  EPISODE_EVENTS_UNTIL,
  OPPORTUNITY_RATE_BY_ANY_REASON,
  OPPORTUNITY_RATE_BY_REASON,
  RESPONSE_BY_NEXT_ACTION,
  RESPONSE_BY_REP,
} from '../../src/ledger/ledger-queries.ts';
import type { DecisionRecord, EventRecord } from '../../src/ledger/ledger-record.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { decisionRow, eventRow } from '../support/ledger-rows.ts';
import { localLedgerAt } from './ledger-kit.ts';

/**
 * Issue 15, "Must show": the KPI queries on a small hand-made ledger, on DuckDB, give the numbers
 * worked out by hand below. Period: November 2026 (UTC).
 */
const FROM = '2026-11-01T00:00:00.000Z';
const TO = '2026-12-01T00:00:00.000Z';

let n = 0;
const dec = (over: Partial<DecisionRecord>): DecisionRecord =>
  decisionRow({
    record_id: `d_${++n}`,
    lead_id: `L${n}`,
    owner_id: '005A',
    owner_key: 'u001',
    new_episode: true,
    ...over,
  });
const ev = (over: Partial<EventRecord>): EventRecord =>
  eventRow({ record_id: `e_${++n}`, lead_id: 'L', episode_key: 'E?', due_at: null, ...over });

const closed = (episode_key: string, reason: string, at?: string) =>
  ev({
    episode_key,
    event_type: 'closed',
    step: 'closed',
    close_reason: reason,
    ...(at ? { event_at: at, dt: at.slice(0, 10) } : {}),
  });
const verdict = (episode_key: string, result: string) =>
  ev({ episode_key, event_type: 'verdict', step: 'verdict', verdict_result: result });
const response = (owner_key: string, next_action: string, hours: number) =>
  ev({
    owner_key,
    next_action,
    response_hours: hours,
    response_unit: 'businessHours',
    allowed_hours: 4,
    on_time: hours <= 4,
  });

const records = [
  // Toss-ups in November: E1–E3 decided for "behaviour.high", E4–E5 for "attribute.enterprise".
  dec({ episode_key: 'E1', reason_codes: ['behaviour.high', 'title.exec'] }),
  dec({ episode_key: 'E2' }),
  // E2 re-decided inside its episode (scores moved): the same toss-up, not a second one.
  dec({ episode_key: 'E2', new_episode: false, decided_at: '2026-11-11T01:00:00.000Z' }),
  dec({ episode_key: 'E3' }),
  dec({
    episode_key: 'E4',
    primary_reason: 'attribute.enterprise',
    reason_codes: ['attribute.enterprise', 'title.exec'],
  }),
  dec({ episode_key: 'E5', primary_reason: 'attribute.enterprise' }),
  // Not counted: a "no" (no toss-up), and a toss-up decided in December.
  dec({ flag: 'no', next_action: 'nurture', episode_key: 'N1', primary_reason: 'otherwise' }),
  dec({ episode_key: 'E6', decided_at: '2026-12-02T01:00:00.000Z' }),
  // Outcomes: E1 closed as an opportunity, E4's opportunity linked by the opportunity phase, E3's rep
  // said "opportunity", E2 sent back, E5 nothing.
  closed('E1', 'opportunity'),
  verdict('E3', 'opportunity'),
  ev({
    episode_key: 'E4',
    event_type: 'opportunity',
    step: 'opportunity',
    close_reason: 'opportunity',
    opportunity_id: '006X',
  }),
  verdict('E2', 'sent_back'),
  closed('E2', 'sent_back'),
  closed('E6', 'opportunity', '2026-12-03T01:00:00.000Z'),
  // First responses (business hours, SLA 4 h): u001 1, 2, 3, 4 (field sales) and 10 (follow-up);
  // u002 0.5 and 8 (follow-up).
  response('u001', 'field_sales_tossup', 3),
  response('u001', 'field_sales_tossup', 1),
  response('u001', 'inside_sales_follow_up', 10),
  response('u001', 'field_sales_tossup', 4),
  response('u001', 'field_sales_tossup', 2),
  response('u002', 'inside_sales_follow_up', 8),
  response('u002', 'inside_sales_follow_up', 0.5),
  // Not counted: a hand-off (no response time) and a response in December.
  ev({ event_type: 'handed_off', step: 'handed_off' }),
  ev({
    ...response('u002', 'inside_sales_follow_up', 99),
    event_at: '2026-12-05T01:00:00.000Z',
    dt: '2026-12-05',
  }),
];

let reader: DuckDbLedgerReader;
beforeAll(async () => {
  const l = localLedgerAt();
  await l.ledger.append(records);
  reader = await DuckDbLedgerReader.open(l.stateDir);
});
afterAll(() => reader?.close());

describe('KPI queries on a hand-made ledger (DuckDB)', () => {
  it('opportunity rate by decisive reason: behaviour.high 2 of 3, attribute.enterprise 1 of 2', async () => {
    expect(await reader.query(OPPORTUNITY_RATE_BY_REASON, [FROM, TO])).toEqual([
      { reason_code: 'behaviour.high', tossups: 3, opportunities: 2, opportunity_rate: 2 / 3 },
      { reason_code: 'attribute.enterprise', tossups: 2, opportunities: 1, opportunity_rate: 0.5 },
    ]);
  });

  it('opportunity rate by any reason a toss-up carried: title.exec 2 of 2', async () => {
    expect(await reader.query(OPPORTUNITY_RATE_BY_ANY_REASON, [FROM, TO])).toEqual([
      { reason_code: 'behaviour.high', tossups: 3, opportunities: 2, opportunity_rate: 2 / 3 },
      { reason_code: 'attribute.enterprise', tossups: 2, opportunities: 1, opportunity_rate: 0.5 },
      { reason_code: 'title.exec', tossups: 2, opportunities: 2, opportunity_rate: 1 },
    ]);
  });

  it('response time p50/p90 (nearest rank) and on-time rate per rep', async () => {
    // u001: 1 2 3 4 10 → p50 = 3rd = 3, p90 = 5th = 10, on time 4 of 5.
    // u002: 0.5 8 → p50 = 1st = 0.5, p90 = 2nd = 8, on time 1 of 2.
    expect(await reader.query(RESPONSE_BY_REP, [FROM, TO])).toEqual([
      { rep: 'u001', responses: 5, p50_hours: 3, p90_hours: 10, on_time_rate: 0.8 },
      { rep: 'u002', responses: 2, p50_hours: 0.5, p90_hours: 8, on_time_rate: 0.5 },
    ]);
  });

  it('response time p50/p90 and on-time rate per next action', async () => {
    // field sales: 1 2 3 4 → p50 = 2nd = 2, p90 = 4th = 4, all on time.
    // follow-up: 0.5 8 10 → p50 = 2nd = 8, p90 = 3rd = 10, on time 1 of 3.
    expect(await reader.query(RESPONSE_BY_NEXT_ACTION, [FROM, TO])).toEqual([
      { next_action: 'field_sales_tossup', responses: 4, p50_hours: 2, p90_hours: 4, on_time_rate: 1 },
      {
        next_action: 'inside_sales_follow_up',
        responses: 3,
        p50_hours: 8,
        p90_hours: 10,
        on_time_rate: 1 / 3,
      },
    ]);
  });

  it('the decision in force at an instant is the last one recorded at or before it', async () => {
    const lead = records[1] as DecisionRecord; // E2's first decision; its re-decision is another lead id
    const [row] = await reader.query(DECISION_AT, [lead.lead_id, '2026-11-30T00:00:00.000Z']);
    expect(row).toMatchObject({ record_id: lead.record_id, episode_key: 'E2', flag: 'yes' });
    expect(await reader.query(DECISION_AT, [lead.lead_id, '2026-11-01T00:00:00.000Z'])).toEqual([]);
    const events = await reader.query(EPISODE_EVENTS_UNTIL, ['E2', TO]);
    expect(events.map((e) => [e.event_type, e.verdict_result ?? e.close_reason])).toEqual([
      ['closed', 'sent_back'],
      ['verdict', 'sent_back'],
    ]);
  });

  it('an empty ledger answers every query with no rows', async () => {
    const empty = await DuckDbLedgerReader.open(localLedgerAt().stateDir);
    try {
      expect(await empty.query(OPPORTUNITY_RATE_BY_REASON, [FROM, TO])).toEqual([]);
      expect(await empty.query(RESPONSE_BY_REP, [FROM, TO])).toEqual([]);
    } finally {
      empty.close();
    }
  });

  it('the column lists name every field of the records, and nothing else', () => {
    expect(Object.keys(DECISION_COLUMNS).sort()).toEqual(Object.keys(dec({})).sort());
    expect(Object.keys(EVENT_COLUMNS).sort()).toEqual(Object.keys(ev({})).sort());
  });
});
