import type { Decision } from '../domain/decision.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';

/** Who must approve a toss-up before the rep's task is created: the rule's `approval`, or null. */
export type ApprovalPolicy = 'manager';

/**
 * The approval the deciding rule asks for (`approval: manager` in the rules YAML), or null. Only a
 * decision that would create a task can wait for one (the validator rejects it on nurture rules).
 */
export function approvalFor(
  decision: Pick<Decision, 'ruleId' | 'nextAction'>,
  rules: Pick<CompiledRuleSet, 'rules'>,
): ApprovalPolicy | null {
  if (decision.nextAction === 'nurture') return null;
  return rules.rules.find((r) => r.rule.id === decision.ruleId)?.rule.approval ?? null;
}
