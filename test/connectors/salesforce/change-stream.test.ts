import { describe, expect, it } from 'vitest';
import type { LeadPage, SyncCursor } from '../../../src/ports/lead-source.ts';
import { connect, idsOf, insertContact, insertLead, readAll, startOrg, T0 } from './sf-kit.ts';

// The change stream: SystemModstamp order, inclusive tie-safe cursor, deletes and conversions,
// records changed while a run pages, resumption from any committed cursor.

/** Reads page by page, resuming from each page's cursor in a NEW readChanges call (a crash each time). */
async function readResumingAfterEveryPage(
  connector: Awaited<ReturnType<typeof connect>>,
  start: SyncCursor | null,
): Promise<{ ids: string[]; pages: number; last: SyncCursor | null }> {
  const ids: string[] = [];
  let cursor = start;
  let pages = 0;
  for (;;) {
    let page: LeadPage | undefined;
    for await (const p of connector.source.readChanges({ since: cursor })) {
      page = p;
      break;
    }
    if (!page) return { ids, pages, last: cursor };
    pages++;
    ids.push(...page.leads.map((l) => l.id), ...page.deletedIds);
    cursor = page.cursor;
  }
}

describe('Salesforce change stream (REST)', () => {
  it('hands off every record exactly once when ties on SystemModstamp straddle page boundaries', async () => {
    const emu = await startOrg();
    // 5 before, 23 sharing one millisecond, 4 after; pages of 7 cut the tie run three times.
    const before = Array.from({ length: 5 }, (_, i) => insertLead(emu, T0 + i));
    const tied = Array.from({ length: 23 }, () => insertLead(emu, T0 + 100));
    const tiedContacts = Array.from({ length: 3 }, () => insertContact(emu, T0 + 100));
    const after = Array.from({ length: 4 }, (_, i) => insertLead(emu, T0 + 200 + i));
    const connector = await connect(emu, { pageSize: 7 });

    const { ids, pages, last } = await readResumingAfterEveryPage(connector, null);

    const all = [...before, ...tied, ...tiedContacts, ...after];
    expect(ids).toHaveLength(all.length);
    expect(new Set(ids)).toEqual(new Set(all));
    expect(pages).toBe(Math.ceil(all.length / 7));
    expect(last?.modifiedAt).toBe(new Date(T0 + 203).toISOString());
    // Nothing new: the next run reads nothing.
    expect(await readAll(connector, last)).toEqual([]);
  });

  it('hands a tail of at most a tenth of a page off with the page before it, and cuts a longer one at the page size', async () => {
    // Pages of 20: a tail of up to 2 persons joins the last full page (a page costs the write guard
    // and partial Collections batches however few it holds); 3 make a page of their own.
    const emu = await startOrg();
    const first = Array.from({ length: 42 }, (_, i) => insertLead(emu, T0 + i));
    const connector = await connect(emu, { pageSize: 20 });
    const pages = await readAll(connector, null);
    expect(pages.map((p) => p.leads.length)).toEqual([20, 22]);
    expect(idsOf(pages)).toEqual(first);
    expect(pages[1]!.cursor.modifiedAt).toBe(new Date(T0 + 41).toISOString());

    insertLead(emu, T0 + 42);
    const again = await readAll(connector, null);
    expect(again.map((p) => p.leads.length)).toEqual([20, 20, 3]);
    // A page cut at the page size keeps its own cursor, not the one of what was read past it.
    expect(again[0]!.cursor.modifiedAt).toBe(new Date(T0 + 19).toISOString());
    // `--limit` reads about that many: no tail joins.
    expect((await readAll(connector, null, 20)).map((p) => p.leads.length)).toEqual([20]);
  });

  it('a tie run across the cut of a page read past: resuming from each cursor hands off every record once', async () => {
    // Pages of 10 (a tail of 1): 9 before, 5 sharing one millisecond across the cut, then 8 more, so
    // the first page is read past and cut inside the tie run.
    const emu = await startOrg();
    const before = Array.from({ length: 9 }, (_, i) => insertLead(emu, T0 + i));
    const tied = Array.from({ length: 5 }, () => insertLead(emu, T0 + 50));
    const after = Array.from({ length: 8 }, (_, i) => insertLead(emu, T0 + 60 + i));
    const connector = await connect(emu, { pageSize: 10 });

    const { ids, pages, last } = await readResumingAfterEveryPage(connector, null);

    const all = [...before, ...tied, ...after];
    expect([...ids].sort()).toEqual([...all].sort());
    expect(ids).toHaveLength(all.length);
    expect(pages).toBe(3); // 10, 10, 2 (the last two are more than a tail of 1)
    expect(last?.modifiedAt).toBe(new Date(T0 + 67).toISOString());
    const whole = await readAll(connector, null);
    expect(whole.map((p) => p.leads.length)).toEqual([10, 10, 2]);
    expect(whole[0]!.cursor).toEqual({
      modifiedAt: new Date(T0 + 50).toISOString(),
      idsAtModifiedAt: expect.any(Array),
    });
    expect(whole[0]!.cursor.idsAtModifiedAt).toHaveLength(1);
  });

  it('keeps a tie run intact across a REST batch boundary (batchSize 200) inside one run', async () => {
    const emu = await startOrg();
    const ids = Array.from({ length: 450 }, () => insertLead(emu, T0 + 5));
    const connector = await connect(emu, { readBatchSize: 200, pageSize: 170, bulkThreshold: null });

    const pages = await readAll(connector, null);

    expect(idsOf(pages).sort()).toEqual([...ids].sort());
    // Every page ends inside the tie run, so each cursor names all ids handed off at that instant.
    expect(pages.map((p) => p.cursor.idsAtModifiedAt.length)).toEqual([170, 340, 450]);
    expect(pages.every((p) => p.cursor.modifiedAt === new Date(T0 + 5).toISOString())).toBe(true);
  });

  it('starts AT the cursor time and skips only the ids already handed off there', async () => {
    const emu = await startOrg();
    const a = insertLead(emu, T0 + 10);
    const b = insertLead(emu, T0 + 10);
    const c = insertLead(emu, T0 + 20);
    const connector = await connect(emu);

    const pages = await readAll(connector, {
      modifiedAt: new Date(T0 + 10).toISOString(),
      idsAtModifiedAt: [a],
    });

    expect(idsOf(pages)).toEqual([b, c]);
  });

  it('leaves records changed during the run to the next run: neither lost nor handed off twice', async () => {
    const emu = await startOrg();
    const ids = Array.from({ length: 450 }, (_, i) => insertLead(emu, T0 + i * 1000));
    const connector = await connect(emu, { pageSize: 100, readBatchSize: 200, bulkThreshold: null });

    const seen: string[] = [];
    let cursor: SyncCursor | null = null;
    let edited = false;
    for await (const page of connector.source.readChanges({ since: null })) {
      seen.push(...page.leads.map((l) => l.id));
      cursor = page.cursor;
      if (!edited) {
        // A rep edits one lead already handed off and one on a REST batch not fetched yet.
        emu.clock.advance(5_000);
        emu.store.update('Lead', ids[2]!, { Title: '取締役' });
        emu.store.update('Lead', ids[420]!, { Title: '取締役' });
        edited = true;
      }
    }
    expect(seen).toHaveLength(450);
    expect(new Set(seen).size).toBe(450);

    // The next run (a little later) brings exactly the two edited leads, with the new values.
    emu.clock.advance(5_000);
    const next = await readAll(connector, cursor);
    const leads = next.flatMap((p) => p.leads);
    expect(leads.map((l) => l.id).sort()).toEqual([ids[2], ids[420]].sort());
    expect(leads.every((l) => l.person.titleRank === 'officer')).toBe(true);
  });

  it('reports deleted records and converted leads in deletedIds instead of handing them off', async () => {
    const emu = await startOrg();
    const keep = insertLead(emu, T0 + 1);
    const gone = insertLead(emu, T0 + 2);
    const converted = insertLead(emu, T0 + 3);
    const contactGone = insertContact(emu, T0 + 4);
    emu.store.delete('Lead', gone, { at: T0 + 5 });
    emu.store.update('Lead', converted, { IsConverted: true, ConvertedDate: '2026-11-20' }, { at: T0 + 6 });
    emu.store.delete('Contact', contactGone, { at: T0 + 7 });
    const connector = await connect(emu);

    const pages = await readAll(connector, null);

    expect(idsOf(pages)).toEqual([keep]);
    expect(pages.flatMap((p) => p.deletedIds).sort()).toEqual([gone, converted, contactGone].sort());
    expect(pages.at(-1)!.cursor.modifiedAt).toBe(new Date(T0 + 7).toISOString());
  });

  it('yields no page when nothing changed, and none for a window that holds only handed-off ids', async () => {
    const emu = await startOrg();
    const connector = await connect(emu);
    expect(await readAll(connector, null)).toEqual([]);

    const a = insertLead(emu, T0 + 50);
    const since = { modifiedAt: new Date(T0 + 50).toISOString(), idsAtModifiedAt: [a] };
    expect(await readAll(connector, since)).toEqual([]);
    // A cursor at or past the server clock reads nothing and costs only the clock probe.
    const queriesBefore = emu.app.counters.get('sf.queryAll') ?? 0;
    expect(
      await readAll(connector, { modifiedAt: new Date(T0 + 7_200_000).toISOString(), idsAtModifiedAt: [] }),
    ).toEqual([]);
    expect(emu.app.counters.get('sf.queryAll') ?? 0).toBe(queriesBefore);
  });

  it('resumes after a crash mid-run from the last committed cursor without gaps', async () => {
    const emu = await startOrg();
    const ids = Array.from({ length: 25 }, (_, i) => insertLead(emu, T0 + (i % 5) * 10));
    const connector = await connect(emu, { pageSize: 6 });

    // First run "crashes" after two pages: only their cursor was committed.
    const handedOff: string[] = [];
    let committed: SyncCursor | null = null;
    let n = 0;
    for await (const page of connector.source.readChanges({ since: null })) {
      handedOff.push(...page.leads.map((l) => l.id));
      committed = page.cursor;
      if (++n === 2) break;
    }
    const rest = idsOf(await readAll(connector, committed));

    expect(handedOff).toHaveLength(12);
    expect([...handedOff, ...rest].sort()).toEqual([...ids].sort());
  });

  it('stops after about `limit` leads, on a page boundary', async () => {
    const emu = await startOrg();
    for (let i = 0; i < 20; i++) insertLead(emu, T0 + i);
    const connector = await connect(emu, { pageSize: 4 });
    const pages = await readAll(connector, null, 9);
    expect(pages).toHaveLength(3);
    expect(idsOf(pages)).toHaveLength(12);
    // With the default page size (10,000) a limit of 5 is one page of 5.
    const small = await readAll(await connect(emu), null, 5);
    expect(small.map((p) => p.leads.length)).toEqual([5]);
  });

  it('ends the change window at the server clock minus the read lag (not the client clock)', async () => {
    const emu = await startOrg();
    emu.clock.pin(new Date(T0 + 3_600_700).toISOString());
    const old = insertLead(emu, T0);
    insertLead(emu, T0 + 3_600_200); // in the org's current second
    const connector = await connect(emu, { readLagSeconds: 0 });
    // The window ends at the server's current second: a record of this second waits for the next run.
    expect(idsOf(await readAll(connector, null))).toEqual([old]);
    const lagged = await connect(emu, { readLagSeconds: 3_600 });
    expect(await readAll(lagged, null)).toEqual([]);
  });
});

describe('lookup by id', () => {
  it('reads the named Leads and Contacts as they are now, leaving out deleted, converted and unknown ids', async () => {
    const emu = await startOrg();
    const lead = insertLead(emu, T0, { Title: '部長' });
    const contact = insertContact(emu, T0);
    const gone = insertLead(emu, T0);
    const converted = insertLead(emu, T0);
    emu.store.delete('Lead', gone);
    emu.store.update('Lead', converted, { IsConverted: true });
    const connector = await connect(emu);
    const source = connector.source as typeof connector.source & {
      readByIds(ids: string[]): Promise<{ id: string }[]>;
    };

    const leads = await source.readByIds([
      lead,
      contact,
      gone,
      converted,
      '00Q000000000000EAA',
      '00Q-malformed',
      lead,
    ]);

    expect(leads.map((l) => l.id).sort()).toEqual([lead, contact].sort());
  });
});
