import { Client } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { createHubspotConnector } from '../../../connectors/hubspot/index.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { ConfigError } from '../../../src/domain/errors.ts';
import { connect, readAll, seedContacts, startPortal, T0 } from './harness.ts';

/** Credentials, token refresh by TTL, and the SDK's process-wide decorators kept out. */

const OAUTH = { clientId: 'client-1', clientSecret: 'secret-1', refreshToken: 'refresh-1' };

describe('HubSpot auth and client', () => {
  it('refreshes an OAuth token ahead of its expires_in, never waiting for a 401', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-04-01T00:00:00.000Z');
    const hs = await startPortal({
      clock,
      oauth: { ...OAUTH, refreshTokens: [OAUTH.refreshToken], accessTokenTtlSeconds: 1800 },
    });
    seedContacts(hs.store, 20, (i) => T0 + i);
    const connector = await connect(hs, { auth: { kind: 'oauth', ...OAUTH, refreshAheadSeconds: 300 } });
    const write = () =>
      connector.sink.writeTossUp([{ leadId: '1001', objectType: 'contact', fields: { flag: 'no' } }]);
    // Concurrent first calls share one token request.
    await Promise.all([write(), write(), readAll(connector, null)]);
    expect(hs.tokens.issued).toBe(1);
    clock.advance(1400 * 1000); // 23 minutes: still valid, outside the 5-minute margin
    await write();
    expect(hs.tokens.issued).toBe(1);
    clock.advance(120 * 1000); // 25 minutes: inside the margin, refreshed before it expires
    await write();
    expect(hs.tokens.issued).toBe(2);
    clock.advance(1400 * 1000);
    await write();
    expect(hs.tokens.issued).toBe(2);
    clock.advance(400 * 1000);
    await write();
    expect(hs.tokens.issued).toBe(3);
    // No call was ever answered 401 (each endpoint counted once per call, none repeated).
    expect(connector.usage().calls['contacts.batch.update']).toBe(6);
    expect(connector.usage().calls['oauth.token']).toBe(3);
  });

  it('refreshes while every request slot is taken by a call waiting for the token (no deadlock)', async () => {
    const hs = await startPortal({ oauth: { ...OAUTH, refreshTokens: [OAUTH.refreshToken] } });
    const ids = seedContacts(hs.store, 10, (i) => T0 + i);
    const connector = await connect(hs, {
      auth: { kind: 'oauth', ...OAUTH },
      limits: { maxConcurrency: 2, burst: 1000, searchPerSecond: 1000 },
    });
    const outcomes = await Promise.all(
      ids.map((id) =>
        connector.sink.writeTossUp([{ leadId: id, objectType: 'contact', fields: { flag: 'yes' } }]),
      ),
    );
    expect(outcomes.flat().every((o) => o.ok)).toBe(true);
    expect(hs.tokens.issued).toBe(1);
  });

  it('stops with an auth error for a bad token or a refused refresh, never showing the secret', async () => {
    const hs = await startPortal({ oauth: { ...OAUTH, refreshTokens: ['other'] } });
    const bad = await createHubspotConnector(
      {
        auth: { kind: 'private_app', accessToken: 'pat-na1-not-valid' },
        basePath: hs.basePath,
        deletedPages: 0,
      },
      {},
    );
    const e1 = await readAll(bad, null).catch((e: unknown) => e);
    expect(e1).toMatchObject({ name: 'CrmError', kind: 'auth', code: 'unauthorized' });
    expect(String((e1 as Error).message)).not.toContain('pat-na1-not-valid');

    const refused = await connect(hs, { auth: { kind: 'oauth', ...OAUTH } });
    const e2 = await readAll(refused, null).catch((e: unknown) => e);
    expect(e2).toMatchObject({ name: 'CrmError', kind: 'auth', code: 'oauth_refresh_failed' });
    expect(String((e2 as Error).message)).not.toMatch(/secret-1|refresh-1/);
  });

  it('validates settings without echoing credentials', async () => {
    const e = await createHubspotConnector({
      auth: { kind: 'oauth', clientId: 'c', clientSecret: 'super-secret' },
    } as never).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).issues.map((i) => i.path)).toContain('auth.refreshToken');
    expect((e as Error).message).not.toContain('super-secret');
    await expect(
      createHubspotConnector({ auth: { kind: 'private_app', accessToken: 't' }, pageSize: 250 }),
    ).rejects.toThrow(/pageSize/);
  });

  it('keeps the SDK retries out even when another client in the process turns them on', async () => {
    const hs = await startPortal();
    const [id] = seedContacts(hs.store, 1, () => T0);
    const connector = await connect(hs, { retry: { maxTransientRetries: 0 } });
    // Elsewhere in the process someone builds a client with SDK retries (a process-wide setting).
    new Client({ accessToken: hs.accessToken, basePath: hs.basePath, numberOfApiCallRetries: 3 });
    hs.app.faults.add({
      route: 'hs.contacts.batch.update',
      count: 5,
      fault: { kind: 'status', status: 500 },
    });
    await expect(
      connector.sink.writeTossUp([{ leadId: id!, objectType: 'contact', fields: { flag: 'no' } }]),
    ).rejects.toMatchObject({ kind: 'transient', code: 'http_500' });
    // Exactly one request: our policy said no retry, and the SDK added none.
    expect(hs.app.counters.get('hs.contacts.batch.update')).toBe(1);
  });

  it('links leads to the portal record page when the portal id is known', async () => {
    const hs = await startPortal();
    const withId = await connect(hs, { portalId: '24681357' });
    const lead = { id: '1001' } as Parameters<typeof withId.recordUrl>[0];
    expect(withId.recordUrl(lead)).toBe('https://app.hubspot.com/contacts/24681357/record/0-1/1001');
    expect((await connect(hs)).recordUrl(lead)).toBeNull();
  });
});
