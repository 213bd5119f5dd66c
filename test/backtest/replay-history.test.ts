import { describe, expect, it } from 'vitest';
import { recordedDecisions, replayHistory } from '../../src/backtest/replay-history.ts';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { decisionRecord } from '../../src/ledger/decision-record.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide } from '../../src/scoring/decide.ts';
import { makeLead } from '../support/lead-factory.ts';

/**
 * Time-dependent rules replay at each decision's own time: campaign windows by the row's instant,
 * monthly quotas and hold expiry rebuilt from the replay in time order (the sync keeps them in its
 * state store, which the ledger does not hold).
 */
const large = loadRuleSet('large');
const rules = compileRuleSet(large);

/** Fits the `large` attribute threshold (employees 30 + industry 15 + officer 20 = 65). */
function fitLead(id: string, over: Partial<Lead> = {}): Lead {
  return makeLead({
    id,
    crm: 'salesforce',
    company: { employees: 2000, industry: 'manufacturing' },
    person: { titleRank: 'officer' },
    ...over,
  });
}

/** A ledger row for `lead` decided at `at` (what the rules said then does not matter: replay decides). */
function row(lead: Lead, at: string) {
  const decision = decide(lead, rules, new Date(at));
  return decisionRecord({
    lead: { ...lead, modifiedAt: at },
    decision,
    fields: { flag: decision.flag },
    episodeKey: null,
    newEpisode: false,
  });
}

describe('replaying a history', () => {
  it('a campaign override applies to the decisions made in its window only (behaviour 35: no in November, yes in December)', () => {
    const lead = fitLead('00Q1', { maBehaviourScore: 35 });
    const replayed = replayHistory(
      recordedDecisions([row(lead, '2026-12-02T01:00:00.000Z'), row(lead, '2026-11-20T01:00:00.000Z')]),
      rules,
    );
    expect(replayed.map((r) => [r.recorded.row.decided_at, r.decision.flag])).toEqual([
      ['2026-11-20T01:00:00.000Z', 'no'],
      ['2026-12-02T01:00:00.000Z', 'yes'],
    ]);
    expect(replayed.map((r) => r.newTossUp)).toEqual([false, true]);
  });

  it('a monthly quota: the 11th manual request of a requester in a month is over quota, a repeat of a counted lead is not, the next month starts afresh', () => {
    const requested = (i: number, at: string) =>
      row(
        fitLead(`00Q${i}`, {
          maBehaviourScore: 0,
          manualRequest: { requestedBy: '005000000000005AAA', at },
        }),
        at,
      );
    const november = Array.from({ length: 12 }, (_, i) =>
      requested(i + 1, `2026-11-${String(i + 2).padStart(2, '0')}T01:00:00.000Z`),
    );
    const rows = [
      ...november,
      requested(1, '2026-11-20T01:00:00.000Z'), // lead 1 again: already counted this month
      requested(13, '2026-12-01T01:00:00.000Z'),
    ];
    const replayed = replayHistory(recordedDecisions(rows), rules);
    const byManual = replayed.map((r) => `${r.recorded.row.lead_id}:${r.decision.ruleId}`);
    expect(byManual.slice(0, 10).every((s) => s.endsWith(':manual_request'))).toBe(true);
    expect(byManual.slice(10, 12)).toEqual(['00Q11:otherwise', '00Q12:otherwise']);
    expect(replayed[10]!.decision.reasons[0]).toEqual({
      code: 'quota.exceeded',
      params: { rule: 'manual_request', used: 10, quota: 10 },
    });
    expect(byManual.slice(12)).toEqual(['00Q1:manual_request', '00Q13:manual_request']);
  });

  it('hold expiry counts from the first of an unbroken run of holds in the replay', () => {
    const rs = compileRuleSet({
      ...large,
      missingData: { ...large.missingData, holdExpiresAfter: '3 businessDays' },
    });
    // No employee count (company_size is required) with a high behaviour: held for missing data.
    const held = fitLead('00Q9', {
      maBehaviourScore: 50,
      company: { employees: null, industry: 'manufacturing' } as Lead['company'],
    });
    const rows = ['2026-11-16T01:00:00.000Z', '2026-11-17T01:00:00.000Z', '2026-11-24T01:00:00.000Z'].map(
      (at) => row(held, at),
    );
    const all = replayHistory(recordedDecisions(rows), rs);
    expect(all.map((r) => r.decision.flag)).toEqual(['hold', 'hold', 'no']);
    expect(all[2]!.decision.reasons[0]!.code).toBe('hold.expired');
    // Seen from the last row alone, the hold starts there and has not expired.
    expect(replayHistory(recordedDecisions(rows.slice(2)), rs).map((r) => r.decision.flag)).toEqual(['hold']);
  });
});
