import type { Decision, Reason } from '../domain/decision.ts';
import {
  type Activity,
  ActivityTypeSchema,
  type DataIssue,
  type Hearing,
  type Lead,
} from '../domain/lead.ts';
import type { CompiledRuleSet } from './compile-rule-set.ts';
import { type DecideOptions, decide } from './decide.ts';

/**
 * Three-valued semantics for values the normalizer could not read (`lead.dataIssues`): a lead
 * whose decision DEPENDS on such a value is held, with a reason naming the field and the value, so
 * sales never see a confident `no` that rests on a dropped inquiry or an impossible head count.
 *
 * "Depends" is tested, not guessed: the lead is decided again with each unreadable value replaced by
 * the values it could plausibly have held (a number at both extremes, a checkbox ticked and not, a
 * hearing answer yes/no/unknown, a dropped activity restored as each activity type, today). If any
 * of these changes the flag or next action, the decision depends on it.
 *
 * Leads without data issues cost one length check: the engine's hot path is untouched. Values that
 * no rule reads (dates such as `modifiedAt`, the CRM's current fields, e-mail domains) never hold
 * a lead; they are still listed in `dataIssues` for whoever fixes the source.
 */
export function decideWithDataIssues(
  lead: Lead,
  rules: CompiledRuleSet,
  now: Date | number,
  options: DecideOptions = {},
): Decision {
  return applyDataIssues(decide(lead, rules, now, options), lead, rules, now, options);
}

/** The decision held for data issues it depends on (unchanged when there are none). */
export function applyDataIssues(
  decision: Decision,
  lead: Lead,
  rules: CompiledRuleSet,
  now: Date | number,
  options: DecideOptions = {},
): Decision {
  if (lead.dataIssues.length === 0) return decision;
  const affecting = issuesAffecting(decision, lead, rules, now, options);
  if (affecting.length === 0) return decision;
  // Already held for missing data: add only what its reasons do not already name ("invalid").
  const named = new Set(decision.reasons.map((r) => r.params.field));
  const reasons: Reason[] = affecting
    .filter((i) => !named.has(i.field))
    .map((i) => ({
      code: 'data_issue',
      params: { field: baseField(i.field), path: i.field, raw: i.raw, problem: i.problem },
    }));
  if (decision.flag === 'hold' && decision.missing.length > 0) {
    return reasons.length === 0 ? decision : { ...decision, reasons: [...reasons, ...decision.reasons] };
  }
  const outcome = rules.source.missingData;
  const held: Decision = {
    ...decision,
    flag: outcome.flag,
    nextAction: outcome.nextAction,
    priority: outcome.priority,
    reasons: [...reasons, ...decision.reasons],
    missing: [...new Set(affecting.map((i) => i.field))],
  };
  // The owner a rule named came with the outcome that is no longer certain.
  delete held.owner;
  return held;
}

/** The lead path a data issue is shown under: `activities[2].at` → `activities`. */
function baseField(field: string): string {
  const bracket = field.indexOf('[');
  return bracket >= 0 ? field.slice(0, bracket) : field;
}

/** The issues whose plausible values would change the outcome, in the order they were reported. */
export function issuesAffecting(
  decision: Decision,
  lead: Lead,
  rules: CompiledRuleSet,
  now: Date | number,
  options: DecideOptions = {},
): DataIssue[] {
  const nowIso = new Date(typeof now === 'number' ? now : now.getTime()).toISOString();
  const changes = (alternative: Lead) => {
    const d = decide(alternative, rules, now, options);
    return d.flag !== decision.flag || d.nextAction !== decision.nextAction;
  };
  const affecting: DataIssue[] = [];
  // Dropped activities are tried together: two inquiries may matter where one alone would not.
  const activityIssues = lead.dataIssues.filter((i) => baseField(i.field) === 'activities');
  if (activityIssues.length > 0 && activityAlternatives(lead, activityIssues, rules, nowIso).some(changes))
    affecting.push(...activityIssues);
  for (const issue of lead.dataIssues) {
    if (baseField(issue.field) === 'activities') continue;
    if (scalarAlternatives(lead, issue.field).some(changes)) affecting.push(issue);
  }
  const order = new Map(lead.dataIssues.map((i, n) => [i, n]));
  return affecting.sort((a, b) => order.get(a)! - order.get(b)!);
}

const ACTIVITY_TYPES = ActivityTypeSchema.options;
/** Restoring a whole unreadable `activities` column: this many of a type, enough for any rule we ship. */
const UNREADABLE_COLUMN_ACTIVITIES = 20;

function activityAlternatives(
  lead: Lead,
  issues: readonly DataIssue[],
  rules: CompiledRuleSet,
  nowIso: string,
): Lead[] {
  const whole = issues.some((i) => i.field === 'activities');
  // One per dropped item: `activities[3].type` and `activities[3].at` are one activity.
  const dropped = new Set(issues.map((i) => /^activities\[(\d+)\]/u.exec(i.field)?.[1]).filter(Boolean));
  const count = whole ? UNREADABLE_COLUMN_ACTIVITIES : dropped.size;
  // Its page is unknown too, and page weights add to any activity type.
  const pages: Array<string | undefined> = [
    undefined,
    ...Object.keys(rules.source.behaviourScore.pageWeights),
  ];
  return ACTIVITY_TYPES.flatMap((type) =>
    pages.map((page) => {
      const restored: Activity = page === undefined ? { type, at: nowIso } : { type, at: nowIso, page };
      return { ...lead, activities: [...lead.activities, ...Array.from({ length: count }, () => restored)] };
    }),
  );
}

const NUMBER_EXTREMES: Readonly<Record<string, readonly [number, number]>> = {
  'company.employees': [0, 10_000_000],
  'company.revenueJpy': [0, 1e15],
  maBehaviourScore: [0, 1_000_000],
  'hearing.timelineMonths': [0, 1_200],
};
const CHECKBOXES = ['company.existingCustomer', 'company.strategicTarget', 'history.previouslyLost'] as const;
const ANSWERS = ['yes', 'no', 'unknown'] as const;

function scalarAlternatives(lead: Lead, field: string): Lead[] {
  const [head, leaf] = field.split('.') as [string, string | undefined];
  const extremes = NUMBER_EXTREMES[field];
  if (extremes) {
    if (head === 'hearing') {
      if (!lead.hearing) return [];
      return extremes.map((timelineMonths) => ({ ...lead, hearing: { ...lead.hearing!, timelineMonths } }));
    }
    if (head === 'company')
      return extremes.map((v) => ({ ...lead, company: { ...lead.company, [leaf!]: v } }));
    return extremes.map((v) => ({ ...lead, maBehaviourScore: v }));
  }
  if ((CHECKBOXES as readonly string[]).includes(field)) {
    return [true, false].map((v) =>
      head === 'company'
        ? { ...lead, company: { ...lead.company, [leaf!]: v } }
        : { ...lead, history: { ...lead.history, [leaf!]: v } },
    );
  }
  if (
    head === 'hearing' &&
    leaf &&
    ['budget', 'decisionMaker', 'decisionInvolved', 'clearProblem'].includes(leaf)
  ) {
    if (!lead.hearing) return [];
    return ANSWERS.map((answer) => ({ ...lead, hearing: { ...lead.hearing!, [leaf]: answer } }));
  }
  if (field === 'hearing') {
    const heard = (answer: 'yes' | 'no', timelineMonths: number | null): Hearing => ({
      heardAt: null,
      budget: answer,
      decisionMaker: answer,
      decisionInvolved: answer,
      clearProblem: answer,
      timelineMonths,
      notes: null,
    });
    return [null, heard('yes', 0), heard('no', null)].map((hearing) => ({ ...lead, hearing }));
  }
  if (field === 'manualRequest' || field === 'manualRequest.requested') {
    return [null, { requestedBy: lead.manualRequest?.requestedBy ?? null, at: null }].map(
      (manualRequest) => ({
        ...lead,
        manualRequest,
      }),
    );
  }
  return [];
}
