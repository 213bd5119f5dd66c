import './no-proxy.ts';
import { describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { ModstampIndex } from '../../../emulators/salesforce/modstamp-index.ts';
import { QueryCursors } from '../../../emulators/salesforce/query-cursors.ts';
import type { SfRecord } from '../../../emulators/salesforce/sf-record.ts';
import type { CompiledQuery } from '../../../emulators/salesforce/soql/compile.ts';
import { type Connection, jsforce, login, raw, rejection, startEmu } from './sf-test-kit.ts';

// Expectations follow crm-apis.md A2 (batch sizes, nextRecordsUrl, queryMore, queryAll, SystemModstamp)
// and A9/C5 (jsforce rebuilds the queryMore URL with its own version, keyed on the locator).

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<Record<string, unknown> & { Id: string }>;
}

async function leads(
  emu: SalesforceEmulator,
  n: number,
  startMs = Date.parse('2026-11-01T00:00:00Z'),
): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      emu.store.insert(
        'Lead',
        { LastName: `L${i}`, Company: `C${i % 7}`, NumberOfEmployees: i },
        { at: startMs + i * 1000 },
      ),
    );
  }
  return out;
}

async function page(conn: Connection, url: string, batch?: number): Promise<QueryPage> {
  return conn.request<QueryPage>({
    method: 'GET',
    url,
    headers: batch ? { 'Sforce-Query-Options': `batchSize=${batch}` } : {},
  });
}

describe('query paging', () => {
  it('defaults to 2000-row batches with nextRecordsUrl only while done=false', async () => {
    const emu = await startEmu();
    await leads(emu, 2500);
    const conn = await login(emu);
    // The raw first page: jsforce's query() rewrites nextRecordsUrl into an absolute URL.
    const first = await page(conn, '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead');
    expect(first.totalSize).toBe(2500);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[A-Za-z0-9]{15}-2000$/);
    const second = (await conn.queryMore(first.nextRecordsUrl!)) as unknown as QueryPage;
    expect(second.done).toBe(true);
    expect(second.records).toHaveLength(500);
    expect(second).not.toHaveProperty('nextRecordsUrl');
    const wire = await raw(emu, conn.accessToken!, 'GET', first.nextRecordsUrl!);
    expect(wire.json).not.toHaveProperty('nextRecordsUrl');
    const all = new Set([...first.records, ...second.records].map((r) => r.Id));
    expect(all.size).toBe(2500);
  });

  it('honours Sforce-Query-Options batchSize (clamped to 200..2000) and jsforce autoFetch pages through', async () => {
    const emu = await startEmu();
    const created = await leads(emu, 1100);
    const conn = await login(emu);
    const p500 = await page(conn, '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead', 500);
    expect(p500.records).toHaveLength(500);
    expect(p500.nextRecordsUrl).toMatch(/-500$/);
    const p2 = await page(conn, p500.nextRecordsUrl!, 500);
    expect(p2.records).toHaveLength(500);
    expect(p2.nextRecordsUrl).toMatch(/-1000$/);
    const small = await page(conn, '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead', 10);
    expect(small.records).toHaveLength(200);
    const big = await page(conn, '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead', 5000);
    expect(big.records).toHaveLength(1100);
    const before = emu.app.counters.get('sf.queryMore') ?? 0;
    const res = await conn.query<{ Id: string }>('SELECT Id FROM Lead ORDER BY NumberOfEmployees', {
      autoFetch: true,
      maxFetch: 5000,
      headers: { 'Sforce-Query-Options': 'batchSize=300' },
    });
    expect(res.records.map((r) => r.Id)).toEqual(created);
    expect((emu.app.counters.get('sf.queryMore') ?? 0) - before).toBe(3);
  });

  it('keys queryMore on the locator: a connection at another API version can continue the cursor', async () => {
    const emu = await startEmu();
    await leads(emu, 450);
    const conn62 = await login(emu);
    const first = await page(conn62, '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead', 200);
    const conn50 = new jsforce.Connection({
      accessToken: conn62.accessToken!,
      instanceUrl: conn62.instanceUrl,
      version: '50.0',
    });
    const locator = first.nextRecordsUrl!.split('/').pop()!;
    const second = (await conn50.queryMore(locator, {
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
      autoFetch: false,
      maxFetch: 10_000,
      scanAll: false,
      responseTarget: 'QueryResult',
    })) as unknown as QueryPage;
    expect(second.records).toHaveLength(200);
    // On the wire the next URL carries the requesting version; re-reading a page is allowed.
    const wire = await page(conn50, `/services/data/v50.0/query/${locator}`, 200);
    expect(wire.nextRecordsUrl).toMatch(/^\/services\/data\/v50\.0\/query\/01g[A-Za-z0-9]{15}-400$/);
    expect(wire.records.map((r) => r.Id)).toEqual(second.records.map((r) => r.Id));
    expect(second.records[0]!.attributes).toMatchObject({
      url: expect.stringMatching(/^\/services\/data\/v50\.0\//),
    });
    const bad = await rejection(conn50.queryMore('01gXXXXXXXXXXXXAAA-200'));
    expect(bad.errorCode).toBe('INVALID_QUERY_LOCATOR');
  });

  it('pages a consistent snapshot: rows changed or added while paging neither repeat nor vanish', async () => {
    const emu = await startEmu();
    emu.clock.pin('2026-11-20T00:00:00Z');
    const created = await leads(emu, 1000);
    const conn = await login(emu);
    let p = await page(
      conn,
      `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id, NumberOfEmployees FROM Lead ORDER BY SystemModstamp, Id')}`,
      200,
    );
    const seen: Array<{ Id: string; NumberOfEmployees: unknown }> = [...p.records] as never;
    let round = 0;
    while (!p.done) {
      // Edit rows on later pages (moving them to the end of SystemModstamp order) and add new ones.
      const target = created[400 + round * 150]!;
      emu.store.update('Lead', target, { NumberOfEmployees: -1 });
      await conn.sobject('Lead').update([{ Id: created[999 - round]!, NumberOfEmployees: -2 }]);
      emu.store.insert('Lead', { LastName: 'late', Company: 'Z' });
      round += 1;
      p = await page(conn, p.nextRecordsUrl!, 200);
      seen.push(...(p.records as never[]));
    }
    expect(seen.map((r) => r.Id)).toEqual(created);
    expect(seen.every((r) => (r.NumberOfEmployees as number) >= 0)).toBe(true);
  });

  it('counts child subquery rows toward the batch size', async () => {
    const emu = await startEmu();
    const s = emu.store;
    const campaign = s.insert('Campaign', { Name: 'C' });
    for (let i = 0; i < 30; i++) {
      const lead = s.insert('Lead', { LastName: `L${i}`, Company: 'X' });
      for (let j = 0; j < 49; j++) {
        s.insert('CampaignMember', { CampaignId: campaign, LeadId: lead, Status: 'Sent' });
      }
    }
    const conn = await login(emu);
    const soql = 'SELECT Id, (SELECT Id FROM CampaignMembers) FROM Lead';
    const first = await page(conn, `/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, 200);
    // 4 leads × (1 + 49 members) = 200 rows; the 30 leads need several batches.
    expect(first.records).toHaveLength(4);
    expect(first.done).toBe(false);
    const all = await conn.query(soql, {
      autoFetch: true,
      headers: { 'Sforce-Query-Options': 'batchSize=200' },
    });
    expect(all.records).toHaveLength(30);
  });

  it('query hides deleted rows; queryAll shows them with IsDeleted=true', async () => {
    const emu = await startEmu();
    const [a, b] = await leads(emu, 2);
    const conn = await login(emu);
    await conn.sobject('Lead').destroy(a!);
    const live = await conn.query<{ Id: string; IsDeleted: boolean }>('SELECT Id, IsDeleted FROM Lead');
    expect(live.records.map((r) => r.Id)).toEqual([b]);
    const all = await conn.query<{ Id: string; IsDeleted: boolean }>(
      'SELECT Id, IsDeleted FROM Lead ORDER BY LastName',
      { scanAll: true },
    );
    expect(all.records.map((r) => [r.Id, r.IsDeleted])).toEqual([
      [a, true],
      [b, false],
    ]);
    const onlyDeleted = await conn.query('SELECT Id FROM Lead WHERE IsDeleted = true', { scanAll: true });
    expect(onlyDeleted.totalSize).toBe(1);
    expect(emu.app.counters.get('sf.queryAll')).toBe(2);
  });

  it('maintains SystemModstamp/LastModifiedDate on writes (ms precision, ties when the clock is pinned)', async () => {
    const emu = await startEmu();
    emu.clock.pin('2026-11-20T01:00:00.123Z');
    const [id] = await leads(emu, 1);
    const conn = await login(emu);
    emu.clock.pin('2026-11-20T02:00:00.456Z');
    await conn.sobject('Lead').update([{ Id: id!, TossUp_Reason__c: 'score' }]);
    const [r] = (
      await conn.query<Record<string, string>>(
        `SELECT CreatedDate, LastModifiedDate, SystemModstamp, LastModifiedById FROM Lead WHERE Id = '${id}'`,
      )
    ).records;
    expect(r).toMatchObject({
      CreatedDate: '2026-11-01T00:00:00.000+0000',
      LastModifiedDate: '2026-11-20T02:00:00.456+0000',
      SystemModstamp: '2026-11-20T02:00:00.456+0000',
      LastModifiedById: emu.store.integrationUserId,
    });
    // A system-only change moves SystemModstamp but not LastModifiedDate.
    emu.clock.pin('2026-11-20T03:00:00Z');
    emu.store.update('Lead', id!, { pi__score__c: 5 }, { systemOnly: true });
    const after = (
      await conn.query<Record<string, string>>(
        `SELECT LastModifiedDate, SystemModstamp FROM Lead WHERE Id = '${id}'`,
      )
    ).records[0];
    expect(after).toMatchObject({
      LastModifiedDate: '2026-11-20T02:00:00.456+0000',
      SystemModstamp: '2026-11-20T03:00:00.000+0000',
    });
    const newer = await conn.query('SELECT Id FROM Lead WHERE SystemModstamp > 2026-11-20T02:00:00.456Z');
    expect(newer.totalSize).toBe(1);
  });

  it('incremental sync query returns (SystemModstamp, Id) order with ties, deletions and limits', async () => {
    const emu = await startEmu();
    emu.clock.pin('2026-11-20T00:00:00Z');
    const s = emu.store;
    const ids = [] as string[];
    for (let i = 0; i < 60; i++)
      ids.push(
        s.insert(
          'Lead',
          { LastName: `T${i}`, Company: 'X' },
          { at: Date.parse('2026-11-19T00:00:00Z') + (i % 6) * 1000 },
        ),
      );
    s.update('Lead', ids[3]!, { Title: 'x' });
    s.delete('Lead', ids[4]!);
    const conn = await login(emu);
    const soql = (x: string) =>
      `SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp >= ${x} ORDER BY SystemModstamp, Id LIMIT 25`;
    const res = await conn.query<{ Id: string; SystemModstamp: string }>(soql('2026-11-19T00:00:02Z'));
    const expected = s
      .all('Lead')
      .filter((r) => r.SystemModstamp >= Date.parse('2026-11-19T00:00:02Z'))
      .sort((a, b) => a.SystemModstamp - b.SystemModstamp || (a.Id < b.Id ? -1 : 1))
      .slice(0, 25)
      .map((r) => r.Id);
    expect(res.records.map((r) => r.Id)).toEqual(expected);
    expect(res.records.map((r) => r.Id)).not.toContain(ids[4]);
    expect(res.totalSize).toBe(25);
    const last = await conn.query<{ Id: string }>(
      `SELECT Id FROM Lead WHERE SystemModstamp > 2026-11-19T23:00:00Z ORDER BY SystemModstamp, Id`,
    );
    expect(last.records.map((r) => r.Id)).toEqual([ids[3]]);
  });
});

describe('ModstampIndex', () => {
  const rec = (Id: string, SystemModstamp: number): SfRecord => ({ Id, SystemModstamp, IsDeleted: false });

  it('keeps (SystemModstamp, Id) order for out-of-order adds, skips stale versions and never indexes a version twice', () => {
    const idx = new ModstampIndex();
    const live = new Map<string, SfRecord>();
    const put = (r: SfRecord) => {
      live.set(r.Id, r);
      idx.add(r);
    };
    put(rec('b', 10));
    put(rec('a', 10));
    put(rec('c', 5));
    const oldD = rec('d', 20);
    put(oldD);
    put(rec('d', 30)); // d replaced: the old entry is stale
    idx.retire();
    idx.add(live.get('a')!); // a rollback re-adding a live version
    const isLive = (r: SfRecord) => live.get(r.Id) === r;
    expect(
      [...idx.scan(Number.NEGATIVE_INFINITY, false, isLive)].map((r) => `${r.Id}${r.SystemModstamp}`),
    ).toEqual(['c5', 'a10', 'b10', 'd30']);
    expect([...idx.scan(10, true, isLive)].map((r) => r.Id)).toEqual(['d']);
    expect([...idx.scan(10, false, isLive)].map((r) => r.Id)).toEqual(['a', 'b', 'd']);
  });

  it('merges back-dated versions far from the end on the next scan, once each', () => {
    const idx = new ModstampIndex();
    const live = new Map<string, SfRecord>();
    const put = (r: SfRecord) => {
      live.set(r.Id, r);
      idx.add(r);
    };
    for (let i = 0; i < 20_000; i++) put(rec(`r${String(i).padStart(5, '0')}`, 1000 + i));
    const old = rec('zzz', 5);
    put(old);
    idx.add(old); // a second add of the same version (rollback) must not duplicate it
    put(rec('r00010', 50_000)); // moved to the end
    idx.retire();
    const isLive = (r: SfRecord) => live.get(r.Id) === r;
    const order = [...idx.scan(Number.NEGATIVE_INFINITY, false, isLive)].map((r) => r.Id);
    expect(order).toHaveLength(20_001);
    expect(order[0]).toBe('zzz');
    expect(order.at(-1)).toBe('r00010');
    expect(new Set(order).size).toBe(order.length);
    expect([...idx.scan(1000 + 19_998, false, isLive)].map((r) => r.Id)).toEqual([
      'r19998',
      'r19999',
      'r00010',
    ]);
  });
});

describe('QueryCursors', () => {
  const rows = (n: number): SfRecord[] =>
    Array.from({ length: n }, (_, i) => ({ Id: `r${i}`, SystemModstamp: i, IsDeleted: false }));
  const compiled = {} as CompiledQuery;

  it('expires idle cursors after 15 minutes and evicts least recently used beyond the caps', () => {
    const cursors = new QueryCursors(15 * 60_000, 3, 100);
    const a = cursors.open(rows(10), compiled, false, 0);
    const b = cursors.open(rows(10), compiled, false, 0);
    expect(cursors.get(a.locator, 14 * 60_000)).toBe(a);
    expect(cursors.get(b.locator, 15 * 60_000 + 1)).toBeUndefined(); // idle too long
    const c = cursors.open(rows(50), compiled, false, 15 * 60_000);
    const d = cursors.open(rows(50), compiled, false, 15 * 60_000); // 110 rows held > 100: a goes
    expect(cursors.get(a.locator, 15 * 60_000)).toBeUndefined();
    expect(cursors.get(c.locator, 15 * 60_000)).toBe(c);
    expect(cursors.get(d.locator, 15 * 60_000)).toBe(d);
    expect(a.locator).toMatch(/^01g[A-Za-z0-9]{15}$/);
  });
});
