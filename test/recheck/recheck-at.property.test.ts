import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRuleSet, PRESETS } from '../../src/config/load-rule-set.ts';
import { type RuleSet, RuleSetSchema } from '../../src/config/rule-set-schema.ts';
import type { Decision } from '../../src/domain/decision.ts';
import { ActivityTypeSchema, type Lead, TitleRankSchema } from '../../src/domain/lead.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decideWithDataIssues } from '../../src/scoring/data-issues.ts';
import type { DecideOptions } from '../../src/scoring/decide.ts';
import { recheckAt } from '../../src/scoring/recheck-at.ts';
import { makeLead } from '../support/lead-factory.ts';

/**
 * The contract of recheckAt: between `at` and the instant it returns, the decision (flag, next
 * action, reason codes) does not change — at random instants and at the last millisecond before.
 * Leads and rule sets are random around the edges that matter: activities near every window edge,
 * decay on and off, campaign overrides starting and ending around `at`, hold rules that expire,
 * quotas, and zones with and without summer time.
 */

const DAY = 86_400_000;
const BASE = Date.parse('2026-11-20T01:00:00Z');
const at = fc.integer({ min: BASE - 40 * DAY, max: BASE + 200 * DAY });
const isoAround = (t: number, spanDays: number) =>
  fc.integer({ min: t - spanDays * DAY, max: t + 5 * DAY }).map((x) => new Date(x).toISOString());
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);

function leadArb(center: number): fc.Arbitrary<Lead> {
  return fc
    .record({
      employees: fc.option(fc.constantFrom(10, 60, 150, 400, 1500), { nil: null }),
      titleRank: fc.option(fc.constantFrom(...TitleRankSchema.options), { nil: null }),
      existingCustomer: fc.boolean(),
      strategicTarget: fc.boolean(),
      previouslyLost: fc.boolean(),
      ma: fc.option(fc.integer({ min: 0, max: 150 }), { nil: null }),
      activities: fc.array(
        fc.record(
          {
            type: fc.constantFrom(...ActivityTypeSchema.options),
            at: isoAround(center, 120),
            page: fc.constantFrom('pricing', 'case_studies', 'blog'),
          },
          { requiredKeys: ['type', 'at'] },
        ),
        { maxLength: 14 },
      ),
      heard: fc.option(
        fc.record({
          timelineMonths: fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
          decisionMaker: fc.constantFrom('yes' as const, 'no' as const, 'unknown' as const),
          clearProblem: fc.constantFrom('yes' as const, 'no' as const, 'unknown' as const),
          decisionInvolved: fc.constantFrom('yes' as const, 'no' as const, 'unknown' as const),
        }),
        { nil: null },
      ),
      manual: fc.boolean(),
      issue: fc.option(fc.constantFrom('activities[99].at', 'company.employees'), { nil: null, freq: 4 }),
    })
    .map((r) =>
      makeLead({
        company: {
          employees: r.employees,
          industry: 'manufacturing',
          region: '東京都',
          existingCustomer: r.existingCustomer && r.employees === 1500,
          strategicTarget: r.strategicTarget && r.employees === 400,
          accountOwnerId: 'U1',
        },
        person: { titleRank: r.titleRank, title: r.titleRank ? '部長' : null, department: 'DX推進部' },
        history: { previouslyLost: r.previouslyLost && r.employees === 60 },
        maBehaviourScore: r.ma,
        activities: r.activities,
        hearing: r.heard
          ? {
              heardAt: null,
              budget: 'yes',
              notes: null,
              ...r.heard,
            }
          : null,
        manualRequest: r.manual && r.employees === 10 ? { requestedBy: 'U9', at: null } : null,
        // Unreadable values make decisions that depend on them hold (data-issues.ts), as of each instant.
        dataIssues: r.issue ? [{ field: r.issue, raw: '?', problem: 'unparseable' as const }] : [],
      }),
    );
}

const PRESET_RULES = Object.fromEntries(PRESETS.map((p) => [p, loadRuleSet(p)])) as Record<
  (typeof PRESETS)[number],
  RuleSet
>;

/** A preset with random time-dependent settings layered on. */
function ruleSetArb(center: number): fc.Arbitrary<RuleSet> {
  return fc
    .record({
      preset: fc.constantFrom(...PRESETS),
      timeZone: fc.constantFrom('Asia/Tokyo', 'Asia/Tokyo', 'America/New_York', 'UTC'),
      halfLife: fc.option(fc.constantFrom(3, 7, 30), { nil: undefined, freq: 4 }),
      windowDays: fc.constantFrom(7, 30, 90),
      source: fc.constantFrom(
        'activities' as const,
        'activities' as const,
        'ma_or_activities' as const,
        'ma' as const,
      ),
      overrides: fc.array(
        fc.record({
          from: fc.integer({ min: -20, max: 60 }),
          len: fc.integer({ min: 0, max: 20 }),
          delta: fc.integer({ min: -30, max: 10 }),
        }),
        { maxLength: 3 },
      ),
      holdExpiry: fc.option(fc.constantFrom('1 day', '3 days', '2 businessDays', '10 businessDays'), {
        nil: undefined,
      }),
      missingExpiry: fc.option(fc.constantFrom('5 days', '1 businessDay'), { nil: undefined }),
    })
    .map((r) => {
      const base = PRESET_RULES[r.preset];
      const thresholdNames = Object.keys(base.thresholds);
      const rs = structuredClone(base) as RuleSet & Record<string, unknown>;
      rs.timeZone = r.timeZone;
      rs.behaviourScore = {
        ...rs.behaviourScore,
        source: r.source,
        windowDays: r.windowDays,
        ...(r.halfLife === undefined ? {} : { halfLifeDays: r.halfLife }),
      };
      if (r.halfLife === undefined) delete rs.behaviourScore.halfLifeDays;
      rs.overrides = r.overrides.map((o, i) => ({
        id: `o${i}`,
        label: `campaign ${i}`,
        from: isoDate(center + o.from * DAY),
        to: isoDate(center + (o.from + o.len) * DAY),
        thresholds: Object.fromEntries(
          thresholdNames.map((t) => [t, Math.max(0, (base.thresholds[t] ?? 0) + o.delta)]),
        ),
      }));
      rs.rules = rs.rules.map((rule) =>
        rule.flag === 'hold' && r.holdExpiry ? { ...rule, holdExpiresAfter: r.holdExpiry } : rule,
      );
      if (r.missingExpiry && rs.missingData.flag === 'hold')
        rs.missingData = { ...rs.missingData, holdExpiresAfter: r.missingExpiry };
      return RuleSetSchema.parse(rs);
    });
}

const view = (d: Decision) => ({
  flag: d.flag,
  nextAction: d.nextAction,
  codes: d.reasons.map((r) => r.code),
});

describe('recheckAt: the decision does not change before it', () => {
  it('holds at sampled instants in [at, recheckAt) for random leads and rule sets', () => {
    let bounded = 0;
    fc.assert(
      fc.property(
        at.chain((t) =>
          fc.tuple(
            fc.constant(t),
            leadArb(t),
            ruleSetArb(t),
            fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
            fc.integer({ min: 0, max: 12 }),
            fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
          ),
        ),
        ([t, lead, rs, holdDaysAgo, quotaUsed, samples]) => {
          const rules = compileRuleSet(rs);
          const options: DecideOptions = { quotaUsed: () => quotaUsed };
          // holdSince as the pipeline passes it: a hold's start, at or before `at`.
          if (holdDaysAgo !== undefined) options.holdSince = t - holdDaysAgo * DAY;
          const first = decideWithDataIssues(lead, rules, t, options);
          const opts =
            options.holdSince === undefined && first.flag === 'hold' ? { ...options, holdSince: t } : options;
          const next = recheckAt(lead, rules, t, options);
          if (next !== null) {
            expect(next.getTime()).toBeGreaterThan(t);
            bounded++;
          }
          const end = next?.getTime() ?? t + 400 * DAY;
          const instants = [t, end - 1, ...samples.map((s) => t + Math.floor(s * (end - t)))];
          for (const x of instants) {
            if (x >= end) continue;
            expect(view(decideWithDataIssues(lead, rules, x, opts)), new Date(x).toISOString()).toEqual(
              view(first),
            );
          }
        },
      ),
      {
        numRuns: Number(process.env.RUNS ?? 600),
        ...(process.env.SEED ? { seed: Number(process.env.SEED) } : {}),
      },
    );
    // The generator reaches edges, not only leads that never change.
    expect(bounded).toBeGreaterThan(60);
    // Many decisions per run: a loaded machine must not turn this into a timeout.
  }, 300_000);
});
