import { describe, expect, it } from 'vitest';
import { loadCompiledRuleSet, parseRuleSet } from '../../src/config/load-rule-set.ts';
import { ConfigError } from '../../src/domain/errors.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { renderRulesMarkdown } from '../../src/reasons/rules-page.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide } from '../../src/scoring/decide.ts';
import { explainDecision } from '../../src/scoring/explain.ts';
import { recheckAt } from '../../src/scoring/recheck-at.ts';
import { activitiesAgo, makeLead } from '../support/lead-factory.ts';

const NOW = '2026-11-20T01:00:00.000Z'; // Friday 10:00 JST
const ja = new ReasonRenderer('ja');

/** A customer rule whose floor is one inquiry/document request in 30 days, MA score only otherwise. */
const RULES = `version: 1
name: floor
thresholds: { customerIntent: 15 }
behaviourScore:
  source: ma
rules:
  - id: customer
    when: { fact: company.existingCustomer, op: eq, value: true }
    flag: yes
    nextAction: field_sales_tossup
    priority: high
    owner: account_owner
    intent:
      when:
        any:
          - { fact: score.behaviour, op: gte, threshold: customerIntent }
          - { fact: activities.count, op: gte, value: 1, withinDays: 30, types: [inquiry, document_request] }
otherwise: { flag: no, nextAction: nurture, priority: low }
`;

const customer = (over: Parameters<typeof makeLead>[0] = {}) =>
  makeLead({ ...over, company: { existingCustomer: true, accountOwnerId: '005OWNER', ...over.company } });

describe('intent floor (rule `intent:`): the owner either way, the task only with intent', () => {
  const rules = compileRuleSet(parseRuleSet(RULES, 'floor.yaml'));

  it('with intent the rule decides as written; the reasons add what showed it', () => {
    const d = decide(customer({ maBehaviourScore: 20 }), rules, Date.parse(NOW));
    expect(d).toMatchObject({ flag: 'yes', nextAction: 'field_sales_tossup', priority: 'high' });
    expect(d.owner).toEqual({ kind: 'account_owner', id: '005OWNER' });
    expect(d.reasons.map((r) => r.code)).toEqual(['company.existingCustomer.met', 'score.behaviour.met']);
    const inquiry = customer({ maBehaviourScore: 0, activities: activitiesAgo(NOW, 30, 'inquiry') });
    expect(decide(inquiry, rules, Date.parse(NOW)).flag).toBe('yes');
  });

  it('without intent: the default outcome (no → nurture, low), same owner, the reason says no task first', () => {
    const d = decide(
      customer({ maBehaviourScore: 14, activities: activitiesAgo(NOW, 31, 'inquiry') }),
      rules,
      Date.parse(NOW),
    );
    expect(d).toMatchObject({ flag: 'no', nextAction: 'nurture', priority: 'low', ruleId: 'customer' });
    expect(d.owner).toEqual({ kind: 'account_owner', id: '005OWNER' });
    expect(d.reasons[0]).toEqual({ code: 'intent.not_shown', params: { rule: 'customer' } });
    expect(ja.renderCompact(d.reasons, 255)).toBe(
      '関心を示す行動なし: タスクなし / 既存顧客 → 担当営業へ / 行動スコア 14 < 基準 15 / 直近30日の行動 0回 < 基準 1回',
    );
  });

  it('unknown intent (no MA score) counts as not shown: a customer is never held for it', () => {
    const d = decide(customer({ maBehaviourScore: null }), rules, Date.parse(NOW));
    expect(d).toMatchObject({ flag: 'no', nextAction: 'nurture', missing: [] });
    expect(d.reasons.map((r) => r.code)).toContain('intent.not_shown');
  });

  it('leads the rule does not match are untouched by its floor', () => {
    const d = decide(makeLead({ maBehaviourScore: 0 }), rules, Date.parse(NOW));
    expect(d).toMatchObject({ flag: 'no', ruleId: 'otherwise' });
    expect(d.owner).toBeUndefined();
  });

  it('explain shows the floor with each of its conditions', () => {
    const x = explainDecision(customer({ maBehaviourScore: 3 }), rules, Date.parse(NOW));
    expect(x.rules[0]!.intent).toMatchObject({
      result: 'not_met',
      conditions: [
        { fact: 'score.behaviour', value: 3, expected: 15, result: 'not_met' },
        { fact: 'activities.count', value: 0, expected: 1, result: 'not_met' },
      ],
    });
  });

  it('re-check: the day the floor activity leaves its 30-day window (only the floor moves that day)', () => {
    const lead = customer({ maBehaviourScore: 0, activities: activitiesAgo(NOW, 25, 'document_request') });
    expect(decide(lead, rules, Date.parse(NOW)).flag).toBe('yes');
    // 25 days ago + 31 days = 6 days from now, 00:00 JST.
    expect(recheckAt(lead, rules, Date.parse(NOW))?.toISOString()).toBe('2026-11-25T15:00:00.000Z');
  });

  it('the large preset: decayed behaviour dropping below the floor is a re-check instant', () => {
    const large = loadCompiledRuleSet('large');
    const lead = customer({ maBehaviourScore: null, activities: activitiesAgo(NOW, 0, 'document_request') });
    expect(decide(lead, large, Date.parse(NOW)).flag).toBe('yes'); // 15 points today
    // 15 × 0.5^(d/30) rounds to 14 from day 2: 2026-11-22 00:00 JST. auto_tossup's threshold (30/40)
    // does not move that day, so only the floor's own leaf finds it.
    const next = recheckAt(lead, large, Date.parse(NOW));
    expect(next?.toISOString()).toBe('2026-11-21T15:00:00.000Z');
    expect(decide(lead, large, next!).flag).toBe('no');
  });

  it('the rules page says both outcomes', () => {
    const md = renderRulesMarkdown(loadCompiledRuleSet('large').source, 'ja');
    expect(md).toContain(
      '| 既存顧客 | 行動スコア ≥ 15 のとき はい → フィールドセールスへトスアップ。それ以外は いいえ → ナーチャリング (担当はそのまま、タスクなし) | 担当営業 |',
    );
  });
});

function issuesOf(text: string) {
  try {
    parseRuleSet(text, 'rules/bad.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('intent floor: validation with file and line', () => {
  it('checks the floor condition like any other and refuses a floor that can do nothing', () => {
    const issues = issuesOf(`version: 1
name: t
thresholds: { behaviour: 40 }
rules:
  - id: customer
    when: { fact: company.existingCustomer, op: eq, value: true }
    flag: yes
    nextAction: field_sales_tossup
    intent:
      when: { fact: score.behaviour, op: gte, threshold: customerIntnet }
      otherwise: { flag: yes, nextAction: nurture }
  - id: lost
    when: { fact: history.previouslyLost, op: eq, value: true }
    flag: no
    nextAction: nurture
    intent:
      when: { fact: score.behaviour, op: gte, threshold: behaviour }
otherwise: { flag: no, nextAction: nurture }
`);
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [10, 'rules[0].intent.when.threshold', 'unknown threshold "customerIntnet"'],
      [
        11,
        'rules[0].intent.otherwise.flag',
        'a lead without intent is not a toss-up, but intent.otherwise has flag: yes',
      ],
      [
        17,
        'rules[1].intent',
        'intent decides whether this rule creates a task, but its nextAction nurture creates none',
      ],
    ]);
    expect(issues[0]!.file).toBe('rules/bad.yaml');
    expect(issues[1]!.hint).toBe('use flag: no (the default) or hold');
  });
});
