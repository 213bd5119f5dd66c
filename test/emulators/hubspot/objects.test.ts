import { describe, expect, it } from 'vitest';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** Basic CRM v3 object endpoints: create/read/update/archive, list paging, idProperty reads. */

describe('CRM v3 objects', () => {
  it('creates, reads, updates and archives a contact; archived records list separately', async () => {
    const hs = await startEmulator({ rateLimits: { enabled: false } });
    const client = sdk(hs);
    const created = await client.crm.contacts.basicApi.create({
      properties: { email: 'Mixed.Case@Example.JP', firstname: '花子', ma_behaviour_score: '42' },
      associations: [],
    });
    expect(created.properties).toMatchObject({
      email: 'mixed.case@example.jp',
      ma_behaviour_score: '42',
      hs_object_id: created.id,
    });
    expect(created.createdAt).toBeInstanceOf(Date);

    const byEmail = await client.crm.contacts.basicApi.getById(
      'MIXED.case@example.jp',
      ['firstname'],
      undefined,
      undefined,
      false,
      'email',
    );
    expect(byEmail.id).toBe(created.id);
    expect(Object.keys(byEmail.properties).sort()).toEqual([
      'createdate',
      'firstname',
      'hs_object_id',
      'lastmodifieddate',
    ]);

    const updated = await client.crm.contacts.basicApi.update(created.id, {
      properties: { jobtitle: 'CTO' },
    });
    expect(updated.properties.jobtitle).toBe('CTO');

    await client.crm.contacts.basicApi.archive(created.id);
    const gone = await rawFetch(hs, `/crm/v3/objects/contacts/${created.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      category: 'OBJECT_NOT_FOUND',
      message: 'Object not found.  objectId are usually numeric.',
    });
    const archived = await client.crm.contacts.basicApi.getPage(
      10,
      undefined,
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(archived.results.map((r) => [r.id, r.archived])).toEqual([[created.id, true]]);
    expect(archived.results[0]!.archivedAt).toBeInstanceOf(Date);
    // Archiving twice is still 204, as on HubSpot.
    expect((await rawFetch(hs, `/crm/v3/objects/contacts/${created.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    // The e-mail is free again once the holder is archived.
    await expect(
      client.crm.contacts.basicApi.create({
        properties: { email: 'mixed.case@example.jp' },
        associations: [],
      }),
    ).resolves.toBeDefined();
  });

  it('pages lists with an id cursor (SDK getAll), caps limit at 100 and reads associations', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    for (let i = 0; i < 250; i++)
      hs.store.create('contacts', { email: `extra${i}@x.example` }, { system: true });
    const client = sdk(hs);
    const all = await client.crm.contacts.getAll(undefined, undefined, ['email']);
    expect(all).toHaveLength(256);
    expect(new Set(all.map((c) => c.id)).size).toBe(256);
    expect(hs.app.counters.get('hs.contacts.list')).toBe(3);
    expect((await rawFetch(hs, '/crm/v3/objects/contacts?limit=101')).status).toBe(400);

    const page = await rawFetch(
      hs,
      '/crm/v3/objects/contacts?limit=2&properties=email,jobtitle&associations=companies',
    );
    const body = page.body as {
      results: Array<{ id: string; properties: Record<string, unknown>; associations?: unknown }>;
      paging: { next: { after: string; link: string } };
    };
    expect(body.results.map((r) => r.id)).toEqual(['1001', '1002']);
    expect(body.results[0]!.properties).toHaveProperty('jobtitle', '取締役 営業本部長');
    expect(body.results[0]!.associations).toBeDefined();
    expect(body.paging.next.after).toBe('1003');
    expect(body.paging.next.link).toContain('after=1003');
  });

  it('serves companies, deals and tasks by their 0-N type ids too', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const res = await rawFetch(hs, '/crm/v3/objects/0-2?limit=1');
    expect(
      (res.body as { results: Array<{ properties: { name: string } }> }).results[0]!.properties.name,
    ).toBe('株式会社アルファ');
    expect(hs.app.counters.get('hs.companies.list')).toBe(1);
  });
});
