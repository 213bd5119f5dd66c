import type { PublicObjectSearchRequest } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** Expectations from crm-apis.md B2: limit ≤ 200, 10,000-result cap, 5 groups / 10 per group / 25 filters, 5 req/s. */

const pinned = (iso = '2025-04-01T00:00:00.000Z') => {
  const clock = new EmulatorClock();
  clock.pin(iso);
  return clock;
};

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  const error = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: number; body?: Record<string, unknown> } | undefined;
  expect(error, 'expected the SDK call to throw').toBeDefined();
  return { code: error!.code!, body: error!.body! };
}

describe('Search: paging, operators, sorts', () => {
  it('pages with after/limit, reports total, and returns the default contact properties', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const ids: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const res = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [],
        limit: 4,
        ...(after ? { after } : {}),
      });
      expect(res.total).toBe(6);
      ids.push(...res.results.map((r) => r.id));
      after = res.paging?.next?.after;
      pages += 1;
    } while (after);
    expect(pages).toBe(2);
    expect(ids).toEqual(['1001', '1002', '1003', '1004', '1005', '1006']);

    const first = await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 1 });
    expect(Object.keys(first.results[0]!.properties).sort()).toEqual([
      'createdate',
      'email',
      'firstname',
      'hs_object_id',
      'lastmodifieddate',
      'lastname',
    ]);
  });

  it('ORs filter groups, ANDs filters and supports every documented operator', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const idsFor = async (filterGroups: PublicObjectSearchRequest['filterGroups']) =>
      (await client.crm.contacts.searchApi.doSearch({ filterGroups, limit: 100 })).results
        .map((r) => r.id)
        .sort();
    const f = (propertyName: string, operator: string, extra: Record<string, unknown>) =>
      ({ propertyName, operator, ...extra }) as never;

    expect(await idsFor([{ filters: [f('email', 'EQ', { value: 'HANAKO@alpha.example.jp' })] }])).toEqual([
      '1002',
    ]);
    expect(await idsFor([{ filters: [f('jobtitle', 'NEQ', { value: '部長' })] }])).toEqual([
      '1001',
      '1003',
      '1004',
      '1005',
      '1006',
    ]);
    expect(await idsFor([{ filters: [f('ma_behaviour_score', 'GT', { value: '100' })] }])).toEqual(['1001']);
    expect(await idsFor([{ filters: [f('ma_behaviour_score', 'LT', { value: '100' })] }])).toEqual([]);
    expect(
      await idsFor([
        {
          filters: [
            f('lastmodifieddate', 'BETWEEN', {
              value: '2025-03-02T00:00:00Z',
              highValue: String(Date.parse('2025-03-04T00:00:00Z')),
            }),
          ],
        },
      ]),
    ).toEqual(['1002', '1003', '1004']);
    expect(
      await idsFor([
        { filters: [f('lastmodifieddate', 'GTE', { value: String(Date.parse('2025-03-05T09:00:00Z')) })] },
      ]),
    ).toEqual(['1001', '1005', '1006']);
    expect(
      await idsFor([{ filters: [f('lastmodifieddate', 'LTE', { value: '2025-03-02T00:00:00.000Z' })] }]),
    ).toEqual(['1002']);
    expect(
      await idsFor([{ filters: [f('hs_object_id', 'IN', { values: ['1003', '1004', '9999'] })] }]),
    ).toEqual(['1003', '1004']);
    expect(await idsFor([{ filters: [f('lifecyclestage', 'NOT_IN', { values: ['lead'] })] }])).toEqual([
      '1001',
      '1002',
    ]);
    expect(await idsFor([{ filters: [f('is_budget', 'HAS_PROPERTY', {})] }])).toEqual(['1001']);
    expect((await idsFor([{ filters: [f('is_budget', 'NOT_HAS_PROPERTY', {})] }])).length).toBe(5);
    expect(
      await idsFor([{ filters: [f('email', 'CONTAINS_TOKEN', { value: '*@beta.example.jp' })] }]),
    ).toEqual(['1003', '1004']);
    expect(await idsFor([{ filters: [f('jobtitle', 'CONTAINS_TOKEN', { value: 'head' })] }])).toEqual([
      '1003',
    ]);
    expect(
      (await idsFor([{ filters: [f('jobtitle', 'NOT_CONTAINS_TOKEN', { value: 'head' })] }])).length,
    ).toBe(5);
    // AND inside a group, OR across groups.
    expect(
      await idsFor([
        {
          filters: [
            f('lifecyclestage', 'EQ', { value: 'customer' }),
            f('ma_behaviour_score', 'HAS_PROPERTY', {}),
          ],
        },
        { filters: [f('sales_tossup_request', 'EQ', { value: 'true' })] },
      ]),
    ).toEqual(['1001', '1003']);
  });

  it('sorts by one property in either direction, ties broken by id', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const order = async (sort: unknown) =>
      (
        await client.crm.contacts.searchApi.doSearch({ filterGroups: [], sorts: [sort as string], limit: 10 })
      ).results.map((r) => r.id);
    expect(await order({ propertyName: 'lastmodifieddate', direction: 'ASCENDING' })).toEqual([
      '1002',
      '1003',
      '1004',
      '1001',
      '1005',
      '1006',
    ]);
    expect(await order({ propertyName: 'lastmodifieddate', direction: 'DESCENDING' })).toEqual([
      '1006',
      '1005',
      '1001',
      '1004',
      '1003',
      '1002',
    ]);
    expect(await order('-hs_object_id')).toEqual(['1006', '1005', '1004', '1003', '1002', '1001']);
    expect((await order({ propertyName: 'jobtitle', direction: 'ASCENDING' })).at(-1)).toBe('1004'); // no title: last
    const two = await apiError(
      client.crm.contacts.searchApi.doSearch({ sorts: ['email', 'firstname'], filterGroups: [] }),
    );
    expect(two.code).toBe(400);
  });

  it('keyset-pages on lastmodifieddate across pinned-clock ties (ties ordered by id)', async () => {
    const clock = pinned();
    const hs = await startEmulator({ clock, rateLimits: { enabled: false } });
    // 30 contacts written in 3 bursts of 10 that share one millisecond each.
    for (let burst = 0; burst < 3; burst++) {
      for (let i = 0; i < 10; i++) hs.store.create('contacts', { email: `c${burst}-${i}@x.example` });
      clock.advance(1);
    }
    const client = sdk(hs);
    const f = (propertyName: string, operator: string, value: string) => ({
      propertyName,
      operator: operator as never,
      value,
    });
    const seen: string[] = [];
    let cursor = { ts: 0, id: '0' };
    for (let round = 0; round < 10; round++) {
      const res = await client.crm.contacts.searchApi.doSearch({
        // (modified > ts) OR (modified = ts AND id > lastId): exact keyset, tie-safe.
        filterGroups: [
          { filters: [f('lastmodifieddate', 'GT', String(cursor.ts))] },
          { filters: [f('lastmodifieddate', 'EQ', String(cursor.ts)), f('hs_object_id', 'GT', cursor.id)] },
        ],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' } as never],
        limit: 7,
      });
      if (res.results.length === 0) break;
      seen.push(...res.results.map((r) => r.id));
      const last = res.results.at(-1)!;
      cursor = { ts: Date.parse(last.properties.lastmodifieddate!), id: last.id };
    }
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    expect(seen).toEqual([...seen].sort((a, b) => Number(a) - Number(b)));

    // A single-group GTE query is answered from the index, with an exact total.
    const fromSecondBurst = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        { filters: [f('lastmodifieddate', 'GTE', String(Date.parse('2025-04-01T00:00:00.001Z')))] },
      ],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' } as never],
      limit: 5,
      after: '5',
    });
    expect(fromSecondBurst.total).toBe(20);
    expect(fromSecondBurst.results.map((r) => r.properties.email)).toEqual([
      'c1-5@x.example',
      'c1-6@x.example',
      'c1-7@x.example',
      'c1-8@x.example',
      'c1-9@x.example',
    ]);
  });

  it('leaves out ids handed off at a tied millisecond with NOT_IN on hs_object_id (the pager exclusion)', async () => {
    const clock = pinned();
    const hs = await startEmulator({ clock, rateLimits: { enabled: false } });
    const t0 = clock.now();
    const ids: string[] = [];
    for (let burst = 0; burst < 2; burst++) {
      for (let i = 0; i < 10; i++)
        ids.push(hs.store.create('contacts', { email: `n${burst}-${i}@x.example` }).id);
      clock.advance(1);
    }
    const handedOff = [ids[7]!, ids[2]!, ids[9]!, ids[0]!];
    const res = await sdk(hs).crm.contacts.searchApi.doSearch({
      // (modified > T) OR (modified = T AND id NOT_IN handed off), as keyset-search.ts asks.
      filterGroups: [
        { filters: [{ propertyName: 'lastmodifieddate', operator: 'GT' as never, value: String(t0) }] },
        {
          filters: [
            { propertyName: 'lastmodifieddate', operator: 'EQ' as never, value: String(t0) },
            { propertyName: 'hs_object_id', operator: 'NOT_IN' as never, values: handedOff },
          ],
        },
      ],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' } as never],
      limit: 200,
    });
    expect(res.total).toBe(16);
    expect(res.results.map((r) => r.id)).toEqual(ids.filter((id) => !handedOff.includes(id)));
  });

  it('accepts epoch-ms and ISO date filter values alike', async () => {
    const hs = await startEmulator({ world: tinyWorld(), rateLimits: { enabled: false } });
    const client = sdk(hs);
    const count = async (value: string) =>
      (
        await client.crm.contacts.searchApi.doSearch({
          filterGroups: [
            { filters: [{ propertyName: 'recent_conversion_date', operator: 'GTE' as never, value }] },
          ],
        })
      ).total;
    expect(await count('2025-03-10T04:00:00.000Z')).toBe(1);
    expect(await count(String(Date.parse('2025-03-10T04:00:00.000Z')))).toBe(1);
    expect(await count(String(Date.parse('2025-03-10T04:00:00.001Z')))).toBe(0);
    const bad = await apiError(
      client.crm.contacts.searchApi.doSearch({
        filterGroups: [
          {
            filters: [
              { propertyName: 'recent_conversion_date', operator: 'GTE' as never, value: 'yesterday' },
            ],
          },
        ],
      }),
    );
    expect(bad.code).toBe(400);
  });
});

describe('Search: limits', () => {
  it('answers 400 for limit > 200 and for paging past 10,000 results', async () => {
    const hs = await startEmulator({ rateLimits: { enabled: false } });
    for (let i = 0; i < 10_050; i++)
      hs.store.create('contacts', { email: `p${i}@bulk.example` }, { system: true });
    const client = sdk(hs);

    const tooBig = await apiError(client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 201 }));
    expect(tooBig.code).toBe(400);
    expect(tooBig.body.category).toBe('VALIDATION_ERROR');
    expect(
      (await client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 200 })).results,
    ).toHaveLength(200);

    const lastAllowed = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [],
      limit: 200,
      after: '9800',
    });
    expect(lastAllowed.total).toBe(10_050);
    expect(lastAllowed.results).toHaveLength(200);
    expect(lastAllowed.paging?.next?.after).toBe('10000');
    const past = await apiError(
      client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 200, after: '10000' }),
    );
    expect(past.code).toBe(400);
    expect(past.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(typeof past.body.correlationId).toBe('string');
    const straddling = await apiError(
      client.crm.contacts.searchApi.doSearch({ filterGroups: [], limit: 100, after: '9950' }),
    );
    expect(straddling.code).toBe(400);

    // The documented workaround: restart from the last id seen with a GTE filter.
    const rest = await client.crm.contacts.searchApi.doSearch({
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_object_id', operator: 'GT' as never, value: lastAllowed.results.at(-1)!.id },
          ],
        },
      ],
      sorts: ['hs_object_id'],
      limit: 100,
    });
    expect(rest.total).toBe(50);
  });

  it('enforces 5 filter groups, 10 filters per group and 25 filters in total', async () => {
    const hs = await startEmulator({ rateLimits: { enabled: false } });
    const client = sdk(hs);
    const filter = { propertyName: 'email', operator: 'HAS_PROPERTY' as never };
    const group = (n: number) => ({ filters: Array.from({ length: n }, () => filter) });
    const ok = (groups: ReturnType<typeof group>[]) =>
      client.crm.contacts.searchApi.doSearch({ filterGroups: groups });
    await expect(ok([group(10), group(10), group(5)])).resolves.toMatchObject({ total: 0 });
    expect((await apiError(ok([group(1), group(1), group(1), group(1), group(1), group(1)]))).code).toBe(400);
    expect((await apiError(ok([group(11)]))).code).toBe(400);
    expect((await apiError(ok([group(10), group(10), group(6)]))).code).toBe(400);
  });

  it('limits search to 5 requests per second with a SECONDLY 429 and no rate-limit headers', async () => {
    const clock = pinned();
    const hs = await startEmulator({ clock });
    const search = () =>
      rawFetch(hs, '/crm/v3/objects/contacts/search', { method: 'POST', body: { filterGroups: [] } });
    for (let i = 0; i < 5; i++) {
      const ok = await search();
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-hubspot-ratelimit-remaining')).toBeNull();
    }
    const limited = await search();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/application\/json/);
    expect(limited.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your secondly limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'SECONDLY',
      category: 'RATE_LIMITS',
    });
    // Other endpoints have their own budget.
    expect((await rawFetch(hs, '/crm/v3/objects/contacts')).status).toBe(200);
    clock.advance(1000);
    expect((await search()).status).toBe(200);
  });

  it('lets the SDK retry a SECONDLY 429 (it waits 1 s) and succeed', async () => {
    const hs = await startEmulator({ world: tinyWorld() });
    const client = sdk(hs, { numberOfApiCallRetries: 2 });
    const quiet = console.error;
    console.error = () => {};
    try {
      const results = [];
      for (let i = 0; i < 6; i++)
        results.push(await client.crm.contacts.searchApi.doSearch({ filterGroups: [] }));
      expect(results.every((r) => r.total === 6)).toBe(true);
    } finally {
      console.error = quiet;
    }
    expect(hs.app.counters.get('hs.contacts.search')).toBe(7);
  });
});
