import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { Decision } from '../../src/domain/decision.ts';
import type { Lead } from '../../src/domain/lead.ts';
import type { DecideOptions } from '../../src/scoring/decide.ts';
import { leadArbitrary } from '../support/lead-arbitrary.ts';

/**
 * The cases the engine's output is compared on with the reference output (decide-reference.test.ts):
 * generated leads (fast-check, fixed seed: the same leads on every run), the three presets and a
 * rule set using every feature the presets do not, at three instants (before, during and after a
 * campaign override, so activities age out of their windows), with quota and hold-start options.
 * Kept free of the engine's modules so the recorded digests can be recomputed with any version of it.
 */
export const REFERENCE_NOW = Date.parse('2026-11-21T03:00:00Z');
export const REFERENCE_INSTANTS = [
  REFERENCE_NOW,
  Date.parse('2026-12-10T01:00:00Z'),
  Date.parse('2027-02-01T00:30:00Z'),
];
export const REFERENCE_LEADS = 3_000;

export function referenceLeads(): Lead[] {
  const leads = fc.sample(leadArbitrary(REFERENCE_NOW), { seed: 17, numRuns: REFERENCE_LEADS });
  const daysAgo = (d: number) => new Date(REFERENCE_NOW - d * 86_400_000).toISOString();
  return leads.map((generated, i) => {
    // Manual requests come first in a rule set: only a third of the leads make one, so later rules decide too.
    let lead: Lead = i % 3 === 0 ? generated : { ...generated, manualRequest: null };
    // A quarter read the pricing page lately and asked a question.
    if (i % 4 === 1) {
      const recent = [
        { type: 'page_view' as const, at: daysAgo(2), page: 'pricing' },
        { type: 'page_view' as const, at: daysAgo(9), page: 'pricing' },
        { type: 'inquiry' as const, at: daysAgo(12) },
      ];
      lead = { ...lead, activities: [...lead.activities, ...recent] };
    }
    // Some unknown head counts were unparseable values: their reasons say `invalid` and show the value.
    if (i % 9 === 0 && lead.company.employees === null)
      lead = {
        ...lead,
        dataIssues: [{ field: 'company.employees', raw: '千人くらい', problem: 'unparseable' }],
      };
    return lead;
  });
}

export function referenceOptions(i: number): DecideOptions {
  switch (i % 5) {
    case 1:
      return { quotaUsed: () => 99 };
    case 2:
      return { quotaUsed: () => 0 };
    case 3:
      return { holdSince: new Date(REFERENCE_NOW - 40 * 86_400_000).toISOString() };
    case 4:
      return { holdSince: REFERENCE_NOW - 3 * 86_400_000 };
    default:
      return {};
  }
}

/** Everything the presets leave out: any/not, activity counts, text tests, ranks, quotas, hold expiry, owners. */
export const ALL_FEATURES_RULES = `version: 1
name: all_features
timeZone: Asia/Tokyo
thresholds: { attribute: 40, behaviour: 30, intent: 10, months: 6 }
attributeScore:
  cap: 80
  groups:
    - id: size
      fact: company.employees
      required: true
      tiers:
        - { op: gte, value: 500, points: 30 }
        - { op: gt, value: 50, points: 10 }
    - id: rank
      fact: person.titleRank
      tiers:
        - { op: gte, value: department_head, points: 25 }
        - { op: in, value: [manager, deputy_head], points: 12 }
    - id: dept
      fact: person.department
      tiers:
        - { op: contains, value: 'it', points: 10 }
        - { op: matches, value: '^(営業|sales)', points: 5 }
    - id: industry
      fact: company.industry
      tiers:
        - { op: notIn, value: [retail, other], points: 5 }
behaviourScore:
  source: activities
  windowDays: 60
  halfLifeDays: 20
  weights: { inquiry: 30, document_request: 15, page_view: 1, email_open: 1 }
  pageWeights: { pricing: 10 }
overrides:
  - id: december
    label: December push
    from: 2026-12-01
    to: 2026-12-20
    thresholds: { behaviour: 20, attribute: 30 }
rules:
  - id: requested
    when: { fact: manualRequest.requested, op: eq, value: true }
    flag: yes
    nextAction: field_sales_tossup
    priority: high
    owner: requester
    quotaPerMonth: 3
  - id: customer
    when: { fact: company.existingCustomer, op: eq, value: true }
    flag: yes
    nextAction: field_sales_tossup
    owner: account_owner
    intent:
      when:
        any:
          - { fact: score.behaviour, op: gte, threshold: intent }
          - { fact: activities.count, op: gte, value: 1, withinDays: 14, types: [inquiry, document_request] }
  - id: pricing_reader
    when:
      all:
        - { fact: activities.count, op: gte, value: 2, page: pricing, withinDays: 30 }
        - not: { fact: person.emailDomain, op: in, value: [gmail.com, yahoo.co.jp] }
        - { fact: person.titleRank, op: lt, value: officer }
    flag: yes
    nextAction: inside_sales_follow_up
    owner: { queue: is_team }
    onMissing: skip
  - id: strategic
    when: { fact: company.strategicTarget, op: eq, value: true }
    flag: hold
    nextAction: notify_is_sales_planning
    holdExpiresAfter: 10 businessDays
  - id: heard
    when:
      all:
        - { fact: hearing.budget, op: in, value: [yes, unknown] }
        - { fact: hearing.timelineMonths, op: lte, threshold: months }
        - any:
            - { fact: hearing.decisionMaker, op: eq, value: yes }
            - { fact: hearing.decisionInvolved, op: neq, value: no }
    flag: yes
    nextAction: field_sales_tossup
    onMissing: skip
    explainWhenNotMet: true
  - id: scored
    when:
      all:
        - { fact: score.attribute, op: gte, threshold: attribute }
        - { fact: score.behaviour, op: gte, threshold: behaviour }
        - { fact: company.revenueJpy, op: gte, value: 100000000 }
    flag: yes
    nextAction: field_sales_tossup
    explainWhenNotMet: true
  - id: lost
    when: { fact: history.previouslyLost, op: eq, value: true }
    flag: no
    nextAction: nurture
    priority: low
otherwise: { flag: no, nextAction: nurture, priority: low }
missingData: { flag: hold, nextAction: inside_sales_hearing, priority: medium, holdExpiresAfter: 30 days }
`;

type DecideFn = (lead: Lead, rules: never, at: number, options: DecideOptions) => Decision;

/** A short digest of every decision (canonical JSON: keys sorted) over the leads at one instant. */
export function decisionsDigest(
  decide: DecideFn,
  rules: unknown,
  leads: readonly Lead[],
  at: number,
): string {
  const hash = createHash('sha256');
  leads.forEach((lead, i) => {
    hash.update(canonicalJson(decide(lead, rules as never, at, referenceOptions(i))));
    hash.update('\n');
  });
  return hash.digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
