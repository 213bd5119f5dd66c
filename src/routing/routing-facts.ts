import type { Decision } from '../domain/decision.ts';
import type { Lead, NextAction, Priority } from '../domain/lead.ts';
import { comparableText } from './prefectures.ts';
import { type RoutingConfig, type RoutingRule, UNKNOWN_SEGMENT } from './routing-config.ts';
import type { RoutingDirectory } from './routing-directory.ts';

/** What routing rules can look at: derived once per lead from the decision and the lead. */
export interface RoutingFacts {
  nextAction: NextAction;
  priority: Priority;
  territory: string;
  segment: string;
  /** Normalized (NFKC, lower-case) industry, or null. */
  industry: string | null;
  strategicTarget: boolean;
  existingCustomer: boolean;
}

export function routingFacts(
  decision: Pick<Decision, 'nextAction' | 'priority'>,
  lead: Lead,
  dir: RoutingDirectory,
): RoutingFacts {
  return {
    nextAction: decision.nextAction,
    priority: decision.priority,
    territory: dir.territoryOf(lead.company.region),
    segment: segmentOf(lead.company.employees, dir.config),
    industry: lead.company.industry === null ? null : comparableText(lead.company.industry),
    strategicTarget: lead.company.strategicTarget,
    existingCustomer: lead.company.existingCustomer,
  };
}

/** First employee band that fits; `unknown` when the count is blank or fits none. */
export function segmentOf(employees: number | null, config: RoutingConfig): string {
  if (employees === null) return UNKNOWN_SEGMENT;
  const band = config.segments.find(
    (s) => employees >= s.minEmployees && (s.maxEmployees === undefined || employees <= s.maxEmployees),
  );
  return band?.id ?? UNKNOWN_SEGMENT;
}

/** The first rule (in file order) whose conditions all hold. */
export function matchRoutingRule(
  facts: RoutingFacts,
  rules: readonly RoutingRule[],
): RoutingRule | undefined {
  return rules.find((r) => ruleMatches(facts, r));
}

function ruleMatches(f: RoutingFacts, { when }: RoutingRule): boolean {
  if (when.nextAction && !when.nextAction.some((p) => nextActionMatches(p, f.nextAction))) return false;
  if (when.territory && !when.territory.includes(f.territory)) return false;
  if (when.segment && !when.segment.includes(f.segment)) return false;
  if (when.priority && !when.priority.includes(f.priority)) return false;
  if (
    when.industry &&
    (f.industry === null || !when.industry.some((i) => comparableText(i) === f.industry))
  ) {
    return false;
  }
  if (when.strategicTarget !== undefined && when.strategicTarget !== f.strategicTarget) return false;
  if (when.existingCustomer !== undefined && when.existingCustomer !== f.existingCustomer) return false;
  return true;
}

function nextActionMatches(pattern: string, action: NextAction): boolean {
  return pattern.endsWith('*') ? action.startsWith(pattern.slice(0, -1)) : pattern === action;
}
