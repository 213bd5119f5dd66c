import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCompiledRuleSet, PRESETS } from '../../src/config/load-rule-set.ts';
import { ActivityTypeSchema, type Lead, LeadSchema, TitleRankSchema } from '../../src/domain/lead.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { decide } from '../../src/scoring/decide.ts';

const NOW = Date.parse('2026-11-21T03:00:00Z');
const answer = fc.constantFrom('yes' as const, 'no' as const, 'unknown' as const);
const when = fc
  .integer({ min: NOW - 400 * 86_400_000, max: NOW + 5 * 86_400_000 })
  .map((t) => new Date(t).toISOString());
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

/** Leads as connectors produce them, including every kind of gap and extreme. */
const leadArb: fc.Arbitrary<Lead> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 18 }),
  crm: fc.constantFrom('salesforce' as const, 'hubspot' as const, 'file' as const),
  objectType: fc.constant('Lead'),
  ownerId: maybe(fc.string()),
  modifiedAt: maybe(when),
  company: fc.record({
    name: maybe(fc.string()),
    employees: maybe(fc.integer({ min: 0, max: 10_000_000 })),
    revenueJpy: maybe(fc.double({ min: 0, max: 1e15, noNaN: true })),
    industry: maybe(fc.constantFrom('manufacturing', 'finance', 'retail', 'other', '')),
    region: maybe(fc.constantFrom('東京都', '大阪府', '北海道', '')),
    existingCustomer: fc.boolean(),
    accountOwnerId: maybe(fc.string({ minLength: 1 })),
    strategicTarget: fc.boolean(),
  }),
  person: fc.record({
    title: maybe(fc.string()),
    titleRank: maybe(fc.constantFrom(...TitleRankSchema.options)),
    department: maybe(fc.string()),
    emailDomain: maybe(fc.domain()),
  }),
  activities: fc.array(
    fc.record(
      {
        type: fc.constantFrom(...ActivityTypeSchema.options),
        at: when,
        page: fc.constantFrom('pricing', 'blog', 'case_studies'),
      },
      { requiredKeys: ['type', 'at'] },
    ),
    { maxLength: 40 },
  ),
  maBehaviourScore: maybe(fc.double({ min: -50, max: 100_000, noNaN: true })),
  hearing: maybe(
    fc.record({
      heardAt: maybe(when),
      budget: answer,
      decisionMaker: answer,
      decisionInvolved: answer,
      clearProblem: answer,
      timelineMonths: maybe(fc.integer({ min: 0, max: 60 })),
      notes: maybe(fc.string()),
    }),
  ),
  history: fc.record({ previouslyLost: fc.boolean(), lastTossUpAt: maybe(when) }),
  manualRequest: maybe(fc.record({ requestedBy: maybe(fc.string({ minLength: 1 })), at: maybe(when) })),
  current: fc.constant({
    flag: null,
    reason: null,
    nextAction: null,
    attributeScore: null,
    behaviourScore: null,
    dueAt: null,
    decisionKey: null,
  }),
  dataIssues: fc.constant([]),
});

const compiled = PRESETS.map((p) => [p, loadCompiledRuleSet(p)] as const);
const ja = new ReasonRenderer('ja');

describe('decide: properties over arbitrary leads', () => {
  it('the generator produces schema-valid leads', () => {
    fc.assert(
      fc.property(leadArb, (lead) => LeadSchema.safeParse(lead).success),
      { numRuns: 200 },
    );
  });

  for (const [name, rules] of compiled) {
    it(`${name}: never throws, always explains itself, and is deterministic`, () => {
      fc.assert(
        fc.property(leadArb, (lead) => {
          const a = decide(lead, rules, NOW);
          const b = decide(structuredClone(lead), rules, NOW);
          expect(b).toEqual(a);
          expect(a.reasons.length).toBeGreaterThan(0);
          expect(['yes', 'no', 'hold']).toContain(a.flag);
          expect(a.flag === 'hold' || a.missing.length === 0).toBe(true);
          const text = ja.renderCompact(a.reasons, 255);
          expect(text.length).toBeGreaterThan(0);
          expect([...text].length).toBeLessThanOrEqual(255);
        }),
        { numRuns: 400 },
      );
    });
  }

  it('never throws on activity timestamps that are not dates', () => {
    const [, rules] = compiled[2]!;
    fc.assert(
      fc.property(leadArb, fc.array(fc.string(), { maxLength: 5 }), (lead, junk) => {
        const broken = { ...lead, activities: junk.map((at) => ({ type: 'inquiry' as const, at })) };
        expect(() => decide(broken, rules, NOW)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('large, threshold-only rule: a higher behaviour score never turns a toss-up into a non-toss-up', () => {
    const [, rules] = compiled[2]!;
    const plain = leadArb.map((l) => ({
      ...l,
      company: { ...l.company, existingCustomer: false, strategicTarget: false },
      history: { ...l.history, previouslyLost: false },
      manualRequest: null,
    }));
    fc.assert(
      fc.property(
        plain,
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        (lead, s, extra) => {
          const low = decide({ ...lead, maBehaviourScore: s }, rules, NOW);
          const high = decide({ ...lead, maBehaviourScore: s + extra }, rules, NOW);
          if (low.flag === 'yes') expect(high.flag).toBe('yes');
          if (high.flag === 'no') expect(low.flag).toBe('no');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('small: more employees never turn a toss-up into a non-toss-up', () => {
    const [, rules] = compiled[0]!;
    fc.assert(
      fc.property(
        leadArb,
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        (lead, n, extra) => {
          const a = decide({ ...lead, company: { ...lead.company, employees: n } }, rules, NOW);
          const b = decide({ ...lead, company: { ...lead.company, employees: n + extra } }, rules, NOW);
          if (a.flag === 'yes') expect(b.flag).toBe('yes');
        },
      ),
      { numRuns: 500 },
    );
  });
});
