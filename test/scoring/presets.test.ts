import { describe, expect, it } from 'vitest';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import type { Decision } from '../../src/domain/decision.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { decide } from '../../src/scoring/decide.ts';
import { activitiesAgo, heard, makeLead } from '../support/lead-factory.ts';

const NOW = '2026-11-21T03:00:00.000Z'; // 12:00 JST
const ja = new ReasonRenderer('ja');
const text = (d: Decision) => ja.renderCompact(d.reasons, 255);

describe('preset small: the checklist (>= 50 employees, 部長 or above, >= 2 actions in the last 30 days)', () => {
  const rules = loadCompiledRuleSet('small');
  const qualifying = () =>
    makeLead({
      company: { employees: 120 },
      person: { title: '営業部長', titleRank: 'department_head' },
      activities: [
        ...activitiesAgo(NOW, 3, 'document_request'),
        ...activitiesAgo(NOW, 10, 'webinar_attendance'),
      ],
    });

  it('tosses up a lead meeting all three conditions, explaining each', () => {
    const d = decide(qualifying(), rules, new Date(NOW));
    expect(d).toMatchObject({
      flag: 'yes',
      nextAction: 'field_sales_tossup',
      priority: 'high',
      ruleId: 'checklist',
    });
    expect(text(d)).toBe(
      '従業員数 120名 ≥ 基準 50名 / 役職 部長以上 (営業部長) / 直近30日の行動 2回 ≥ 基準 2回',
    );
  });

  it('treats exactly 50 employees as enough and 49 as not', () => {
    const lead = qualifying();
    expect(decide({ ...lead, company: { ...lead.company, employees: 50 } }, rules, new Date(NOW)).flag).toBe(
      'yes',
    );
    const d = decide({ ...lead, company: { ...lead.company, employees: 49 } }, rules, new Date(NOW));
    expect(d).toMatchObject({ flag: 'no', nextAction: 'nurture' });
    expect(text(d)).toBe('従業員数 49名 < 基準 50名');
  });

  it('requires 部長 or above: 本部長 and 取締役 pass, 課長 does not', () => {
    const lead = qualifying();
    const withRank = (titleRank: 'division_head' | 'officer' | 'manager', title: string) =>
      decide({ ...lead, person: { ...lead.person, title, titleRank } }, rules, new Date(NOW));
    expect(withRank('division_head', '営業本部長').flag).toBe('yes');
    expect(withRank('officer', '取締役').flag).toBe('yes');
    const d = withRank('manager', '課長');
    expect(d.flag).toBe('no');
    expect(text(d)).toBe('役職 部長未満 (課長)');
  });

  it('counts an action on day 30 but not one on day 31', () => {
    const base = qualifying();
    const day30 = {
      ...base,
      activities: [...activitiesAgo(NOW, 1, 'inquiry'), ...activitiesAgo(NOW, 30, 'form_submission')],
    };
    const day31 = {
      ...base,
      activities: [...activitiesAgo(NOW, 1, 'inquiry'), ...activitiesAgo(NOW, 31, 'form_submission')],
    };
    expect(decide(day30, rules, new Date(NOW)).flag).toBe('yes');
    const d = decide(day31, rules, new Date(NOW));
    expect(d.flag).toBe('no');
    expect(text(d)).toBe('直近30日の行動 1回 < 基準 2回');
  });

  it('does not count e-mail opens or page views as actions', () => {
    const lead = {
      ...qualifying(),
      activities: activitiesAgo(NOW, 2, 'email_open', 5).concat(activitiesAgo(NOW, 2, 'page_view', 5)),
    };
    expect(decide(lead, rules, new Date(NOW)).flag).toBe('no');
  });

  it('ignores activity dated after the decision time', () => {
    const lead = {
      ...qualifying(),
      activities: [...activitiesAgo(NOW, 3, 'inquiry'), ...activitiesAgo(NOW, -2, 'inquiry')],
    };
    expect(decide(lead, rules, new Date(NOW)).flag).toBe('no');
  });

  it('holds, naming the field, when the only open question is missing data', () => {
    const lead = qualifying();
    const d = decide({ ...lead, company: { ...lead.company, employees: null } }, rules, new Date(NOW));
    expect(d).toMatchObject({
      flag: 'hold',
      nextAction: 'inside_sales_follow_up',
      missing: ['company.employees'],
    });
    expect(text(d).startsWith('従業員数が未入力')).toBe(true);
  });

  it('shows the raw value when it could not be parsed', () => {
    const lead = qualifying();
    const d = decide(
      {
        ...lead,
        company: { ...lead.company, employees: null },
        dataIssues: [{ field: 'company.employees', raw: '多数', problem: 'unparseable' }],
      },
      rules,
      new Date(NOW),
    );
    expect(d.flag).toBe('hold');
    expect(text(d).startsWith('従業員数「多数」を解釈できません')).toBe(true);
  });

  it('does not hold for missing data when a known condition already fails', () => {
    const lead = qualifying();
    const d = decide(
      { ...lead, company: { ...lead.company, employees: null }, activities: [] },
      rules,
      new Date(NOW),
    );
    expect(d.flag).toBe('no');
  });
});

describe('preset mid: behaviour score then IS hearing', () => {
  const rules = loadCompiledRuleSet('mid');
  const lead = (ma: number | null, hearing: ReturnType<typeof heard> | null) =>
    makeLead({ maBehaviourScore: ma, hearing });

  it('standard: score exactly 100, adoption within exactly 3 months and decision maker confirmed → toss up', () => {
    const d = decide(lead(100, heard({ timelineMonths: 3, decisionMaker: 'yes' })), rules, new Date(NOW));
    expect(d).toMatchObject({ flag: 'yes', nextAction: 'field_sales_tossup', ruleId: 'standard' });
    expect(text(d)).toBe('行動スコア 100 ≥ 基準 100 / 導入予定 3ヶ月以内 (基準 3ヶ月) / 決裁者確認済み');
  });

  it('a 4-month timeline is not "within 3 months": IS keeps following up', () => {
    const d = decide(lead(150, heard({ timelineMonths: 4, decisionMaker: 'yes' })), rules, new Date(NOW));
    expect(d).toMatchObject({ flag: 'hold', nextAction: 'inside_sales_follow_up', ruleId: 'otherwise' });
    expect(text(d)).toBe('導入時期 4ヶ月 (基準 3ヶ月以内)');
  });

  it('score passed but not heard yet → hold for the IS hearing', () => {
    const d = decide(lead(120, null), rules, new Date(NOW));
    expect(d).toMatchObject({ flag: 'hold', nextAction: 'inside_sales_hearing', missing: ['hearing'] });
    expect(text(d)).toBe('ISヒアリング未実施 / 行動スコア 120 ≥ 基準 100');
  });

  it('distinguishes "not heard yet" from "heard, no timeline given"', () => {
    const notHeard = decide(lead(120, null), rules, new Date(NOW));
    const heardUnknown = decide(
      lead(120, heard({ timelineMonths: null, decisionMaker: 'yes' })),
      rules,
      new Date(NOW),
    );
    expect(notHeard.nextAction).toBe('inside_sales_hearing');
    expect(heardUnknown).toMatchObject({ flag: 'hold', nextAction: 'inside_sales_follow_up' });
    expect(text(heardUnknown)).toBe('導入時期 未定 (基準 3ヶ月以内)');
  });

  it('exception: score below the bar but a clear problem and a decision-involved person → toss up', () => {
    const d = decide(lead(60, heard({ clearProblem: 'yes', decisionInvolved: 'yes' })), rules, new Date(NOW));
    expect(d).toMatchObject({ flag: 'yes', ruleId: 'exception', priority: 'medium' });
    expect(text(d)).toBe('行動スコア 60 < 基準 100 / 課題が明確 / 決裁関与者を確認');
  });

  it('nurture: low score and no timeline → not to sales', () => {
    expect(decide(lead(20, null), rules, new Date(NOW))).toMatchObject({ flag: 'no', nextAction: 'nurture' });
    expect(decide(lead(20, heard({ timelineMonths: null })), rules, new Date(NOW)).flag).toBe('no');
    expect(decide(lead(99, heard({ timelineMonths: 12 })), rules, new Date(NOW)).flag).toBe('no');
  });

  it('computes the behaviour score from activities when no MA score exists', () => {
    const acts = [...activitiesAgo(NOW, 5, 'inquiry', 2), ...activitiesAgo(NOW, 6, 'webinar_attendance')];
    const d = decide(
      makeLead({ activities: acts, hearing: heard({ timelineMonths: 2, decisionMaker: 'yes' }) }),
      rules,
      new Date(NOW),
    );
    expect(d.scores.behaviour).toBe(105);
    expect(d.flag).toBe('yes');
  });
});

describe('preset large: automatic scoring plus exceptions', () => {
  const rules = loadCompiledRuleSet('large');
  // 30 (>=1000 staff) + 15 (manufacturing) + 15 (部長) = 60 exactly.
  const fitLead = ({ company, person, ...over }: Parameters<typeof makeLead>[0] = {}) =>
    makeLead({
      maBehaviourScore: 40,
      ...over,
      company: { employees: 1500, industry: 'manufacturing', ...company },
      person: { title: '部長', titleRank: 'department_head', ...person },
    });

  it('attribute exactly 60 and behaviour exactly 40 → automatic toss-up', () => {
    const d = decide(fitLead(), rules, new Date(NOW));
    expect(d).toMatchObject({ flag: 'yes', nextAction: 'field_sales_tossup', ruleId: 'auto_tossup' });
    expect(d.scores).toEqual({ attribute: 60, behaviour: 40 });
    expect(text(d)).toBe('属性スコア 60 ≥ 基準 60 / 行動スコア 40 ≥ 基準 40');
  });

  it('one point short on either score → nurture, saying which', () => {
    const d1 = decide(fitLead({ person: { title: '課長', titleRank: 'manager' } }), rules, new Date(NOW));
    expect(d1).toMatchObject({ flag: 'no', nextAction: 'nurture' });
    expect(text(d1)).toBe('属性スコア 55 < 基準 60');
    const d2 = decide(fitLead({ maBehaviourScore: 39 }), rules, new Date(NOW));
    expect(text(d2)).toBe('行動スコア 39 < 基準 40');
  });

  it('existing customer showing intent → toss-up to that account rep, whatever the fit score', () => {
    const d = decide(
      makeLead({ company: { existingCustomer: true, accountOwnerId: '005OWNER' }, maBehaviourScore: 15 }),
      rules,
      new Date(NOW),
    );
    expect(d).toMatchObject({
      flag: 'yes',
      nextAction: 'field_sales_tossup',
      priority: 'high',
      ruleId: 'existing_customer',
      owner: { kind: 'account_owner', id: '005OWNER' },
    });
    expect(text(d)).toBe('既存顧客 → 担当営業へ / 行動スコア 15 ≥ 基準 15');
  });

  it('existing customer without intent (one newsletter open) → no task, the account rep stays owner of record', () => {
    const lead = makeLead({
      company: { existingCustomer: true, accountOwnerId: '005OWNER' },
      maBehaviourScore: null,
      activities: activitiesAgo(NOW, 2, 'email_open'),
    });
    const d = decide(lead, rules, new Date(NOW));
    expect(d).toMatchObject({
      flag: 'no',
      nextAction: 'nurture',
      priority: 'low',
      ruleId: 'existing_customer',
      owner: { kind: 'account_owner', id: '005OWNER' },
      scores: { behaviour: 1 },
    });
    expect(text(d)).toBe('関心を示す行動なし: タスクなし / 既存顧客 → 担当営業へ / 行動スコア 1 < 基準 15');
    expect(new ReasonRenderer('en').renderCompact(d.reasons, 255)).toBe(
      'No sign of intent: no task / Existing customer → account owner / Behaviour score 1 < threshold 15',
    );
  });

  it('previously lost → nurture list, even with top scores', () => {
    const d = decide(
      fitLead({ maBehaviourScore: 200, history: { previouslyLost: true } }),
      rules,
      new Date(NOW),
    );
    expect(d).toMatchObject({ flag: 'no', nextAction: 'nurture', ruleId: 'previously_lost' });
  });

  it('strategic target → IS/sales planning review regardless of score', () => {
    const d = decide(
      makeLead({ company: { strategicTarget: true }, maBehaviourScore: 0 }),
      rules,
      new Date(NOW),
    );
    expect(d).toMatchObject({
      flag: 'hold',
      nextAction: 'notify_is_sales_planning',
      owner: { kind: 'queue', queue: 'is_sales_planning' },
    });
  });

  it('a campaign lowers the behaviour bar between its dates (inclusive, JST) and reverts by itself', () => {
    const lead = fitLead({ maBehaviourScore: 35 });
    expect(decide(lead, rules, new Date('2026-11-30T14:59:59Z')).flag).toBe('no'); // 11-30 23:59 JST
    const during = decide(lead, rules, new Date('2026-12-01T00:00:00+09:00'));
    expect(during.flag).toBe('yes');
    expect(text(during)).toBe(
      '属性スコア 60 ≥ 基準 60 / 行動スコア 35 ≥ 基準 30 / 年末集中キャンペーンの基準を適用 (〜2026-12-25)',
    );
    expect(decide(lead, rules, new Date('2026-12-25T23:59:00+09:00')).flag).toBe('yes');
    expect(decide(lead, rules, new Date('2026-12-26T00:00:00+09:00')).flag).toBe('no');
  });

  it('manual request by sales → toss up to the requester, within the monthly quota', () => {
    const lead = makeLead({ manualRequest: { requestedBy: '005REP', at: NOW }, maBehaviourScore: 0 });
    const d = decide(lead, rules, new Date(NOW), { quotaUsed: () => 3 });
    expect(d).toMatchObject({
      flag: 'yes',
      ruleId: 'manual_request',
      owner: { kind: 'requester', id: '005REP' },
    });
    const over = decide(lead, rules, new Date(NOW), { quotaUsed: () => 10 });
    expect(over.ruleId).not.toBe('manual_request');
    expect(over.reasons[0]).toEqual({
      code: 'quota.exceeded',
      params: { rule: 'manual_request', used: 10, quota: 10 },
    });
  });

  it('missing employees: holds when the missing points could decide, decides when they cannot', () => {
    // Without employees: 15 + 15 = 30, at most 60 with the missing 30 points → could pass → hold.
    const unknown = decide(fitLead({ company: { employees: null } }), rules, new Date(NOW));
    expect(unknown).toMatchObject({ flag: 'hold', missing: ['company.employees'] });
    expect(text(unknown).startsWith('従業員数が未入力')).toBe(true);
    // With officer title, revenue, region and department the score is already >= 60 without employees.
    const known = decide(
      fitLead({
        company: { employees: null, revenueJpy: 5e10, region: '東京都' },
        person: { title: '取締役', titleRank: 'officer', department: '情報システム部' },
      }),
      rules,
      new Date(NOW),
    );
    expect(known.flag).toBe('yes');
    // And when even the full 30 points could not reach 60, it is a plain no.
    const hopeless = decide(fitLead({ company: { employees: null, industry: null } }), rules, new Date(NOW));
    expect(hopeless.flag).toBe('no');
  });

  it('uses decayed activity points when the MA tool has no score', () => {
    const acts = [
      ...activitiesAgo(NOW, 0, 'event_attendance'),
      ...activitiesAgo(NOW, 30, 'event_attendance'),
    ];
    const d = decide(fitLead({ maBehaviourScore: null, activities: acts }), rules, new Date(NOW));
    expect(d.scores.behaviour).toBe(30); // 20 today + 20 × 0.5 a half-life ago
  });
});
