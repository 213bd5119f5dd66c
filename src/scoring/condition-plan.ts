import type { LeafCondition, Operator } from '../config/rule-set-schema.ts';
import { activityDaysOf } from './activity-days.ts';
import type { DecisionContext } from './conditions.ts';
import { ACTIVITIES_COUNT, FACTS, type FactType, type FactValue, factValue, rankNumber } from './facts.ts';
import { remembered } from './remembered.ts';

/**
 * A condition as plain data, tested by one function (`testPlan`) that switches on numbers: the
 * engine's hot path makes no call through a closure per node, fact or comparison, so the compiler
 * inlines it and a million leads pay no indirect calls. Every node has the same shape (one class,
 * every field set), which keeps the property reads monomorphic. Three-valued: TRUE, FALSE, or
 * UNKNOWN (the condition could hold with more data).
 */
export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;
export type Tri = 0 | 1 | 2;

/** Node kinds and comparison codes (the specialised decide generates code from them too). */
export const ALL = 0;
export const ANY = 1;
export const NOT = 2;
export const LEAF = 3;

export const EQ = 0;
export const NEQ = 1;
export const GT = 2;
export const GTE = 3;
export const LT = 4;
export const LTE = 5;
export const IN = 6;
export const NOT_IN = 7;
export const TEXT = 8;

type Literal = string | number | boolean;

export class ConditionPlan {
  kind = LEAF;
  children: ConditionPlan[] = [];
  fact = 0;
  cmp = EQ;
  /** The literal compared with (ranks as their number); unused with a threshold, a set or a text test. */
  expected: Literal = 0;
  set: ReadonlySet<Literal> | undefined = undefined;
  /** `contains` / `matches`, remembered per distinct text. */
  text: ((text: string) => boolean) | undefined = undefined;
  /** Name of the threshold compared with (read per decision: overrides change it by date). */
  threshold: string | undefined = undefined;
  /** `neq` / `notIn`: a value known to be empty passes. */
  negative = false;
  /** `score.attribute`: with inputs missing the score is only known to lie in [value, max]. */
  bounded = false;
  rank = false;
  /** `activities.count`: types (all when undefined), page, and the window in days. */
  types: ReadonlySet<string> | undefined = undefined;
  page: string | undefined = undefined;
  within = Number.POSITIVE_INFINITY;
}

export function groupPlan(kind: 'all' | 'any' | 'not', children: ConditionPlan[]): ConditionPlan {
  const p = new ConditionPlan();
  p.kind = kind === 'all' ? ALL : kind === 'any' ? ANY : NOT;
  p.children = children;
  return p;
}

/** A literal comparison of a value of `type` (the attribute score's tiers use these alone). */
export function literalPlan(op: Operator, type: FactType, expected: unknown): ConditionPlan {
  const p = new ConditionPlan();
  const norm = (v: unknown): Literal => (type === 'rank' ? rankNumber(String(v)) : (v as Literal));
  p.rank = type === 'rank';
  p.negative = op === 'neq' || op === 'notIn';
  if (op === 'in' || op === 'notIn') {
    p.cmp = op === 'in' ? IN : NOT_IN;
    p.set = new Set((Array.isArray(expected) ? expected : [expected]).map(norm));
  } else if (op === 'contains') {
    p.cmp = TEXT;
    const needle = String(expected).toLowerCase();
    p.text = remembered((text: string) => text.toLowerCase().includes(needle));
  } else if (op === 'matches') {
    p.cmp = TEXT;
    const re = new RegExp(String(expected), 'iu');
    p.text = remembered((text: string) => re.test(text));
  } else {
    p.cmp = NUMERIC_OPS[op] ?? LTE;
    p.expected = norm(expected);
  }
  return p;
}

const NUMERIC_OPS: Readonly<Partial<Record<Operator, number>>> = {
  eq: EQ,
  neq: NEQ,
  gt: GT,
  gte: GTE,
  lt: LT,
};

export function leafPlan(spec: LeafCondition): ConditionPlan {
  const def = FACTS[spec.fact];
  if (!def) throw new Error(`unknown fact ${spec.fact}`); // validate-rule-set reports this with a line first
  let p: ConditionPlan;
  if (spec.threshold !== undefined) {
    // Threshold comparisons compare numbers; anything but eq…lt compares as lte (as the schema allows).
    p = new ConditionPlan();
    p.cmp = NUMERIC_OPS[spec.op] ?? LTE;
    p.threshold = spec.threshold;
    p.negative = spec.op === 'neq' || spec.op === 'notIn';
    p.rank = def.type === 'rank';
  } else p = literalPlan(spec.op, def.type, spec.value);
  p.fact = def.id;
  p.bounded = spec.fact === 'score.attribute';
  if (def.id === ACTIVITIES_COUNT) {
    p.types = spec.types ? new Set<string>(spec.types) : undefined;
    p.page = spec.page;
    p.within = spec.withinDays ?? Number.POSITIVE_INFINITY; // compileRuleSet fills in the behaviour window
  }
  return p;
}

export function testPlan(p: ConditionPlan, ctx: DecisionContext): Tri {
  const kind = p.kind;
  if (kind === LEAF) return testLeaf(p, ctx);
  const children = p.children;
  if (kind === NOT) {
    const r = testPlan(children[0]!, ctx);
    return r === UNKNOWN ? UNKNOWN : r === TRUE ? FALSE : TRUE;
  }
  let unknown = false;
  if (kind === ALL) {
    for (let i = 0; i < children.length; i++) {
      const r = testPlan(children[i]!, ctx);
      if (r === FALSE) return FALSE;
      if (r === UNKNOWN) unknown = true;
    }
    return unknown ? UNKNOWN : TRUE;
  }
  for (let i = 0; i < children.length; i++) {
    const r = testPlan(children[i]!, ctx);
    if (r === TRUE) return TRUE;
    if (r === UNKNOWN) unknown = true;
  }
  return unknown ? UNKNOWN : FALSE;
}

/** The leaf's fact for this lead (`activities.count` counted with the leaf's parameters). */
export function planValue(p: ConditionPlan, ctx: DecisionContext): FactValue {
  return p.fact === ACTIVITIES_COUNT ? countActivities(p, ctx) : factValue(p.fact, ctx);
}

function testLeaf(p: ConditionPlan, ctx: DecisionContext): Tri {
  const v = planValue(p, ctx);
  if (v === undefined) return UNKNOWN;
  if (v === null) return p.negative ? TRUE : FALSE;
  if (p.bounded && ctx.attribute.missing.length > 0) {
    const atLow = compare(p, ctx, v);
    const atHigh = compare(p, ctx, ctx.attribute.max);
    if (atLow && atHigh) return TRUE;
    if (!atLow && !atHigh) return FALSE;
    return UNKNOWN;
  }
  return compare(p, ctx, p.rank ? rankNumber(String(v)) : v) ? TRUE : FALSE;
}

function compare(p: ConditionPlan, ctx: DecisionContext, value: Literal): boolean {
  if (p.threshold === undefined) return matchesLiteral(p, value);
  const a = value as number;
  const e = ctx.thresholds[p.threshold] ?? Number.NaN;
  switch (p.cmp) {
    case EQ:
      return a === e;
    case NEQ:
      return a !== e;
    case GT:
      return a > e;
    case GTE:
      return a >= e;
    case LT:
      return a < e;
    default:
      return a <= e;
  }
}

/** Whether `a` (ranks already as their number) satisfies a literal comparison. */
export function matchesLiteral(p: ConditionPlan, a: Literal): boolean {
  const e = p.expected;
  switch (p.cmp) {
    case EQ:
      return a === e;
    case NEQ:
      return a !== e;
    case GT:
      return a > e;
    case GTE:
      return a >= e;
    case LT:
      return a < e;
    case LTE:
      return a <= e;
    case IN:
      return p.set!.has(a);
    case NOT_IN:
      return !p.set!.has(a);
    default:
      return p.text!(String(a));
  }
}

function countActivities(p: ConditionPlan, ctx: DecisionContext): number {
  const acts = ctx.lead.activities;
  const days = activityDaysOf(ctx);
  const { types, page, within } = p;
  let n = 0;
  for (let i = 0; i < acts.length; i++) {
    const a = acts[i]!;
    const ago = ctx.today - days[i]!;
    // "The last 30 days" includes day 30 and excludes day 31 (calendar days in the rule set's zone).
    if (!(ago >= 0 && ago <= within)) continue;
    if (types && !types.has(a.type)) continue;
    if (page !== undefined && a.page !== page) continue;
    n++;
  }
  return n;
}
