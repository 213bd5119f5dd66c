import type { Condition, LeafCondition, Operator } from '../config/rule-set-schema.ts';
import type { Reason } from '../domain/decision.ts';
import { activityDaysOf } from './activity-days.ts';
import { type EvalContext, FACTS, type FactType, type FactValue, rankNumber } from './facts.ts';
import { rememberedTextTest } from './remembered-text-test.ts';

/**
 * Conditions compile to closures once per rule set; evaluation is three-valued so that missing
 * input is never mistaken for a "no": TRUE, FALSE, or UNKNOWN (the rule could match with more data).
 */
export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;
export type Tri = 0 | 1 | 2;

export interface DecisionContext extends EvalContext {
  thresholds: Readonly<Record<string, number>>;
  /** `YYYY-MM-DD` (UTC) before which no activity can matter (`CompiledRuleSet.activityCutoff`). */
  activityCutoff: string;
  /**
   * Local day of each activity (NaN when too old, unparseable or after `now`); filled on first use
   * by `activityDaysOf` — a lead whose behaviour score comes from the MA tool never needs it.
   */
  activityDays: readonly number[] | undefined;
  /** Where `activityDaysOf` writes when set (the engine's reused context): no array per decision. */
  dayBuffer?: number[];
}

export interface CompiledCondition {
  test(ctx: DecisionContext): Tri;
  /** Reasons that make this node come out the way it did, most decisive first. */
  explain(ctx: DecisionContext, out: Reason[]): void;
  /** Every leaf, for `tossup explain` and the rules page. */
  leaves: CompiledLeaf[];
}

export interface CompiledLeaf extends CompiledCondition {
  spec: LeafCondition;
  type: FactType;
  value(ctx: DecisionContext): FactValue;
  expected(ctx: DecisionContext): string | number | boolean | ReadonlyArray<string | number | boolean>;
}

export function compileCondition(cond: Condition): CompiledCondition {
  if ('all' in cond) return compileAll(cond.all.map(compileCondition));
  if ('any' in cond) return compileAny(cond.any.map(compileCondition));
  if ('not' in cond) return compileNot(compileCondition(cond.not));
  return compileLeaf(cond);
}

function compileAll(children: CompiledCondition[]): CompiledCondition {
  const test = (ctx: DecisionContext): Tri => {
    let unknown = false;
    for (const ch of children) {
      const r = ch.test(ctx);
      if (r === FALSE) return FALSE;
      if (r === UNKNOWN) unknown = true;
    }
    return unknown ? UNKNOWN : TRUE;
  };
  return {
    test,
    leaves: children.flatMap((c) => c.leaves),
    explain(ctx, out) {
      const r = test(ctx);
      // FALSE: only the failing parts matter; UNKNOWN: what is missing first, then what already holds.
      if (r === FALSE) {
        for (const ch of children) if (ch.test(ctx) === FALSE) ch.explain(ctx, out);
      } else if (r === UNKNOWN) {
        for (const ch of children) if (ch.test(ctx) === UNKNOWN) ch.explain(ctx, out);
        for (const ch of children) if (ch.test(ctx) === TRUE) ch.explain(ctx, out);
      } else for (const ch of children) ch.explain(ctx, out);
    },
  };
}

function compileAny(children: CompiledCondition[]): CompiledCondition {
  const test = (ctx: DecisionContext): Tri => {
    let unknown = false;
    for (const ch of children) {
      const r = ch.test(ctx);
      if (r === TRUE) return TRUE;
      if (r === UNKNOWN) unknown = true;
    }
    return unknown ? UNKNOWN : FALSE;
  };
  return {
    test,
    leaves: children.flatMap((c) => c.leaves),
    explain(ctx, out) {
      const r = test(ctx);
      const want = r === FALSE ? FALSE : r;
      for (const ch of children) if (ch.test(ctx) === want) ch.explain(ctx, out);
    },
  };
}

function compileNot(inner: CompiledCondition): CompiledCondition {
  return {
    test: (ctx) => {
      const r = inner.test(ctx);
      return r === UNKNOWN ? UNKNOWN : r === TRUE ? FALSE : TRUE;
    },
    leaves: inner.leaves,
    explain: (ctx, out) => inner.explain(ctx, out),
  };
}

export type Cmp = (actual: string | number | boolean) => boolean;

/** A compiled literal comparison; ranks compare by seniority (pass the rank name, it is converted). */
export function comparator(op: Operator, type: FactType, expected: unknown): Cmp {
  const norm = (v: unknown): string | number | boolean =>
    type === 'rank' ? rankNumber(String(v)) : (v as string);
  if (op === 'in' || op === 'notIn') {
    const set = new Set((Array.isArray(expected) ? expected : [expected]).map(norm));
    return op === 'in' ? (a) => set.has(a) : (a) => !set.has(a);
  }
  if (op === 'contains') {
    const needle = String(expected).toLowerCase();
    const test = rememberedTextTest((text) => text.toLowerCase().includes(needle));
    return (a) => test(String(a));
  }
  if (op === 'matches') {
    const re = new RegExp(String(expected), 'iu');
    const test = rememberedTextTest((text) => re.test(text));
    return (a) => test(String(a));
  }
  const e = norm(expected);
  switch (op) {
    case 'eq':
      return (a) => a === e;
    case 'neq':
      return (a) => a !== e;
    case 'gt':
      return (a) => a > e;
    case 'gte':
      return (a) => a >= e;
    case 'lt':
      return (a) => a < e;
    default:
      return (a) => a <= e;
  }
}

function compileLeaf(spec: LeafCondition): CompiledLeaf {
  const def = FACTS[spec.fact];
  if (!def) throw new Error(`unknown fact ${spec.fact}`); // validate-rule-set reports this with a line first
  const type = def.type;
  const get = spec.fact === 'activities.count' ? activityCounter(spec) : def.get;
  const toComparable = type === 'rank' ? (v: string | number | boolean) => rankNumber(String(v)) : undefined;
  const thresholdName = spec.threshold;
  // Literal comparisons compile to one closure; threshold comparisons read the (date-dependent)
  // threshold per call and compare numbers directly, so the hot path allocates nothing.
  const literal = thresholdName === undefined ? comparator(spec.op, type, spec.value) : undefined;
  const compare = (ctx: DecisionContext, a: string | number | boolean): boolean =>
    literal ? literal(a) : compareNumbers(spec.op, a as number, ctx.thresholds[thresholdName!] ?? Number.NaN);
  const negative = spec.op === 'neq' || spec.op === 'notIn';

  const value = (ctx: DecisionContext): FactValue => get(ctx);
  const expected = (ctx: DecisionContext) =>
    thresholdName !== undefined ? (ctx.thresholds[thresholdName] ?? Number.NaN) : spec.value!;

  const test = (ctx: DecisionContext): Tri => {
    const v = get(ctx);
    if (v === undefined) return UNKNOWN;
    if (v === null) return negative ? TRUE : FALSE;
    // Scores can be partly known: the bounds may already settle the comparison.
    if (spec.fact === 'score.attribute' && ctx.attribute.missing.length > 0)
      return boundedTest(ctx, v as number);
    return compare(ctx, toComparable ? toComparable(v) : v) ? TRUE : FALSE;
  };

  // With inputs missing, the attribute score is only known to lie in [value, max].
  const boundedTest = (ctx: DecisionContext, low: number): Tri => {
    const atLow = compare(ctx, low);
    const atHigh = compare(ctx, ctx.attribute.max);
    if (atLow && atHigh) return TRUE;
    if (!atLow && !atHigh) return FALSE;
    return UNKNOWN;
  };

  const leaf: CompiledLeaf = {
    spec,
    type,
    value,
    expected,
    test,
    leaves: [],
    explain(ctx, out) {
      const r = test(ctx);
      if (r === UNKNOWN) {
        pushMissing(ctx, spec.fact === 'score.attribute' ? ctx.attribute.missing : [def.source], out);
        return;
      }
      const params: Record<string, string | number> = {
        op: spec.op,
        value: display(value(ctx)),
        expected: display(expected(ctx)),
      };
      if (thresholdName !== undefined) params.threshold = thresholdName;
      // Sales recognise the title as written, not the rank it was mapped to.
      if (spec.fact === 'person.titleRank') params.title = ctx.lead.person.title ?? '';
      if (spec.fact === 'activities.count') {
        params.days = spec.withinDays ?? 0;
        if (spec.types) params.types = spec.types.join(',');
        if (spec.page) params.page = spec.page;
      }
      out.push({ code: `${spec.fact}.${r === TRUE ? 'met' : 'not_met'}`, params });
    },
  };
  leaf.leaves = [leaf];
  return leaf;
}

function compareNumbers(op: Operator, a: number, e: number): boolean {
  switch (op) {
    case 'eq':
      return a === e;
    case 'neq':
      return a !== e;
    case 'gt':
      return a > e;
    case 'gte':
      return a >= e;
    case 'lt':
      return a < e;
    default:
      return a <= e;
  }
}

function display(v: unknown): string | number {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v as string | number;
}

/** Missing input becomes a reason; a value that failed to parse says so and shows what was there. */
export function pushMissing(ctx: DecisionContext, fields: readonly string[], out: Reason[]): void {
  for (const field of fields) {
    if (out.some((r) => r.params.field === field)) continue;
    const issue = ctx.lead.dataIssues.find((i) => i.field === field);
    out.push(
      issue ? { code: 'invalid', params: { field, raw: issue.raw } } : { code: 'missing', params: { field } },
    );
  }
}

function activityCounter(spec: LeafCondition): (ctx: EvalContext) => number {
  const types = spec.types ? new Set<string>(spec.types) : undefined;
  const page = spec.page;
  const within = spec.withinDays;
  return (c) => {
    const ctx = c as DecisionContext;
    const acts = ctx.lead.activities;
    const days = activityDaysOf(ctx);
    const limit = within ?? Number.POSITIVE_INFINITY; // compileRuleSet fills in the behaviour window
    let n = 0;
    for (let i = 0; i < acts.length; i++) {
      const a = acts[i]!;
      const ago = ctx.today - days[i]!;
      // "The last 30 days" includes day 30 and excludes day 31 (calendar days in the rule set's zone).
      if (!(ago >= 0 && ago <= limit)) continue;
      if (types && !types.has(a.type)) continue;
      if (page !== undefined && a.page !== page) continue;
      n++;
    }
    return n;
  };
}
