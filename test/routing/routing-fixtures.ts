import type { DecidedOwner, Decision } from '../../src/domain/decision.ts';
import { EMPTY_CURRENT, type Lead, type NextAction } from '../../src/domain/lead.ts';
import { parseRoutingConfig, type RoutingConfig } from '../../src/routing/routing-config.ts';

/** A lead with only the fields routing looks at filled in; everything else is blank. */
export function makeLead(id: string, company: Partial<Lead['company']> = {}): Lead {
  return {
    id,
    crm: 'salesforce',
    objectType: 'Lead',
    ownerId: null,
    modifiedAt: null,
    company: {
      name: 'テスト株式会社',
      employees: 300,
      revenueJpy: null,
      industry: 'manufacturing',
      region: '東京都',
      existingCustomer: false,
      accountOwnerId: null,
      strategicTarget: false,
      ...company,
    },
    person: { title: null, titleRank: null, department: null, emailDomain: null },
    activities: [],
    maBehaviourScore: null,
    hearing: null,
    history: { previouslyLost: false, lastTossUpAt: null },
    manualRequest: null,
    current: { ...EMPTY_CURRENT },
    dataIssues: [],
  };
}

export function makeDecision(
  leadId: string,
  nextAction: NextAction = 'field_sales_tossup',
  owner?: DecidedOwner,
  decidedAt = '2026-03-09T01:00:00Z', // Monday 10:00 JST
): Decision {
  return {
    leadId,
    flag: 'yes',
    nextAction,
    priority: 'high',
    scores: { attribute: 70, behaviour: 50 },
    ...(owner ? { owner } : {}),
    reasons: [{ code: 'test', params: {} }],
    ruleId: 'test',
    missing: [],
    rulesVersion: 'v1',
    decidedAt,
  };
}

/** A small routing file: one 3:2:1 pool for field sales, an IS pool, queues and an overflow queue. */
export const SMALL_ROUTING = `version: 1
territories:
  kanto: [東京都, 神奈川県]
  kansai: [大阪府]
segments:
  - { id: enterprise, minEmployees: 1000 }
  - { id: smb, minEmployees: 0, maxEmployees: 999 }
reps:
  - { key: a, name: A, salesforceId: "005000000000001AAA", hubspotOwnerId: "101" }
  - { key: b, name: B, salesforceId: "005000000000002AAA", hubspotOwnerId: "102" }
  - { key: c, name: C, salesforceId: "005000000000003AAA", hubspotOwnerId: "103" }
  - { key: d, name: D, salesforceId: "005000000000004AAA", hubspotOwnerId: "104" }
  - { key: i1, name: IS1, salesforceId: "005000000000011AAA", hubspotOwnerId: "111" }
  - { key: gone, name: Gone, salesforceId: "005000000000099AAA", hubspotOwnerId: "199", active: false }
queues:
  - { key: planning, name: IS/営業企画, salesforceId: "00G000000000001AAA", hubspotOwnerId: "901" }
  - { key: marketing, name: Marketing, salesforceId: "00G000000000002AAA", hubspotOwnerId: "902" }
  - { key: overflow, name: Overflow, salesforceId: "00G000000000003AAA", hubspotOwnerId: "903" }
pools:
  - id: fs
    members:
      - { rep: a, weight: 3 }
      - { rep: b, weight: 2 }
      - { rep: c, weight: 1 }
  - id: is
    members:
      - { rep: i1 }
rules:
  - { id: planning, when: { nextAction: notify_is_sales_planning }, queue: planning }
  - { id: nurture, when: { nextAction: nurture }, queue: marketing }
  - { id: is, when: { nextAction: "inside_sales_*" }, pool: is }
  - { id: fs-kanto, when: { nextAction: field_sales_tossup, territory: kanto }, pool: fs }
overflow: { queue: overflow }
`;

export function smallConfig(edit: (c: RoutingConfig) => RoutingConfig = (c) => c): RoutingConfig {
  return edit(parseRoutingConfig(SMALL_ROUTING, 'routing.yaml'));
}

/** Replaces one pool's members (structural copy, so the cached directory of the original is untouched). */
export function withPoolMembers(
  config: RoutingConfig,
  poolId: string,
  members: RoutingConfig['pools'][number]['members'],
) {
  return { ...config, pools: config.pools.map((p) => (p.id === poolId ? { ...p, members } : p)) };
}
