import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../emulators/world/generate.ts';
import { type LeadQuality, leadQuality, type QualityBand } from '../../emulators/world/lead-quality.ts';
import { VERDICT_STYLES, verdictPlan, verdictProfile } from '../../emulators/world/rep-verdict.ts';
import type { World, WorldCompany, WorldPerson } from '../../emulators/world/world.ts';
import { findWorldIssues } from '../../emulators/world/world-integrity.ts';

/**
 * The world's reps judge the toss-ups they answered: they accept more of the better leads, send the
 * others back with the lead's most telling gap, and turn more of the good ones into opportunities;
 * generous reps accept more than picky ones. All of it is a pure function of seed, task and lead.
 */

const AS_OF = '2026-12-01T01:00:00.000Z';

function world(seed = 3, leads = 3000): World {
  return generateWorld({ seed, leads, asOf: AS_OF });
}

function company(over: Partial<WorldCompany> = {}): WorldCompany {
  return {
    key: 'c1',
    name: '株式会社テスト',
    domain: 'test.example.co.jp',
    employees: 500,
    employeesText: null,
    revenueJpy: null,
    industry: 'manufacturing',
    prefecture: '東京都',
    territory: 'kanto',
    ownerKey: 'u001',
    existingCustomer: false,
    strategicTarget: false,
    opportunities: [],
    ...over,
  };
}

function person(over: Partial<WorldPerson> = {}): WorldPerson {
  return {
    key: 'p1',
    companyKey: 'c1',
    kind: 'lead',
    lastName: '山田',
    firstName: '太郎',
    email: 'taro@test.example.co.jp',
    phone: '03-0000-0000',
    title: '課長',
    department: '営業部',
    ownerKey: 'u001',
    leadSource: 'Web',
    maScore: null,
    hearing: null,
    manualRequestByKey: null,
    createdAt: '2026-06-01T00:00:00.000Z',
    modifiedAt: '2026-11-20T00:00:00.000Z',
    activities: [{ type: 'page_view', at: '2026-11-20T00:00:00.000Z', page: 'product' }],
    ...over,
  };
}

describe('lead quality', () => {
  it('rises with a good hearing, recent intent, a senior title and an open deal', () => {
    const hot = leadQuality(
      person({
        title: '取締役 営業本部長',
        hearing: {
          heardAt: '2026-11-10T00:00:00.000Z',
          budget: 'yes',
          decisionMaker: 'yes',
          decisionInvolved: 'yes',
          clearProblem: 'yes',
          timelineMonths: 3,
          notes: null,
        },
        activities: [{ type: 'inquiry', at: '2026-11-25T00:00:00.000Z' }],
      }),
      company({
        opportunities: [
          { key: 'o1', name: 'x', stage: 'Prospecting', closeDate: '2027-01-31', amountJpy: 1 },
        ],
      }),
      AS_OF,
    );
    expect(hot.band).toBe('high');
    expect(hot.gaps).toEqual([]);
    const plain = leadQuality(person(), company(), AS_OF);
    expect(plain.band).toBe('low');
    expect(plain.gaps).toEqual([]);
    expect(hot.score).toBeGreaterThan(plain.score);
  });

  it('names what speaks against a lead, most telling first', () => {
    const cold = leadQuality(
      person({
        title: '担当',
        phone: null,
        hearing: {
          heardAt: '2026-05-10T00:00:00.000Z',
          budget: 'no',
          decisionMaker: 'no',
          decisionInvolved: 'no',
          clearProblem: 'unknown',
          timelineMonths: 24,
          notes: null,
        },
        activities: [{ type: 'email_open', at: '2026-03-01T00:00:00.000Z' }],
      }),
      company({ employees: 8 }),
      AS_OF,
    );
    expect(cold.band).toBe('low');
    expect(cold.gaps).toEqual([
      'no_budget',
      'no_decision_maker',
      'too_early',
      'not_our_target',
      'unreachable',
    ]);
  });
});

describe('verdict profiles in the generated world', () => {
  it('every active user judges, with every style in the team; departed users have no profile', () => {
    for (const seed of [1, 2, 3]) {
      const w = world(seed, 1000);
      for (const u of w.users) expect(u.verdict !== undefined).toBe(u.active);
      expect(new Set(w.users.map((u) => u.verdict?.style).filter(Boolean))).toEqual(new Set(VERDICT_STYLES));
      expect(findWorldIssues(w)).toEqual([]);
    }
  });

  it('a departed user with a verdict profile is an integrity issue', () => {
    const w = structuredClone(world(2, 60));
    const i = w.users.findIndex((u) => !u.active);
    w.users[i]!.verdict = verdictProfile('picky');
    expect(findWorldIssues(w)).toEqual([
      expect.objectContaining({ collection: 'users', index: i, path: 'verdict' }),
    ]);
  });
});

describe('verdictPlan', () => {
  const q = (score: number, band: QualityBand, gaps: LeadQuality['gaps'] = []): LeadQuality => ({
    score,
    band,
    gaps,
  });

  it('is a pure function of seed, task, quality and profile', () => {
    const p = verdictProfile('balanced');
    const plans = Array.from({ length: 50 }, (_, i) => verdictPlan(1, `t${i}`, q(0.5, 'medium'), p));
    expect(Array.from({ length: 50 }, (_, i) => verdictPlan(1, `t${i}`, q(0.5, 'medium'), p))).toEqual(plans);
    expect(Array.from({ length: 50 }, (_, i) => verdictPlan(2, `t${i}`, q(0.5, 'medium'), p))).not.toEqual(
      plans,
    );
  });

  it('accepts and converts more of the better leads; picky reps accept fewer and convert more of them', () => {
    const n = 4000;
    const rates = (score: number, band: QualityBand, style: 'generous' | 'balanced' | 'picky') => {
      const plans = Array.from({ length: n }, (_, i) =>
        verdictPlan(7, `t${i}`, q(score, band, ['no_budget']), verdictProfile(style)),
      );
      const given = plans.filter((x) => x.gives);
      const accepted = given.filter((x) => x.result === 'accepted');
      const opportunities = accepted.filter((x) => x.later?.result === 'opportunity');
      for (const x of given)
        if (x.result === 'sent_back') expect(['no_budget', 'duplicate', 'other']).toContain(x.sentBackReason);
      return {
        given: given.length / n,
        accept: accepted.length / given.length,
        opportunity: opportunities.length / accepted.length,
      };
    };
    const high = rates(0.75, 'high', 'balanced');
    const low = rates(0.25, 'low', 'balanced');
    expect(high.given).toBeCloseTo(verdictProfile('balanced').verdictShare, 1);
    expect(high.accept).toBeCloseTo(0.75, 1);
    expect(low.accept).toBeCloseTo(0.25, 1);
    expect(high.opportunity).toBeGreaterThan(low.opportunity + 0.2);
    const generous = rates(0.5, 'medium', 'generous');
    const picky = rates(0.5, 'medium', 'picky');
    expect(generous.accept).toBeGreaterThan(picky.accept + 0.2);
    expect(picky.opportunity).toBeGreaterThan(generous.opportunity);
  });

  it('on a generated world, the reps accept more of the high-quality leads than of the low', () => {
    const w = world(1, 3000);
    const companies = new Map(w.companies.map((c) => [c.key, c]));
    const byBand: Record<QualityBand, { n: number; accepted: number }> = {
      high: { n: 0, accepted: 0 },
      medium: { n: 0, accepted: 0 },
      low: { n: 0, accepted: 0 },
    };
    for (const p of w.people) {
      const quality = leadQuality(p, companies.get(p.companyKey)!, w.asOf);
      const plan = verdictPlan(w.seed, p.key, quality, verdictProfile('balanced'));
      if (!plan.gives) continue;
      byBand[quality.band].n++;
      if (plan.result === 'accepted') byBand[quality.band].accepted++;
    }
    for (const b of Object.values(byBand)) expect(b.n).toBeGreaterThan(50);
    const rate = (b: QualityBand) => byBand[b].accepted / byBand[b].n;
    expect(rate('high')).toBeGreaterThan(rate('medium'));
    expect(rate('medium')).toBeGreaterThan(rate('low'));
  });
});
