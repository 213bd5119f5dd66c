import type {
  OpportunityStage,
  World,
  WorldActivity,
  WorldActivityType,
  WorldAnswer,
  WorldCompany,
  WorldPerson,
} from '../world/world.ts';
import { idFromKey, KEY_PREFIXES } from './ids.ts';
import type { SalesforceStore } from './store.ts';

/**
 * Loads the neutral World into the emulated org the way a typical Salesforce customer holds it:
 * unconverted prospects as Leads, people at known companies as Contacts under Accounts, campaign
 * responses as CampaignMembers, web/e-mail engagement in a few custom fields. Ids are derived from
 * world keys, so the same world always yields the same ids.
 */

export interface SeededIds {
  users: Map<string, string>;
  queues: Map<string, string>;
  accounts: Map<string, string>;
  opportunities: Map<string, string>;
  campaigns: Map<string, string>;
  leads: Map<string, string>;
  contacts: Map<string, string>;
  campaignMembers: number;
}

/** World industry codes → the standard Industry picklist. */
export const INDUSTRY_MAP: Record<string, string> = {
  manufacturing: 'Manufacturing',
  it_software: 'Technology',
  finance: 'Finance',
  retail: 'Retail',
  healthcare: 'Healthcare',
  logistics: 'Transportation',
  construction: 'Construction',
  public: 'Government',
};

const STAGE_MAP: Record<OpportunityStage, string> = {
  Prospecting: 'Prospecting',
  Negotiation: 'Negotiation/Review',
  'Closed Won': 'Closed Won',
  'Closed Lost': 'Closed Lost',
};

const HEARING_MAP: Record<WorldAnswer, string> = { yes: 'あり', no: 'なし', unknown: '不明' };

/** Activities that make a campaign member "Responded"; the rest (opens, clicks, views) stay "Sent". */
const RESPONSE_TYPES = new Set<WorldActivityType>([
  'document_request',
  'webinar_attendance',
  'event_attendance',
  'form_submission',
  'inquiry',
]);

const DAY = 86_400_000;

/** Unique deterministic id; a (practically impossible) hash collision just takes the next salt. */
function seededId(store: SalesforceStore, prefix: string, key: string): string {
  for (let salt = 0; ; salt++) {
    const id = idFromKey(prefix, key, salt);
    if (!store.lookup(id)) return id;
  }
}

const cut = (v: string | null | undefined, max: number): string | null =>
  v === null || v === undefined || v === '' ? null : v.length > max ? v.slice(0, max) : v;

/** A world whose people may be streamed (e.g. `generatePeople(plan)` for a 1M-lead benchmark). */
export type SeedWorld = Omit<World, 'people'> & { people: Iterable<WorldPerson> };

export function seedFromWorld(store: SalesforceStore, world: SeedWorld): SeededIds {
  const asOf = Date.parse(world.asOf);
  const ids: SeededIds = {
    users: new Map(),
    queues: new Map(),
    accounts: new Map(),
    opportunities: new Map(),
    campaigns: new Map(),
    leads: new Map(),
    contacts: new Map(),
    campaignMembers: 0,
  };
  const setupAt = asOf - 365 * DAY;

  for (const u of world.users) {
    const id = seededId(store, KEY_PREFIXES.User, u.key);
    store.insert(
      'User',
      {
        Id: id,
        Username: u.email,
        Email: u.email,
        FirstName: cut(u.firstName, 40),
        LastName: cut(u.lastName, 80) ?? u.key,
        Alias: (u.key || u.lastName).slice(0, 8),
        IsActive: u.active,
        Sales_Role__c: u.role,
        Territory__c: cut(u.territory, 40),
      },
      { at: setupAt },
    );
    ids.users.set(u.key, id);
  }
  // User.ManagerId from the world's org chart, once every user has an id.
  for (const u of world.users) {
    const managerId = u.managerKey ? ids.users.get(u.managerKey) : undefined;
    if (managerId) store.update('User', ids.users.get(u.key)!, { ManagerId: managerId }, { at: setupAt });
  }
  for (const q of world.queues) {
    const id = seededId(store, KEY_PREFIXES.Group, q.key);
    store.insert(
      'Group',
      {
        Id: id,
        Name: cut(q.name, 40) ?? q.key,
        DeveloperName: q.key.replace(/[^A-Za-z0-9_]/g, '_'),
        Type: 'Queue',
      },
      { at: setupAt },
    );
    ids.queues.set(q.key, id);
  }

  const fallbackOwner = store.integrationUserId;
  for (const c of world.campaigns) {
    const id = seededId(store, KEY_PREFIXES.Campaign, c.key);
    const start = Date.parse(`${c.startDate}T00:00:00Z`);
    store.insert(
      'Campaign',
      {
        Id: id,
        Name: cut(c.name, 80) ?? c.key,
        Type: c.type,
        StartDate: c.startDate,
        Status: start <= asOf ? 'Completed' : 'Planned',
        IsActive: true,
        OwnerId: world.users[0] ? ids.users.get(world.users[0].key) : fallbackOwner,
      },
      { at: Math.min(start, asOf), createdAt: Math.min(start, asOf) - 30 * DAY },
    );
    ids.campaigns.set(c.key, id);
  }

  const companies = new Map(world.companies.map((c) => [c.key, c]));
  // Customers, strategic targets and companies with deals are accounts up front; any other
  // company becomes one when its first contact appears (people may be a one-pass stream).
  for (const co of world.companies) {
    if (co.existingCustomer || co.strategicTarget || co.opportunities.length > 0)
      seedAccount(store, co, ids, asOf);
  }
  for (const p of world.people) {
    const co = companies.get(p.companyKey);
    if (p.kind === 'contact' && co) {
      if (!ids.accounts.has(co.key)) seedAccount(store, co, ids, asOf);
      seedContact(store, p, co, ids, asOf);
    } else {
      seedLead(store, p, co, ids, asOf);
    }
  }
  return ids;
}

function seedAccount(store: SalesforceStore, co: WorldCompany, ids: SeededIds, asOf: number): void {
  const id = seededId(store, KEY_PREFIXES.Account, co.key);
  const owner = (co.ownerKey ? ids.users.get(co.ownerKey) : undefined) ?? store.integrationUserId;
  const setupAt = asOf - 365 * DAY;
  store.insert(
    'Account',
    {
      Id: id,
      Name: cut(co.name, 255) ?? co.key,
      Type: co.existingCustomer ? 'Customer' : 'Prospect',
      Strategic_Target__c: co.strategicTarget,
      NumberOfEmployees: co.employees,
      AnnualRevenue: co.revenueJpy,
      Industry: co.industry ? (INDUSTRY_MAP[co.industry] ?? 'Other') : null,
      BillingState: cut(co.prefecture, 80),
      BillingCountry: 'Japan',
      Website: cut(co.domain, 255),
      OwnerId: owner,
    },
    { at: setupAt },
  );
  ids.accounts.set(co.key, id);
  for (const o of co.opportunities) {
    const oid = seededId(store, KEY_PREFIXES.Opportunity, o.key);
    const close = Date.parse(`${o.closeDate}T00:00:00Z`);
    store.insert(
      'Opportunity',
      {
        Id: oid,
        Name: cut(o.name, 120) ?? o.key,
        StageName: STAGE_MAP[o.stage],
        CloseDate: o.closeDate,
        Amount: o.amountJpy,
        AccountId: id,
        OwnerId: owner,
      },
      { createdAt: Math.min(close, asOf) - 90 * DAY, at: Math.min(close, asOf) },
    );
    ids.opportunities.set(o.key, oid);
  }
}

function engagementFields(p: WorldPerson, asOf: number): Record<string, unknown> {
  const latest = (pred: (a: WorldActivity) => boolean): string | null => {
    let best: string | null = null;
    for (const a of p.activities) if (pred(a) && (best === null || a.at > best)) best = a.at;
    return best;
  };
  const views = p.activities.filter((a) => a.type === 'page_view');
  const since = asOf - 30 * DAY;
  return {
    Pricing_Page_Last_Viewed__c: latest((a) => a.type === 'page_view' && a.page === 'pricing'),
    Web_Page_Views_30d__c: views.length
      ? views.filter((a) => Date.parse(a.at) >= since && Date.parse(a.at) <= asOf).length
      : null,
    Email_Last_Opened__c: latest((a) => a.type === 'email_open'),
    Email_Last_Clicked__c: latest((a) => a.type === 'email_click'),
  };
}

function hearingFields(p: WorldPerson, ids: SeededIds): Record<string, unknown> {
  const h = p.hearing;
  return {
    pi__score__c: p.maScore,
    IS_Heard_At__c: h?.heardAt ?? null,
    IS_Budget__c: h ? HEARING_MAP[h.budget] : null,
    IS_Decision_Maker__c: h ? HEARING_MAP[h.decisionMaker] : null,
    IS_Decision_Involved__c: h ? HEARING_MAP[h.decisionInvolved] : null,
    IS_Clear_Problem__c: h ? HEARING_MAP[h.clearProblem] : null,
    IS_Timeline_Months__c: h?.timelineMonths ?? null,
    IS_Hearing_Notes__c: h?.notes ?? null,
    Sales_TossUp_Request__c: p.manualRequestByKey !== null,
    Sales_TossUp_Requested_By__c: p.manualRequestByKey ? (ids.users.get(p.manualRequestByKey) ?? null) : null,
  };
}

/** A lead at a company whose latest deal was lost is recorded as "Closed - Not Converted". */
function leadStatus(p: WorldPerson, co: WorldCompany | undefined): string {
  const latest = [...(co?.opportunities ?? [])].sort((a, b) => (a.closeDate < b.closeDate ? 1 : -1))[0];
  if (latest?.stage === 'Closed Lost') return 'Closed - Not Converted';
  return p.hearing ? 'Working - Contacted' : 'Open - Not Contacted';
}

function seedLead(
  store: SalesforceStore,
  p: WorldPerson,
  co: WorldCompany | undefined,
  ids: SeededIds,
  asOf: number,
): void {
  const id = seededId(store, KEY_PREFIXES.Lead, p.key);
  store.insert(
    'Lead',
    {
      Id: id,
      FirstName: cut(p.firstName, 40),
      LastName: cut(p.lastName, 80) ?? p.key,
      Company: cut(co?.name, 255) ?? '[not provided]',
      Email: cut(p.email, 80),
      Phone: cut(p.phone, 40),
      Title: cut(p.title, 128),
      Department__c: cut(p.department, 80),
      NumberOfEmployees: co?.employees ?? null,
      Employees_Text__c: co && co.employees === null ? cut(co.employeesText, 80) : null,
      AnnualRevenue: co?.revenueJpy ?? null,
      Industry: co?.industry ? (INDUSTRY_MAP[co.industry] ?? 'Other') : null,
      State: cut(co?.prefecture, 80),
      Country: 'Japan',
      Website: cut(co?.domain, 255),
      Status: leadStatus(p, co),
      LeadSource: cut(p.leadSource, 255),
      Strategic_Target__c: co?.strategicTarget ?? false,
      OwnerId: ids.users.get(p.ownerKey) ?? ids.queues.get(p.ownerKey) ?? store.integrationUserId,
      ...hearingFields(p, ids),
      ...engagementFields(p, asOf),
    },
    { createdAt: p.createdAt, at: p.modifiedAt },
  );
  ids.leads.set(p.key, id);
  seedCampaignMembers(store, p, ids, { LeadId: id });
}

function seedContact(
  store: SalesforceStore,
  p: WorldPerson,
  co: WorldCompany | undefined,
  ids: SeededIds,
  asOf: number,
): void {
  const id = seededId(store, KEY_PREFIXES.Contact, p.key);
  store.insert(
    'Contact',
    {
      Id: id,
      FirstName: cut(p.firstName, 40),
      LastName: cut(p.lastName, 80) ?? p.key,
      Email: cut(p.email, 80),
      Phone: cut(p.phone, 40),
      Title: cut(p.title, 128),
      Department: cut(p.department, 80),
      AccountId: co ? (ids.accounts.get(co.key) ?? null) : null,
      OwnerId: ids.users.get(p.ownerKey) ?? store.integrationUserId,
      LeadSource: cut(p.leadSource, 255),
      ...hearingFields(p, ids),
      ...engagementFields(p, asOf),
    },
    { createdAt: p.createdAt, at: p.modifiedAt },
  );
  ids.contacts.set(p.key, id);
  seedCampaignMembers(store, p, ids, { ContactId: id });
}

function seedCampaignMembers(
  store: SalesforceStore,
  p: WorldPerson,
  ids: SeededIds,
  who: { LeadId: string } | { ContactId: string },
): void {
  const byCampaign = new Map<string, WorldActivity[]>();
  for (const a of p.activities) {
    if (!a.campaignKey || !ids.campaigns.has(a.campaignKey)) continue;
    const list = byCampaign.get(a.campaignKey) ?? [];
    list.push(a);
    byCampaign.set(a.campaignKey, list);
  }
  for (const [campaignKey, acts] of byCampaign) {
    acts.sort((a, b) => (a.at < b.at ? -1 : 1));
    const firstResponse = acts.find((a) => RESPONSE_TYPES.has(a.type));
    const last = acts[acts.length - 1]!;
    store.insert(
      'CampaignMember',
      {
        Id: seededId(store, KEY_PREFIXES.CampaignMember, `${p.key}:${campaignKey}`),
        CampaignId: ids.campaigns.get(campaignKey),
        ...who,
        Status: firstResponse ? 'Responded' : 'Sent',
        FirstRespondedDate: firstResponse ? firstResponse.at.slice(0, 10) : null,
      },
      { createdAt: acts[0]!.at, at: last.at },
    );
    ids.campaignMembers += 1;
  }
}
