import './no-proxy.ts';
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { connection, jsforce, login, raw, rejection, startEmu } from './sf-test-kit.ts';

// Expectations follow crm-apis.md A1 (token endpoint), A9 (jsforce login/refresh) and C1.

const JWT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function makeJwt(key: KeyObject, claims: Record<string, unknown>, alg = 'RS256'): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg })}.${enc(claims)}`;
  return `${head}.${sign('RSA-SHA256', Buffer.from(head), key).toString('base64url')}`;
}

async function postToken(emu: SalesforceEmulator, params: Record<string, string>) {
  const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, string>,
  };
}

describe('OAuth token endpoint', () => {
  it('has no proxy configured for jsforce', () => {
    for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY'])
      expect(process.env[k]).toBeUndefined();
  });

  it('password grant answers the documented token shape and no refresh token', async () => {
    const emu = await startEmu();
    const c = emu.credentials;
    const before = Date.now();
    const res = await postToken(emu, {
      grant_type: 'password',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      username: c.username,
      password: c.password,
    });
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    const b = res.body;
    expect(b.instance_url).toBe(new URL(emu.url).origin);
    expect(b.id).toMatch(new RegExp(`^${emu.loginUrl}/id/00D[A-Za-z0-9]{15}/005[A-Za-z0-9]{15}$`));
    expect(b.token_type).toBe('Bearer');
    expect(b.issued_at).toMatch(/^\d{13}$/);
    expect(Number(b.issued_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(typeof b.access_token).toBe('string');
    expect(typeof b.scope).toBe('string');
    expect(b.refresh_token).toBeUndefined();
    expect(b).not.toHaveProperty('expires_in');
    const expected = createHmac('sha256', c.clientSecret)
      .update(b.id! + b.issued_at)
      .digest('base64');
    expect(b.signature).toBe(expected);
  });

  it('rejects bad credentials with 400 JSON OAuth errors', async () => {
    const emu = await startEmu();
    const c = emu.credentials;
    const base = {
      grant_type: 'password',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      username: c.username,
    };
    const badPassword = await postToken(emu, { ...base, password: 'nope' });
    expect(badPassword.status).toBe(400);
    expect(badPassword.type).toMatch(/^application\/json/);
    expect(badPassword.body).toEqual({ error: 'invalid_grant', error_description: 'authentication failure' });
    expect((await postToken(emu, { ...base, password: c.password, client_secret: 'x' })).body.error).toBe(
      'invalid_client',
    );
    expect((await postToken(emu, { ...base, password: c.password, client_id: 'x' })).body.error).toBe(
      'invalid_client_id',
    );
    expect((await postToken(emu, { grant_type: 'magic' })).body.error).toBe('unsupported_grant_type');
    // jsforce surfaces the OAuth error name.
    const err = await rejection(connection(emu).login(c.username, 'wrong'));
    expect(err.name).toBe('invalid_grant');
  });

  it('client_credentials grant runs as the integration user and works with jsforce authorize()', async () => {
    const emu = await startEmu();
    const conn = connection(emu);
    const info = await conn.authorize({ grant_type: 'client_credentials' });
    expect(info.id).toBe(emu.store.integrationUserId);
    expect(conn.instanceUrl).toBe(emu.url);
    const res = await conn.query<{ Username: string }>('SELECT Username FROM User');
    expect(res.records.map((r) => r.Username)).toContain(emu.credentials.username);
    const identity = await conn.identity();
    expect(identity).toMatchObject({
      user_id: emu.store.integrationUserId,
      organization_id: emu.store.orgId,
      username: emu.credentials.username,
    });
  });

  describe('JWT bearer', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

    const claims = (emu: SalesforceEmulator, patch: Record<string, unknown> = {}) => ({
      iss: emu.credentials.clientId,
      sub: emu.credentials.username,
      aud: 'https://login.salesforce.com',
      exp: Math.floor(emu.clock.now() / 1000) + 120,
      ...patch,
    });

    it('issues a session for a valid RS256 assertion (no client secret, no refresh token)', async () => {
      const emu = await startEmu({ jwtCertificate: pem });
      const res = await postToken(emu, { grant_type: JWT, assertion: makeJwt(privateKey, claims(emu)) });
      expect(res.status).toBe(200);
      expect(res.body.refresh_token).toBeUndefined();
      const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: '62.0' });
      await conn.authorize({
        grant_type: JWT,
        assertion: makeJwt(privateKey, claims(emu, { aud: emu.loginUrl })),
      });
      const q = await conn.query('SELECT Id FROM User');
      expect(q.totalSize).toBeGreaterThan(0);
    });

    it.each([
      [
        'a bad signature',
        (emu: SalesforceEmulator) => makeJwt(other, claims(emu)),
        'invalid_grant',
        'invalid assertion',
      ],
      [
        'an expired exp',
        (emu: SalesforceEmulator) =>
          makeJwt(privateKey, claims(emu, { exp: Math.floor(emu.clock.now() / 1000) - 5 })),
        'invalid_grant',
        'expired authorization code',
      ],
      [
        'an exp more than 3 minutes ahead',
        (emu: SalesforceEmulator) =>
          makeJwt(privateKey, claims(emu, { exp: Math.floor(emu.clock.now() / 1000) + 600 })),
        'invalid_grant',
        'expired authorization code',
      ],
      [
        'a wrong aud',
        (emu: SalesforceEmulator) => makeJwt(privateKey, claims(emu, { aud: 'https://evil.example' })),
        'invalid_grant',
        'audience is invalid',
      ],
      [
        'a wrong iss',
        (emu: SalesforceEmulator) => makeJwt(privateKey, claims(emu, { iss: 'someone-else' })),
        'invalid_client_id',
        'client identifier invalid',
      ],
      [
        'an unknown sub',
        (emu: SalesforceEmulator) => makeJwt(privateKey, claims(emu, { sub: 'ghost@example.com' })),
        'invalid_grant',
        "user hasn't approved this consumer",
      ],
      [
        'HS256',
        (emu: SalesforceEmulator) => makeJwt(privateKey, claims(emu), 'HS256'),
        'invalid_grant',
        'invalid assertion',
      ],
    ])('rejects %s', async (_name, build, error, description) => {
      const emu = await startEmu({ jwtCertificate: pem });
      const res = await postToken(emu, { grant_type: JWT, assertion: build(emu) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error, error_description: description });
    });

    it('accepts an X.509 certificate PEM as the connected app certificate', async (t) => {
      let dir: string | undefined;
      try {
        dir = mkdtempSync(join(tmpdir(), 'sf-jwt-'));
        execFileSync(
          'openssl',
          [
            'req',
            '-x509',
            '-newkey',
            'rsa:2048',
            '-nodes',
            '-subj',
            '/CN=tossup-test',
            '-days',
            '1',
            '-keyout',
            join(dir, 'k.pem'),
            '-out',
            join(dir, 'c.pem'),
          ],
          { stdio: 'ignore' },
        );
      } catch {
        if (dir) rmSync(dir, { recursive: true, force: true });
        t.skip();
        return;
      }
      const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
      const key = readFileSync(join(dir, 'k.pem'), 'utf8');
      rmSync(dir, { recursive: true, force: true });
      const emu = await startEmu({ jwtCertificate: cert });
      const { createPrivateKey } = await import('node:crypto');
      const ok = await postToken(emu, {
        grant_type: JWT,
        assertion: makeJwt(createPrivateKey(key), claims(emu)),
      });
      expect(ok.status).toBe(200);
      const bad = await postToken(emu, { grant_type: JWT, assertion: makeJwt(privateKey, claims(emu)) });
      expect(bad.body.error_description).toBe('invalid assertion');
    });

    it('an expired JWT session is re-established by jsforce through refreshFn and the call replayed', async () => {
      const lifetime = 60_000;
      const emu = await startEmu({ jwtCertificate: pem, sessionLifetimeMs: lifetime });
      let refreshes = 0;
      const conn = new jsforce.Connection({
        loginUrl: emu.loginUrl,
        version: '62.0',
        refreshFn: (c, callback) => {
          refreshes += 1;
          c.oauth2
            .requestToken({ grant_type: JWT, assertion: makeJwt(privateKey, claims(emu)) })
            .then((res) => callback(null, res.access_token, res))
            .catch((e: Error) => callback(e));
        },
      });
      await conn.authorize({ grant_type: JWT, assertion: makeJwt(privateKey, claims(emu)) });
      const firstToken = conn.accessToken;
      emu.clock.advance(lifetime + 1);
      const stale = await raw(emu, firstToken!, 'GET', '/services/data/v62.0/limits');
      expect(stale.status).toBe(401);
      const q = await conn.query('SELECT Id FROM User');
      expect(q.totalSize).toBeGreaterThan(0);
      expect(refreshes).toBe(1);
      expect(conn.accessToken).not.toBe(firstToken);
    });
  });

  it('401 INVALID_SESSION_ID is a JSON array error', async () => {
    const emu = await startEmu();
    const res = await raw(emu, 'bogus', 'GET', '/services/data/v62.0/query?q=SELECT+Id+FROM+Lead');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  describe('refresh tokens', () => {
    async function webFlow(emu: SalesforceEmulator) {
      const redirectUri = 'http://localhost:9999/callback';
      const { clientId, clientSecret } = emu.credentials;
      const oauth2 = { clientId, clientSecret, redirectUri, loginUrl: emu.loginUrl };
      const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: '62.0', oauth2 });
      const authUrl = conn.oauth2.getAuthorizationUrl({});
      const redirect = await fetch(authUrl, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
      await conn.authorize(code);
      return conn;
    }

    it('authorization code flow returns a refresh token; jsforce refreshes on 401 and replays', async () => {
      const emu = await startEmu({ sessionLifetimeMs: 10_000 });
      const conn = await webFlow(emu);
      expect(conn.refreshToken).toMatch(/^5Aep861/);
      let refreshed = 0;
      conn.on('refresh', () => {
        refreshed += 1;
      });
      const before = emu.app.counters.get('sf.token') ?? 0;
      emu.clock.advance(10_001);
      const res = await conn.query('SELECT Id FROM User');
      expect(res.totalSize).toBeGreaterThan(0);
      expect(refreshed).toBe(1);
      expect(emu.app.counters.get('sf.token')).toBe(before + 1);
    });

    it('without rotation the same refresh token keeps working', async () => {
      const emu = await startEmu();
      const token = emu.auth.issueRefreshToken(emu.credentials.username);
      const { clientId, clientSecret } = emu.credentials;
      const params = {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: clientId,
        client_secret: clientSecret,
      };
      const a = await postToken(emu, params);
      const b = await postToken(emu, params);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(a.body.refresh_token).toBeUndefined();
      expect(a.body.access_token).not.toBe(b.body.access_token);
    });

    it('with rotation a new refresh token is issued and the old one stops working', async () => {
      const emu = await startEmu({ refreshTokenRotation: true });
      const token = emu.auth.issueRefreshToken(emu.credentials.username);
      const { clientId } = emu.credentials;
      const first = await postToken(emu, {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: clientId,
      });
      expect(first.status).toBe(200);
      expect(first.body.refresh_token).toBeTruthy();
      expect(first.body.refresh_token).not.toBe(token);
      const reuse = await postToken(emu, {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: clientId,
      });
      expect(reuse.body).toEqual({
        error: 'invalid_grant',
        error_description: 'expired access/refresh token',
      });
      const next = await postToken(emu, {
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token!,
        client_id: clientId,
      });
      expect(next.status).toBe(200);
    });
  });

  it('SOAP login works for a connection without OAuth client credentials, and refreshes by re-login', async () => {
    const emu = await startEmu({ sessionLifetimeMs: 5_000 });
    const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: '62.0', logLevel: 'FATAL' });
    const info = await conn.login(emu.credentials.username, emu.credentials.password);
    expect(info.organizationId).toBe(emu.store.orgId);
    expect(conn.instanceUrl).toBe(emu.url);
    emu.clock.advance(5_001);
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBeGreaterThan(0);
    const bad = new jsforce.Connection({ loginUrl: emu.loginUrl, version: '62.0', logLevel: 'FATAL' });
    const err = await rejection(bad.login(emu.credentials.username, 'wrong'));
    expect(err.message).toMatch(/^INVALID_LOGIN/);
  });

  it('counts token calls under sf.token and does not charge them to the API allowance', async () => {
    const emu = await startEmu();
    const conn = await login(emu);
    expect(emu.app.counters.get('sf.token')).toBe(1);
    await conn.limits();
    expect(conn.limitInfo.apiUsage?.used).toBe(1);
  });
});
