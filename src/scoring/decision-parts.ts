import type { Rule } from '../config/rule-set-schema.ts';
import type { DecidedOwner, Decision, Reason } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import type { SlaDuration } from '../sla/sla-config.ts';
import type { CompiledRule, CompiledRuleSet } from './compile-rule-set.ts';
import type { DecideOptions } from './decide.ts';
import { defaultHoldCalendar, holdExpiredReason, holdExpiresAt, toEpochMs } from './hold-expiry.ts';
import type { Outcome } from './intent-floor.ts';
import { frozenReason } from './shared-reasons.ts';
import { scoresOf } from './shared-scores.ts';

/**
 * The parts a decision is built from once its rule is known — the decision object, the owner, a
 * quota note, override reasons, hold expiry — shared by the generic interpreter (decide.ts) and the
 * rule set's specialised function (specialised-decide.ts), so both build the same decisions.
 */

const NO_FIELDS: readonly string[] = Object.freeze([]);

/** The reason of a decision no rule explains. */
export const OTHERWISE = frozenReason({ code: 'otherwise', params: {} });

/**
 * The decision object, for the generic and the specialised decide alike (one function, so both
 * build the same two shapes). `reasons` may be a reused buffer: the decision gets an exact-size copy.
 */
export function decisionOf(
  leadId: string,
  outcome: Outcome,
  ruleId: string,
  attribute: number,
  behaviour: number | undefined,
  reasons: Reason[],
  held: boolean,
  rulesVersion: string,
  decidedAt: string,
  owner: DecidedOwner | undefined,
): Decision {
  // Nothing missing is the same empty list for every decision (read-only, so it can be shared).
  const missing = held
    ? reasons.filter((r) => r.code === 'missing' || r.code === 'invalid').map((r) => String(r.params.field))
    : NO_FIELDS;
  const scores = scoresOf(attribute, behaviour ?? null);
  const own = reasons.slice();
  // One literal per shape: adding `owner` afterwards would allocate a property store per decision.
  if (owner) {
    return {
      leadId,
      flag: outcome.flag,
      nextAction: outcome.nextAction,
      priority: outcome.priority,
      scores,
      reasons: own,
      ruleId,
      missing,
      rulesVersion,
      decidedAt,
      owner,
    };
  }
  return {
    leadId,
    flag: outcome.flag,
    nextAction: outcome.nextAction,
    priority: outcome.priority,
    scores,
    reasons: own,
    ruleId,
    missing,
    rulesVersion,
    decidedAt,
  };
}

/** The note that a rule's monthly quota is used up for this lead's requester, or undefined. */
export function quotaExceeded(rule: Rule, lead: Lead, options: DecideOptions): Reason | undefined {
  if (rule.quotaPerMonth === undefined || !options.quotaUsed) return undefined;
  const requester = lead.manualRequest?.requestedBy ?? null;
  const used = options.quotaUsed(rule.id, requester);
  if (!(used >= rule.quotaPerMonth)) return undefined;
  return { code: 'quota.exceeded', params: { rule: rule.id, used, quota: rule.quotaPerMonth } };
}

/** A hold that has lasted its rule's `holdExpiresAfter` becomes the nurture outcome. */
export function expireHold(
  decided: Decision,
  nowMs: number,
  rules: CompiledRuleSet,
  after: SlaDuration | undefined,
  options: DecideOptions,
): Decision {
  if (after === undefined || options.holdSince === undefined || decided.flag !== 'hold') return decided;
  const sinceMs = toEpochMs(options.holdSince);
  if (Number.isNaN(sinceMs)) return decided;
  const calendar = options.calendar ?? defaultHoldCalendar(rules.source.timeZone);
  const untilMs = holdExpiresAt(sinceMs, after, calendar);
  if (untilMs > nowMs) return decided;
  const { owner: _owner, ...held } = decided;
  return {
    ...held,
    flag: 'no',
    nextAction: 'nurture',
    priority: 'low',
    reasons: [holdExpiredReason(decided.ruleId, sinceMs, untilMs, calendar), ...held.reasons],
    missing: [],
  };
}

export function ownerFor(rule: Rule, lead: Lead): DecidedOwner | undefined {
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
  let owner = QUEUE_OWNERS.get(spec.queue);
  if (owner === undefined) {
    owner = Object.freeze({ kind: 'queue', queue: spec.queue });
    QUEUE_OWNERS.set(spec.queue, owner);
  }
  return owner;
}

/** A queue owner says nothing but the queue's name: one shared, read-only object per queue. */
const QUEUE_OWNERS = new Map<string, DecidedOwner>();

/** Sales should know when a lead passed only because a campaign lowered the bar. */
export function addOverrideReasons(
  today: number,
  rules: CompiledRuleSet,
  compiled: CompiledRule,
  out: Reason[],
): void {
  const { overrides } = rules.thresholdsOn(today);
  if (overrides.length === 0) return;
  const used = compiled.thresholdNames;
  for (const o of overrides) if (o.thresholdNames.some((t) => used.has(t))) out.push(o.reason);
}
