import { type Lead, TITLE_RANK_ORDER } from '../domain/lead.ts';

/**
 * The facts a rule can test, with their type and where a missing value comes from. Rules name
 * facts, never raw lead paths, so the rule file stays stable when the lead model grows and every
 * fact has a label sales can read.
 *
 * A getter returns `undefined` when the input is missing (the rule cannot be decided: three-valued
 * logic turns that into "hold, ask for X"), and `null` when the input is known to be empty (e.g. IS
 * asked and got no timeline) which simply fails comparisons.
 */

export type FactType = 'number' | 'string' | 'boolean' | 'rank' | 'answer';
export type FactValue = number | string | boolean | null | undefined;

/** Per-decision values computed once and shared by all conditions. */
export interface EvalContext {
  lead: Lead;
  attribute: { value: number; max: number; missing: readonly string[] };
  /** `undefined` when the behaviour score cannot be known (MA score expected but absent). */
  behaviour: number | undefined;
  nowMs: number;
  /** Local day number (days since epoch in the rule set's time zone) of `now`. */
  today: number;
  offsetMs: number;
}

export interface FactDef {
  type: FactType;
  /** Lead path(s) reported as missing when the getter yields `undefined`. */
  source: string;
  /** Position in `FACT_IDS`: what compiled conditions switch on (`factValue`). */
  id: number;
  get: (ctx: EvalContext) => FactValue;
}

/**
 * Every fact by number. The engine reads a fact through `factValue`'s switch rather than a getter
 * closure per fact: one monomorphic function the compiler inlines, where a million leads through
 * closures of twenty shapes would pay an indirect call each.
 */
const FACT_IDS = [
  'score.attribute',
  'score.behaviour',
  'company.employees',
  'company.revenueJpy',
  'company.industry',
  'company.region',
  'company.existingCustomer',
  'company.strategicTarget',
  'person.titleRank',
  'person.department',
  'person.emailDomain',
  'hearing.heard',
  'hearing.budget',
  'hearing.decisionMaker',
  'hearing.decisionInvolved',
  'hearing.clearProblem',
  'hearing.timelineMonths',
  'history.previouslyLost',
  'manualRequest.requested',
  'activities.count',
] as const;

/** The value of fact `id` (`activities.count` is parameterised: the condition compiler counts it). */
export function factValue(id: number, c: EvalContext): FactValue {
  const lead = c.lead;
  switch (id) {
    case 0:
      return c.attribute.value;
    case 1:
      return c.behaviour;
    case 2:
      return orMissing(lead.company.employees);
    case 3:
      return orMissing(lead.company.revenueJpy);
    case 4:
      return orMissing(lead.company.industry);
    case 5:
      return orMissing(lead.company.region);
    case 6:
      return lead.company.existingCustomer;
    case 7:
      return lead.company.strategicTarget;
    case 8:
      return orMissing(lead.person.titleRank);
    case 9:
      return orMissing(lead.person.department);
    case 10:
      return orMissing(lead.person.emailDomain);
    case 11:
      return lead.hearing !== null;
    case 12:
      return lead.hearing ? lead.hearing.budget : undefined;
    case 13:
      return lead.hearing ? lead.hearing.decisionMaker : undefined;
    case 14:
      return lead.hearing ? lead.hearing.decisionInvolved : undefined;
    case 15:
      return lead.hearing ? lead.hearing.clearProblem : undefined;
    case 16:
      return lead.hearing ? lead.hearing.timelineMonths : undefined;
    case 17:
      return lead.history.previouslyLost;
    case 18:
      return lead.manualRequest !== null;
    default:
      return 0;
  }
}

const orMissing = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

const fact = (name: (typeof FACT_IDS)[number], type: FactType, source: string): FactDef => {
  const id = FACT_IDS.indexOf(name);
  return { type, source, id, get: (c) => factValue(id, c) };
};

export const FACTS: Readonly<Record<string, FactDef>> = {
  'score.attribute': fact('score.attribute', 'number', 'score.attribute'),
  'score.behaviour': fact('score.behaviour', 'number', 'maBehaviourScore'),
  'company.employees': fact('company.employees', 'number', 'company.employees'),
  'company.revenueJpy': fact('company.revenueJpy', 'number', 'company.revenueJpy'),
  'company.industry': fact('company.industry', 'string', 'company.industry'),
  'company.region': fact('company.region', 'string', 'company.region'),
  'company.existingCustomer': fact('company.existingCustomer', 'boolean', 'company.existingCustomer'),
  'company.strategicTarget': fact('company.strategicTarget', 'boolean', 'company.strategicTarget'),
  'person.titleRank': fact('person.titleRank', 'rank', 'person.title'),
  'person.department': fact('person.department', 'string', 'person.department'),
  'person.emailDomain': fact('person.emailDomain', 'string', 'person.emailDomain'),
  'hearing.heard': fact('hearing.heard', 'boolean', 'hearing'),
  'hearing.budget': fact('hearing.budget', 'answer', 'hearing'),
  'hearing.decisionMaker': fact('hearing.decisionMaker', 'answer', 'hearing'),
  'hearing.decisionInvolved': fact('hearing.decisionInvolved', 'answer', 'hearing'),
  'hearing.clearProblem': fact('hearing.clearProblem', 'answer', 'hearing'),
  'hearing.timelineMonths': fact('hearing.timelineMonths', 'number', 'hearing'),
  'history.previouslyLost': fact('history.previouslyLost', 'boolean', 'history.previouslyLost'),
  'manualRequest.requested': fact('manualRequest.requested', 'boolean', 'manualRequest'),
  /** Parameterised (types, withinDays, page); the count is taken by the condition compiler. */
  'activities.count': fact('activities.count', 'number', 'activities'),
};

/** `FACTS['activities.count'].id`: the one fact a condition computes itself. */
export const ACTIVITIES_COUNT = FACT_IDS.indexOf('activities.count');

export const FACT_NAMES = Object.keys(FACTS);

export const OPS_BY_TYPE: Readonly<Record<FactType, readonly string[]>> = {
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn'],
  rank: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn'],
  string: ['eq', 'neq', 'in', 'notIn', 'contains', 'matches'],
  answer: ['eq', 'neq', 'in', 'notIn'],
  boolean: ['eq', 'neq'],
};

export const ANSWERS = ['yes', 'no', 'unknown'] as const;
export { TITLE_RANKS } from '../domain/lead.ts';

/** Ranks compare by seniority; everything else by value. */
export function rankNumber(v: string): number {
  return TITLE_RANK_ORDER[v as keyof typeof TITLE_RANK_ORDER] ?? 0;
}
