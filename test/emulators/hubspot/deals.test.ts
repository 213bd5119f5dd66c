import { describe, expect, it } from 'vitest';
import { closeDeal, createDeal } from '../../../emulators/hubspot/index.ts';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** What the sweep's opportunity phase reads in HubSpot (issue 14): deals, their contacts, stage changes. */

const T = Date.parse('2026-12-01T01:00:00.000Z');

describe('deals for the opportunity phase', () => {
  it('a rep-created deal is associated with the contact and found by a hs_lastmodifieddate search', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    hs.clock.pin(new Date(T).toISOString());
    const deal = createDeal(hs.store, { contactId: '1001', name: '商談' });
    const client = sdk(hs);
    const found = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE' as never, value: String(T) }] },
      ],
      sorts: ['hs_lastmodifieddate'],
      properties: ['dealstage', 'createdate', 'closed_lost_reason'],
      limit: 100,
    });
    expect(found.results.map((r) => r.id)).toEqual([deal.id]);
    expect(found.results[0]!.properties).toMatchObject({ dealstage: 'appointmentscheduled' });
    const assoc = await client.crm.associations.v4.batchApi.getPage('deals', 'contacts', {
      inputs: [{ id: deal.id }],
    });
    expect(assoc.results[0]!.to.map((t) => String(t.toObjectId))).toEqual(['1001']);
  });

  it('closing lost keeps closed_lost_reason; associating a contact later moves the deal modification time', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    hs.clock.pin(new Date(T).toISOString());
    const deal = createDeal(hs.store, { contactId: '1001' });
    hs.clock.pin(new Date(T + 3_600_000).toISOString());
    closeDeal(hs.store, deal.id, { won: false, lostReason: '予算不足' });
    expect(hs.store.get('deals', deal.id)!.props).toMatchObject({
      dealstage: 'closedlost',
      closed_lost_reason: '予算不足',
    });
    hs.clock.pin(new Date(T + 7_200_000).toISOString());
    const res = await rawFetch(hs, `/crm/v4/objects/deals/${deal.id}/associations/default/contacts/1002`, {
      method: 'PUT',
    });
    expect(res.status).toBe(200);
    expect(hs.store.get('deals', deal.id)!.updatedAt).toBe(T + 7_200_000);
    // The admin routes do the same for a test driving the emulator from another process.
    const made = await rawFetch(hs, '/__admin/hubspot/deals', {
      method: 'POST',
      body: { contactId: '1002' },
    });
    expect(made.status).toBe(201);
    const id = (made.body as { id: string }).id;
    const closed = await rawFetch(hs, `/__admin/hubspot/deals/${id}/close`, {
      method: 'POST',
      body: { won: true },
    });
    expect((closed.body as { properties: Record<string, string> }).properties.dealstage).toBe('closedwon');
  });
});
