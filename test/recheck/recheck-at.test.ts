import { describe, expect, it } from 'vitest';
import { loadRuleSet, parseRuleSet } from '../../src/config/load-rule-set.ts';
import { type RuleSet, RuleSetSchema } from '../../src/config/rule-set-schema.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { type DecideOptions, decide } from '../../src/scoring/decide.ts';
import { recheckAt } from '../../src/scoring/recheck-at.ts';
import { activitiesAgo, makeLead } from '../support/lead-factory.ts';

const DAY = 86_400_000;
const ms = (iso: string) => Date.parse(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

function rulesOf(edit: (rs: RuleSet) => RuleSet | undefined, preset = 'large') {
  const rs = structuredClone(loadRuleSet(preset));
  return compileRuleSet(RuleSetSchema.parse(edit(rs) ?? rs));
}

/** A lead that passes `large`'s fit score (80) and whose behaviour is the MA score given. */
function fitLead(over: Parameters<typeof makeLead>[0] = {}): Lead {
  return makeLead({
    ...over,
    company: { employees: 1500, industry: 'manufacturing', region: '東京都', ...over.company },
    person: { titleRank: 'department_head', title: '部長', department: 'DX推進部', ...over.person },
  });
}

/** The decision just before and at the instant: different, or recheckAt was not the earliest. */
function flagsAround(lead: Lead, rules: ReturnType<typeof rulesOf>, t: Date, options: DecideOptions = {}) {
  return [decide(lead, rules, t.getTime() - 1, options).flag, decide(lead, rules, t, options).flag];
}

describe('recheckAt: each kind of edge', () => {
  it('an activity leaving an N-day window: the start of day N+1 in the rule set zone', () => {
    const rules = rulesOf((rs) => rs, 'small');
    const now = '2026-11-20T01:00:00.000Z'; // 10:00 JST
    const lead = makeLead({
      company: { employees: 80 },
      person: { titleRank: 'department_head' },
      activities: activitiesAgo(now, 25, 'document_request', 2),
    });
    expect(decide(lead, rules, ms(now)).flag).toBe('yes');
    const next = recheckAt(lead, rules, ms(now));
    // Day 30 still counts (inclusive), day 31 does not: 25 days ago + 31 days, 00:00 JST.
    expect(iso(next)).toBe('2026-11-25T15:00:00.000Z');
    expect(flagsAround(lead, rules, next!)).toEqual(['yes', 'no']);
  });

  it('decayed behaviour points crossing a threshold: the first day the rounded score is below it', () => {
    const rules = rulesOf((rs) => {
      rs.behaviourScore = { ...rs.behaviourScore, source: 'activities', halfLifeDays: 7 };
      rs.behaviourScore.weights = { inquiry: 60 };
      rs.overrides = [];
    });
    const now = '2026-11-20T01:00:00.000Z';
    const lead = fitLead({ activities: activitiesAgo(now, 0, 'inquiry') });
    // 60 × 0.5^(4/7) = 40.4 → 40 ≥ 40; 60 × 0.5^(5/7) = 36.6 → 37 < 40.
    const next = recheckAt(lead, rules, ms(now));
    expect(iso(next)).toBe('2026-11-24T15:00:00.000Z');
    expect(flagsAround(lead, rules, next!)).toEqual(['yes', 'no']);
  });

  it('a campaign opening: its first day 00:00 local, where the lowered threshold lets the lead through', () => {
    const rules = rulesOf((rs) => rs); // large: year_end_campaign 2026-12-01..25 lowers behaviour 40 → 30
    const lead = fitLead({ maBehaviourScore: 35 });
    const next = recheckAt(lead, rules, ms('2026-11-28T05:00:00Z'));
    expect(iso(next)).toBe('2026-11-30T15:00:00.000Z');
    expect(flagsAround(lead, rules, next!)).toEqual(['no', 'yes']);
  });

  it('a campaign closing: the day after `to`, 00:00 local', () => {
    const rules = rulesOf((rs) => rs);
    const lead = fitLead({ maBehaviourScore: 35 });
    const next = recheckAt(lead, rules, ms('2026-12-10T05:00:00Z'));
    expect(iso(next)).toBe('2026-12-25T15:00:00.000Z');
    expect(flagsAround(lead, rules, next!)).toEqual(['yes', 'no']);
  });

  it('a campaign that changes neither flag nor reasons is no re-check; one that adds its reason is', () => {
    const rules = rulesOf((rs) => rs);
    expect(recheckAt(fitLead({ maBehaviourScore: 5 }), rules, ms('2026-11-28T05:00:00Z'))).toBeNull();
    // Passing anyway, but the reason gains 「年末集中キャンペーンの基準を適用」 while it runs.
    const high = fitLead({ maBehaviourScore: 90 });
    const next = recheckAt(high, rules, ms('2026-11-28T05:00:00Z'));
    expect(iso(next)).toBe('2026-11-30T15:00:00.000Z');
    expect(decide(high, rules, next!).reasons.map((r) => r.code)).toContain('override.active');
  });

  it('a monthly quota used up: the first instant of next month in the rule set zone', () => {
    const rules = rulesOf((rs) => rs);
    const lead = makeLead({ manualRequest: { requestedBy: 'U9', at: null } });
    const options = { quotaUsed: () => 10 };
    expect(decide(lead, rules, ms('2026-11-20T05:00:00Z'), options).reasons[0]?.code).toBe('quota.exceeded');
    expect(iso(recheckAt(lead, rules, ms('2026-11-20T05:00:00Z'), options))).toBe('2026-11-30T15:00:00.000Z');
  });

  it('a hold with holdExpiresAfter: from holdSince, or from `at` when the hold starts now', () => {
    const rules = rulesOf((rs) => {
      rs.rules = rs.rules.map((r) =>
        r.id === 'strategic_target' ? { ...r, holdExpiresAfter: '30 days' } : r,
      );
    });
    const lead = fitLead({ company: { strategicTarget: true } });
    const since = ms('2026-11-10T03:00:00Z');
    const next = recheckAt(lead, rules, ms('2026-11-20T05:00:00Z'), { holdSince: since });
    expect(iso(next)).toBe('2026-12-10T03:00:00.000Z');
    expect(flagsAround(lead, rules, next!, { holdSince: since })).toEqual(['hold', 'no']);
    const expired = decide(lead, rules, next!, { holdSince: since });
    expect(expired).toMatchObject({
      flag: 'no',
      nextAction: 'nurture',
      priority: 'low',
      ruleId: 'strategic_target',
    });
    expect(expired.reasons[0]).toEqual({
      code: 'hold.expired',
      params: { rule: 'strategic_target', since: '2026-11-10', until: '2026-12-10' },
    });
    expect(expired.owner).toBeUndefined();
    // No recorded start: the hold starts at `at`.
    expect(iso(recheckAt(lead, rules, ms('2026-11-20T05:00:00Z')))).toBe('2026-12-20T05:00:00.000Z');
    // Expired stays expired (same holdSince): nothing more to re-check.
    expect(recheckAt(lead, rules, next!, { holdSince: since })).toBeNull();
  });

  it('businessDays skip weekends and Japanese public holidays', () => {
    const rules = rulesOf((rs) => {
      rs.missingData = { ...rs.missingData, holdExpiresAfter: '3 businessDays' };
    });
    // Company size is required: without it the fit score may or may not reach 60 → hold for the data.
    const lead = fitLead({ company: { employees: null }, maBehaviourScore: 90 });
    const since = ms('2026-12-30T01:00:00Z'); // Wed 10:00 JST
    expect(decide(lead, rules, since).flag).toBe('hold');
    const next = recheckAt(lead, rules, since, { holdSince: since });
    // From Wed 10:00: Thu 10:00 (1), Fri 1/1 is New Year's Day, weekend, Mon 10:00 (2), Tue 10:00 (3).
    expect(iso(next)).toBe('2027-01-05T01:00:00.000Z');
    expect(flagsAround(lead, rules, next!, { holdSince: since })).toEqual(['hold', 'no']);
  });

  it('an activity dated later than `at` counts from its own instant', () => {
    const rules = rulesOf((rs) => rs, 'small');
    const now = '2026-11-20T01:00:00.000Z';
    const later = '2026-11-20T04:30:00.000Z';
    const lead = makeLead({
      company: { employees: 80 },
      person: { titleRank: 'department_head' },
      activities: [...activitiesAgo(now, 3, 'inquiry'), { type: 'inquiry', at: later }],
    });
    expect(iso(recheckAt(lead, rules, ms(now)))).toBe(later);
  });

  it('an activity window closing at midnight on a day whose activities come later that day: that midnight', () => {
    // Found by the property test (CI, 2026-12-03): two actions leave the 30-day window at 00:00 JST
    // on 9 June, two more arrive on that day at 00:00:00.001 and .002. Counted per day the window
    // never drops below two, but for the first millisecond of the day it holds none.
    const rules = rulesOf((rs) => rs, 'small');
    const at = '2027-06-03T15:35:05.711Z';
    const lead = makeLead({
      company: { employees: 80 },
      person: { titleRank: 'department_head' },
      activities: [
        { type: 'document_request', at: '2027-05-08T15:00:00.000Z' },
        { type: 'document_request', at: '2027-05-08T15:00:00.000Z' },
        { type: 'document_request', at: '2027-06-08T15:00:00.001Z' },
        { type: 'document_request', at: '2027-06-08T15:00:00.002Z' },
      ],
    });
    const next = recheckAt(lead, rules, ms(at));
    expect(iso(next)).toBe('2027-06-08T15:00:00.000Z');
    expect(flagsAround(lead, rules, next!)).toEqual(['yes', 'no']);
  });

  it('nothing time-dependent: null', () => {
    const rules = rulesOf((rs) => rs);
    expect(
      recheckAt(fitLead({ history: { previouslyLost: true } }), rules, ms('2026-11-20T05:00:00Z')),
    ).toBeNull();
  });

  it('a zone with summer time: the offset change is a re-check (never later than a day edge it moves)', () => {
    const rules = rulesOf((rs) => {
      rs.timeZone = 'America/New_York';
      rs.overrides = [];
    });
    const next = recheckAt(fitLead({ maBehaviourScore: 90 }), rules, ms('2026-10-20T12:00:00Z'));
    expect(iso(next)).toBe('2026-11-01T06:00:00.000Z'); // 02:00 EDT → 01:00 EST
  });

  it('more candidates than it decides: the next one is returned undecided, never a later one', () => {
    const rules = rulesOf((rs) => rs, 'small');
    const now = '2026-11-20T01:00:00.000Z';
    // 40 page views on 40 different days and one unreadable activity: with an unreadable activity
    // every window edge is a candidate (data-issues.ts restores it "now"); none changes anything.
    const views = Array.from({ length: 40 }, (_, i) => activitiesAgo(now, i, 'page_view')[0]!);
    const lead = makeLead({
      company: { employees: 80 },
      person: { titleRank: 'staff' },
      activities: views,
      dataIssues: [{ field: 'activities[40].at', raw: '2026-11-31', problem: 'unparseable' }],
    });
    const next = recheckAt(lead, rules, ms(now));
    expect(next).not.toBeNull();
    expect(decide(lead, rules, next!).flag).toBe(decide(lead, rules, ms(now)).flag);
    expect(next!.getTime() - ms(now)).toBeLessThan(40 * DAY);
    // The same lead without the unreadable activity: page views move no condition of `small`.
    expect(recheckAt({ ...lead, dataIssues: [] }, rules, ms(now))).toBeNull();
  });
});

describe('holdExpiresAfter in the rule file', () => {
  const head = `version: 1
name: t
otherwise: { flag: no, nextAction: nurture }
rules:
  - id: watch
    when: { fact: company.strategicTarget, op: eq, value: true }
    nextAction: notify_is_sales_planning
`;
  const issuesOf = (text: string) => {
    try {
      parseRuleSet(text, 'rules/t.yaml');
    } catch (e) {
      return (e as { issues: Array<{ line: number; path: string; message: string; hint: string }> }).issues;
    }
    return [];
  };

  it('accepts days and businessDays on a hold rule and on missingData', () => {
    expect(
      issuesOf(
        `${head}    flag: hold\n    holdExpiresAfter: 30 days\nmissingData: { flag: hold, nextAction: inside_sales_hearing, holdExpiresAfter: "1 businessDay" }\n`,
      ),
    ).toEqual([]);
  });

  it('refuses it on a rule that is not a hold, at its line, saying what to do', () => {
    const issues = issuesOf(`${head}    flag: yes\n    holdExpiresAfter: 30 days\n`);
    expect(issues).toEqual([
      expect.objectContaining({
        line: 9,
        path: 'rules[0].holdExpiresAfter',
        message: 'holdExpiresAfter only applies to flag: hold, but this rule has flag: yes',
        hint: 'remove holdExpiresAfter, or set flag: hold',
      }),
    ]);
  });

  it('refuses a duration it cannot read, naming the accepted form', () => {
    const issues = issuesOf(`${head}    flag: hold\n    holdExpiresAfter: 3 weeks\n`);
    expect(issues).toEqual([expect.objectContaining({ line: 9, path: 'rules[0].holdExpiresAfter' })]);
    expect(issues[0]!.message).toContain('"30 days" or "10 businessDays"');
  });

  it('refuses it on a missingData outcome that is not a hold', () => {
    const issues = issuesOf(
      `${head}    flag: hold\nmissingData: { flag: no, nextAction: nurture, holdExpiresAfter: 5 days }\n`,
    );
    expect(issues).toEqual([expect.objectContaining({ path: 'missingData.holdExpiresAfter' })]);
  });
});

describe('holdExpiresAfter on the rules page', () => {
  it('says when a hold ends by itself, in ja and en', async () => {
    const { renderRulesMarkdown } = await import('../../src/reasons/rules-page.ts');
    const rs = structuredClone(loadRuleSet('large'));
    rs.rules = rs.rules.map((r) =>
      r.id === 'strategic_target' ? { ...r, holdExpiresAfter: '10 businessDays' } : r,
    );
    rs.missingData = { ...rs.missingData, holdExpiresAfter: '30 days' };
    const parsed = RuleSetSchema.parse(rs);
    expect(renderRulesMarkdown(parsed, 'ja')).toContain('(10営業日続いたら → ナーチャリング)');
    expect(renderRulesMarkdown(parsed, 'en')).toContain('(after 30 days → Nurture)');
  });
});
