import { describe, expect, it } from 'vitest';
import { createHubspotApp } from '../../../emulators/hubspot/index.ts';
import { sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** The World as a HubSpot customer's portal holds it (docs/crm-fields.md "Read by the connector"). */

describe('Seeding from a World', () => {
  it('maps companies with their dirty values, owners and deals', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const ids = hs.seedSummary!.ids;
    const client = sdk(hs);
    const props = [
      'name',
      'numberofemployees',
      'annualrevenue',
      'industry',
      'state',
      'lifecyclestage',
      'hubspot_owner_id',
      'strategic_target',
    ];
    const alpha = await client.crm.companies.basicApi.getById(ids.companies.get('c1')!, props);
    expect(alpha.properties).toMatchObject({
      name: '株式会社アルファ',
      numberofemployees: '1200',
      annualrevenue: '5000000000',
      industry: 'MACHINERY',
      state: '東京都',
      lifecyclestage: 'customer',
      hubspot_owner_id: ids.owners.get('u001'),
      strategic_target: 'false',
    });
    const beta = await client.crm.companies.basicApi.getById(ids.companies.get('c2')!, props);
    expect(beta.properties).toMatchObject({
      numberofemployees: null,
      annualrevenue: null,
      state: null,
      lifecyclestage: 'lead',
      strategic_target: 'true',
      hubspot_owner_id: ids.owners.get('u003'),
    });
    const gamma = await client.crm.companies.basicApi.getById(ids.companies.get('c3')!, ['industry']);
    expect(gamma.properties.industry).toBeNull();
    expect(hs.seedSummary!.unmappedIndustries).toEqual(['space_mining']);

    const lost = await client.crm.deals.basicApi.getById(
      ids.deals.get('o2')!,
      ['dealstage', 'amount', 'closedate'],
      undefined,
      ['companies', 'contacts'],
    );
    expect(lost.properties).toMatchObject({
      dealstage: 'closedlost',
      amount: '800000',
      closedate: '2024-11-15T00:00:00.000Z',
    });
    expect(lost.associations?.companies?.results[0]).toEqual({
      id: ids.companies.get('c2'),
      type: 'deal_to_company',
    });
    expect(lost.associations?.contacts?.results.map((r) => r.id).sort()).toEqual([
      ids.contacts.get('p3'),
      ids.contacts.get('p4'),
    ]);
  });

  it('maps people to contacts with hearing, manual requests and behaviour summaries', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const ids = hs.seedSummary!.ids;
    const client = sdk(hs);
    const tanaka = await client.crm.contacts.basicApi.getById(ids.contacts.get('p1')!, [
      'email',
      'jobtitle',
      'department',
      'company_size',
      'hubspot_owner_id',
      'lifecyclestage',
      'ma_behaviour_score',
      'is_heard_at',
      'is_budget',
      'is_decision_involved',
      'is_timeline_months',
      'is_hearing_notes',
      'num_conversion_events',
      'first_conversion_date',
      'recent_conversion_date',
      'recent_conversion_event_name',
      'hs_analytics_num_page_views',
      'hs_analytics_last_visit_timestamp',
      'hs_email_open',
      'hs_email_click',
      'hs_email_last_open_date',
      'hs_email_last_click_date',
      'tossup_pricing_page_last_view',
    ]);
    expect(tanaka.createdAt.toISOString()).toBe('2025-01-10T00:00:00.000Z');
    expect(tanaka.properties).toMatchObject({
      email: 'ichiro.tanaka@alpha.example.jp',
      jobtitle: '取締役 営業本部長',
      department: '情報システム部',
      company_size: '1,200名',
      hubspot_owner_id: ids.owners.get('u001'),
      lifecyclestage: 'customer',
      ma_behaviour_score: '120',
      is_heard_at: '2025-03-20T05:00:00.000Z',
      is_budget: 'yes',
      is_decision_involved: 'unknown',
      is_timeline_months: '3',
      is_hearing_notes: '来期予算で検討',
      num_conversion_events: '2',
      first_conversion_date: '2025-03-01T01:00:00.000Z',
      recent_conversion_date: '2025-03-10T04:00:00.000Z',
      recent_conversion_event_name: '春のウェビナー',
      hs_analytics_num_page_views: '2',
      hs_analytics_last_visit_timestamp: '2025-03-12T02:00:00.000Z',
      hs_email_open: '1',
      hs_email_click: '1',
      hs_email_last_open_date: '2025-03-13T02:00:00.000Z',
      hs_email_last_click_date: '2025-03-13T02:05:00.000Z',
      tossup_pricing_page_last_view: '2025-03-11T02:00:00.000Z',
      lastmodifieddate: '2025-03-05T09:00:00.000Z',
    });
    const kenji = await client.crm.contacts.basicApi.getById(ids.contacts.get('p3')!, [
      'sales_tossup_request',
      'sales_tossup_requested_by',
      'company_size',
      'is_budget',
    ]);
    expect(kenji.properties).toMatchObject({
      sales_tossup_request: 'true',
      sales_tossup_requested_by: ids.owners.get('u001'),
      company_size: 'about 300',
      is_budget: null,
    });
    // The World's duplicate e-mail: HubSpot keeps e-mails unique, so the second contact has none.
    expect(hs.seedSummary!.duplicateEmails).toEqual(['ann@gamma.example.com']);
    expect(hs.store.get('contacts', ids.contacts.get('p6')!)!.props.email).toBeUndefined();
  });

  it('serves individual behaviour events through the events API', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const contactId = hs.seedSummary!.ids.contacts.get('p1')!;
    const page = await client.events.eventsApi.getPage(
      'contact',
      undefined,
      undefined,
      undefined,
      100,
      undefined,
      undefined,
      undefined,
      Number(contactId),
    );
    expect(page.results).toHaveLength(6);
    expect(page.results[0]!.eventType).toBe('e_clicked_email');
    expect(page.results[0]!.occurredAt.toISOString()).toBe('2025-03-13T02:05:00.000Z');
    const webinars = await client.events.eventsApi.getPage(
      'contact',
      'e_attended_webinar',
      undefined,
      undefined,
      10,
      undefined,
      undefined,
      undefined,
      Number(contactId),
    );
    expect(webinars.results.map((e) => e.properties)).toEqual([
      { hs_activity_type: 'webinar_attendance', hs_campaign_key: 'k1', hs_campaign_name: '春のウェビナー' },
    ]);
    const recent = await client.events.eventsApi.getPage(
      'contact',
      'e_visited_page',
      undefined,
      undefined,
      10,
      ['occurredAt'],
      new Date('2025-03-11T12:00:00Z'),
      undefined,
      Number(contactId),
    );
    expect(recent.results.map((e) => e.properties?.hs_page_key)).toEqual(['blog']);
    const types = await client.events.eventsApi.getTypes();
    expect(types.eventTypes).toContain('e_document_request');
  });

  it('leaves out custom properties the portal does not have', () => {
    const none = createHubspotApp({ world: tinyWorld(), withCustomProperties: false });
    expect(none.seedSummary!.skippedProperties).toContain('contacts.is_budget');
    expect(none.seedSummary!.skippedProperties).toContain('companies.strategic_target');
    expect(none.store.get('contacts', '1001')!.props.jobtitle).toBe('取締役 営業本部長');
    const inputs = createHubspotApp({ world: tinyWorld(), withCustomProperties: 'inputs-only' });
    expect(inputs.seedSummary!.skippedProperties).toEqual([]);
    expect(inputs.store.properties.has('contacts', 'tossup_flag')).toBe(false);
    expect(inputs.store.properties.has('contacts', 'is_budget')).toBe(true);
  });
});
