import type { Rule } from '../config/rule-set-schema.ts';
import type { DecidedOwner, Decision, Reason } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import type { BusinessCalendar } from '../sla/business-calendar.ts';
import type { SlaDuration } from '../sla/sla-config.ts';
import type { CompiledRuleSet } from './compile-rule-set.ts';
import { type DecisionContext, FALSE, type Tri, UNKNOWN } from './conditions.ts';
import { defaultHoldCalendar, holdExpiredReason, holdExpiresAt, toEpochMs } from './hold-expiry.ts';
import { applyIntentFloor } from './intent-floor.ts';
import { isoToEpochMs, localDay } from './time.ts';

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
 */
export function decide(
  lead: Lead,
  rules: CompiledRuleSet,
  now: Date | number,
  options: DecideOptions = {},
): Decision {
  return evaluate(lead, rules, now, options).decision;
}

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

export function evaluate(
  lead: Lead,
  rules: CompiledRuleSet,
  now: Date | number,
  options: DecideOptions,
): Evaluation {
  const ctx = buildContext(lead, rules, typeof now === 'number' ? now : now.getTime());
  // Quota notes are rare; the array is only allocated when one is needed.
  let notes: Reason[] | undefined;
  for (const compiled of rules.rules) {
    const { rule, when, holdExpiresAfter } = compiled;
    const r = when.test(ctx);
    if (r === FALSE) continue;
    if (r === UNKNOWN) {
      if (rule.onMissing === 'skip') continue;
      const reasons: Reason[] = notes ? [...notes] : [];
      when.explain(ctx, reasons);
      const held = done(ctx, rules, rule.id, rules.source.missingData, undefined, reasons, true);
      return expireHold(held, rules, rules.missingDataHoldExpiresAfter, options);
    }
    if (rule.quotaPerMonth !== undefined && options.quotaUsed) {
      const requester = lead.manualRequest?.requestedBy ?? null;
      const used = options.quotaUsed(rule.id, requester);
      if (used >= rule.quotaPerMonth) {
        if (!notes) notes = [];
        notes.push({
          code: 'quota.exceeded',
          params: { rule: rule.id, used, quota: rule.quotaPerMonth },
        });
        continue;
      }
    }
    const matched: Reason[] = notes ? [...notes] : [];
    when.explain(ctx, matched);
    // The owner holds either way; the outcome only when the lead shows intent (intent-floor.ts).
    const { outcome, reasons } = applyIntentFloor(compiled, ctx, matched);
    if (rules.source.overrides.length > 0) addOverrideReasons(ctx, rules, rule, reasons);
    const decided = done(ctx, rules, rule.id, outcome, ownerFor(rule, lead), reasons, false);
    return holdExpiresAfter ? expireHold(decided, rules, holdExpiresAfter, options) : decided;
  }
  const reasons: Reason[] = notes ? [...notes] : [];
  for (const { rule, when } of rules.rules) if (rule.explainWhenNotMet) when.explain(ctx, reasons);
  if (reasons.length === 0) reasons.push({ code: 'otherwise', params: {} });
  return done(ctx, rules, 'otherwise', rules.source.otherwise, undefined, reasons, false);
}

export function buildContext(lead: Lead, rules: CompiledRuleSet, nowMs: number): DecisionContext {
  const offsetMs = rules.offsetAt(nowMs);
  const today = localDay(nowMs, offsetMs);
  const acts = lead.activities;
  const activityDays = new Array<number>(acts.length);
  const cutoff = rules.activityCutoff(nowMs);
  for (let i = 0; i < acts.length; i++) {
    const at = acts[i]!.at;
    // ISO timestamps sort as strings: anything before the cutoff date is too old to count.
    if (at < cutoff) {
      activityDays[i] = Number.NaN;
      continue;
    }
    const t = isoToEpochMs(at);
    // Activity after `now` did not happen yet as far as this decision is concerned (replays, skew).
    activityDays[i] = t <= nowMs ? localDay(t, offsetMs) : Number.NaN;
  }
  const { thresholds } = rules.thresholdsOn(today);
  const ctx: DecisionContext = {
    lead,
    attribute: { value: 0, max: 0, missing: [] },
    behaviour: undefined,
    nowMs,
    today,
    offsetMs,
    thresholds,
    activityDays,
  };
  rules.attribute.score(ctx);
  ctx.behaviour = rules.behaviour(ctx);
  return ctx;
}

function done(
  ctx: DecisionContext,
  rules: CompiledRuleSet,
  ruleId: string,
  outcome: Pick<Rule, 'flag' | 'nextAction' | 'priority'>,
  owner: DecidedOwner | undefined,
  reasons: Reason[],
  held: boolean,
): Evaluation {
  const missing = held
    ? reasons.filter((r) => r.code === 'missing' || r.code === 'invalid').map((r) => String(r.params.field))
    : [];
  const decision: Decision = {
    leadId: ctx.lead.id,
    flag: outcome.flag,
    nextAction: outcome.nextAction,
    priority: outcome.priority,
    scores: { attribute: ctx.attribute.value, behaviour: ctx.behaviour ?? null },
    reasons,
    ruleId,
    missing,
    rulesVersion: rules.version,
    decidedAt: isoOf(ctx.nowMs),
  };
  if (owner) decision.owner = owner;
  return { decision, ctx };
}

/** A hold that has lasted its rule's `holdExpiresAfter` becomes the nurture outcome. */
function expireHold(
  ev: Evaluation,
  rules: CompiledRuleSet,
  after: SlaDuration | undefined,
  options: DecideOptions,
): Evaluation {
  if (after === undefined || options.holdSince === undefined || ev.decision.flag !== 'hold') return ev;
  const sinceMs = toEpochMs(options.holdSince);
  if (Number.isNaN(sinceMs)) return ev;
  const calendar = options.calendar ?? defaultHoldCalendar(rules.source.timeZone);
  const untilMs = holdExpiresAt(sinceMs, after, calendar);
  if (untilMs > ev.ctx.nowMs) return ev;
  const { owner: _owner, ...held } = ev.decision;
  const decision: Decision = {
    ...held,
    flag: 'no',
    nextAction: 'nurture',
    priority: 'low',
    reasons: [holdExpiredReason(ev.decision.ruleId, sinceMs, untilMs, calendar), ...held.reasons],
    missing: [],
  };
  return { decision, ctx: ev.ctx };
}

function ownerFor(rule: Rule, lead: Lead): DecidedOwner | undefined {
  const spec = rule.owner;
  if (spec === undefined) return undefined;
  if (spec === 'account_owner') {
    const id = lead.company.accountOwnerId;
    return id ? { kind: 'account_owner', id } : undefined;
  }
  if (spec === 'requester') {
    const id = lead.manualRequest?.requestedBy;
    return id ? { kind: 'requester', id } : undefined;
  }
  return { kind: 'queue', queue: spec.queue };
}

/** Sales should know when a lead passed only because a campaign lowered the bar. */
function addOverrideReasons(ctx: DecisionContext, rules: CompiledRuleSet, rule: Rule, out: Reason[]): void {
  const { overrides } = rules.thresholdsOn(ctx.today);
  if (overrides.length === 0) return;
  const used = new Set<string>();
  collectThresholds(rule.when, used);
  if (rule.intent) collectThresholds(rule.intent.when, used);
  for (const o of overrides) {
    if (Object.keys(o.thresholds).some((t) => used.has(t))) {
      out.push({ code: 'override.active', params: { override: o.id, label: o.label, to: o.to } });
    }
  }
}

function collectThresholds(c: Rule['when'], out: Set<string>): void {
  if ('all' in c) for (const x of c.all) collectThresholds(x, out);
  else if ('any' in c) for (const x of c.any) collectThresholds(x, out);
  else if ('not' in c) collectThresholds(c.not, out);
  else if (c.threshold) out.add(c.threshold);
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
