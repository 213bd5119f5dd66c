import type { NextAction, Priority, TossUpFlag } from './lead.ts';

/**
 * A reason is data, not text: `code` picks a message template, `params` fill it. Rendering into
 * Japanese or English happens at the edge (CRM field, CLI), so the same decision can be shown in
 * either language and admins can reword templates without touching the engine.
 */
export interface Reason {
  code: string;
  params: Readonly<Record<string, string | number>>;
}

/** Who the rules say should own the lead; `undefined` means "route through the pools". */
export type DecidedOwner =
  | { kind: 'account_owner'; id: string }
  | { kind: 'queue'; queue: string }
  | { kind: 'requester'; id: string };

export interface Decision {
  leadId: string;
  flag: TossUpFlag;
  nextAction: NextAction;
  priority: Priority;
  /** `behaviour` is `null` when it comes from an MA tool that has no score for this lead. */
  scores: Readonly<{ attribute: number; behaviour: number | null }>;
  owner?: DecidedOwner;
  /** Ordered: the most decisive first. Never empty. */
  reasons: Reason[];
  /** Id of the rule that decided (or `default`). */
  ruleId: string;
  /** Lead paths whose absence made the decision `hold` (empty otherwise). */
  missing: readonly string[];
  /** Content hash of the rule set, so a task key changes when the rules that produced it change. */
  rulesVersion: string;
  decidedAt: string;
}
