import { createHash } from 'node:crypto';
import type { Condition, Rule, RuleSet } from '../config/rule-set-schema.ts';
import type { Reason } from '../domain/decision.ts';
import type { SlaDuration } from '../sla/sla-config.ts';
import { type CompiledCondition, compileCondition } from './conditions.ts';
import { parseHoldDuration } from './hold-expiry.ts';
import {
  type AttributeScorer,
  type BehaviourScorer,
  compileAttributeScore,
  compileBehaviourScore,
} from './scores.ts';
import { frozenReason } from './shared-reasons.ts';
import type { SpecialisedDecide } from './specialised-decide.ts';
import { dateToDay, zoneOffsetMs } from './time.ts';

export interface CompiledRule {
  rule: Rule;
  when: CompiledCondition;
  /** Parsed `holdExpiresAfter` (hold rules only). */
  holdExpiresAfter?: SlaDuration;
  /** The rule's `intent.when`: its outcome applies only when this holds (intent-floor.ts). */
  intent?: CompiledCondition;
  /** Threshold names its conditions (and intent) compare with: an override of one is named in the reasons. */
  thresholdNames: ReadonlySet<string>;
}

export interface ActiveOverride {
  id: string;
  label: string;
  to: string;
  thresholds: Readonly<Record<string, number>>;
  /** The names in `thresholds`. */
  thresholdNames: readonly string[];
  /** `override.active` naming this override, shared by every decision it lowered the bar for. */
  reason: Reason;
}

/** A validated rule set turned into closures once, so `decide` does no parsing or lookups by name. */
export interface CompiledRuleSet {
  source: RuleSet;
  /** Content hash: changes whenever anything that can change a decision changes. */
  version: string;
  rules: CompiledRule[];
  /** Conditions of the rules with `explainWhenNotMet`, explained when no rule matched. */
  explainWhenNotMet: CompiledCondition[];
  /** Parsed `missingData.holdExpiresAfter`. */
  missingDataHoldExpiresAfter?: SlaDuration;
  attribute: AttributeScorer;
  behaviour: BehaviourScorer;
  /** Thresholds in force on a local day, with the overrides that changed them. */
  thresholdsOn(day: number): {
    thresholds: Readonly<Record<string, number>>;
    overrides: readonly ActiveOverride[];
  };
  /** UTC offset of the rule set's zone at an instant (cached per hour, zones change offset on the hour). */
  offsetAt(epochMs: number): number;
  /**
   * `YYYY-MM-DD` (UTC) before which no activity can matter at `epochMs`: the longest look-back of
   * any score or condition plus two days of margin for time zones. Lets the engine skip parsing
   * old activity timestamps with a string comparison.
   */
  activityCutoff(epochMs: number): string;
  /**
   * The rule set's own decide function (specialised-decide.ts), built on the first `decide` and kept
   * here; `null` when the rule set uses something it does not specialise (the generic path decides).
   */
  specialised: SpecialisedDecide | null | undefined;
}

export function compileRuleSet(rs: RuleSet): CompiledRuleSet {
  const window = rs.behaviourScore.windowDays;
  const rules = rs.rules.map((rule): CompiledRule => {
    const thresholdNames = new Set<string>();
    collectThresholds(rule.when, thresholdNames);
    if (rule.intent) collectThresholds(rule.intent.when, thresholdNames);
    const compiled: CompiledRule = {
      rule,
      when: compileCondition(withDefaults(rule.when, window)),
      thresholdNames,
    };
    const expiry = rule.flag === 'hold' ? parseHoldDuration(rule.holdExpiresAfter) : undefined;
    if (expiry) compiled.holdExpiresAfter = expiry;
    if (rule.intent) compiled.intent = compileCondition(withDefaults(rule.intent.when, window));
    return compiled;
  });
  const missingDataExpiry =
    rs.missingData.flag === 'hold' ? parseHoldDuration(rs.missingData.holdExpiresAfter) : undefined;
  const overrides = rs.overrides.map((o) => ({ ...o, fromDay: dateToDay(o.from), toDay: dateToDay(o.to) }));

  let cachedDay = Number.NaN;
  let cachedThresholds: ReturnType<CompiledRuleSet['thresholdsOn']> = {
    thresholds: rs.thresholds,
    overrides: [],
  };
  let cachedHour = Number.NaN;
  const offsets = new Map<number, number>();
  let cachedOffset = 0;
  const lookbackDays = Math.max(
    window,
    ...rules.map(({ rule }) =>
      Math.max(longestWithin(rule.when), rule.intent ? longestWithin(rule.intent.when) : 0),
    ),
  );
  let cachedCutoffDay = Number.NaN;
  let cachedCutoff = '';

  return {
    source: rs,
    version: ruleSetVersion(rs),
    rules,
    explainWhenNotMet: rules.filter((r) => r.rule.explainWhenNotMet).map((r) => r.when),
    ...(missingDataExpiry ? { missingDataHoldExpiresAfter: missingDataExpiry } : {}),
    specialised: undefined,
    attribute: compileAttributeScore(rs.attributeScore),
    behaviour: compileBehaviourScore(rs.behaviourScore),
    thresholdsOn(day) {
      if (day === cachedDay) return cachedThresholds;
      const active = overrides.filter((o) => day >= o.fromDay && day <= o.toDay);
      const thresholds = { ...rs.thresholds };
      // Later overrides win where two overlap; both are listed as active.
      for (const o of active) Object.assign(thresholds, o.thresholds);
      cachedDay = day;
      cachedThresholds = {
        thresholds,
        overrides: active.map((o) => ({
          id: o.id,
          label: o.label,
          to: o.to,
          thresholds: o.thresholds,
          thresholdNames: Object.keys(o.thresholds),
          reason: frozenReason({
            code: 'override.active',
            params: { override: o.id, label: o.label, to: o.to },
          }),
        })),
      };
      return cachedThresholds;
    },
    activityCutoff(epochMs) {
      const day = Math.floor(epochMs / 86_400_000);
      if (day !== cachedCutoffDay) {
        cachedCutoff = new Date((day - lookbackDays - 2) * 86_400_000).toISOString().slice(0, 10);
        cachedCutoffDay = day;
      }
      return cachedCutoff;
    },
    offsetAt(epochMs) {
      const hour = Math.floor(epochMs / 3_600_000);
      if (hour !== cachedHour) {
        // Re-checks decide one lead at many hours: remember hours, not only the last one.
        let offset = offsets.get(hour);
        if (offset === undefined) {
          offset = zoneOffsetMs(new Date(epochMs), rs.timeZone);
          if (offsets.size >= 8192) offsets.clear();
          offsets.set(hour, offset);
        }
        cachedOffset = offset;
        cachedHour = hour;
      }
      return cachedOffset;
    },
  };
}

function collectThresholds(c: Condition, out: Set<string>): void {
  if ('all' in c) for (const x of c.all) collectThresholds(x, out);
  else if ('any' in c) for (const x of c.any) collectThresholds(x, out);
  else if ('not' in c) collectThresholds(c.not, out);
  else if (c.threshold) out.add(c.threshold);
}

function longestWithin(c: Condition): number {
  if ('all' in c) return Math.max(0, ...c.all.map(longestWithin));
  if ('any' in c) return Math.max(0, ...c.any.map(longestWithin));
  if ('not' in c) return longestWithin(c.not);
  return c.withinDays ?? 0;
}

/** `activities.count` without `withinDays` counts over the behaviour window. */
function withDefaults(c: Condition, window: number): Condition {
  if ('all' in c) return { all: c.all.map((x) => withDefaults(x, window)) };
  if ('any' in c) return { any: c.any.map((x) => withDefaults(x, window)) };
  if ('not' in c) return { not: withDefaults(c.not, window) };
  if (c.fact === 'activities.count' && c.withinDays === undefined) return { ...c, withinDays: window };
  return c;
}

export function ruleSetVersion(rs: RuleSet): string {
  // Message templates only change wording, not decisions, so they do not change the version.
  const { messages: _messages, description: _description, ...decisive } = rs;
  return createHash('sha256').update(stableJson(decisive)).digest('hex').slice(0, 12);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
