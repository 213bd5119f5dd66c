import './no-proxy.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { login, raw, rejection, startEmu } from './sf-test-kit.ts';

// Expectations follow crm-apis.md A5 (JSON array errors, statuses), A9 (jsforce retries GET on
// 503/resets, never POST/PATCH) and C2 (JSON content type on every error).

const isSfErrorArray = (body: unknown) =>
  Array.isArray(body) &&
  body.length > 0 &&
  body.every(
    (e) =>
      typeof e === 'object' && e !== null && typeof e.message === 'string' && typeof e.errorCode === 'string',
  );

describe('error envelope', () => {
  it('answers unknown routes, wrong methods, unknown versions and bad bodies with JSON error arrays', async () => {
    const emu = await startEmu();
    const conn = await login(emu);
    const lead = emu.store.insert('Lead', { LastName: 'A', Company: 'A' });
    const t = conn.accessToken!;
    const cases: Array<[string, string, unknown, number, string]> = [
      ['GET', '/nothing', undefined, 404, 'NOT_FOUND'],
      ['GET', '/services/data/v62.0/nothing', undefined, 404, 'NOT_FOUND'],
      ['GET', '/services/data/v10.0/limits', undefined, 404, 'NOT_FOUND'],
      ['GET', '/services/data/v62.0/sobjects/Nope/describe', undefined, 404, 'NOT_FOUND'],
      ['PUT', `/services/data/v62.0/sobjects/Lead/${lead}`, {}, 405, 'METHOD_NOT_ALLOWED'],
      ['POST', '/services/data/v62.0/sobjects/Lead', '{"LastName": ', 400, 'JSON_PARSER_ERROR'],
      ['POST', '/services/data/v62.0/sobjects/Lead', '', 400, 'JSON_PARSER_ERROR'],
      ['POST', '/services/data/v62.0/sobjects/Lead', [{ LastName: 'x' }], 400, 'JSON_PARSER_ERROR'],
      ['POST', '/services/data/v62.0/composite/sobjects', { records: 'x' }, 400, 'JSON_PARSER_ERROR'],
      [
        'POST',
        '/services/data/v62.0/composite/sobjects',
        { allOrNone: 'yes', records: [] },
        400,
        'JSON_PARSER_ERROR',
      ],
      ['GET', '/services/data/v62.0/sobjects/Lead/garbage', undefined, 404, 'NOT_FOUND'],
      ['GET', '/services/data/v62.0/query/nonsense', undefined, 400, 'INVALID_QUERY_LOCATOR'],
      ['GET', '/services/data/v62.0/jobs/query/750000000000000', undefined, 404, 'NOT_FOUND'],
      ['GET', `/services/data/v62.0/sobjects/Lead/${lead}?fields=Nope`, undefined, 400, 'INVALID_FIELD'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await raw(emu, t, method, path, body);
      expect([method, path, res.status]).toEqual([method, path, status]);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(isSfErrorArray(res.json)).toBe(true);
      expect((res.json as Array<{ errorCode: string }>)[0]!.errorCode).toBe(code);
    }
    const wrongMethod = await raw(emu, t, 'PUT', `/services/data/v62.0/sobjects/Lead/${lead}`, {});
    expect((wrongMethod.json as Array<{ message: string }>)[0]!.message).toBe(
      "HTTP Method 'PUT' not allowed. Allowed are GET,PATCH,DELETE",
    );
  });

  it('never crashes or answers 5xx on arbitrary SOQL or record bodies', async () => {
    const built = createSalesforceEmulator();
    const session = built.auth.newSession(built.store.integrationUserId);
    const headers = { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' };
    const soqlish = fc.oneof(
      fc.string(),
      fc
        .array(
          fc.constantFrom(
            'SELECT',
            'Id',
            'Name',
            ',',
            'FROM',
            'Lead',
            'WHERE',
            '=',
            "'x'",
            '(',
            ')',
            'AND',
            'OR',
            'NOT',
            'IN',
            'LIKE',
            'ORDER',
            'BY',
            'LIMIT',
            '5',
            '2026-01-01',
            'null',
            'Account.Name',
            'COUNT()',
            'TODAY',
            ':',
            '\\',
            "'",
          ),
          { maxLength: 14 },
        )
        .map((xs) => xs.join(' ')),
    );
    await fc.assert(
      fc.asyncProperty(soqlish, async (q) => {
        const { res } = await built.app.handle(
          'GET',
          `/services/data/v62.0/query?q=${encodeURIComponent(q)}`,
          headers,
          Buffer.alloc(0),
        );
        expect(res.status === 200 || (res.status === 400 && isSfErrorArray(res.body))).toBe(true);
      }),
      { numRuns: 300, seed: 42 },
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.constantFrom('POST', 'PATCH'), async (body, method) => {
        const payload = Buffer.from(JSON.stringify({ allOrNone: false, records: [body] }));
        const { res } = await built.app.handle(
          method,
          '/services/data/v62.0/composite/sobjects',
          headers,
          payload,
        );
        expect(res.status).toBeLessThan(500);
        if (res.status !== 200) expect(isSfErrorArray(res.body)).toBe(true);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('faults', () => {
  it('a 503 on a GET is retried by jsforce; the same fault on a POST is not', async () => {
    const emu = await startEmu();
    const conn = await login(emu);
    emu.app.faults.set([
      {
        route: 'sf.query',
        count: 1,
        fault: {
          kind: 'status',
          status: 503,
          body: [{ message: 'Service Unavailable', errorCode: 'SERVER_UNAVAILABLE' }],
        },
      },
    ]);
    const res = await conn.query('SELECT Id FROM User');
    expect(res.totalSize).toBeGreaterThan(0);
    expect(emu.app.counters.get('sf.query')).toBe(2);
    expect(emu.app.faults.fired()).toEqual([1]);
    emu.app.faults.set([
      {
        route: 'sf.collections.create',
        count: 1,
        fault: { kind: 'status', status: 503, body: [{ message: 'down', errorCode: 'SERVER_UNAVAILABLE' }] },
      },
    ]);
    const err = await rejection(conn.sobject('Lead').create([{ LastName: 'x', Company: 'y' }]));
    expect(err.errorCode).toBe('SERVER_UNAVAILABLE');
    expect(emu.app.counters.get('sf.collections.create')).toBe(1);
  });

  it('a connection reset on a GET is retried by jsforce', async () => {
    const emu = await startEmu();
    const id = emu.store.insert('Lead', { LastName: 'Reset', Company: 'R' });
    const conn = await login(emu);
    await fetch(`${emu.url}/__admin/faults`, {
      method: 'PUT',
      body: JSON.stringify({ rules: [{ route: 'sf.sobject.get', count: 1, fault: { kind: 'reset' } }] }),
    });
    const rec = (await conn.sobject('Lead').retrieve(id)) as unknown as { LastName: string };
    expect(rec.LastName).toBe('Reset');
    expect(emu.app.counters.get('sf.sobject.get')).toBe(2);
    const fired = (await (await fetch(`${emu.url}/__admin/faults`)).json()) as { fired: number[] };
    expect(fired.fired).toEqual([1]);
  });
});

describe('admin', () => {
  it('exposes counters per route, state, clock, session expiry, record edits and validation rules', async () => {
    const emu = await startEmu({ sessionLifetimeMs: 3_600_000 });
    const conn = await login(emu);
    const admin = (path: string, method = 'GET', body?: unknown) =>
      fetch(`${emu.url}/__admin${path}`, {
        method,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });

    const created = (await (
      await admin('/sf/records/Lead', 'POST', { fields: { LastName: 'Mid', Company: 'Run' } })
    ).json()) as { id: string };
    expect(created.id).toMatch(/^00Q/);
    const badRecord = await admin('/sf/records/Lead', 'POST', { fields: { Nope__c: 1 } });
    expect(badRecord.status).toBe(400);
    await conn.query('SELECT Id FROM Lead');
    expect(
      await (await admin(`/sf/records/Lead/${created.id}`, 'PATCH', { fields: { Title: '部長' } })).status,
    ).toBe(204);
    const q = await conn.query<{ Title: string }>(`SELECT Title FROM Lead WHERE Id = '${created.id}'`);
    expect(q.records[0]!.Title).toBe('部長');

    const counters = (await (await admin('/counters')).json()) as Record<string, number>;
    expect(counters).toMatchObject({ 'sf.token': 1, 'sf.query': 2 });
    expect(counters).not.toHaveProperty('admin');

    const state = (await (await admin('/state')).json()) as {
      objects: Record<string, { count: number; records?: Array<Record<string, unknown>> }>;
    };
    expect(state.objects.Lead!.count).toBe(1);
    expect(state.objects.Lead!.records![0]).toMatchObject({
      Id: created.id,
      Title: '部長',
      SystemModstamp: expect.stringMatching(/\+0000$/),
    });

    const clock = (await (await admin('/clock', 'PUT', { now: '2030-01-01T00:00:00Z' })).json()) as {
      now: string;
    };
    expect(clock.now).toBe('2030-01-01T00:00:00.000Z');
    expect(emu.clock.now()).toBe(Date.parse('2030-01-01T00:00:00Z'));

    // Expired sessions make jsforce re-login (username/password refresh delegate) transparently.
    expect((await admin('/sf/sessions/expire', 'POST')).status).toBe(204);
    expect((await raw(emu, conn.accessToken!, 'GET', '/services/data/v62.0/limits')).status).toBe(401);
    await conn.query('SELECT Id FROM Lead');
    expect(emu.app.counters.get('sf.token')).toBe(2);

    await admin('/sf/validation-rules', 'PUT', {
      rules: [
        {
          name: 'no_hold',
          object: 'Lead',
          message: 'On hold needs a reason',
          field: 'TossUp_Flag__c',
          equals: '一時保留',
        },
      ],
    });
    const res = (await conn
      .sobject('Lead')
      .update([{ Id: created.id, TossUp_Flag__c: '一時保留' }])) as unknown as Array<{
      errors: Array<{ statusCode: string; message: string }>;
    }>;
    expect(res[0]!.errors[0]).toMatchObject({
      statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      message: 'On hold needs a reason',
    });
    await admin('/sf/validation-rules', 'PUT', { rules: [] });
    const ok = (await conn
      .sobject('Lead')
      .update([{ Id: created.id, TossUp_Flag__c: '一時保留' }])) as unknown as Array<{ success: boolean }>;
    expect(ok[0]!.success).toBe(true);
    const limits = (await (await admin('/sf/limits')).json()) as {
      used: number;
      max: number;
      enforced: boolean;
    };
    expect(limits).toMatchObject({ max: 100_000, enforced: true });
    expect(limits.used).toBeGreaterThan(0);
  });
});
