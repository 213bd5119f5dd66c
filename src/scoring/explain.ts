import type { Decision, Reason } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import type { CompiledRuleSet } from './compile-rule-set.ts';
import { type CompiledCondition, FALSE, TRUE, type Tri } from './conditions.ts';
import { buildContext, type DecideOptions, evaluate } from './decide.ts';

export interface RuleExplanation {
  id: string;
  description: string | undefined;
  result: 'met' | 'not_met' | 'unknown';
  /** True for the rule that decided; rules after it were evaluated for information only. */
  decisive: boolean;
  conditions: Array<{
    fact: string;
    op: string;
    value: unknown;
    expected: unknown;
    result: 'met' | 'not_met' | 'unknown';
  }>;
  reasons: Reason[];
  /** The rule's intent floor (`intent:`), evaluated like its conditions; absent when it has none. */
  intent?: { result: RuleExplanation['result']; conditions: RuleExplanation['conditions'] };
}

export interface Explanation {
  decision: Decision;
  attribute: {
    value: number;
    max: number;
    groups: Array<{ group: string; points: number; missing: boolean }>;
  };
  behaviour: number | null;
  thresholds: Readonly<Record<string, number>>;
  activeOverrides: string[];
  rules: RuleExplanation[];
}

const word = (t: Tri) =>
  (t === TRUE ? 'met' : t === FALSE ? 'not_met' : 'unknown') as RuleExplanation['result'];

/** Every rule evaluated against one lead, with each condition's value, for `tossup explain`. */
export function explainDecision(
  lead: Lead,
  rules: CompiledRuleSet,
  now: number,
  options: DecideOptions = {},
): Explanation {
  const { decision } = evaluate(lead, rules, now, options);
  const ctx = buildContext(lead, rules, now);
  const { thresholds, overrides } = rules.thresholdsOn(ctx.today);
  return {
    decision,
    attribute: { value: ctx.attribute.value, max: ctx.attribute.max, groups: rules.attribute.breakdown(ctx) },
    behaviour: ctx.behaviour ?? null,
    thresholds,
    activeOverrides: overrides.map((o) => o.id),
    rules: rules.rules.map(({ rule, when, intent }) => {
      const reasons: Reason[] = [];
      when.explain(ctx, reasons);
      const conditions = (c: CompiledCondition): RuleExplanation['conditions'] =>
        c.leaves.map((l) => ({
          fact: l.spec.fact,
          op: l.spec.op,
          value: l.value(ctx) ?? null,
          expected: l.expected(ctx),
          result: word(l.test(ctx)),
        }));
      return {
        id: rule.id,
        description: rule.description,
        result: word(when.test(ctx)),
        decisive: rule.id === decision.ruleId,
        conditions: conditions(when),
        reasons,
        ...(intent ? { intent: { result: word(intent.test(ctx)), conditions: conditions(intent) } } : {}),
      };
    }),
  };
}
