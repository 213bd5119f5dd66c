import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { connect, readAll, seedContacts, startPortal, T0 } from './harness.ts';

/** Incremental reads through the real SDK: exact id sets, no gap, no duplicate. */

function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort((a, b) => Number(a) - Number(b));
}

function expectNoDuplicates(ids: string[]): void {
  expect(new Set(ids).size).toBe(ids.length);
}

describe('HubSpot source: incremental reads', () => {
  it('reads more than 10,000 changed contacts in one incremental run, each exactly once', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-05-01T00:00:00.000Z');
    const hs = await startPortal({ clock });
    // 12,000 contacts one second apart, with every 7th sharing its neighbour's second (ties).
    const at = (i: number) => T0 + Math.floor(i - (i % 7 === 0 && i > 0 ? 1 : 0)) * 1000;
    const all = seedContacts(hs.store, 12_000, at);
    const since = { modifiedAt: new Date(at(500)).toISOString(), idsAtModifiedAt: [] };
    const expected = all.filter((_, i) => at(i) >= at(500));
    expect(expected.length).toBeGreaterThan(10_000);

    const connector = await connect(hs);
    const run = await readAll(connector, since);
    expectNoDuplicates(run.ids);
    expect(sorted(run.ids)).toEqual(sorted(expected));
    // Ascending modification order across the whole run.
    const times = run.ids.map((id) => hs.store.get('contacts', id)!.updatedAt);
    expect(times.every((t, i) => i === 0 || times[i - 1]! <= t)).toBe(true);
    // One search per 200 (a few more where ties at a page boundary came back again); the run's
    // upper bound comes from HubSpot's clock (Date header), so no extra probe.
    const searches = connector.usage().calls['contacts.search']!;
    expect(searches).toBeGreaterThanOrEqual(Math.ceil(expected.length / 200));
    expect(searches).toBeLessThanOrEqual(Math.ceil(expected.length / 199) + 1);
    // Nothing new since: the next run from the cursor reads nothing, in one search.
    const again = await connect(hs);
    expect((await readAll(again, run.cursor)).ids).toEqual([]);
    expect(again.usage().calls).toEqual({ 'contacts.search': 1 });
  });

  it('keeps ties on lastmodifieddate whole across search pages and keysets', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-05-01T00:00:00.000Z');
    const hs = await startPortal({ clock });
    // 450 contacts share one millisecond (more than two search pages), then 3 later ones, 250
    // earlier ones in groups of 199/51 straddling page ends.
    const ids = seedContacts(hs.store, 703, (i) =>
      i < 250 ? T0 + (i < 199 ? 0 : 1) : i < 700 ? T0 + 5 : T0 + 10 + i,
    );
    const connector = await connect(hs, { pageSize: 200 });
    const run = await readAll(connector, null);
    expectNoDuplicates(run.ids);
    expect(sorted(run.ids)).toEqual(sorted(ids));
    expect(run.cursor).toEqual({
      modifiedAt: new Date(T0 + 10 + 702).toISOString(),
      idsAtModifiedAt: [ids[702]],
    });
  });

  it('resumes inside a tie group from a cursor without re-reading or skipping', async () => {
    const hs = await startPortal();
    const ids = seedContacts(hs.store, 900, (i) => T0 + (i < 100 ? i : 1000));
    // Stop after 400 leads: the cursor sits in the middle of the 800-record tie at T0+1000.
    const first = await readAll(await connect(hs, { pageSize: 200 }), null, undefined, 400);
    expect(first.ids).toHaveLength(400);
    expect(first.cursor!.modifiedAt).toBe(new Date(T0 + 1000).toISOString());
    expect(first.cursor!.idsAtModifiedAt).toHaveLength(300);
    const rest = await readAll(await connect(hs, { pageSize: 200 }), first.cursor);
    expectNoDuplicates([...first.ids, ...rest.ids]);
    expect(sorted([...first.ids, ...rest.ids])).toEqual(sorted(ids));
  });

  it('loses and duplicates nothing when contacts are modified while the run pages', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-05-01T00:00:00.000Z');
    const hs = await startPortal({ clock });
    const ids = seedContacts(hs.store, 3000, (i) => T0 + i * 1000);
    const connector = await connect(hs, { pageSize: 400 });
    const touchedBehind: string[] = [];
    const touchedAhead: string[] = [];
    const run = await readAll(connector, null, (pageIds, pageNo) => {
      if (pageNo > 4) return;
      clock.advance(1);
      // Records already handed off: with offset paging every later record would shift and one
      // per edit would be skipped. And records not read yet: they move past the run's bound.
      for (const id of pageIds.slice(0, 30)) {
        hs.store.update('contacts', id, { jobtitle: `edited ${pageNo}` }, { system: true });
        touchedBehind.push(id);
      }
      const ahead = ids[ids.length - 1 - pageNo * 10]!;
      hs.store.update('contacts', ahead, { jobtitle: 'edited ahead' }, { system: true });
      touchedAhead.push(ahead);
    });
    expectNoDuplicates(run.ids);
    const untouchedAhead = ids.filter((id) => !touchedAhead.includes(id));
    expect(sorted(run.ids)).toEqual(sorted(untouchedAhead));
    // The next run picks up exactly what changed after being passed, and the moved-ahead ones.
    const next = await readAll(await connect(hs, { pageSize: 400 }), run.cursor);
    expectNoDuplicates(next.ids);
    expect(sorted(next.ids)).toEqual(sorted([...touchedBehind, ...touchedAhead]));
  });

  it('ends a run at its start-time bound even though its own writes move contacts forward', async () => {
    const hs = await startPortal();
    seedContacts(hs.store, 600, (i) => T0 + i);
    const connector = await connect(hs, { pageSize: 200 });
    const seen: string[] = [];
    for await (const page of connector.source.readChanges({ since: null })) {
      seen.push(...page.leads.map((l) => l.id));
      // Like the pipeline: write back every lead of the page (moves lastmodifieddate to now).
      await connector.sink.writeTossUp(
        page.leads.map((l) => ({ leadId: l.id, objectType: 'contact', fields: { flag: 'no' as const } })),
      );
    }
    expect(seen).toHaveLength(600);
    expectNoDuplicates(seen);
  });

  it('stops after about `limit` leads, in whole pages, with a cursor to resume from', async () => {
    const hs = await startPortal();
    const ids = seedContacts(hs.store, 1000, (i) => T0 + i);
    const connector = await connect(hs, { pageSize: 200 });
    const first = await readAll(connector, null, undefined, 300);
    expect(first.pages.map((p) => p.length)).toEqual([200, 100]);
    // The second page asked HubSpot for 100 (+1 already handed off at the boundary), not 200.
    expect(connector.usage().calls['contacts.search']).toBe(2);
    const rest = await readAll(await connect(hs, { pageSize: 200 }), first.cursor);
    expect(sorted([...first.ids, ...rest.ids])).toEqual(sorted(ids));
    expectNoDuplicates([...first.ids, ...rest.ids]);
  });

  it('reports contacts deleted since the cursor, on the first page', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-05-01T00:00:00.000Z');
    const hs = await startPortal({ clock });
    const ids = seedContacts(hs.store, 50, (i) => T0 + i);
    const connector = await connect(hs, { deletedPages: 2 });
    const first = await readAll(connector, null);
    hs.store.archive('contacts', ids[3]!);
    hs.store.archive('contacts', ids[7]!);
    clock.advance(1000);
    hs.store.update('contacts', ids[10]!, { jobtitle: '課長' }, { system: true });
    const reader = await connect(hs, { deletedPages: 2 });
    const next = await readAll(reader, first.cursor);
    expect(next.ids).toEqual([ids[10]]);
    expect(next.deleted.sort()).toEqual([ids[3], ids[7]].sort());
    // The bin's one page is in the minimum with the search: search never returns archived contacts.
    expect(reader.usage().calls['contacts.list.archived']).toBe(1);
    expect(reader.usage().minimum).toBe(2);
    // Nothing changed but a deletion: still reported, with the cursor left where it was.
    clock.advance(1000);
    hs.store.archive('contacts', ids[20]!);
    const third = await readAll(await connect(hs, { deletedPages: 2 }), next.cursor);
    expect(third.ids).toEqual([]);
    expect(third.deleted).toContain(ids[20]);
    expect(third.cursor).toEqual(next.cursor);
  });
});
