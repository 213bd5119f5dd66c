import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCompiledRuleSet, PRESETS } from '../../src/config/load-rule-set.ts';
import { LeadSchema } from '../../src/domain/lead.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { decide } from '../../src/scoring/decide.ts';
import { leadArbitrary } from '../support/lead-arbitrary.ts';

const NOW = Date.parse('2026-11-21T03:00:00Z');
const leadArb = leadArbitrary(NOW);
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
