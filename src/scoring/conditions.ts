import type { Condition, LeafCondition } from '../config/rule-set-schema.ts';
import type { Reason } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import {
  type ConditionPlan,
  FALSE,
  groupPlan,
  leafPlan,
  planValue,
  TRUE,
  type Tri,
  testPlan,
  UNKNOWN,
} from './condition-plan.ts';
import { type EvalContext, FACTS, type FactType, type FactValue } from './facts.ts';
import { SharedComparisonReasons, SharedReasons } from './shared-reasons.ts';

/**
 * Conditions compile once per rule set into a plan (condition-plan.ts: tested by one switch, no
 * closure per node on the hot path) and, around it, the explanation of each node — taken only for
 * the rules a decision names. Evaluation is three-valued so that missing input is never mistaken
 * for a "no": TRUE, FALSE, or UNKNOWN (the rule could match with more data).
 */
export { FALSE, TRUE, type Tri, UNKNOWN };

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
  /** The same, when the caller already knows how this node came out (`result`): no re-test. */
  explainAs(ctx: DecisionContext, out: Reason[], result: Tri): void;
  /** Every leaf, for `tossup explain` and the rules page. */
  leaves: CompiledLeaf[];
  plan: ConditionPlan;
}

export interface CompiledLeaf extends CompiledCondition {
  spec: LeafCondition;
  type: FactType;
  value(ctx: DecisionContext): FactValue;
  expected(ctx: DecisionContext): string | number | boolean | ReadonlyArray<string | number | boolean>;
  /**
   * The reason for a known TRUE/FALSE from the fact's value (as `value` reads it) and, for a
   * threshold comparison, the threshold in force: what `explainAs` pushes, for callers that hold
   * the values without a context (the specialised decide, specialised-decide.ts).
   */
  reasonFor(met: boolean, value: FactValue, threshold: number, lead: Lead): Reason;
  /** Lead paths reported missing when the leaf is UNKNOWN (`undefined`: the attribute score's missing inputs). */
  missingFields: readonly string[] | undefined;
}

export function compileCondition(cond: Condition): CompiledCondition {
  if ('all' in cond) return compileAll(cond.all.map(compileCondition));
  if ('any' in cond) return compileAny(cond.any.map(compileCondition));
  if ('not' in cond) return compileNot(compileCondition(cond.not));
  return compileLeaf(cond);
}

function compileAll(children: CompiledCondition[]): CompiledCondition {
  const plan = groupPlan(
    'all',
    children.map((c) => c.plan),
  );
  const test = (ctx: DecisionContext): Tri => testPlan(plan, ctx);
  const explainAs = (ctx: DecisionContext, out: Reason[], r: Tri): void => {
    // FALSE: only the failing parts matter; UNKNOWN: what is missing first, then what already holds.
    if (r === FALSE) {
      for (const ch of children) if (ch.test(ctx) === FALSE) ch.explainAs(ctx, out, FALSE);
    } else if (r === UNKNOWN) {
      for (const ch of children) if (ch.test(ctx) === UNKNOWN) ch.explainAs(ctx, out, UNKNOWN);
      for (const ch of children) if (ch.test(ctx) === TRUE) ch.explainAs(ctx, out, TRUE);
    } else for (const ch of children) ch.explainAs(ctx, out, TRUE); // all of them hold
  };
  return {
    test,
    plan,
    leaves: children.flatMap((c) => c.leaves),
    explain: (ctx, out) => explainAs(ctx, out, test(ctx)),
    explainAs,
  };
}

function compileAny(children: CompiledCondition[]): CompiledCondition {
  const plan = groupPlan(
    'any',
    children.map((c) => c.plan),
  );
  const test = (ctx: DecisionContext): Tri => testPlan(plan, ctx);
  // The children that came out as the whole did (all failed, the one that holds, the unknown ones).
  const explainAs = (ctx: DecisionContext, out: Reason[], r: Tri): void => {
    for (const ch of children) if (ch.test(ctx) === r) ch.explainAs(ctx, out, r);
  };
  return {
    test,
    plan,
    leaves: children.flatMap((c) => c.leaves),
    explain: (ctx, out) => explainAs(ctx, out, test(ctx)),
    explainAs,
  };
}

function compileNot(inner: CompiledCondition): CompiledCondition {
  const plan = groupPlan('not', [inner.plan]);
  return {
    test: (ctx) => testPlan(plan, ctx),
    plan,
    leaves: inner.leaves,
    explain: (ctx, out) => inner.explain(ctx, out),
    explainAs: (ctx, out, r) =>
      inner.explainAs(ctx, out, r === UNKNOWN ? UNKNOWN : r === TRUE ? FALSE : TRUE),
  };
}

function compileLeaf(spec: LeafCondition): CompiledLeaf {
  const def = FACTS[spec.fact];
  if (!def) throw new Error(`unknown fact ${spec.fact}`); // validate-rule-set reports this with a line first
  const plan = leafPlan(spec);
  const thresholdName = spec.threshold;
  const value = (ctx: DecisionContext): FactValue => planValue(plan, ctx);
  const expected = (ctx: DecisionContext) =>
    thresholdName !== undefined ? (ctx.thresholds[thresholdName] ?? Number.NaN) : spec.value!;
  const test = (ctx: DecisionContext): Tri => testPlan(plan, ctx);
  // Reason codes built once, not per explanation.
  const metCode = `${spec.fact}.met`;
  const notMetCode = `${spec.fact}.not_met`;
  const missingFields = spec.fact === 'score.attribute' ? undefined : [def.source];
  // A literal's expected value as shown (a list joined) is the same for every lead.
  const literalShown = thresholdName === undefined ? display(spec.value) : '';
  const params = (value: string | number, expected: string | number, title: string | undefined) => {
    const out: Record<string, string | number> = { op: spec.op, value, expected };
    if (thresholdName !== undefined) out.threshold = thresholdName;
    // Sales recognise the title as written, not the rank it was mapped to.
    if (title !== undefined) out.title = title;
    if (spec.fact === 'activities.count') {
      out.days = spec.withinDays ?? 0;
      if (spec.types) out.types = spec.types.join(',');
      if (spec.page) out.page = spec.page;
    }
    return out;
  };
  // The title is the lead's own text: those reasons are built per decision; every other one is
  // determined by (met, value, expected) and shared (shared-reasons.ts).
  const withTitle = spec.fact === 'person.titleRank';
  const shared = withTitle
    ? undefined
    : new SharedComparisonReasons((met, v, e) => ({
        code: met ? metCode : notMetCode,
        params: params(v, e, undefined),
      }));

  const leaf: CompiledLeaf = {
    spec,
    type: def.type,
    value,
    expected,
    test,
    plan,
    leaves: [],
    missingFields,
    explain: (ctx, out) => leaf.explainAs(ctx, out, test(ctx)),
    explainAs(ctx, out, r) {
      if (r === UNKNOWN) {
        pushMissing(ctx.lead, missingFields ?? ctx.attribute.missing, out);
        return;
      }
      const threshold = thresholdName !== undefined ? (ctx.thresholds[thresholdName] ?? Number.NaN) : 0;
      out.push(leaf.reasonFor(r === TRUE, value(ctx), threshold, ctx.lead));
    },
    reasonFor(met, v, threshold, lead) {
      const shownValue = display(v);
      const shownExpected = thresholdName !== undefined ? display(threshold) : literalShown;
      return shared
        ? shared.get(met, shownValue, shownExpected)
        : {
            code: met ? metCode : notMetCode,
            params: params(shownValue, shownExpected, lead.person.title ?? ''),
          };
    },
  };
  leaf.leaves = [leaf];
  return leaf;
}

function display(v: unknown): string | number {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v as string | number;
}

/** Missing input becomes a reason; a value that failed to parse says so and shows what was there. */
export function pushMissing(lead: Lead, fields: readonly string[], out: Reason[]): void {
  for (const field of fields) {
    if (out.some((r) => r.params.field === field)) continue;
    const issue = lead.dataIssues.find((i) => i.field === field);
    out.push(
      issue ? { code: 'invalid', params: { field, raw: issue.raw } } : MISSING.get(field, missingReason),
    );
  }
}

/** "Missing: X" says nothing about the lead but the field: one shared reason per field. */
const MISSING = new SharedReasons<string>();
const missingReason = (field: string): Reason => ({ code: 'missing', params: { field } });
