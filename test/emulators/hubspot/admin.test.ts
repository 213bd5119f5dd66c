import { describe, expect, it, vi } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** The control surface tests and the demo drive: counters, state, clock, faults, record edits. */

async function admin(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('Admin surface', () => {
  it('counts requests per named endpoint', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    await client.crm.contacts.searchApi.doSearch({ filterGroups: [] });
    await client.crm.contacts.batchApi.update({
      inputs: [{ id: '1001', properties: { tossup_flag: 'yes' } }],
    });
    await client.crm.objects.tasks.basicApi.create({
      properties: { hs_timestamp: '2025-04-02T00:00:00Z' },
      associations: [],
    });
    await client.crm.objects.tasks.batchApi.create({
      inputs: [{ properties: { hs_timestamp: '2025-04-02T00:00:00Z' }, associations: [] }],
    });
    await client.crm.properties.coreApi.getAll('contacts');
    await client.crm.owners.ownersApi.getPage();
    await client.crm.associations.v4.batchApi.getPage('contacts', 'companies', { inputs: [{ id: '1001' }] });
    const counters = (await admin(hs.basePath, 'GET', '/counters')).body;
    expect(counters).toEqual({
      'hs.contacts.search': 1,
      'hs.contacts.batch.update': 1,
      'hs.tasks.create': 1,
      'hs.tasks.batch.create': 1,
      'hs.properties.list': 1,
      'hs.owners': 1,
      'hs.associations.v4.batch.read': 1,
    });
    expect((await admin(hs.basePath, 'DELETE', '/counters')).status).toBe(204);
    expect((await admin(hs.basePath, 'GET', '/counters')).body).toEqual({});
  });

  it('edits a contact as a CRM user would, moving lastmodifieddate to the emulator clock', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-04-01T00:00:00.000Z');
    const hs = await startEmulator({ world: tinyWorld(), clock, rateLimits: { enabled: false } });
    expect((await admin(hs.basePath, 'PUT', '/clock', { advanceMs: 60_000 })).body).toEqual({
      now: '2025-04-01T00:01:00.000Z',
    });
    const edit = await admin(hs.basePath, 'PATCH', '/hubspot/objects/contacts/1002', {
      properties: { sales_tossup_request: 'true', num_conversion_events: '4' },
    });
    expect(edit.status).toBe(200);
    const changed = await sdk(hs).crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'lastmodifieddate', operator: 'GTE' as never, value: '2025-04-01T00:00:00Z' },
          ],
        },
      ],
      properties: ['num_conversion_events'],
    });
    expect(changed.results.map((r) => [r.id, r.properties.num_conversion_events])).toEqual([['1002', '4']]);
    const invalid = await admin(hs.basePath, 'PATCH', '/hubspot/objects/contacts/1002', {
      properties: { tossup_flag: 'maybe' },
    });
    expect(invalid.status).toBe(400);
    const state = (await admin(hs.basePath, 'GET', '/state')).body as {
      counts: Record<string, number>;
      records: unknown;
    };
    expect(state.counts).toEqual({
      contacts: 6,
      companies: 3,
      deals: 2,
      tasks: 0,
      calls: 0,
      emails: 0,
      meetings: 0,
    });
    expect(state.records).toBeDefined();
    expect((await admin(hs.basePath, 'GET', '/hubspot/objects/tasks/count')).body).toEqual({ count: 0 });
  });

  it('injects faults by route; a body-less 5xx still reaches the SDK as JSON and is retried', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const put = await admin(hs.basePath, 'PUT', '/faults', {
      rules: [{ route: 'hs.contacts.batch.update', count: 1, fault: { kind: 'status', status: 502 } }],
    });
    expect(put.status).toBe(204);
    const raw = await rawFetch(hs, '/crm/v3/objects/contacts/batch/update', {
      method: 'POST',
      body: { inputs: [{ id: '1001', properties: { tossup_flag: 'no' } }] },
    });
    expect(raw.status).toBe(502);
    expect(raw.body).toMatchObject({ status: 'error', category: 'INTERNAL_ERROR' });

    hs.app.faults.set([
      { route: 'hs.contacts.batch.update', count: 1, fault: { kind: 'status', status: 503 } },
    ]);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await sdk(hs, { numberOfApiCallRetries: 2 }).crm.contacts.batchApi.update({
      inputs: [{ id: '1001', properties: { tossup_flag: 'yes' } }],
    });
    vi.restoreAllMocks();
    expect(res.results[0]!.properties.tossup_flag).toBe('yes');
    expect(hs.app.faults.fired()).toEqual([1]);
  });

  it('tunes rate-limit budgets at run time', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-04-01T00:00:00.000Z');
    const hs = await startEmulator({ world: tinyWorld(), clock });
    const tuned = await admin(hs.basePath, 'PUT', '/hubspot/rate-limits/config', { tenSecondlyMax: 2 });
    expect((tuned.body as { settings: { tenSecondlyMax: number } }).settings.tenSecondlyMax).toBe(2);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await rawFetch(hs, '/crm/v3/objects/contacts')).status);
    expect(statuses).toEqual([200, 200, 429]);
    const usage = (await admin(hs.basePath, 'GET', '/hubspot/rate-limits')).body as {
      usage: { intervalUsed: number };
    };
    expect(usage.usage.intervalUsed).toBe(2);
    expect((await admin(hs.basePath, 'PUT', '/hubspot/rate-limits/config', { bogus: 1 })).status).toBe(400);
  });
});
