import type {
  OpportunityStage,
  World,
  WorldActivity,
  WorldAnswer,
  WorldCompany,
  WorldPerson,
} from '../world/world.ts';
import { CONVERSION_ACTIVITIES } from './activity-events.ts';
import type { CrmStore } from './crm-store.ts';
import { HubspotApiError } from './hubspot-errors.ts';
import type { ObjectType } from './object-types.ts';
import type { HubspotTeam } from './owner-directory.ts';

/**
 * Fills a portal from the neutral World the way a HubSpot customer's data would look:
 * users become owners (owner ids differ from user ids), companies keep their dirty values
 * (blank employee counts, free-text `company_size` on contacts), opportunities become deals in
 * HubSpot stages, every person becomes a contact with a primary company, and behaviour is
 * summarised into HubSpot's calculated contact properties while the individual events stay
 * readable through `/events/v3/events`.
 *
 * Custom properties the portal lacks (`withCustomProperties: false`) are left out and listed in
 * the summary, as an import into such a portal would drop them.
 */

/** World industry code → HubSpot `industry` option; `null` = no HubSpot equivalent, left blank. */
export const WORLD_INDUSTRY_TO_HUBSPOT: Readonly<Record<string, string | null>> = {
  manufacturing: 'MACHINERY',
  it_software: 'COMPUTER_SOFTWARE',
  finance: 'FINANCIAL_SERVICES',
  retail: 'RETAIL',
  healthcare: 'HOSPITAL_HEALTH_CARE',
  logistics: 'LOGISTICS_AND_SUPPLY_CHAIN',
  construction: 'CONSTRUCTION',
  public: 'GOVERNMENT_ADMINISTRATION',
  other: null,
};

export const WORLD_STAGE_TO_DEALSTAGE: Readonly<Record<OpportunityStage, string>> = {
  Prospecting: 'appointmentscheduled',
  Negotiation: 'contractsent',
  'Closed Won': 'closedwon',
  'Closed Lost': 'closedlost',
};

export interface SeedSummary {
  owners: number;
  companies: number;
  deals: number;
  contacts: number;
  /** World key → HubSpot id, so tests can find the record a World entity became. */
  ids: {
    owners: Map<string, string>;
    companies: Map<string, string>;
    contacts: Map<string, string>;
    deals: Map<string, string>;
  };
  /** Properties left out because the portal does not have them. */
  skippedProperties: string[];
  /** World industry codes with no HubSpot option; the company's industry is left blank. */
  unmappedIndustries: string[];
  /** People whose e-mail was already taken by an earlier contact; created without an e-mail. */
  duplicateEmails: string[];
}

const DAY_MS = 86_400_000;

export function seedFromWorld(store: CrmStore, world: World): SeedSummary {
  const summary: SeedSummary = {
    owners: 0,
    companies: 0,
    deals: 0,
    contacts: 0,
    ids: { owners: new Map(), companies: new Map(), contacts: new Map(), deals: new Map() },
    skippedProperties: [],
    unmappedIndustries: [],
    duplicateEmails: [],
  };
  const skipped = new Set<string>();
  const unmapped = new Set<string>();
  const asOf = Date.parse(world.asOf);
  // Records are created "before" the World's now; companies a year and a bit earlier.
  const companyCreatedAt = asOf - 400 * DAY_MS;

  const keep = (type: ObjectType, props: Record<string, string | undefined>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === '') continue;
      if (!store.properties.has(type, k)) {
        skipped.add(`${type}.${k}`);
        continue;
      }
      out[k] = v;
    }
    return out;
  };

  for (const c of world.campaigns) store.setCampaignName(c.key, c.name);

  const teamsByUser = new Map<string, HubspotTeam[]>();
  world.queues.forEach((q, i) => {
    for (const member of q.memberKeys) {
      const teams = teamsByUser.get(member) ?? [];
      teams.push({ id: String(500_001 + i), name: q.name, primary: teams.length === 0 });
      teamsByUser.set(member, teams);
    }
  });
  for (const u of world.users) {
    const owner = store.owners.add({
      email: u.email,
      firstName: u.firstName,
      lastName: u.lastName,
      active: u.active,
      teams: teamsByUser.get(u.key) ?? [],
      createdAt: asOf - 730 * DAY_MS,
    });
    summary.ids.owners.set(u.key, owner.id);
  }
  summary.owners = world.users.length;
  const ownerOf = (key: string | null) => (key === null ? undefined : summary.ids.owners.get(key));

  const companiesByKey = new Map<string, WorldCompany>();
  for (const c of world.companies) {
    companiesByKey.set(c.key, c);
    const mapped = c.industry === null ? null : WORLD_INDUSTRY_TO_HUBSPOT[c.industry];
    if (c.industry !== null && mapped === undefined) unmapped.add(c.industry);
    const industry = mapped ?? undefined;
    const hasOpenDeal = c.opportunities.some((o) => !o.stage.startsWith('Closed'));
    const rec = store.create(
      'companies',
      keep('companies', {
        name: c.name,
        domain: c.domain,
        website: `https://${c.domain}`,
        numberofemployees: c.employees === null ? undefined : String(c.employees),
        annualrevenue: c.revenueJpy === null ? undefined : String(c.revenueJpy),
        industry,
        state: c.prefecture ?? undefined,
        country: 'Japan',
        lifecyclestage: c.existingCustomer ? 'customer' : hasOpenDeal ? 'opportunity' : 'lead',
        hubspot_owner_id: ownerOf(c.ownerKey),
        strategic_target: String(c.strategicTarget),
      }),
      { system: true, bulk: true, at: companyCreatedAt, createdAt: companyCreatedAt },
    );
    summary.ids.companies.set(c.key, rec.id);
    for (const o of c.opportunities) {
      const closeAt = Date.parse(`${o.closeDate}T00:00:00.000Z`);
      const createdAt = Math.min(closeAt - 60 * DAY_MS, asOf - DAY_MS);
      const deal = store.create(
        'deals',
        keep('deals', {
          dealname: o.name,
          dealstage: WORLD_STAGE_TO_DEALSTAGE[o.stage],
          pipeline: 'default',
          amount: String(o.amountJpy),
          closedate: new Date(closeAt).toISOString(),
          hubspot_owner_id: ownerOf(c.ownerKey),
        }),
        {
          system: true,
          bulk: true,
          at: Math.min(closeAt, asOf),
          createdAt,
          associations: [{ toType: 'companies', toId: rec.id, primary: true }],
        },
      );
      summary.ids.deals.set(o.key, deal.id);
      summary.deals += 1;
    }
  }
  summary.companies = world.companies.length;

  const dealIdsByCompany = new Map<string, string[]>();
  for (const c of world.companies) {
    dealIdsByCompany.set(
      c.key,
      c.opportunities.map((o) => summary.ids.deals.get(o.key)!),
    );
  }

  for (const p of world.people) {
    const company = companiesByKey.get(p.companyKey);
    const companyId = summary.ids.companies.get(p.companyKey);
    const props = keep(
      'contacts',
      contactProperties(p, company, ownerOf, (k) => store.campaignName(k)),
    );
    const options = {
      system: true,
      bulk: true,
      at: Date.parse(p.modifiedAt),
      createdAt: Date.parse(p.createdAt),
      associations: companyId ? [{ toType: 'companies' as const, toId: companyId, primary: true }] : [],
    };
    let rec: ReturnType<CrmStore['create']>;
    try {
      rec = store.create('contacts', props, options);
    } catch (error) {
      if (!(error instanceof HubspotApiError) || error.response.status !== 409) throw error;
      summary.duplicateEmails.push(p.email);
      const { email: _dropped, ...rest } = props;
      rec = store.create('contacts', rest, options);
    }
    summary.ids.contacts.set(p.key, rec.id);
    for (const dealId of dealIdsByCompany.get(p.companyKey) ?? [])
      store.associate('deals', dealId, 'contacts', rec.id);
    if (p.activities.length > 0) store.setActivities(rec.id, p.activities);
  }
  summary.contacts = world.people.length;

  store.rebuildIndexes();
  summary.skippedProperties = [...skipped].sort();
  summary.unmappedIndustries = [...unmapped].sort();
  return summary;
}

const HEARING_VALUE: Readonly<Record<WorldAnswer, string>> = { yes: 'yes', no: 'no', unknown: 'unknown' };

function contactProperties(
  p: WorldPerson,
  company: WorldCompany | undefined,
  ownerOf: (key: string | null) => string | undefined,
  campaignName: (key: string) => string | undefined,
): Record<string, string | undefined> {
  const h = p.hearing;
  const requestedBy = ownerOf(p.manualRequestByKey);
  return {
    email: p.email,
    firstname: p.firstName,
    lastname: p.lastName,
    phone: p.phone ?? undefined,
    jobtitle: p.title ?? undefined,
    department: p.department ?? undefined,
    company: company?.name,
    company_size: company?.employeesText ?? undefined,
    state: company?.prefecture ?? undefined,
    hubspot_owner_id: ownerOf(p.ownerKey),
    lifecyclestage: company?.existingCustomer && p.kind === 'contact' ? 'customer' : 'lead',
    ma_behaviour_score: p.maScore === null ? undefined : String(p.maScore),
    is_heard_at: h?.heardAt,
    is_budget: h ? HEARING_VALUE[h.budget] : undefined,
    is_decision_maker: h ? HEARING_VALUE[h.decisionMaker] : undefined,
    is_decision_involved: h ? HEARING_VALUE[h.decisionInvolved] : undefined,
    is_clear_problem: h ? HEARING_VALUE[h.clearProblem] : undefined,
    is_timeline_months: h?.timelineMonths === null || h === null ? undefined : String(h.timelineMonths),
    is_hearing_notes: h?.notes ?? undefined,
    sales_tossup_request: requestedBy ? 'true' : undefined,
    sales_tossup_requested_by: requestedBy,
    ...behaviourProperties(p.activities, campaignName),
  };
}

/** HubSpot's calculated engagement properties, derived from the person's activity history. */
export function behaviourProperties(
  activities: readonly WorldActivity[],
  campaignName: (key: string) => string | undefined = () => undefined,
): Record<string, string | undefined> {
  const sorted = [...activities].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const iso = (a: WorldActivity | undefined) => (a ? new Date(Date.parse(a.at)).toISOString() : undefined);
  const count = (n: number) => (n > 0 ? String(n) : undefined);
  const conversions = sorted.filter((a) => CONVERSION_ACTIVITIES.has(a.type));
  const views = sorted.filter((a) => a.type === 'page_view');
  const opens = sorted.filter((a) => a.type === 'email_open');
  const clicks = sorted.filter((a) => a.type === 'email_click');
  const pricing = views.filter((a) => a.page === 'pricing');
  const eventName = (a: WorldActivity | undefined) =>
    a ? ((a.campaignKey && campaignName(a.campaignKey)) ?? a.campaignKey ?? a.type) : undefined;
  return {
    num_conversion_events: count(conversions.length),
    first_conversion_date: iso(conversions[0]),
    first_conversion_event_name: eventName(conversions[0]),
    recent_conversion_date: iso(conversions.at(-1)),
    recent_conversion_event_name: eventName(conversions.at(-1)),
    hs_analytics_num_page_views: count(views.length),
    hs_analytics_num_visits: count(new Set(views.map((a) => a.at.slice(0, 10))).size),
    hs_analytics_last_visit_timestamp: iso(views.at(-1)),
    hs_email_open: count(opens.length),
    hs_email_click: count(clicks.length),
    hs_email_last_open_date: iso(opens.at(-1)),
    hs_email_last_click_date: iso(clicks.at(-1)),
    tossup_pricing_page_last_view: iso(pricing.at(-1)),
  };
}
