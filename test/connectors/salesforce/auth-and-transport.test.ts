import { describe, expect, it } from 'vitest';
import { createSalesforceConnector } from '../../../connectors/salesforce/index.ts';
import { proxyFor } from '../../../connectors/salesforce/proxy-for.ts';
import { CrmError } from '../../../src/domain/errors.ts';
import { connect, counter, insertLead, jwtKeys, mapping, readAll, startOrg, T0 } from './sf-kit.ts';

// Login flows, re-authentication on 401 through jsforce's refresh hook, the explicit API version,
// request timeouts and the per-URL proxy decision.

describe('authentication', () => {
  it('JWT bearer: logs in with an RS256 assertion and re-runs the grant when the session expires', async () => {
    const keys = jwtKeys();
    const emu = await startOrg({ jwtCertificate: keys.publicKey, sessionLifetimeMs: 60_000 });
    insertLead(emu, T0);
    const connector = await connect(emu, {
      auth: {
        flow: 'jwt',
        clientId: emu.credentials.clientId,
        username: emu.credentials.username,
        privateKey: keys.privateKey,
      },
    });
    expect(await readAll(connector, null)).toHaveLength(1);
    expect(counter(emu, 'sf.token')).toBe(1);

    emu.clock.advance(61_000); // the session is over: the next call gets 401 INVALID_SESSION_ID
    const pages = await readAll(connector, null);

    expect(pages.flatMap((p) => p.leads)).toHaveLength(1);
    expect(counter(emu, 'sf.token')).toBe(2);
    expect(connector.usage().calls['oauth.token']).toBe(2);
  });

  it('username-password (development only): re-logs in on 401 the same way', async () => {
    const emu = await startOrg({ sessionLifetimeMs: 60_000 });
    const id = insertLead(emu, T0);
    const connector = await connect(emu);
    emu.auth.expireAllSessions();

    const outcomes = await connector.sink.writeTossUp([
      { leadId: id, objectType: 'Lead', fields: { flag: 'hold' } },
    ]);

    expect(outcomes[0]!.ok).toBe(true);
    expect(counter(emu, 'sf.token')).toBe(2);
    // The PATCH was replayed once after the refresh, not retried by jsforce or by us.
    expect(counter(emu, 'sf.collections.update')).toBe(2);
  });

  it('client credentials and refresh token flows log in; a rotated refresh token is handed back', async () => {
    const emu = await startOrg({ refreshTokenRotation: true, sessionLifetimeMs: 60_000 });
    insertLead(emu, T0);
    const { clientId, clientSecret, username } = emu.credentials;
    const cc = await connect(emu, { auth: { flow: 'client_credentials', clientId, clientSecret } });
    expect(await readAll(cc, null)).toHaveLength(1);

    const rotated: string[] = [];
    const rt = await connect(
      emu,
      {
        auth: {
          flow: 'refresh_token',
          clientId,
          clientSecret,
          refreshToken: emu.auth.issueRefreshToken(username),
        },
      },
      { onRefreshTokenRotated: (t) => rotated.push(t) },
    );
    emu.clock.advance(61_000);
    expect(await readAll(rt, null)).toHaveLength(1);
    expect(rotated).toHaveLength(2); // login, then the refresh after the 401
  });

  it('refuses bad credentials as an auth failure naming the flow', async () => {
    const emu = await startOrg();
    const err = await createSalesforceConnector(
      {
        loginUrl: emu.loginUrl,
        auth: {
          flow: 'password',
          clientId: emu.credentials.clientId,
          clientSecret: emu.credentials.clientSecret,
          username: emu.credentials.username,
          password: 'wrong',
        },
      },
      { mapping },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'auth', code: 'invalid_grant' });
    expect((err as Error).message).toContain('login (password)');
  });

  it('retries a login the token endpoint answers with 503, 500, 429 or a reset, waiting with full jitter', async () => {
    const emu = await startOrg();
    insertLead(emu, T0);
    emu.app.faults.add({ route: 'sf.token', count: 1, fault: { kind: 'status', status: 503 } });
    emu.app.faults.add({ route: 'sf.token', count: 1, fault: { kind: 'reset' } });
    emu.app.faults.add({
      route: 'sf.token',
      count: 1,
      fault: { kind: 'status', status: 429, body: { error: 'rate_limited', error_description: 'slow down' } },
    });
    const waits: number[] = [];
    const draws = [0.9, 0.1, 0.5];
    const connector = await connect(
      emu,
      { retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 } },
      { sleep: async (ms) => void waits.push(ms), random: () => draws.shift() ?? 0 },
    );
    expect(await readAll(connector, null)).toHaveLength(1);
    expect(counter(emu, 'sf.token')).toBe(4);
    // Uniform in [0, min(max, base·2^(n-1))]: 0.9·100, 0.1·200, 0.5·400.
    expect(waits).toEqual([90, 20, 200]);
  });

  it('waits at least what a 429 asks for in Retry-After, at login and on any call (§D 5)', async () => {
    const emu = await startOrg();
    insertLead(emu, T0);
    emu.app.faults.add({
      route: 'sf.token',
      count: 1,
      fault: {
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '7' },
        body: { error: 'rate_limited' },
      },
    });
    const waits: number[] = [];
    const connector = await connect(
      emu,
      { retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 } },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    );
    emu.app.faults.add({
      // Page one of the Lead and Contact streams: one Composite call.
      route: 'sf.composite',
      count: 1,
      fault: {
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '12' },
        body: [{ errorCode: 'TOO_MANY_REQUESTS', message: 'a gateway in front of the org' }],
      },
    });
    expect(await readAll(connector, null)).toHaveLength(1);
    // The jittered back-off alone would be 50 ms each time: the server's wait wins.
    expect(waits).toEqual([7_000, 12_000]);
  });

  it('gives up on a token endpoint that stays down with a transient error naming the real cause', async () => {
    const emu = await startOrg();
    emu.app.faults.add({
      route: 'sf.token',
      fault: { kind: 'status', status: 500, body: { error: 'unknown_error', error_description: 'retry' } },
    });
    const err = await connect(emu).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'transient', code: 'unknown_error' });
    expect((err as Error).message).toBe(
      'Salesforce login (password) failed: the login endpoint answered HTTP 500 Internal Server Error 4 times; try again later',
    );
    expect(counter(emu, 'sf.token')).toBe(4);
  });

  it('uses the configured API version, not jsforce’s 50.0', async () => {
    const emu = await startOrg();
    insertLead(emu, T0);
    const seen: string[] = [];
    emu.app.decorate((req) => {
      if (req.path.startsWith('/services/data/v')) seen.push(req.path.split('/')[3]!);
    });
    const connector = await connect(emu, { apiVersion: '61.0' });
    await readAll(connector, null);
    expect(new Set(seen)).toEqual(new Set(['v61.0']));
  });
});

describe('transport', () => {
  it('times a hanging call out at requestTimeoutMs and retries the read', async () => {
    const emu = await startOrg();
    insertLead(emu, T0);
    const connector = await connect(emu, { requestTimeoutMs: 1_000 });
    emu.app.faults.add({ route: 'sf.composite', count: 1, fault: { kind: 'timeout' } });
    const started = Date.now();
    const pages = await readAll(connector, null);
    expect(pages.flatMap((p) => p.leads)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Page one of Leads and Contacts in one Composite call: timed out, then again.
    expect(counter(emu, 'sf.composite')).toBe(2);
  });

  it('reaches a loopback org directly even when HTTP(S)_PROXY points at a dead proxy', async () => {
    const emu = await startOrg();
    insertLead(emu, T0);
    const saved = { https: process.env.HTTPS_PROXY, http: process.env.HTTP_PROXY };
    process.env.HTTPS_PROXY = 'http://127.0.0.9:9';
    process.env.HTTP_PROXY = 'http://127.0.0.9:9';
    try {
      const connector = await connect(emu);
      expect(await readAll(connector, null)).toHaveLength(1);
    } finally {
      if (saved.https === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved.https;
      if (saved.http === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved.http;
    }
  });

  it('decides the proxy per URL: loopback and NO_PROXY bypass it, a configured null disables it', () => {
    const env = {
      HTTPS_PROXY: 'http://proxy.corp:8080',
      NO_PROXY: '.internal.example, my.salesforce.com:443',
    };
    expect(proxyFor('https://login.salesforce.com/services/oauth2/token', undefined, env)).toBe(
      'http://proxy.corp:8080',
    );
    expect(proxyFor('https://acme.my.salesforce.com/services/data', undefined, env)).toBeUndefined(); // suffix match
    expect(proxyFor('http://127.0.0.1:4000/services/data', undefined, env)).toBeUndefined();
    expect(proxyFor('http://localhost:4000/x', 'http://other:1', env)).toBeUndefined();
    expect(proxyFor('https://sf.internal.example/x', undefined, env)).toBeUndefined();
    expect(proxyFor('https://my.salesforce.com/x', undefined, env)).toBeUndefined();
    expect(proxyFor('https://login.salesforce.com/x', null, env)).toBeUndefined();
    expect(proxyFor('https://login.salesforce.com/x', 'http://explicit:3128', {})).toBe(
      'http://explicit:3128',
    );
    expect(
      proxyFor('https://login.salesforce.com/x', undefined, { NO_PROXY: '*', HTTPS_PROXY: 'http://p:1' }),
    ).toBeUndefined();
  });
});

describe('the Salesforce CRM module', () => {
  it('tossup sync connects through connectors/salesforce/module.ts and picks the flow from the credentials', async () => {
    const { connectCrm } = await import('../../../src/composition/crm-registry.ts');
    const { SalesforceSettingsSchema, salesforceAuthOf } = await import(
      '../../../connectors/salesforce/module.ts'
    );
    const emu = await startOrg();
    insertLead(emu, T0);
    const c = emu.credentials;
    const connector = await connectCrm(
      {
        crm: 'salesforce',
        settings: SalesforceSettingsSchema.parse({
          loginUrl: emu.loginUrl,
          clientId: c.clientId,
          clientSecret: c.clientSecret,
          username: c.username,
          password: c.password,
        }),
      },
      { clock: { now: () => new Date(emu.clock.now()) }, dryRun: false },
    );
    try {
      expect(connector.crm).toBe('salesforce');
      expect(connector.recordUrl({ id: '00Q000000000001AAA', objectType: 'Lead' } as never)).toBe(
        `${emu.url}/lightning/r/Lead/00Q000000000001AAA/view`,
      );
    } finally {
      await connector.close();
    }
    const flow = (s: Record<string, string>) =>
      salesforceAuthOf(SalesforceSettingsSchema.parse({ clientId: 'k', ...s })).flow;
    expect(flow({ username: 'u', privateKey: '-----BEGIN PRIVATE KEY-----', password: 'p' })).toBe('jwt');
    expect(flow({ clientSecret: 's' })).toBe('client_credentials');
    expect(flow({ username: 'u', password: 'p', clientSecret: 's' })).toBe('password');
    // The username-password flow sends the connected app's secret too: without it there is no flow.
    expect(SalesforceSettingsSchema.safeParse({ clientId: 'k', username: 'u', password: 'p' }).success).toBe(
      false,
    );
  });
});

describe('re-authentication loop guard', () => {
  it('stops with an auth error when the org keeps answering 401 to fresh sessions (jsforce would loop)', async () => {
    const emu = await startOrg();
    insertLead(emu, T0);
    const connector = await connect(emu);
    emu.app.faults.add({
      route: 'sf.composite',
      count: 50,
      fault: {
        kind: 'status',
        status: 401,
        body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
      },
    });

    const err = await readAll(connector, null).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CrmError);
    expect(err).toMatchObject({ kind: 'auth', code: 'INVALID_SESSION_ID' });
    expect((err as Error).message).toContain('fresh sessions in a row');
    expect(counter(emu, 'sf.token')).toBe(1 + 3);
    expect(counter(emu, 'sf.composite')).toBe(4);
  });
});
