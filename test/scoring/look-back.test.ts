import { describe, expect, it } from 'vitest';
import { parseRuleSet } from '../../src/config/load-rule-set.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide } from '../../src/scoring/decide.ts';
import { activitiesAgo, makeLead } from '../support/lead-factory.ts';

const NOW = '2026-11-21T03:00:00.000Z';

describe('activity look-back', () => {
  it('counts activity beyond the behaviour window when a condition looks further back', () => {
    const rules = compileRuleSet(
      parseRuleSet(
        `version: 1
name: t
behaviourScore: { windowDays: 30, weights: { inquiry: 10 } }
rules:
  - id: long_memory
    when: { fact: activities.count, op: gte, value: 1, withinDays: 200, types: [inquiry] }
    flag: yes
    nextAction: field_sales_tossup
otherwise: { flag: no, nextAction: nurture }
`,
        'inline.yaml',
      ),
    );
    const lead = makeLead({ activities: activitiesAgo(NOW, 150, 'inquiry') });
    const d = decide(lead, rules, Date.parse(NOW));
    expect(d.flag).toBe('yes');
    expect(d.scores.behaviour).toBe(0); // outside the 30-day score window
    expect(
      decide(makeLead({ activities: activitiesAgo(NOW, 201, 'inquiry') }), rules, Date.parse(NOW)).flag,
    ).toBe('no');
  });
});
