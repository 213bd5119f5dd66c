import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import type { Lead } from '../../src/domain/lead.ts';
import type { PipelineDeps } from '../../src/pipeline/process-leads.ts';
import type { SyncOptions } from '../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';
import { heard, makeLead } from '../support/lead-factory.ts';

/** Tuesday 2026-11-24 10:00 JST (the day after 勤労感謝の日). */
export const NOW = '2026-11-24T01:00:00.000Z';

export const rules = loadCompiledRuleSet('large');
export const routing = parseRoutingConfig(
  readFileSync('mappings/routing.yaml', 'utf8'),
  'mappings/routing.yaml',
  {
    crm: 'salesforce',
  },
);
export const sla = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));
export const renderer = new ReasonRenderer('ja');

/** Reps of mappings/routing.yaml, by key → Salesforce user id. */
export const SF = {
  u001: '005000000000001AAA',
  u002: '005000000000002AAA',
  u004: '005000000000004AAA',
  u005: '005000000000005AAA',
  u011: '005000000000011AAA',
  isSalesPlanningQueue: '00G000000000001AAA',
} as const;

type LeadOver = Parameters<typeof makeLead>[0];

function sfLead(id: string, over: LeadOver): Lead {
  return makeLead({ id, crm: 'salesforce', objectType: 'Lead', ownerId: '005000000000099AAA', ...over });
}

/** Large enterprise, officer, Tokyo, MA score 80 → yes / field sales, pool fs_kanto_enterprise. */
export function hotLead(id: string, over: LeadOver = {}): Lead {
  return sfLead(id, {
    company: { name: `${id} 株式会社`, employees: 1200, industry: 'manufacturing', region: '東京都' },
    person: { title: '取締役', titleRank: 'officer', department: '情報システム部' },
    maBehaviourScore: 80,
    ...over,
  });
}

/** Small company, no behaviour → no / nurture (no task). */
export function coldLead(id: string, over: LeadOver = {}): Lead {
  return sfLead(id, {
    company: { name: `${id} 商店`, employees: 40, industry: 'retail', region: '大阪府' },
    person: { title: '担当', titleRank: 'staff', department: '総務部' },
    maBehaviourScore: 0,
    ...over,
  });
}

/** Existing customer: yes / field sales to the account owner (u004). */
export function customerLead(id: string): Lead {
  const l = hotLead(id);
  return { ...l, company: { ...l.company, existingCustomer: true, accountOwnerId: SF.u004 } };
}

/** Strategic target: hold / IS-sales planning review, routed to the is_sales_planning queue. */
export function strategicLead(id: string): Lead {
  const l = coldLead(id);
  return { ...l, company: { ...l.company, strategicTarget: true } };
}

/** Manual toss-up request by `requester` (a Salesforce user id). */
export function requestedLead(id: string, requester: string): Lead {
  return { ...coldLead(id), manualRequest: { requestedBy: requester, at: NOW }, hearing: heard() };
}

/** processLeads' deps over `crm`'s sink at NOW, fresh state and routing state; `over` adds or replaces. */
export function pipelineDeps(crm: FakeCrm, over: Partial<PipelineDeps> = {}): PipelineDeps {
  return {
    crm: 'salesforce',
    sink: crm.connector().sink,
    rules,
    renderer,
    routing,
    routingState: new MemoryRoutingState(),
    sla,
    state: new MemoryStateStore({ clock: fixedClock(NOW) }),
    now: new Date(NOW),
    scope: 'test',
    ...over,
  };
}

export function fixture(options: { pageSize?: number } = {}) {
  const crm = new FakeCrm({ pageSize: options.pageSize ?? 3 });
  const state = new MemoryStateStore({ clock: fixedClock(NOW) });
  const routingState = new MemoryRoutingState();
  const connector = crm.connector();
  const base = (over: Partial<SyncOptions> = {}): SyncOptions => ({
    connector,
    rules,
    renderer,
    routing,
    sla,
    state,
    routingState,
    clock: fixedClock(NOW),
    ...over,
  });
  return { crm, state, routingState, connector, options: base };
}

/**
 * The environment of an in-process `tossup sync --crm salesforce` against a FakeCrm (the connector is
 * overridden): placeholder credentials, and the state and runs directories under `dir`.
 */
export function salesforceCliEnv(dir: string): Record<string, string> {
  return {
    TOSSUP_SALESFORCE_CLIENT_ID: 'cid',
    TOSSUP_SALESFORCE_CLIENT_SECRET: 'secret-client',
    TOSSUP_SALESFORCE_USERNAME: 'u',
    TOSSUP_SALESFORCE_PASSWORD: 'secret-password',
    TOSSUP_STATE_DIR: join(dir, 'state'),
    TOSSUP_RUNS_DIR: join(dir, 'runs'),
    TOSSUP_RULES: 'large',
  };
}
