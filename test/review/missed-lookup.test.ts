import { describe, expect, it } from 'vitest';
import type { DecisionRecord } from '../../src/ledger/ledger-record.ts';
import type { LedgerReader } from '../../src/ports/ledger.ts';
import type { OpportunityOutcome } from '../../src/ports/outcome-store.ts';
import { buildReview } from '../../src/review/build-review.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { localLedgerAt } from '../ledger/ledger-kit.ts';
import { decisionRow, outcomeRow } from '../support/ledger-rows.ts';
import { AS_OF, PERIOD } from './review-fixture.ts';

/**
 * The "missed" list's opportunities without toss-up look up the decision in force at each
 * opportunity's creation in a few queries (chunks of lead ids), not one query per opportunity — a
 * month of a large org has thousands — and pick the same decision DECISION_AT would: the last at or
 * before the instant, ties broken by the greater record id.
 */
function decision(lead: string, record: string, at: string, flag: DecisionRecord['flag']): DecisionRecord {
  return decisionRow({
    record_id: record,
    lead_id: lead,
    decided_at: at,
    rule_id: flag === 'yes' ? 'hot' : 'otherwise',
    flag,
    next_action: flag === 'yes' ? 'field_sales_tossup' : 'nurture',
    priority: 'low',
    primary_reason: `reason.${record}`,
    attribute_score: 40,
    behaviour_score: 20,
  });
}

const opportunity = (leadId: string, createdAt: string): OpportunityOutcome =>
  outcomeRow({ opportunityId: `006${leadId}`, leadId, createdAt });

const OPPORTUNITY_AT = '2026-11-15T03:00:00.000Z';
/** More leads than one lookup query takes (500), all decided yes: looked up, not missed. */
const OTHERS = Array.from({ length: 600 }, (_, i) => `Y${i}`);

describe('the missed list: opportunities without toss-up', () => {
  it('finds the decision in force for each in two queries for 603 opportunities', async () => {
    const l = localLedgerAt();
    await l.ledger.append([
      // A: no, then hold (in force at the opportunity), then yes after it.
      decision('A', 'd_a1', '2026-11-05T01:00:00.000Z', 'no'),
      decision('A', 'd_a2', '2026-11-10T01:00:00.000Z', 'hold'),
      decision('A', 'd_a3', '2026-11-20T01:00:00.000Z', 'yes'),
      // B: two decisions at the same instant; the greater record id is the one in force.
      decision('B', 'd_b1', '2026-11-08T01:00:00.000Z', 'no'),
      decision('B', 'd_b9', '2026-11-08T01:00:00.000Z', 'hold'),
      // C: nothing recorded — not missed: the outcome's flag was read when it was recorded, possibly
      // after the opportunity. The others: yes before their opportunity.
      ...OTHERS.map((lead) => decision(lead, `d_${lead}`, '2026-11-03T01:00:00.000Z', 'yes')),
    ]);
    const duck = await DuckDbLedgerReader.open(l.stateDir);
    const lookups: number[] = [];
    const reader: LedgerReader = {
      query: (q, params) => {
        if (q.params[1]?.startsWith('until')) lookups.push(params.length - 2);
        return duck.query(q, params);
      },
      close: () => duck.close(),
    };
    try {
      const model = await buildReview(reader, PERIOD, {
        asOf: AS_OF,
        outcomes: ['A', 'B', 'C', ...OTHERS].map((lead) => opportunity(lead, OPPORTUNITY_AT)),
      });
      expect(lookups).toEqual([500, 103]);
      expect(
        model.accuracy.missed.rows.map((m) => [m.kind, m.leadId, m.flag, m.decidedAt, m.primaryReason]),
      ).toEqual(
        expect.arrayContaining([
          ['no_toss_up', 'A', 'hold', '2026-11-10T01:00:00.000Z', 'reason.d_a2'],
          ['no_toss_up', 'B', 'hold', '2026-11-08T01:00:00.000Z', 'reason.d_b9'],
        ]),
      );
      expect(model.accuracy.missed.total).toBe(2);
    } finally {
      reader.close();
    }
  });
});
