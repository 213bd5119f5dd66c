import './no-proxy.ts';
import { describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { type Connection, login, raw, rejection, startEmu } from './sf-test-kit.ts';

// Expectations follow crm-apis.md A7 (Bulk API 2.0 query jobs) and A9/C3 (jsforce's locator loop).

async function seed(emu: SalesforceEmulator, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      emu.store.insert(
        'Lead',
        {
          LastName: `Lead "${i}"`,
          Company: i % 2 ? 'Acme, Inc.' : 'ベータ',
          NumberOfEmployees: i,
          TossUp_Due__c: '2026-11-20T01:00:00Z',
        },
        { at: Date.parse('2026-11-01T00:00:00Z') + i },
      ),
    );
  }
  return out;
}

async function bulkQuery(
  conn: Connection,
  soql: string,
  scanAll = false,
): Promise<Array<Record<string, string>>> {
  conn.bulk2.pollInterval = 10;
  const stream = await conn.bulk2.query(soql, { scanAll });
  return (await stream.toArray()) as Array<Record<string, string>>;
}

describe('Bulk API 2.0 query', () => {
  it('jsforce bulk2.query runs end to end (create, poll through InProgress, results until the null locator)', async () => {
    const emu = await startEmu({ bulk: { pollsUntilComplete: 2 } });
    const ids = await seed(emu, 250);
    const conn = await login(emu);
    const rows = await bulkQuery(
      conn,
      'SELECT Id, LastName, Company, NumberOfEmployees, TossUp_Due__c, Owner.Name FROM Lead ORDER BY NumberOfEmployees',
    );
    expect(rows).toHaveLength(250);
    expect(rows.map((r) => r.Id)).toEqual(ids);
    expect(rows[3]).toMatchObject({
      LastName: 'Lead "3"',
      Company: 'Acme, Inc.',
      NumberOfEmployees: '3',
      TossUp_Due__c: '2026-11-20T01:00:00.000Z',
      'Owner.Name': 'Org Admin',
    });
    expect(emu.app.counters.get('sf.bulk2.create')).toBe(1);
    expect(emu.app.counters.get('sf.bulk2.get')).toBe(3);
    expect(emu.app.counters.get('sf.bulk2.results')).toBe(1);
  });

  // jsforce 3.10.26 pipes every results page into one stream that the first page ends, so its
  // bulk2.query() fails with "write after end" once results span pages (jsforce#1546, #1693),
  // against the real service too. Multi-page results are therefore exercised on the wire here.
  it('pages results by locator across many pages (what a client must loop over)', async () => {
    const emu = await startEmu({ bulk: { defaultPageSize: 100 } });
    const ids = await seed(emu, 250);
    const conn = await login(emu);
    const job = await conn.request<{ id: string }>({
      method: 'POST',
      url: '/services/data/v62.0/jobs/query',
      body: JSON.stringify({ operation: 'query', query: 'SELECT Id FROM Lead ORDER BY NumberOfEmployees' }),
      headers: { 'content-type': 'application/json' },
    });
    let state = '';
    while (state !== 'JobComplete')
      state = (await conn.request<{ state: string }>(`/services/data/v62.0/jobs/query/${job.id}`)).state;
    const seen: string[] = [];
    const counts: string[] = [];
    let locator = '';
    do {
      const page = await raw(
        emu,
        conn.accessToken!,
        'GET',
        `/services/data/v62.0/jobs/query/${job.id}/results${locator ? `?locator=${locator}` : ''}`,
      );
      counts.push(page.headers.get('sforce-numberofrecords')!);
      locator = page.headers.get('sforce-locator')!;
      const [header, ...lines] = page.text.trim().split('\n');
      expect(header).toBe('"Id"');
      seen.push(...lines.map((l) => l.slice(1, -1)));
    } while (locator !== 'null');
    expect(counts).toEqual(['100', '100', '50']);
    expect(seen).toEqual(ids);
  });

  it('walks UploadComplete → InProgress → JobComplete and pages CSV with Sforce-Locator (null on the last page)', async () => {
    const emu = await startEmu({ bulk: { pollsUntilComplete: 2 } });
    await seed(emu, 5);
    const conn = await login(emu);
    const t = conn.accessToken!;
    const created = await raw(emu, t, 'POST', '/services/data/v62.0/jobs/query', {
      operation: 'query',
      query: 'SELECT Id, LastName, Company FROM Lead ORDER BY NumberOfEmployees',
    });
    expect(created.status).toBe(200);
    const job = created.json as Record<string, unknown>;
    expect(job).toMatchObject({
      id: expect.stringMatching(/^750[A-Za-z0-9]{15}$/),
      operation: 'query',
      object: 'Lead',
      createdById: emu.store.integrationUserId,
      createdDate: expect.stringMatching(/\+0000$/),
      systemModstamp: expect.stringMatching(/\+0000$/),
      state: 'UploadComplete',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: 62,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
    });
    const path = `/services/data/v62.0/jobs/query/${job.id}`;
    // Asking for results early is refused, and counts as one of the job's checks.
    const early = await raw(emu, t, 'GET', `${path}/results`);
    expect(early.status).toBe(412);
    expect((early.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('JOB_NOT_COMPLETE');
    const states = [];
    for (let i = 0; i < 2; i++)
      states.push(((await raw(emu, t, 'GET', path)).json as { state: string }).state);
    expect(states).toEqual(['InProgress', 'JobComplete']);
    const p1 = await raw(emu, t, 'GET', `${path}/results?maxRecords=2`);
    expect(p1.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(p1.headers.get('sforce-numberofrecords')).toBe('2');
    const loc1 = p1.headers.get('sforce-locator')!;
    expect(loc1).not.toBe('null');
    expect(p1.text.split('\n')[0]).toBe('"Id","LastName","Company"');
    expect(p1.text.split('\n')[1]).toMatch(/^"00Q[A-Za-z0-9]{15}","Lead ""0""","ベータ"$/);
    const p2 = await raw(emu, t, 'GET', `${path}/results?locator=${loc1}&maxRecords=2`);
    const p3 = await raw(
      emu,
      t,
      'GET',
      `${path}/results?locator=${p2.headers.get('sforce-locator')}&maxRecords=2`,
    );
    expect(p3.headers.get('sforce-numberofrecords')).toBe('1');
    expect(p3.headers.get('sforce-locator')).toBe('null');
    expect(p3.text.trim().split('\n')).toHaveLength(2);
    const info = (await raw(emu, t, 'GET', path)).json as Record<string, unknown>;
    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 5 });
    expect((await raw(emu, t, 'DELETE', path)).status).toBe(204);
    expect((await raw(emu, t, 'GET', path)).status).toBe(404);
  });

  it('with a processing time per row, a job stays InProgress until it has passed (an empty query completes at once)', async () => {
    // A day per 1,000 rows: the job selecting rows cannot complete during the test, the empty one
    // has no processing time at all. No status-check count is involved (pollsUntilComplete 0).
    const emu = await startEmu({ bulk: { pollsUntilComplete: 0, msPerThousandRows: 86_400_000 } });
    await seed(emu, 3);
    const conn = await login(emu);
    const t = conn.accessToken!;
    const create = async (query: string) =>
      (
        (await raw(emu, t, 'POST', '/services/data/v62.0/jobs/query', { operation: 'query', query }))
          .json as { id: string }
      ).id;
    const busy = await create('SELECT Id FROM Lead');
    const empty = await create("SELECT Id FROM Lead WHERE LastName = 'nobody'");
    const state = async (id: string) =>
      ((await raw(emu, t, 'GET', `/services/data/v62.0/jobs/query/${id}`)).json as { state: string }).state;
    expect([await state(busy), await state(busy)]).toEqual(['InProgress', 'InProgress']);
    expect(await state(empty)).toBe('JobComplete');
  });

  it('queryAll jobs include deleted rows; subqueries and COUNT() are refused like the real service', async () => {
    const emu = await startEmu();
    const [a] = await seed(emu, 3);
    emu.store.delete('Lead', a!);
    const conn = await login(emu);
    expect(await bulkQuery(conn, 'SELECT Id FROM Lead')).toHaveLength(2);
    const all = await bulkQuery(conn, 'SELECT Id, IsDeleted FROM Lead', true);
    expect(all.find((r) => r.Id === a)).toMatchObject({ IsDeleted: 'true' });
    const sub = await rejection(conn.bulk2.query('SELECT Id, (SELECT Id FROM CampaignMembers) FROM Lead'));
    expect(sub.message).toBe('Aggregate Relationships not supported in Bulk Query with CSV content type');
    const wire = await raw(emu, conn.accessToken!, 'POST', '/services/data/v62.0/jobs/query', {
      operation: 'query',
      query: 'SELECT COUNT() FROM Lead',
    });
    expect(wire.status).toBe(400);
    expect(wire.headers.get('content-type')).toMatch(/^application\/json/);
    const badField = await raw(emu, conn.accessToken!, 'POST', '/services/data/v62.0/jobs/query', {
      operation: 'query',
      query: 'SELECT Nope__c FROM Lead',
    });
    expect((badField.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe('INVALID_FIELD');
  });
});
