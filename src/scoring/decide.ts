import type { Rule } from '../config/rule-set-schema.ts';
import type { DecidedOwner, Decision, Reason } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import type { BusinessCalendar } from '../sla/business-calendar.ts';
import type { CompiledRuleSet } from './compile-rule-set.ts';
import { testPlan } from './condition-plan.ts';
import { type DecisionContext, FALSE, type Tri, UNKNOWN } from './conditions.ts';
import {
  addOverrideReasons,
  decisionOf,
  expireHold,
  OTHERWISE,
  ownerFor,
  quotaExceeded,
} from './decision-parts.ts';
import { explainIntent, intentOutcome, type Outcome } from './intent-floor.ts';
import { specialiseDecide } from './specialised-decide.ts';
import { localDay } from './time.ts';

export interface DecideOptions {
  /**
   * How many times `ruleId` already fired this month for this requester; rules with a monthly quota
   * (manual requests) stop matching when it is used up. Omit to ignore quotas.
   */
  quotaUsed?: (ruleId: string, requester: string | null) => number;
  /**
   * Since when the lead has been on hold without a break (see `hold-expiry.ts`). A hold whose rule
   * (or `missingData`) has `holdExpiresAfter` and that has lasted that long by `now` becomes
   * `no` / `nurture` with a `hold.expired` reason. Omit: no hold expires.
   */
  holdSince?: Date | number | string;
  /** The calendar `businessDays` of `holdExpiresAfter` count on (default: `defaultHoldCalendar`). */
  calendar?: BusinessCalendar;
}

/**
 * The toss-up decision for one lead at one instant. Pure: the same lead, rules and `now` always
 * give the same decision, and no input, however broken, makes it throw — missing or unparseable
 * data ends as `hold` with reasons naming what is missing.
 *
 * The hot path of a million-lead pass: it allocates only what it returns (the decision, its
 * reasons and owner). It runs the rule set's specialised function (specialised-decide.ts: generated
 * once per compiled rule set, kept on it), which decides exactly as the generic interpreter
 * (`decideGeneric`) in straight-line code; a nested call (e.g. from a quota callback) and a rule set
 * the generator does not handle go through the generic path.
 */
export function decide(
  lead: Lead,
  rules: CompiledRuleSet,
  now: Date | number,
  options: DecideOptions = NO_OPTIONS,
): Decision {
  let specialised = rules.specialised;
  if (specialised === undefined) {
    specialised = specialiseDecide(rules) ?? null;
    rules.specialised = specialised;
  }
  if (specialised === null || scratchInUse) return decideGeneric(lead, rules, now, options);
  scratchInUse = true;
  try {
    return specialised(lead, typeof now === 'number' ? now : now.getTime(), options, reasonScratch);
  } finally {
    scratchInUse = false;
    // Emptied by popping: the array keeps its capacity for the next lead and holds no reason alive.
    while (reasonScratch.length > 0) reasonScratch.pop();
  }
}

/**
 * The same decision taken by the generic interpreter (plans tested by a switch, reasons explained
 * through each condition's closures, the working state in one reused context) rather than by the
 * rule set's specialised function: the reference the specialised one is tested against
 * (test/scoring/specialised-decide.test.ts), and the path of a rule set it does not specialise and
 * of a decision taken inside another (a quota callback deciding), which gets its own context.
 */
export function decideGeneric(
  lead: Lead,
  rules: CompiledRuleSet,
  now: Date | number,
  options: DecideOptions = NO_OPTIONS,
): Decision {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  if (scratchInUse) return decideIn(buildContext(lead, rules, nowMs), rules, options, []);
  scratchInUse = true;
  try {
    return decideIn(fillContext(scratch, lead, rules, nowMs), rules, options, reasonScratch);
  } finally {
    scratchInUse = false;
    while (reasonScratch.length > 0) reasonScratch.pop();
  }
}

const NO_OPTIONS: DecideOptions = Object.freeze({});

export interface RuleTrace {
  rule: Rule;
  result: Tri;
  /** Why the rule came out this way (met, unmet or missing conditions). */
  reasons: Reason[];
  skippedByQuota: boolean;
}

export interface Evaluation {
  decision: Decision;
  ctx: DecisionContext;
}

/** The decision with the context it was taken in (its own, not the reused one): for `tossup explain`. */
export function evaluate(
  lead: Lead,
  rules: CompiledRuleSet,
  now: Date | number,
  options: DecideOptions,
): Evaluation {
  const ctx = buildContext(lead, rules, typeof now === 'number' ? now : now.getTime());
  return { decision: decideIn(ctx, rules, options, []), ctx };
}

/**
 * `reasons` is an empty array the explanations are written to; the decision gets an exact-size copy
 * (an array grown by pushes carries room for 17), so it may be a buffer reused from lead to lead.
 */
function decideIn(
  ctx: DecisionContext,
  rules: CompiledRuleSet,
  options: DecideOptions,
  reasons: Reason[],
): Decision {
  const lead = ctx.lead;
  // Quota notes are rare; the array is only allocated when one is needed.
  let notes: Reason[] | undefined;
  const compiledRules = rules.rules;
  for (let i = 0; i < compiledRules.length; i++) {
    const compiled = compiledRules[i]!;
    const { rule, when, holdExpiresAfter } = compiled;
    // The plan directly: one inlined switch rather than a call through each rule's closure.
    const r = testPlan(when.plan, ctx);
    if (r === FALSE) continue;
    if (r === UNKNOWN) {
      if (rule.onMissing === 'skip') continue;
      if (notes) for (const note of notes) reasons.push(note);
      when.explainAs(ctx, reasons, UNKNOWN);
      const held = done(ctx, rules, rule.id, rules.source.missingData, undefined, reasons, true);
      return expireHold(held, ctx.nowMs, rules, rules.missingDataHoldExpiresAfter, options);
    }
    if (rule.quotaPerMonth !== undefined && options.quotaUsed) {
      const note = quotaExceeded(rule, lead, options);
      if (note) {
        if (!notes) notes = [];
        notes.push(note);
        continue;
      }
    }
    // The owner holds either way; the outcome only when the lead shows intent (intent-floor.ts).
    const outcome = intentOutcome(compiled, ctx, reasons);
    if (notes) for (const note of notes) reasons.push(note);
    when.explainAs(ctx, reasons, r);
    explainIntent(compiled, ctx, reasons);
    if (rules.source.overrides.length > 0) addOverrideReasons(ctx.today, rules, compiled, reasons);
    const decided = done(ctx, rules, rule.id, outcome, ownerFor(rule, lead), reasons, false);
    return holdExpiresAfter ? expireHold(decided, ctx.nowMs, rules, holdExpiresAfter, options) : decided;
  }
  if (notes) for (const note of notes) reasons.push(note);
  const unmet = rules.explainWhenNotMet;
  for (let i = 0; i < unmet.length; i++) unmet[i]!.explain(ctx, reasons);
  if (reasons.length === 0) reasons.push(OTHERWISE);
  return done(ctx, rules, 'otherwise', rules.source.otherwise, undefined, reasons, false);
}

/** A fresh context for one lead at one instant (explain, score details, re-check planning). */
export function buildContext(lead: Lead, rules: CompiledRuleSet, nowMs: number): DecisionContext {
  const ctx: DecisionContext = {
    lead,
    attribute: { value: 0, max: 0, missing: NO_FIELDS },
    behaviour: undefined,
    nowMs,
    today: 0,
    offsetMs: 0,
    thresholds: rules.source.thresholds,
    activityCutoff: '',
    activityDays: undefined,
  };
  return fillContext(ctx, lead, rules, nowMs);
}

/** The context's per-lead values: scores computed, activity days left for first use. */
function fillContext(
  ctx: DecisionContext,
  lead: Lead,
  rules: CompiledRuleSet,
  nowMs: number,
): DecisionContext {
  const offsetMs = rules.offsetAt(nowMs);
  const today = localDay(nowMs, offsetMs);
  ctx.lead = lead;
  ctx.nowMs = nowMs;
  ctx.offsetMs = offsetMs;
  ctx.today = today;
  ctx.thresholds = rules.thresholdsOn(today).thresholds;
  ctx.activityCutoff = rules.activityCutoff(nowMs);
  ctx.activityDays = undefined;
  rules.attribute.score(ctx);
  ctx.behaviour = rules.behaviour(ctx);
  return ctx;
}

const NO_FIELDS: readonly string[] = Object.freeze([]);

/** The engine's reused context and whether a call is using it now. */
let scratchInUse = false;
const scratch: DecisionContext = {
  lead: undefined as unknown as Lead,
  attribute: { value: 0, max: 0, missing: NO_FIELDS },
  behaviour: undefined,
  nowMs: 0,
  today: 0,
  offsetMs: 0,
  thresholds: {},
  activityCutoff: '',
  activityDays: undefined,
  dayBuffer: [],
};
const reasonScratch: Reason[] = [];

function done(
  ctx: DecisionContext,
  rules: CompiledRuleSet,
  ruleId: string,
  outcome: Outcome,
  owner: DecidedOwner | undefined,
  reasons: Reason[],
  held: boolean,
): Decision {
  return decisionOf(
    ctx.lead.id,
    outcome,
    ruleId,
    ctx.attribute.value,
    ctx.behaviour,
    reasons,
    held,
    rules.version,
    isoOf(ctx.nowMs),
    owner,
  );
}

let lastIsoMs = Number.NaN;
let lastIso = '';
function isoOf(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}
