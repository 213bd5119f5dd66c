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
  get: (ctx: EvalContext) => FactValue;
}

const hearing = (key: 'budget' | 'decisionMaker' | 'decisionInvolved' | 'clearProblem'): FactDef => ({
  type: 'answer',
  source: 'hearing',
  get: (c) => (c.lead.hearing ? c.lead.hearing[key] : undefined),
});

const orMissing = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export const FACTS: Readonly<Record<string, FactDef>> = {
  'score.attribute': { type: 'number', source: 'score.attribute', get: (c) => c.attribute.value },
  'score.behaviour': { type: 'number', source: 'maBehaviourScore', get: (c) => c.behaviour },
  'company.employees': {
    type: 'number',
    source: 'company.employees',
    get: (c) => orMissing(c.lead.company.employees),
  },
  'company.revenueJpy': {
    type: 'number',
    source: 'company.revenueJpy',
    get: (c) => orMissing(c.lead.company.revenueJpy),
  },
  'company.industry': {
    type: 'string',
    source: 'company.industry',
    get: (c) => orMissing(c.lead.company.industry),
  },
  'company.region': {
    type: 'string',
    source: 'company.region',
    get: (c) => orMissing(c.lead.company.region),
  },
  'company.existingCustomer': {
    type: 'boolean',
    source: 'company.existingCustomer',
    get: (c) => c.lead.company.existingCustomer,
  },
  'company.strategicTarget': {
    type: 'boolean',
    source: 'company.strategicTarget',
    get: (c) => c.lead.company.strategicTarget,
  },
  'person.titleRank': {
    type: 'rank',
    source: 'person.title',
    get: (c) => orMissing(c.lead.person.titleRank),
  },
  'person.department': {
    type: 'string',
    source: 'person.department',
    get: (c) => orMissing(c.lead.person.department),
  },
  'person.emailDomain': {
    type: 'string',
    source: 'person.emailDomain',
    get: (c) => orMissing(c.lead.person.emailDomain),
  },
  'hearing.heard': { type: 'boolean', source: 'hearing', get: (c) => c.lead.hearing !== null },
  'hearing.budget': hearing('budget'),
  'hearing.decisionMaker': hearing('decisionMaker'),
  'hearing.decisionInvolved': hearing('decisionInvolved'),
  'hearing.clearProblem': hearing('clearProblem'),
  'hearing.timelineMonths': {
    type: 'number',
    source: 'hearing',
    get: (c) => (c.lead.hearing ? c.lead.hearing.timelineMonths : undefined),
  },
  'history.previouslyLost': {
    type: 'boolean',
    source: 'history.previouslyLost',
    get: (c) => c.lead.history.previouslyLost,
  },
  'manualRequest.requested': {
    type: 'boolean',
    source: 'manualRequest',
    get: (c) => c.lead.manualRequest !== null,
  },
  /** Parameterised (types, withinDays, page); the getter is built by the condition compiler. */
  'activities.count': { type: 'number', source: 'activities', get: () => 0 },
};

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
