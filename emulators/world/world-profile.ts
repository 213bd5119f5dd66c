import { loadCompiledRuleSet, PRESETS, type PresetName } from '../../src/config/load-rule-set.ts';
import { normalizeLead } from '../../src/normalize/lead-input.ts';
import type { CompiledRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide } from '../../src/scoring/decide.ts';
import type { World, WorldCompany } from './world.ts';
import { worldPersonToLeadInput } from './world-lead-input.ts';

/**
 * A summary of a world's mix: sizes, rates of the special cases and dirty values, activity
 * counts, and (optionally) how the product's engine decides its people under the three preset
 * rule sets (small / mid / large company, mappings/rules/*.yaml) as of the world's asOf.
 */

export interface WorldProfile {
  counts: {
    users: number;
    inactiveUsers: number;
    companies: number;
    people: number;
    contacts: number;
    campaigns: number;
    activities: number;
    opportunities: number;
  };
  /** Shares in [0, 1]; per person unless the name starts with `company`. */
  rates: {
    contact: number;
    maScore: number;
    hearing: number;
    manualRequest: number;
    companyCustomer: number;
    companyStrategic: number;
    companyClosedLost: number;
    companyOpenOpportunity: number;
    sharedModifiedAt: number;
    companyEmployeesBlank: number;
    companyEmployeesTextOnly: number;
    companyIndustryMissing: number;
    companyPrefectureMissing: number;
    titleBlank: number;
    titleLatinOnly: number;
    titleCompound: number;
  };
  activitiesPerPerson: { zero: number; median: number; p90: number; max: number };
}

export interface DecisionMix {
  /** Share of people per `ruleId/flag`, e.g. `auto_tossup/yes`. */
  outcomes: Record<string, number>;
  /**
   * Share whose scores meet the rule set's attribute and behaviour thresholds (those it has),
   * whatever rule then decided; `null` when it has neither (the small-company checklist).
   */
  meetsScoreThresholds: number | null;
}

function share(n: number, of: number): number {
  return of === 0 ? 0 : n / of;
}

export function profileWorld(world: World): WorldProfile {
  const people = world.people;
  const n = people.length;
  const modifiedCounts = new Map<string, number>();
  for (const p of people) modifiedCounts.set(p.modifiedAt, (modifiedCounts.get(p.modifiedAt) ?? 0) + 1);

  let contacts = 0;
  let ma = 0;
  let heard = 0;
  let manual = 0;
  let tied = 0;
  let activities = 0;
  let titleBlank = 0;
  let titleLatin = 0;
  let titleCompound = 0;
  const activityCounts = new Int32Array(n);
  people.forEach((p, i) => {
    if (p.kind === 'contact') contacts++;
    if (p.maScore !== null) ma++;
    if (p.hearing !== null) heard++;
    if (p.manualRequestByKey !== null) manual++;
    if ((modifiedCounts.get(p.modifiedAt) ?? 0) > 1) tied++;
    activities += p.activities.length;
    activityCounts[i] = p.activities.length;
    const title = p.title?.trim() ?? '';
    if (title === '') titleBlank++;
    else if (/^[\x20-\x7e]+$/.test(title)) titleLatin++;
    if (/[\s\u3000]|兼/.test(title)) titleCompound++;
  });

  const sorted = Array.from(activityCounts).sort((a, b) => a - b);
  const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const companyCount = world.companies.length;
  const companyShare = (test: (c: WorldCompany) => boolean) =>
    share(world.companies.filter(test).length, companyCount);

  return {
    counts: {
      users: world.users.length,
      inactiveUsers: world.users.filter((u) => !u.active).length,
      companies: companyCount,
      people: n,
      contacts,
      campaigns: world.campaigns.length,
      activities,
      opportunities: world.companies.reduce((sum, c) => sum + c.opportunities.length, 0),
    },
    rates: {
      contact: share(contacts, n),
      maScore: share(ma, n),
      hearing: share(heard, n),
      manualRequest: share(manual, n),
      companyCustomer: companyShare((c) => c.existingCustomer),
      companyStrategic: companyShare((c) => c.strategicTarget),
      companyClosedLost: companyShare((c) => c.opportunities.some((o) => o.stage === 'Closed Lost')),
      companyOpenOpportunity: companyShare((c) =>
        c.opportunities.some((o) => o.stage === 'Prospecting' || o.stage === 'Negotiation'),
      ),
      sharedModifiedAt: share(tied, n),
      companyEmployeesBlank: companyShare((c) => c.employees === null && !c.employeesText),
      companyEmployeesTextOnly: companyShare((c) => c.employees === null && !!c.employeesText),
      companyIndustryMissing: companyShare((c) => c.industry === null),
      companyPrefectureMissing: companyShare((c) => c.prefecture === null),
      titleBlank: share(titleBlank, n),
      titleLatinOnly: share(titleLatin, n),
      titleCompound: share(titleCompound, n),
    },
    activitiesPerPerson: {
      zero: share(sorted.filter((c) => c === 0).length, n),
      median: quantile(0.5),
      p90: quantile(0.9),
      max: sorted.at(-1) ?? 0,
    },
  };
}

/**
 * How the product's engine decides every person of the world under each preset rule set, at the
 * world's asOf. Shows whether a world exercises every outcome of the small, mid and large models.
 */
export function decisionMix(
  world: World,
  presets: readonly PresetName[] = PRESETS,
): Record<PresetName, DecisionMix> {
  const companies = new Map(world.companies.map((c) => [c.key, c]));
  const now = Date.parse(world.asOf);
  const ruleSets = presets.map((name) => [name, loadCompiledRuleSet(name)] as const);
  const tallies = new Map<PresetName, { outcomes: Map<string, number>; meets: number }>(
    presets.map((name) => [name, { outcomes: new Map(), meets: 0 }]),
  );
  for (const person of world.people) {
    const company = companies.get(person.companyKey);
    if (!company)
      throw new Error(`decisionMix: person ${person.key} has unknown company ${person.companyKey}`);
    const normalized = normalizeLead(worldPersonToLeadInput(person, company), { crm: 'file' });
    if (!normalized.ok) throw new Error(`decisionMix: person ${person.key}: ${normalized.error.message}`);
    for (const [name, rules] of ruleSets) {
      const decision = decide(normalized.lead, rules, now);
      const tally = tallies.get(name) as { outcomes: Map<string, number>; meets: number };
      const key = `${decision.ruleId}/${decision.flag}`;
      tally.outcomes.set(key, (tally.outcomes.get(key) ?? 0) + 1);
      if (meetsThresholds(rules, decision.scores) === true) tally.meets++;
    }
  }
  const n = world.people.length;
  const result = {} as Record<PresetName, DecisionMix>;
  for (const [name, rules] of ruleSets) {
    const tally = tallies.get(name) as { outcomes: Map<string, number>; meets: number };
    const { attribute, behaviour } = rules.source.thresholds;
    result[name] = {
      outcomes: Object.fromEntries(
        [...tally.outcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, share(v, n)]),
      ),
      meetsScoreThresholds: attribute === undefined && behaviour === undefined ? null : share(tally.meets, n),
    };
  }
  return result;
}

function meetsThresholds(
  rules: CompiledRuleSet,
  scores: { attribute: number; behaviour: number | null },
): boolean {
  const { attribute, behaviour } = rules.source.thresholds;
  return (
    (attribute === undefined || scores.attribute >= attribute) &&
    (behaviour === undefined || (scores.behaviour !== null && scores.behaviour >= behaviour))
  );
}
