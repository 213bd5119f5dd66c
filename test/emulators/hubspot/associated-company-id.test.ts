import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** `associatedcompanyid`: HubSpot's read-only contact property holding the primary company id. */
describe('associatedcompanyid', () => {
  it('is seeded from the primary company and comes back on search and batch read', async () => {
    const world = tinyWorld();
    const hs = await startEmulator({ world, rateLimits: { enabled: false } });
    const ids = hs.seedSummary!.ids;
    const p1 = ids.contacts.get('p1')!;
    const c1 = ids.companies.get('c1')!;
    const client = sdk(hs);
    const page = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [{ propertyName: 'associatedcompanyid', operator: 'EQ' as never, value: c1 }] },
      ],
      properties: ['associatedcompanyid'],
      limit: 10,
    });
    expect(page.results.map((r) => r.id).sort()).toEqual([p1, ids.contacts.get('p2')!].sort());
    expect(page.results[0]!.properties.associatedcompanyid).toBe(c1);
    // Seeding did not move the World's modification times.
    expect(hs.store.get('contacts', p1)!.updatedAt).toBe(
      Date.parse(world.people.find((p) => p.key === 'p1')!.modifiedAt),
    );
    const def = (await rawFetch(hs, '/crm/v3/properties/contacts/associatedcompanyid')).body as {
      modificationMetadata: { readOnlyValue: boolean };
    };
    expect(def.modificationMetadata.readOnlyValue).toBe(true);
  });

  it('refuses API writes as read-only', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const p1 = hs.seedSummary!.ids.contacts.get('p1')!;
    const res = await rawFetch(hs, `/crm/v3/objects/contacts/${p1}`, {
      method: 'PATCH',
      body: { properties: { associatedcompanyid: '123' } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('READ_ONLY_VALUE');
  });

  it('follows a new primary company and a deleted one, moving lastmodifieddate', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-04-01T00:00:00.000Z');
    const hs = await startEmulator({ world: tinyWorld(), clock, rateLimits: { enabled: false } });
    const contact = hs.store.create('contacts', { email: 'new@delta.example.jp' }, { system: true });
    const company = hs.store.create('companies', { name: 'デルタ' }, { system: true });
    expect(contact.props.associatedcompanyid).toBeUndefined();
    clock.advance(1000);
    const put = await rawFetch(
      hs,
      `/crm/v4/objects/contacts/${contact.id}/associations/default/companies/${company.id}`,
      { method: 'PUT' },
    );
    expect(put.status).toBe(200);
    expect(contact.props.associatedcompanyid).toBe(company.id);
    expect(contact.updatedAt).toBe(Date.parse('2025-04-01T00:00:01.000Z'));

    clock.advance(1000);
    hs.store.archive('companies', company.id);
    expect(contact.props.associatedcompanyid).toBeUndefined();
    expect(contact.updatedAt).toBe(Date.parse('2025-04-01T00:00:02.000Z'));
  });

  it('is set without a separate modification when a contact is created with its primary company', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const c2 = hs.seedSummary!.ids.companies.get('c2')!;
    const res = await rawFetch(hs, '/crm/v3/objects/contacts', {
      method: 'POST',
      body: {
        properties: { email: 'x@beta.example.jp' },
        associations: [
          { to: { id: c2 }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] },
        ],
      },
    });
    expect(res.status).toBe(201);
    const rec = hs.store.get('contacts', (res.body as { id: string }).id)!;
    expect(rec.props.associatedcompanyid).toBe(c2);
    expect(rec.updatedAt).toBe(rec.createdAt);
  });
});
