import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide } from '../../src/scoring/decide.ts';
import { makeLead } from '../support/lead-factory.ts';

const NOW = Date.parse('2026-11-20T09:00:00+09:00');
const rules = compileRuleSet(loadRuleSet('large'));

/** Two leads that both fall short of auto_tossup: the same employees and titles, different ids. */
const lead = (id: string, title = '課長') =>
  makeLead({
    id,
    maBehaviourScore: 12,
    company: { employees: 500, industry: 'retail', region: '東京都' },
    person: { title, titleRank: 'manager', department: '総務部' },
  });

describe('decide: reasons that say the same thing are one shared, read-only object', () => {
  it('the same unmet threshold in two decisions is the same frozen reason', () => {
    const a = decide(lead('L-a'), rules, NOW);
    const b = decide(lead('L-b'), rules, NOW);
    expect(a.ruleId).toBe('otherwise');
    expect(a.reasons).toEqual(b.reasons);
    expect(a.reasons.length).toBeGreaterThan(0);
    a.reasons.forEach((r, i) => {
      expect(r).toBe(b.reasons[i]);
      expect(Object.isFrozen(r)).toBe(true);
      expect(Object.isFrozen(r.params)).toBe(true);
    });
    // A consumer cannot change what another decision says.
    expect(() => {
      (a.reasons[0]!.params as Record<string, unknown>).value = 99;
    }).toThrow(TypeError);
    expect(b.reasons[0]!.params.value).not.toBe(99);
  });

  it("each decision owns its reasons array: the next lead's reasons do not show up in it", () => {
    const first = decide(lead('L-a'), rules, NOW);
    const before = structuredClone(first.reasons);
    const customer = makeLead({
      id: 'L-c',
      maBehaviourScore: 50,
      company: { existingCustomer: true, accountOwnerId: '005X' },
    });
    const second = decide(customer, rules, NOW);
    expect(second.ruleId).toBe('existing_customer');
    expect(first.reasons).toEqual(before);
    expect(first.reasons).not.toBe(second.reasons);
  });

  it('a reason carrying the lead’s own text (its title as written) is built for that lead', () => {
    const low = (id: string, title: string) =>
      makeLead({
        id,
        maBehaviourScore: 90,
        person: { title, titleRank: 'staff' },
      });
    const small = compileRuleSet(loadRuleSet('small'));
    const a = decide(low('L-1', '担当'), small, NOW);
    const b = decide(low('L-2', 'Staff'), small, NOW);
    const titleOf = (d: typeof a) =>
      d.reasons.find((r) => r.code.startsWith('person.titleRank'))?.params.title;
    expect(titleOf(a)).toBe('担当');
    expect(titleOf(b)).toBe('Staff');
  });
});
