import { describe, expect, it } from 'vitest';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { normalizeLead } from '../../src/normalize/lead-input.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { decideWithDataIssues, issuesAffecting } from '../../src/scoring/data-issues.ts';
import { decide } from '../../src/scoring/decide.ts';

const large = loadCompiledRuleSet('large');
const small = loadCompiledRuleSet('small');
const NOW = Date.parse('2026-11-21T12:00:00+09:00');
const ja = new ReasonRenderer('ja');
const en = new ReasonRenderer('en');

function lead(input: Record<string, unknown>): Lead {
  const r = normalizeLead({ id: 'L-1', ...input });
  if (!r.ok) throw new Error(r.error.message);
  return r.lead;
}

// Fit 60 on the large preset: 1,200 employees (30) + 取締役 (20) + 東京都 (10).
const fit = { company: { employees: '1,200名', region: '東京都' }, person: { title: '取締役' } };
const inquiry = (at: string) => ({ type: 'inquiry', at });

describe('Function: decideWithDataIssues', () => {
  it('holds a lead whose dropped inquiry (2026-11-31) could have made it a yes, naming field and value', () => {
    const l = lead({ ...fit, activities: [inquiry('2026-11-18T10:00:00+09:00'), inquiry('2026-11-31')] });
    // Without the rule: a confident `no` on behaviour 28 alone.
    expect(decide(l, large, NOW).flag).toBe('no');
    const d = decideWithDataIssues(l, large, NOW);
    expect(d).toMatchObject({
      flag: 'hold',
      nextAction: 'inside_sales_hearing',
      missing: ['activities[1].at'],
    });
    expect(d.reasons[0]).toEqual({
      code: 'data_issue',
      params: { field: 'activities', path: 'activities[1].at', raw: '2026-11-31', problem: 'out_of_range' },
    });
    expect(ja.render(d.reasons[0]!)).toBe('行動履歴「2026-11-31」を読み取れないため保留');
    expect(en.render(d.reasons[0]!)).toBe('Activities "2026-11-31" unreadable: on hold');
  });

  it('keeps the decision when no readable value of the field could change it', () => {
    // A 担当 at a 20-person company: fit 15 stays below 60 whatever the dropped activity was.
    const l = lead({
      company: { employees: 20, region: '東京都' },
      person: { title: '担当' },
      activities: [inquiry('2026-02-30')],
    });
    expect(l.dataIssues).toEqual([{ field: 'activities[0].at', raw: '2026-02-30', problem: 'out_of_range' }]);
    expect(decideWithDataIssues(l, large, NOW)).toEqual(decide(l, large, NOW));
    expect(issuesAffecting(decide(l, large, NOW), l, large, NOW)).toEqual([]);
  });

  it('holds for an unreadable figure in a group that is not required (revenue "$3M")', () => {
    // 部長 (15) + 1,200 (30) + 東京都 (10) = 55: 10億円 or more would reach 60.
    const l = lead({
      ...fit,
      person: { title: '部長' },
      company: { ...fit.company, revenueJpy: '$3M' },
      maBehaviourScore: 120,
    });
    expect(decide(l, large, NOW).flag).toBe('no');
    const d = decideWithDataIssues(l, large, NOW);
    expect(d.flag).toBe('hold');
    expect(ja.render(d.reasons[0]!)).toBe('売上高「$3M」を読み取れないため保留');
  });

  it('does not repeat what the engine already said about a required value ("-5" employees)', () => {
    const l = lead({ ...fit, company: { ...fit.company, employees: '-5' }, maBehaviourScore: 120 });
    const d = decideWithDataIssues(l, large, NOW);
    expect(d).toEqual(decide(l, large, NOW));
    expect(d.flag).toBe('hold');
    expect(d.reasons.filter((r) => r.params.field === 'company.employees')).toEqual([
      { code: 'invalid', params: { field: 'company.employees', raw: '-5' } },
    ]);
  });

  it('leaves a decision alone when the unreadable value is not one a rule reads', () => {
    // small: the lead fails on actions already; a bad modifiedAt and e-mail change nothing.
    const l = lead({ ...fit, modifiedAt: '2026-02-30', person: { title: '取締役', email: 'no-at-sign' } });
    expect(l.dataIssues.map((i) => i.field)).toEqual(['modifiedAt', 'person.email']);
    expect(decideWithDataIssues(l, small, NOW)).toEqual(decide(l, small, NOW));
  });

  it('holds for a misspelt hearing answer only where the answer decides', () => {
    const mid = loadCompiledRuleSet('mid');
    const heard = (decisionMaker: string) =>
      lead({ maBehaviourScore: 150, hearing: { timelineMonths: 2, decisionMaker } });
    expect(decideWithDataIssues(heard('yes'), mid, NOW).flag).toBe('yes');
    const d = decideWithDataIssues(heard('たぶん'), mid, NOW);
    expect(d.flag).toBe('hold');
    expect(d.reasons[0]).toMatchObject({
      code: 'data_issue',
      params: { field: 'hearing.decisionMaker', raw: 'たぶん' },
    });
  });
});
