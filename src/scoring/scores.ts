import type { RuleSet } from '../config/rule-set-schema.ts';
import type { Lead } from '../domain/lead.ts';
import { activityDaysOf } from './activity-days.ts';
import { type ConditionPlan, literalPlan, matchesLiteral } from './condition-plan.ts';
import type { DecisionContext } from './conditions.ts';
import { FACTS, type FactDef, factValue, rankNumber } from './facts.ts';
import { remembered } from './remembered.ts';

/**
 * Fit (attribute) and behaviour scores. Both are plain sums an admin can recompute by hand from
 * the rule file, which is what makes the reason shown to sales believable.
 */

export interface AttributeScorer {
  /** Fills `ctx.attribute`: the score with missing inputs at 0, the best it could be, and what is missing. */
  score(ctx: DecisionContext): void;
  /** Points per group for `tossup explain`. */
  breakdown(ctx: DecisionContext): Array<{ group: string; points: number; missing: boolean }>;
  /** The groups as compiled, in order (the specialised decide inlines them). */
  groups: readonly AttributeGroup[];
}

export interface AttributeGroup {
  id: string;
  fact: FactDef;
  /** The tiers as plans, first match wins, with their points. */
  tiers: readonly ConditionPlan[];
  points: readonly number[];
  /** Points of the first tier the value (ranks as their number) matches, else 0. */
  tierPoints: (v: string | number | boolean) => number;
  /** The same remembered per distinct raw value (texts, ranks, answers; undefined for numbers). */
  byValue: ((raw: string | number | boolean) => number) | undefined;
  /** The most points a tier gives (at least 0). */
  best: number;
  required: boolean;
  /** `[fact.source]`, frozen: the missing list when this group alone is missing. */
  alone: readonly string[];
}

export function compileAttributeScore(spec: RuleSet['attributeScore']): AttributeScorer {
  const groups = spec.groups.map((g): AttributeGroup => {
    const fact = FACTS[g.fact]!;
    const isRank = fact.type === 'rank';
    // Tiers as plans (condition-plan.ts): compared by one switch, no closure per tier.
    const tiers = g.tiers.map((t) => literalPlan(t.op, fact.type, t.value));
    const points = g.tiers.map((t) => t.points);
    const best = Math.max(0, ...points);
    const tierPoints = (v: string | number | boolean): number => {
      for (let i = 0; i < tiers.length; i++) if (matchesLiteral(tiers[i]!, v)) return points[i]!;
      return 0;
    };
    // Texts, ranks and answers take few distinct values: their points are remembered per value.
    const byValue =
      fact.type === 'number'
        ? undefined
        : remembered((raw: string | number | boolean) => tierPoints(isRank ? rankNumber(String(raw)) : raw));
    // Missing alone, the group's input is the whole list: one shared, read-only list per group.
    const alone: readonly string[] = Object.freeze([fact.source]);
    return { id: g.id, fact, tiers, points, tierPoints, byValue, best, required: g.required, alone };
  });
  const cap = spec.cap;

  const groupPoints = (ctx: DecisionContext, g: AttributeGroup): number | undefined => {
    const raw = factValue(g.fact.id, ctx);
    if (raw === undefined) return undefined;
    if (raw === null) return 0;
    return g.byValue ? g.byValue(raw) : g.tierPoints(raw);
  };

  return {
    groups,
    score(ctx) {
      let value = 0;
      let max = 0;
      let missing: readonly string[] | undefined;
      for (const g of groups) {
        const p = groupPoints(ctx, g);
        if (p === undefined) {
          if (!g.required) continue;
          max += g.best;
          // A second gap (rarer still) makes a list of its own.
          missing = missing ? [...missing, g.fact.source] : g.alone;
        } else {
          value += p;
          max += p;
        }
      }
      // Written in place: the engine reuses one context (and its attribute record) across leads.
      const out = ctx.attribute;
      out.value = Math.min(cap, value);
      out.max = Math.min(cap, max);
      out.missing = missing ?? NONE;
    },
    breakdown(ctx) {
      return groups.map((g) => {
        const p = groupPoints(ctx, g);
        return { group: g.id, points: p ?? 0, missing: p === undefined };
      });
    },
  };
}

const NONE: readonly string[] = Object.freeze([]);

export type BehaviourScorer = (ctx: DecisionContext) => number | undefined;

export function compileBehaviourScore(spec: RuleSet['behaviourScore']): BehaviourScorer {
  const weights = new Map<string, number>(Object.entries(spec.weights));
  const pageWeights = new Map<string, number>(Object.entries(spec.pageWeights));
  // Decay by whole local days, precomputed: the same lead on the same day always scores the same.
  const decay = Array.from({ length: spec.windowDays + 1 }, (_, d) =>
    spec.halfLifeDays ? 0.5 ** (d / spec.halfLifeDays) : 1,
  );
  const window = spec.windowDays;
  const cap = spec.cap ?? Number.POSITIVE_INFINITY;

  const fromActivities = (ctx: DecisionContext): number => {
    const acts = ctx.lead.activities;
    const days = activityDaysOf(ctx);
    let sum = 0;
    for (let i = 0; i < acts.length; i++) {
      const ago = ctx.today - days[i]!;
      if (!(ago >= 0 && ago <= window)) continue;
      const a = acts[i]!;
      let w = weights.get(a.type) ?? 0;
      if (a.page !== undefined) w += pageWeights.get(a.page) ?? 0;
      sum += w * decay[ago]!;
    }
    // Rounded before any comparison so the number in the reason is the number that was compared.
    return Math.min(cap, Math.round(sum));
  };

  switch (spec.source) {
    case 'ma':
      return (ctx) => maScore(ctx.lead);
    case 'ma_or_activities':
      return (ctx) => maScore(ctx.lead) ?? fromActivities(ctx);
    default:
      return fromActivities;
  }
}

function maScore(lead: Lead): number | undefined {
  return lead.maBehaviourScore === null ? undefined : Math.round(lead.maBehaviourScore);
}
