import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReview } from '../../src/review/build-review.ts';
import type { ReviewModel } from '../../src/review/review-model.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { localLedgerAt } from '../ledger/ledger-kit.ts';
import { AS_OF, OUTCOMES, PERIOD, RECORDS } from './review-fixture.ts';

/**
 * Issue 15, "Must show": the review's KPIs on the hand-made ledger of review-fixture.ts (its header
 * tells the story), on DuckDB, against numbers worked out by hand in each test.
 */
let reader: DuckDbLedgerReader;
let model: ReviewModel;
beforeAll(async () => {
  const l = localLedgerAt();
  await l.ledger.append(RECORDS);
  reader = await DuckDbLedgerReader.open(l.stateDir);
  model = await buildReview(reader, PERIOD, {
    asOf: AS_OF,
    outcomes: OUTCOMES,
    thresholds: { attribute: 60, behaviour: 40, customerIntent: 15 },
    capacities: new Map([
      ['u001', 15],
      ['u002', 8],
    ]),
    sla: defaultSlaConfig(),
  });
});
afterAll(() => reader?.close());

describe('the review on a hand-made ledger (DuckDB)', () => {
  it('counts the decisions of the period: 12 on 11 leads, 7 yes (all toss-ups), 3 no, 2 hold', () => {
    // In November: L1–L4, L5, L6 twice, L7, L8, L10, L11, L12; L9's decision is October's. L12's hold
    // started an episode (a check by IS / sales planning), not a toss-up.
    expect(model.summary).toEqual({ decisions: 12, leads: 11, yes: 7, no: 3, hold: 2, tossups: 7 });
  });

  it('opportunity and acceptance rates by decisive reason', () => {
    // behaviour.high: E1 E2 E4 E6 E10 E11; judged E1 (accepted), E2 (sent back), E4 (lost), E6 (opportunity, no
    // verdict); accepted E1 E4 E6; opportunities E1 E6 → acceptance 3/4, opportunity rate 2/6.
    // attribute.enterprise: E3, nothing yet. E7 (rules said no, a person overrode) is not the rules' toss-up.
    expect(model.accuracy.rates.byReason).toEqual([
      {
        key: 'behaviour.high',
        tossups: 6,
        judged: 4,
        accepted: 3,
        sentBack: 1,
        opportunities: 2,
        acceptanceRate: 0.75,
        opportunityRate: 2 / 6,
      },
      {
        key: 'attribute.enterprise',
        tossups: 1,
        judged: 0,
        accepted: 0,
        sentBack: 0,
        opportunities: 0,
        acceptanceRate: null,
        opportunityRate: 0,
      },
    ]);
  });

  it('rates by rule, campaign, source and rep', () => {
    const brief = (rows: { key: string; tossups: number; judged: number; opportunities: number }[]) =>
      rows.map((r) => [r.key, r.tossups, r.judged, r.opportunities]);
    const r = model.accuracy.rates;
    // hot: E1 E2 E4 E10 E11 (judged E1 E2 E4, opportunity E1); campaign_boost: E6; enterprise: E3.
    expect(brief(r.byRule)).toEqual([
      ['hot', 5, 3, 1],
      ['campaign_boost', 1, 1, 1],
      ['enterprise', 1, 0, 0],
    ]);
    // A toss-up counts under each campaign it carried: E2 under both; toss-ups with none are not listed.
    expect(brief(r.byCampaign)).toEqual([
      ['webinar-nov', 2, 2, 1],
      ['whitepaper', 2, 2, 0],
      ['spring-expo', 1, 1, 1],
    ]);
    expect(brief(r.bySource)).toEqual([
      ['salesforce Lead', 6, 3, 2],
      ['hubspot contact', 1, 1, 0],
    ]);
    expect(brief(r.byRep)).toEqual([
      ['u001', 5, 3, 2],
      ['u002', 2, 1, 0],
    ]);
  });

  it('on-time rate counts a toss-up never answered past its SLA as late; p50/p90 in business hours', () => {
    // u001: E1 2 h on time, E2 18 h late, E6 4 h on time, E10 unanswered past due (12-01T00:00 ≤ as of),
    // E11 not due yet → on time 2 of 4; answered 2 4 18 → p50 = 2nd (ceil 1.5) = 4, p90 = 3rd = 18.
    // u002: E3 unanswered past due, E4 1 h, E7 6 h → 2 of 3; p50 = 1st = 1, p90 = 2nd = 6.
    expect(model.followUp.responseByRep).toEqual([
      {
        key: 'u001',
        handedOff: 5,
        answered: 3,
        onTime: 2,
        late: 1,
        unansweredLate: 1,
        notDue: 1,
        onTimeRate: 0.5,
        p50Hours: 4,
        p90Hours: 18,
      },
      {
        key: 'u002',
        handedOff: 3,
        answered: 2,
        onTime: 2,
        late: 0,
        unansweredLate: 1,
        notDue: 0,
        onTimeRate: 2 / 3,
        p50Hours: 1,
        p90Hours: 6,
      },
      // u004: E12, handed to IS / sales planning (no SLA) — never answered, never due.
      {
        key: 'u004',
        handedOff: 1,
        answered: 0,
        onTime: 0,
        late: 0,
        unansweredLate: 0,
        notDue: 1,
        onTimeRate: null,
        p50Hours: null,
        p90Hours: null,
      },
    ]);
    // Field sales: answered 1 2 4 6 18 (4 on time), E10 past due, E11 not due → 4 of 6; p50 = 3rd = 4, p90 = 5th = 18.
    // Follow-up: E3 only, never answered → 0 of 1, no response time.
    expect(
      model.followUp.responseByNextAction.map((r) => [
        r.key,
        r.handedOff,
        r.onTimeRate,
        r.p50Hours,
        r.p90Hours,
      ]),
    ).toEqual([
      ['field_sales_tossup', 7, 4 / 6, 4, 18],
      ['inside_sales_follow_up', 1, 0, null, null],
      ['notify_is_sales_planning', 1, null, null, null],
    ]);
  });

  it('open toss-ups per current owner, overdue ones by how long past the SLA', () => {
    // Open as of 12-01T01:00Z: E3 (reassigned to u003, due 11-04T05:00 → 7 days or more), E10 (due
    // 12-01T00:00 → under a day), E11 (not due). E1 E6 E7 became opportunities, E2 sent back, E4 lost, E9 expired.
    expect(model.followUp.open).toEqual([
      {
        rep: 'u001',
        open: 2,
        unanswered: 2,
        overdue: 1,
        overdueByAge: { lt1d: 1, d1to3: 0, d3to7: 0, ge7d: 0 },
      },
      {
        rep: 'u003',
        open: 1,
        unanswered: 1,
        overdue: 1,
        overdueByAge: { lt1d: 0, d1to3: 0, d3to7: 0, ge7d: 1 },
      },
    ]);
  });

  it('escalations: ladder steps by what they did', () => {
    expect(model.followUp.escalations).toEqual([
      { action: 'remind_owner', steps: 2, tossups: 2 },
      { action: 'reassign', steps: 1, tossups: 1 },
    ]);
  });

  it('sent-back and lost reasons', () => {
    expect(model.accuracy.sentBackReasons).toEqual([{ reason: 'no_budget', count: 1 }]);
    // E6's opportunity closed lost ("price"); E4's rep marked it lost (no reason recorded).
    expect(model.accuracy.lostReasons).toEqual([
      { reason: 'price', count: 1 },
      { reason: null, count: 1 },
    ]);
  });

  it('the missed list: an override, a late toss-up, a hold sent to a check, an opportunity without toss-up', () => {
    // L13's opportunity without toss-up is not in it: the ledger never decided L13.
    expect(model.accuracy.missed.total).toBe(4);
    expect(
      model.accuracy.missed.rows.map((m) => [
        m.kind,
        m.leadId,
        m.flag,
        m.decidedAt,
        m.primaryReason,
        m.attributeScore,
        m.behaviourScore,
        m.opportunityAt,
      ]),
    ).toEqual([
      ['override', 'L7', 'no', '2026-11-10T01:00:00.000Z', 'otherwise', 40, 12, '2026-11-18T01:00:00.000Z'],
      ['no_toss_up', 'L8', 'no', '2026-11-12T01:00:00.000Z', 'otherwise', 50, 30, '2026-11-20T03:00:00.000Z'],
      [
        'late',
        'L6',
        'hold',
        '2026-11-06T02:00:00.000Z',
        'hearing.pending',
        55,
        35,
        '2026-11-25T01:00:00.000Z',
      ],
      [
        'checked',
        'L12',
        'hold',
        '2026-11-24T01:00:00.000Z',
        'strategic.target',
        45,
        25,
        '2026-11-26T01:00:00.000Z',
      ],
    ]);
  });

  it('the noise list: sent back, or no opportunity N days after (N configurable)', async () => {
    // N = 30: cutoff 11-01T01:00Z — no November toss-up is that old; only E2, sent back.
    expect(model.accuracy.noise.rows.map((r) => [r.why, r.leadId, r.sentBackReason])).toEqual([
      ['sent_back', 'L2', 'no_budget'],
    ]);
    // N = 20: cutoff 11-11T01:00Z — E3 (11-04) and E4 (11-05, lost) have none either.
    const shorter = await buildReview(reader, PERIOD, { asOf: AS_OF, noiseDays: 20 });
    expect(shorter.accuracy.noiseDays).toBe(20);
    expect(shorter.accuracy.noise.rows.map((r) => [r.why, r.leadId])).toEqual([
      ['sent_back', 'L2'],
      ['no_opportunity', 'L3'],
      ['no_opportunity', 'L4'],
    ]);
    expect(shorter.accuracy.noise.total).toBe(3);
  });

  it('the score grid: leads, toss-ups and opportunities per 10-point cell, thresholds from the rule set', () => {
    const cells = model.accuracy.heatMap.cells.map((c) => [
      c.attribute,
      c.behaviour,
      c.leads,
      c.tossups,
      c.opportunities,
    ]);
    // Each lead's last November decision: L1 65/45, L4 61/41, L6 62/48, L11 66/42 → 60/40 (opportunities L1, L6);
    // L7 40/12 (its override became one), L12 45/25 (its check did), L8 50/30 (the outcome store's),
    // L5 30/10, L2 72/55, L10 70/60, L3 85/20.
    expect(cells).toEqual([
      [30, 10, 1, 0, 0],
      [40, 10, 1, 0, 1],
      [40, 20, 1, 0, 1],
      [50, 30, 1, 0, 1],
      [60, 40, 4, 4, 2],
      [70, 50, 1, 1, 0],
      [70, 60, 1, 1, 0],
      [80, 20, 1, 1, 0],
    ]);
    expect(model.accuracy.heatMap.cells.find((c) => c.attribute === 60)?.opportunityRate).toBe(0.5);
    expect(model.accuracy.heatMap.thresholds).toEqual({ attribute: 60, behaviour: 40 });
  });

  it('load per rep against routing.yaml capacity, per business day of the period', () => {
    // November 2026 in Japan: 21 weekdays less 文化の日 (11-03) and 勤労感謝の日 (11-23) = 19 business days.
    // u001: E1 E2 E6 E10 E11 on 4 days (two on 11-30); u002: E3 E4 E7; u004: E12 (no capacity given).
    expect(model.accuracy.load).toEqual([
      {
        rep: 'u001',
        tossups: 5,
        businessDays: 19,
        perBusinessDay: 5 / 19,
        busiestDay: 2,
        dailyCapacity: 15,
        utilisation: 5 / 19 / 15,
      },
      {
        rep: 'u002',
        tossups: 3,
        businessDays: 19,
        perBusinessDay: 3 / 19,
        busiestDay: 1,
        dailyCapacity: 8,
        utilisation: 3 / 19 / 8,
      },
      {
        rep: 'u004',
        tossups: 1,
        businessDays: 19,
        perBusinessDay: 1 / 19,
        busiestDay: 1,
        dailyCapacity: null,
        utilisation: null,
      },
    ]);
  });
});
