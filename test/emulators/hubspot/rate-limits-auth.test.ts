import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { rawFetch, sdk, startEmulator, tinyWorld } from './fixtures.ts';

/**
 * crm-apis.md B5/B7: one budget per portal (per 10 s and per day), rate-limit headers on
 * non-search responses, 429 bodies the SDK's RetryDecorator keys on (TEN_SECONDLY_ROLLING and the
 * secondly message are retried, DAILY is not), JSON bodies on every error, bearer auth.
 */

const RATE_HEADERS = [
  'x-hubspot-ratelimit-daily',
  'x-hubspot-ratelimit-daily-remaining',
  'x-hubspot-ratelimit-interval-milliseconds',
  'x-hubspot-ratelimit-max',
  'x-hubspot-ratelimit-remaining',
  'x-hubspot-ratelimit-secondly',
  'x-hubspot-ratelimit-secondly-remaining',
];

function pinnedClock(iso = '2025-04-01T03:00:00.000Z'): EmulatorClock {
  const clock = new EmulatorClock();
  clock.pin(iso);
  return clock;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Rate limits', () => {
  it('sends the rate-limit headers on API responses and counts down', async () => {
    const hs = await startEmulator({
      world: tinyWorld(),
      clock: pinnedClock(),
      rateLimits: { dailyMax: 500 },
    });
    const first = await rawFetch(hs, '/crm/v3/objects/contacts/1001');
    const second = await rawFetch(hs, '/crm/v3/objects/contacts/1001');
    for (const h of RATE_HEADERS) expect(first.headers.get(h), h).not.toBeNull();
    expect(Object.fromEntries(RATE_HEADERS.map((h) => [h, second.headers.get(h)]))).toEqual({
      'x-hubspot-ratelimit-daily': '500',
      'x-hubspot-ratelimit-daily-remaining': '498',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-max': '190',
      'x-hubspot-ratelimit-remaining': '188',
      'x-hubspot-ratelimit-secondly': '19',
      'x-hubspot-ratelimit-secondly-remaining': '17',
    });
  });

  it('answers TEN_SECONDLY_ROLLING 429 once the 10-second budget is spent, until the window rolls', async () => {
    const clock = pinnedClock();
    const hs = await startEmulator({ world: tinyWorld(), clock, rateLimits: { tenSecondlyMax: 3 } });
    for (let i = 0; i < 3; i++) expect((await rawFetch(hs, '/crm/v3/objects/contacts')).status).toBe(200);
    const limited = await rawFetch(hs, '/crm/v3/objects/contacts');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/json/);
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
      category: 'RATE_LIMITS',
    });
    expect(typeof (limited.body as { correlationId: unknown }).correlationId).toBe('string');
    expect(typeof (limited.body as { groupName: unknown }).groupName).toBe('string');
    clock.advance(9_999);
    expect((await rawFetch(hs, '/crm/v3/objects/contacts')).status).toBe(429);
    clock.advance(1);
    expect((await rawFetch(hs, '/crm/v3/objects/contacts')).status).toBe(200);
  });

  it('is retried by the SDK: TEN_SECONDLY_ROLLING succeeds on the next attempt', async () => {
    const clock = pinnedClock();
    const hs = await startEmulator({ world: tinyWorld(), clock, rateLimits: { tenSecondlyMax: 3 } });
    for (let i = 0; i < 3; i++) await rawFetch(hs, '/crm/v3/objects/contacts/1002');
    // The SDK sleeps 10 s × attempt; let that sleep pass on the emulator clock instead of the wall.
    const realSetTimeout = globalThis.setTimeout;
    const waits: number[] = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      fn: (...a: unknown[]) => void,
      ms?: number,
      ...args: unknown[]
    ) => {
      if (ms !== undefined && ms >= 10_000 && ms % 10_000 === 0) {
        waits.push(ms);
        clock.advance(ms);
        return realSetTimeout(() => fn(...args), 0);
      }
      return realSetTimeout(() => fn(...args), ms);
    }) as typeof setTimeout);
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const client = sdk(hs, { numberOfApiCallRetries: 2 });
    const contact = await client.crm.contacts.basicApi.getById('1001');
    expect(contact.id).toBe('1001');
    expect(waits).toEqual([10_000]);
    expect(hs.app.counters.get('hs.contacts.get')).toBe(5);
  });

  it('answers DAILY 429 once the daily allowance is spent; the SDK does not retry it; midnight JST resets it', async () => {
    const clock = pinnedClock('2025-04-01T14:00:00.000Z'); // 23:00 JST
    const hs = await startEmulator({ world: tinyWorld(), clock, rateLimits: { dailyMax: 2 } });
    await rawFetch(hs, '/crm/v3/objects/contacts/1001');
    await rawFetch(hs, '/crm/v3/objects/contacts/1001');
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const client = sdk(hs, { numberOfApiCallRetries: 3 });
    const error = (await client.crm.contacts.basicApi.getById('1001').catch((e: unknown) => e)) as {
      code: number;
      body: Record<string, unknown>;
    };
    expect(error.code).toBe(429);
    expect(error.body).toMatchObject({
      policyName: 'DAILY',
      category: 'RATE_LIMITS',
      errorType: 'RATE_LIMIT',
    });
    expect(hs.app.counters.get('hs.contacts.get')).toBe(3);
    clock.advance(60 * 60 * 1000); // 00:00 JST
    expect((await rawFetch(hs, '/crm/v3/objects/contacts/1001')).status).toBe(200);
  });

  it('can be switched off (no headers, no 429) through the shared admin route', async () => {
    const hs = await startEmulator({
      world: tinyWorld(),
      clock: pinnedClock(),
      rateLimits: { tenSecondlyMax: 1 },
    });
    const off = await fetch(`${hs.basePath}/__admin/rate-limits`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    expect(off.status).toBe(204);
    for (let i = 0; i < 5; i++) {
      const res = await rawFetch(hs, '/crm/v3/objects/contacts');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    }
  });
});

describe('Auth and error bodies', () => {
  it('answers 401 INVALID_AUTHENTICATION for a missing or unknown token', async () => {
    const hs = await startEmulator({ world: tinyWorld() });
    const missing = await rawFetch(hs, '/crm/v3/objects/contacts', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    const wrong = await rawFetch(hs, '/crm/v3/objects/contacts', { token: 'pat-na1-not-a-token' });
    expect(wrong.status).toBe(401);
    const viaSdk = (await sdk({ ...hs, accessToken: 'nope' })
      .crm.contacts.basicApi.getPage()
      .catch((e: unknown) => e)) as { code: number; body: { category: string } };
    expect(viaSdk.code).toBe(401);
    expect(viaSdk.body.category).toBe('INVALID_AUTHENTICATION');
  });

  it('sends a JSON error body with status, message, correlationId and category on every error', async () => {
    const clock = pinnedClock();
    const hs = await startEmulator({
      world: tinyWorld(),
      clock,
      rateLimits: { tenSecondlyMax: 9, searchPerSecond: 1 },
    });
    hs.app.faults.set([{ route: 'hs.deals.list', count: 1, fault: { kind: 'status', status: 503 } }]);
    const cases: Array<[string, Parameters<typeof rawFetch>[2], number]> = [
      ['/crm/v3/objects/contacts', { token: null }, 401],
      ['/crm/v3/nothing/here', {}, 404],
      ['/crm/v3/objects/contacts/999', {}, 404],
      ['/crm/v3/objects/contacts', { method: 'PUT' }, 405],
      ['/crm/v3/objects/contacts', { method: 'POST', body: { properties: { nope: 1 } } }, 400],
      [
        '/crm/v3/objects/contacts',
        { method: 'POST', body: { properties: { email: 'hanako@alpha.example.jp' } } },
        409,
      ],
      ['/crm/v3/properties/contacts/nope', {}, 404],
      ['/crm/v3/objects/deals', {}, 503],
      ['/crm/v3/objects/contacts/search', { method: 'POST', body: {} }, 200],
      ['/crm/v3/objects/contacts/search', { method: 'POST', body: {} }, 429],
    ];
    for (const [path, init, status] of cases) {
      const res = await rawFetch(hs, path, init);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      if (status >= 400) {
        expect(res.body, path).toMatchObject({
          status: 'error',
          message: expect.any(String),
          category: expect.any(String),
        });
        expect((res.body as { correlationId: string }).correlationId, path).toMatch(/^[0-9a-f-]{36}$/);
      }
    }
    const conflict = await rawFetch(hs, '/crm/v3/objects/contacts', {
      method: 'POST',
      body: { properties: { email: 'hanako@alpha.example.jp' } },
    });
    expect((conflict.body as { message: string }).message).toBe('Contact already exists. Existing ID: 1002');
  });
});

describe('OAuth', () => {
  it('issues access tokens from a refresh token; they expire after expires_in', async () => {
    const clock = pinnedClock();
    const oauth = {
      clientId: 'cid',
      clientSecret: 'csecret',
      refreshTokens: ['rt-1'],
      accessTokenTtlSeconds: 1800,
    };
    const hs = await startEmulator({ world: tinyWorld(), clock, oauth });
    const client = sdk(hs);
    const token = await client.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      'cid',
      'csecret',
      'rt-1',
    );
    expect(token).toMatchObject({ tokenType: 'bearer', refreshToken: 'rt-1', expiresIn: 1800 });
    const ok = await rawFetch(hs, '/crm/v3/objects/contacts/1001', { token: token.accessToken });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('190');
    expect(ok.headers.get('x-hubspot-ratelimit-daily')).toBeNull();
    clock.advance(1800 * 1000);
    const expired = await rawFetch(hs, '/crm/v3/objects/contacts/1001', { token: token.accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ category: 'EXPIRED_AUTHENTICATION' });
    const bad = (await client.oauth.tokensApi
      .create('refresh_token', undefined, undefined, 'cid', 'csecret', 'rt-unknown')
      .catch((e: unknown) => e)) as { code: number; body: { status: string } };
    expect(bad.code).toBe(400);
    expect(bad.body.status).toBe('BAD_REFRESH_TOKEN');
    expect(hs.tokens.issued).toBe(1);
  });
});
