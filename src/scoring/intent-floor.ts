import type { Rule } from '../config/rule-set-schema.ts';
import type { Reason } from '../domain/decision.ts';
import type { CompiledRule } from './compile-rule-set.ts';
import { type DecisionContext, TRUE } from './conditions.ts';

/**
 * The intent floor of a rule (`intent:` in the rule file). An existing customer's staff opening one
 * newsletter is not a reason to put a high-priority task on the account owner's desk: the rule still
 * names the owner, but its outcome (the toss-up and its task) applies only when the lead shows intent
 * (`intent.when`, e.g. behaviour score ≥ `customerIntent`). Without intent the lead gets
 * `intent.otherwise` (default no → nurture) with the same owner as its owner of record, and the
 * reasons say so first. Unknown intent (no MA score yet) counts as not shown: a customer is never
 * held for data that only decides whether a task is worth it.
 */
export interface IntentOutcome {
  outcome: Pick<Rule, 'flag' | 'nextAction' | 'priority'>;
  reasons: Reason[];
}

/** Reason code leading a decision whose rule matched but whose intent floor was not reached. */
export const INTENT_NOT_SHOWN = 'intent.not_shown';

/** `ruleReasons` are the matched rule's own reasons (already explained); they are not modified. */
export function applyIntentFloor(
  compiled: CompiledRule,
  ctx: DecisionContext,
  ruleReasons: readonly Reason[],
): IntentOutcome {
  const { rule, intent } = compiled;
  if (!intent || !rule.intent) return { outcome: rule, reasons: [...ruleReasons] };
  const why: Reason[] = [];
  intent.explain(ctx, why);
  if (intent.test(ctx) === TRUE) return { outcome: rule, reasons: [...ruleReasons, ...why] };
  return {
    outcome: rule.intent.otherwise,
    reasons: [{ code: INTENT_NOT_SHOWN, params: { rule: rule.id } }, ...ruleReasons, ...why],
  };
}
