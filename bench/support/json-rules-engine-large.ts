/**
 * The `large` preset expressed for json-rules-engine, for the side-by-side benchmark. The decision
 * rules are JSON rules with priorities (the engine's idiom); the two scores are dynamic facts
 * computed in plain JavaScript from the same tiers and weights, which is how json-rules-engine users
 * feed it derived numbers. No three-valued logic: missing inputs simply fail, as they would there.
 */
import { Engine } from 'json-rules-engine';
import type { RuleSet } from '../../src/config/rule-set-schema.ts';
import { type Lead, TITLE_RANK_ORDER } from '../../src/domain/lead.ts';

type Tier = RuleSet['attributeScore']['groups'][number]['tiers'][number];

function tierMatches(tier: Tier, value: unknown): boolean {
  const rank = (v: unknown) =>
    typeof v === 'string' && v in TITLE_RANK_ORDER ? TITLE_RANK_ORDER[v as keyof typeof TITLE_RANK_ORDER] : v;
  const a = rank(value) as number | string;
  const e = Array.isArray(tier.value) ? tier.value : rank(tier.value);
  switch (tier.op) {
    case 'gte':
      return (a as number) >= (e as number);
    case 'in':
      return (e as unknown[]).includes(a);
    case 'matches':
      return new RegExp(String(tier.value), 'iu').test(String(a));
    default:
      throw new Error(`tier op ${tier.op} not used by the large preset`);
  }
}

function get(lead: Lead, path: string): unknown {
  switch (path) {
    case 'company.employees':
      return lead.company.employees;
    case 'company.revenueJpy':
      return lead.company.revenueJpy;
    case 'company.industry':
      return lead.company.industry;
    case 'company.region':
      return lead.company.region;
    case 'person.titleRank':
      return lead.person.titleRank;
    case 'person.department':
      return lead.person.department;
    default:
      return undefined;
  }
}

export function buildJsonRulesEngine(rs: RuleSet, now: number): { run(lead: Lead): Promise<string> } {
  const engine = new Engine([], { allowUndefinedFacts: true });
  const { attributeScore: attr, behaviourScore: beh, thresholds } = rs;
  const DAY = 86_400_000;
  engine.addFact('attributeScore', (_p, almanac) =>
    almanac.factValue<Lead>('lead').then((lead) => {
      let sum = 0;
      for (const g of attr.groups) {
        const v = get(lead, g.fact);
        if (v === null || v === undefined) continue;
        const t = g.tiers.find((x) => tierMatches(x, v));
        if (t) sum += t.points;
      }
      return Math.min(attr.cap, sum);
    }),
  );
  engine.addFact('behaviourScore', (_p, almanac) =>
    almanac.factValue<Lead>('lead').then((lead) => {
      if (lead.maBehaviourScore !== null) return Math.round(lead.maBehaviourScore);
      let sum = 0;
      for (const a of lead.activities) {
        const ago =
          Math.floor((now + 9 * 3_600_000) / DAY) - Math.floor((Date.parse(a.at) + 9 * 3_600_000) / DAY);
        if (ago < 0 || ago > beh.windowDays) continue;
        const w = (beh.weights[a.type] ?? 0) + (a.page ? (beh.pageWeights[a.page] ?? 0) : 0);
        sum += w * 0.5 ** (ago / (beh.halfLifeDays ?? Number.POSITIVE_INFINITY));
      }
      return Math.min(beh.cap ?? Number.POSITIVE_INFINITY, Math.round(sum));
    }),
  );
  const flagRule = (priority: number, name: string, flag: string, conditions: object) =>
    engine.addRule({
      priority,
      name,
      conditions: conditions as never,
      event: { type: flag, params: { rule: name } },
    });
  flagRule(100, 'manual_request', 'yes', {
    all: [{ fact: 'manualRequested', operator: 'equal', value: true }],
  });
  // The preset's intent floor: a customer is tossed up only with behaviour ≥ customerIntent.
  flagRule(90, 'existing_customer', 'yes', {
    all: [
      { fact: 'existingCustomer', operator: 'equal', value: true },
      { fact: 'behaviourScore', operator: 'greaterThanInclusive', value: thresholds.customerIntent },
    ],
  });
  flagRule(89, 'existing_customer_no_intent', 'no', {
    all: [{ fact: 'existingCustomer', operator: 'equal', value: true }],
  });
  flagRule(80, 'strategic_target', 'hold', {
    all: [{ fact: 'strategicTarget', operator: 'equal', value: true }],
  });
  flagRule(70, 'previously_lost', 'no', {
    all: [{ fact: 'previouslyLost', operator: 'equal', value: true }],
  });
  flagRule(60, 'auto_tossup', 'yes', {
    all: [
      { fact: 'attributeScore', operator: 'greaterThanInclusive', value: thresholds.attribute },
      { fact: 'behaviourScore', operator: 'greaterThanInclusive', value: thresholds.behaviour },
    ],
  });
  return {
    async run(lead) {
      const { events } = await engine.run({
        lead,
        manualRequested: lead.manualRequest !== null,
        existingCustomer: lead.company.existingCustomer,
        strategicTarget: lead.company.strategicTarget,
        previouslyLost: lead.history.previouslyLost,
      });
      // Events come back in priority order; the first is the deciding rule, as in our engine.
      return events[0]?.type ?? 'no';
    },
  };
}
