import type { Rule } from '../config/rule-set-schema.ts';
import type { Reason } from '../domain/decision.ts';
import type { CompiledRule } from './compile-rule-set.ts';
import { type DecisionContext, TRUE } from './conditions.ts';
import { SharedReasons } from './shared-reasons.ts';

/**
 * The intent floor of a rule (`intent:` in the rule file). An existing customer's staff opening one
 * newsletter is not a reason to put a high-priority task on the account owner's desk: the rule still
 * names the owner, but its outcome (the toss-up and its task) applies only when the lead shows intent
 * (`intent.when`, e.g. behaviour score ≥ `customerIntent`). Without intent the lead gets
 * `intent.otherwise` (default no → nurture) with the same owner as its owner of record, and the
 * reasons say so first. Unknown intent (no MA score yet) counts as not shown: a customer is never
 * held for data that only decides whether a task is worth it.
 */
export type Outcome = Pick<Rule, 'flag' | 'nextAction' | 'priority'>;

/** Reason code leading a decision whose rule matched but whose intent floor was not reached. */
export const INTENT_NOT_SHOWN = 'intent.not_shown';

/**
 * The outcome of a matched rule under its intent floor. When the floor is not reached the reason
 * saying so is pushed to `out` first, before the rule's own reasons (`explainIntent` adds what the
 * floor looked at after them).
 */
export function intentOutcome(compiled: CompiledRule, ctx: DecisionContext, out: Reason[]): Outcome {
  const { rule, intent } = compiled;
  if (!intent || !rule.intent || intent.test(ctx) === TRUE) return rule;
  out.push(intentNotShown(rule.id));
  return rule.intent.otherwise;
}

/** `intent.not_shown` for a rule: one shared reason per rule id. */
export function intentNotShown(ruleId: string): Reason {
  return NOT_SHOWN.get(ruleId, notShownReason);
}

/** The reason names only the rule: one shared reason per rule id. */
const NOT_SHOWN = new SharedReasons<string>();
const notShownReason = (rule: string): Reason => ({ code: INTENT_NOT_SHOWN, params: { rule } });

/** What the floor looked at (the intent conditions' reasons), after the rule's own reasons. */
export function explainIntent(compiled: CompiledRule, ctx: DecisionContext, out: Reason[]): void {
  if (compiled.intent && compiled.rule.intent) compiled.intent.explain(ctx, out);
}
