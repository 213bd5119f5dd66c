import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventDedup } from '../../src/aws/dynamodb-event-dedup.ts';
import {
  checkHubspotSignature,
  decodeSignedUri,
  signHubspotRequest,
} from '../../src/handlers/hubspot-signature.ts';
import type { HttpApiEvent, HttpApiResult } from '../../src/handlers/lambda-types.ts';
import { RefreshMessageSchema } from '../../src/handlers/queue-message.ts';
import { createHubspotWebhookHandler, type WebhookOptions } from '../../src/handlers/webhook-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { EventDedup } from '../../src/ports/event-dedup.ts';
import type { MessageQueue, OutgoingMessage } from '../../src/ports/message-queue.ts';
import type { SecretSource } from '../../src/ports/secret-source.ts';
import { StateUnavailableError } from '../../src/ports/state-unavailable-error.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';
import { LogCapture, lambdaContext } from './support/harness.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

const HOST = 'abc123.execute-api.ap-northeast-1.amazonaws.com';
const PATH = '/webhooks/hubspot';
const CLIENT_SECRET = 'a1b2c3d4-e5f6-7890-abcd-ef0123456789';
const SECRET_ID = 'tossup/test/hubspot-webhook';

/** A secret store whose value can be rotated; counts reads. */
function secretStore(clock: { now(): Date }, initial: string) {
  let text = JSON.stringify({ clientSecret: initial });
  let version = 1;
  let cached: { text: string; versionId: string; fetchedAtMs: number } | null = null;
  const store: SecretSource & { reads: number; rotate(secret: string): void } = {
    reads: 0,
    async get(_id, options) {
      const maxAge = options?.maxAgeMs ?? 300_000;
      if (cached && clock.now().getTime() - cached.fetchedAtMs < maxAge) return cached;
      store.reads++;
      cached = { text, versionId: `v${version}`, fetchedAtMs: clock.now().getTime() };
      return cached;
    },
    invalidate() {
      cached = null;
    },
    rotate(secret) {
      text = JSON.stringify({ clientSecret: secret });
      version++;
    },
  };
  return store;
}

function hubspotEvents(ids: number[], over: Record<string, unknown> = {}) {
  return ids.map((objectId, i) => ({
    eventId: 100_000 + objectId * 10 + i,
    subscriptionId: 4242,
    portalId: 62515,
    appId: 777,
    occurredAt: 1795482000000 + i,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId,
    changeSource: 'CRM',
    propertyName: 'jobtitle',
    propertyValue: '部長',
    ...over,
  }));
}

/** An API Gateway HTTP API (payload 2.0) event, signed like HubSpot signs it unless told otherwise. */
function httpEvent(
  body: string,
  options: {
    nowMs: number;
    secret?: string;
    signedPath?: string;
    path?: string;
    query?: string;
    signedAtMs?: number;
    headers?: Record<string, string | undefined>;
    method?: string;
    base64?: boolean;
  },
): HttpApiEvent {
  const path = options.path ?? PATH;
  const query = options.query ?? '';
  const signedUri = `https://${HOST}${options.signedPath ?? path}${query ? `?${query}` : ''}`;
  const { signature, timestamp } = signHubspotRequest(
    { method: options.method ?? 'POST', uri: signedUri, body },
    options.secret ?? CLIENT_SECRET,
    options.signedAtMs ?? options.nowMs,
  );
  return {
    version: '2.0',
    routeKey: `POST ${PATH}`,
    rawPath: path,
    rawQueryString: query,
    headers: {
      'content-type': 'application/json',
      host: HOST,
      'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio)',
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': timestamp,
      'x-hubspot-signature-version': 'v1',
      'x-forwarded-proto': 'https',
      ...options.headers,
    },
    body: options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
    requestContext: {
      domainName: HOST,
      http: { method: options.method ?? 'POST', path, sourceIp: '54.174.62.1' },
      requestId: 'req-1',
      timeEpoch: options.nowMs,
    },
  };
}

class RecordingQueue implements MessageQueue {
  readonly sent: OutgoingMessage[] = [];
  failNext = false;
  async sendAll(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('SQS unavailable');
    }
    this.sent.push(...messages);
  }
}

async function setup(over: Partial<WebhookOptions> & { clock?: ReturnType<typeof testClock> } = {}) {
  const clock = over.clock ?? testClock('2026-11-24T01:00:00.000Z');
  const queue = new RecordingQueue();
  const logs = new LogCapture();
  const secrets = secretStore(clock, CLIENT_SECRET);
  const handler = createHubspotWebhookHandler({
    secretId: SECRET_ID,
    secrets,
    dedup: new DynamoEventDedup(await dynamo.table(clock), 'hubspot'),
    queue,
    clock,
    log: createLogger({ destination: logs }),
    ...over,
  });
  const now = () => clock.now().getTime();
  const call = (e: HttpApiEvent) => handler(e, lambdaContext(10_000));
  return { clock, queue, logs, secrets, handler, call, now };
}

const enqueuedIds = (q: RecordingQueue) =>
  q.sent.flatMap((m) => RefreshMessageSchema.parse(JSON.parse(m.body)).ids);

describe('HubSpot webhook: signature v3', () => {
  it('accepts a valid request and enqueues the changed contacts as one refresh message', async () => {
    const s = await setup();
    const body = JSON.stringify(hubspotEvents([101, 102, 101]));
    const res = await s.call(httpEvent(body, { nowMs: s.now() }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ accepted: 2, duplicates: 0 });
    expect(s.queue.sent).toHaveLength(1);
    expect(RefreshMessageSchema.parse(JSON.parse(s.queue.sent[0]!.body))).toEqual({
      v: 1,
      kind: 'refresh',
      crm: 'hubspot',
      objectType: 'contact',
      ids: ['101', '102'],
      source: 'hubspot-webhook',
    });
  });

  it('accepts a base64-encoded body and a query string HubSpot signed as sent', async () => {
    const s = await setup();
    const res = await s.call(
      httpEvent(JSON.stringify(hubspotEvents([7])), {
        nowMs: s.now(),
        base64: true,
        query: 'tenant=jp%3Aeast',
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(enqueuedIds(s.queue)).toEqual(['7']);
  });

  const refused: [string, (now: number, body: string) => HttpApiEvent][] = [
    [
      'unsigned',
      (now, body) =>
        httpEvent(body, {
          nowMs: now,
          headers: { 'x-hubspot-signature-v3': undefined, 'x-hubspot-request-timestamp': undefined },
        }),
    ],
    [
      'with a tampered body',
      (now, body) => ({ ...httpEvent(body, { nowMs: now }), body: body.replace('101', '999') }),
    ],
    [
      'sent to another path than the one signed',
      (now, body) => httpEvent(body, { nowMs: now, signedPath: '/webhooks/other' }),
    ],
    [
      'with a query string added after signing',
      (now, body) => ({ ...httpEvent(body, { nowMs: now }), rawQueryString: 'x=1' }),
    ],
    [
      'for another host',
      (now, body) => httpEvent(body, { nowMs: now, headers: { host: 'evil.example.com' } }),
    ],
    [
      'signed more than 5 minutes ago',
      (now, body) => httpEvent(body, { nowMs: now, signedAtMs: now - 300_001 }),
    ],
    [
      'signed more than 5 minutes in the future',
      (now, body) => httpEvent(body, { nowMs: now, signedAtMs: now + 300_001 }),
    ],
    [
      'with a timestamp changed after signing',
      (now, body) =>
        httpEvent(body, { nowMs: now, headers: { 'x-hubspot-request-timestamp': String(now - 1000) } }),
    ],
    ['signed with another secret', (now, body) => httpEvent(body, { nowMs: now, secret: 'not-the-secret' })],
    [
      'with a truncated signature',
      (now, body) => {
        const e = httpEvent(body, { nowMs: now });
        return {
          ...e,
          headers: {
            ...e.headers,
            'x-hubspot-signature-v3': e.headers['x-hubspot-signature-v3']!.slice(0, 20),
          },
        };
      },
    ],
  ];
  for (const [what, make] of refused) {
    it(`refuses a request ${what} with 401 and enqueues nothing`, async () => {
      const s = await setup();
      const res = await s.call(make(s.now(), JSON.stringify(hubspotEvents([101]))));
      expect(res.statusCode).toBe(401);
      expect(s.queue.sent).toEqual([]);
      const warn = s.logs.records().find((l) => l.msg === 'webhook request refused');
      expect(warn).toBeDefined();
      expect(s.logs.text).not.toContain(CLIENT_SECRET);
    });
  }

  it('answers a replay of a valid request within the 5 minutes with 200 and enqueues nothing', async () => {
    const s = await setup();
    const event = httpEvent(JSON.stringify(hubspotEvents([101, 102])), { nowMs: s.now() });
    expect((await s.call(event)).statusCode).toBe(200);
    s.clock.advance(60_000);
    const replay = await s.call(event);
    expect(replay.statusCode).toBe(200);
    expect(JSON.parse(replay.body)).toEqual({ accepted: 0, duplicates: 2 });
    expect(s.queue.sent).toHaveLength(1);
  });

  it('enqueues only the new events of a HubSpot retry that mixes old and new ones', async () => {
    const s = await setup();
    const [e1, e2, e3] = hubspotEvents([1, 2, 3]);
    await s.call(httpEvent(JSON.stringify([e1, e2]), { nowMs: s.now() }));
    await s.call(httpEvent(JSON.stringify([e2, e3]), { nowMs: s.now() }));
    expect(enqueuedIds(s.queue)).toEqual(['1', '2', '3']);
  });

  it('remembers nothing when the queue fails (503), so HubSpot’s retry is enqueued', async () => {
    const s = await setup();
    const event = httpEvent(JSON.stringify(hubspotEvents([5])), { nowMs: s.now() });
    s.queue.failNext = true;
    expect((await s.call(event)).statusCode).toBe(503);
    expect((await s.call(event)).statusCode).toBe(200);
    expect(enqueuedIds(s.queue)).toEqual(['5']);
  });

  it('ignores deletions, other object types and other HubSpot accounts', async () => {
    const s = await setup({ portalId: '62515' });
    const body = JSON.stringify([
      ...hubspotEvents([1], { subscriptionType: 'contact.deletion' }),
      ...hubspotEvents([2], { subscriptionType: 'company.creation' }),
      ...hubspotEvents([3], { portalId: 99999 }),
      ...hubspotEvents([4], { subscriptionType: 'object.propertyChange', objectTypeId: '0-1' }),
      ...hubspotEvents([5], { subscriptionType: 'object.propertyChange', objectTypeId: '0-5' }),
      ...hubspotEvents([6], { subscriptionType: 'contact.merge', primaryObjectId: 60 }),
      ...hubspotEvents([8], { subscriptionType: 'company.deletion' }),
    ]);
    const res = await s.call(httpEvent(body, { nowMs: s.now() }));
    expect(res.statusCode).toBe(200);
    expect(enqueuedIds(s.queue)).toEqual(['4', '60']);
  });

  it('enqueues company and deal property changes as their own refresh messages (account-level triggers)', async () => {
    const s = await setup();
    const body = JSON.stringify([
      ...hubspotEvents([7]),
      ...hubspotEvents([21, 21], {
        subscriptionType: 'company.propertyChange',
        propertyName: 'lifecyclestage',
      }),
      ...hubspotEvents([22], { subscriptionType: 'object.propertyChange', objectTypeId: '0-2' }),
      ...hubspotEvents([31], { subscriptionType: 'deal.propertyChange', propertyName: 'dealstage' }),
    ]);
    const res = await s.call(httpEvent(body, { nowMs: s.now() }));
    expect(res.statusCode).toBe(200);
    const messages = s.queue.sent.map((m) => RefreshMessageSchema.parse(JSON.parse(m.body)));
    expect(messages.map((m) => [m.objectType, m.ids])).toEqual([
      ['contact', ['7']],
      ['company', ['21', '22']],
      ['deal', ['31']],
    ]);
    expect(new Set(s.queue.sent.map((m) => m.id)).size).toBe(3);
  });

  it('answers 400 to a signed body that is not a list of events, and 405 to other methods', async () => {
    const s = await setup();
    expect((await s.call(httpEvent('{"not":"events"}', { nowMs: s.now() }))).statusCode).toBe(400);
    expect((await s.call(httpEvent('', { nowMs: s.now(), method: 'GET' }))).statusCode).toBe(405);
    expect(s.queue.sent).toEqual([]);
  });

  it('picks up a rotated client secret without a redeploy (one fresh read, at most once a minute)', async () => {
    const s = await setup();
    const body = JSON.stringify(hubspotEvents([11]));
    expect((await s.call(httpEvent(body, { nowMs: s.now() }))).statusCode).toBe(200);
    s.secrets.rotate('rotated-secret');
    s.clock.advance(61_000);
    const res = await s.call(
      httpEvent(JSON.stringify(hubspotEvents([12])), { nowMs: s.now(), secret: 'rotated-secret' }),
    );
    expect(res.statusCode).toBe(200);
    expect(s.secrets.reads).toBe(2);
    // A forged request right after does not make the function read the secret again.
    expect((await s.call(httpEvent(body, { nowMs: s.now(), secret: 'forged' }))).statusCode).toBe(401);
    expect(s.secrets.reads).toBe(2);
  });
});

/** A DynamoDB-backed dedup whose calls can be made to fail, as a throttled table would. */
function flakyDedup(
  inner: EventDedup,
  fail: { seen?: boolean; remember?: boolean },
): EventDedup & { reads: number; writes: number } {
  const d = {
    reads: 0,
    writes: 0,
    seen(eventIds: readonly string[]) {
      d.reads++;
      if (fail.seen)
        return Promise.reject(
          new StateUnavailableError('DynamoDB BatchGetItem failed (ThrottlingException)'),
        );
      return inner.seen(eventIds);
    },
    remember(eventIds: readonly string[], ttl: number) {
      d.writes++;
      if (fail.remember) return Promise.reject(new StateUnavailableError('DynamoDB PutItem failed'));
      return inner.remember(eventIds, ttl);
    },
  };
  return d;
}

/** What HubSpot sees: a handler that throws is API Gateway's 500. */
async function asGateway(p: Promise<HttpApiResult>): Promise<number> {
  return p.then(
    (r) => r.statusCode,
    () => 500,
  );
}

describe('HubSpot webhook: no event lost or doubled when de-duplication or the queue fails', () => {
  const ids = Array.from({ length: 100 }, (_, i) => 1001 + i);
  /** HubSpot's retry: the same events, signed again when sent a minute or more later. */
  const retry = async (s: Awaited<ReturnType<typeof setup>>, body: string) => {
    s.clock.advance(60_000);
    return s.call(httpEvent(body, { nowMs: s.now() }));
  };
  const expectEachOnce = (q: RecordingQueue) => {
    const sent = enqueuedIds(q);
    expect(sent.length).toBe(ids.length);
    expect(new Set(sent)).toEqual(new Set(ids.map(String)));
  };

  it('the state table failing to answer which events were seen gives 503, and HubSpot’s retry enqueues all 100 once', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const inner = new DynamoEventDedup(await dynamo.table(clock), 'hubspot');
    const fail = { seen: true };
    const dedup = flakyDedup(inner, fail);
    const s = await setup({ clock, dedup });
    const body = JSON.stringify(hubspotEvents(ids));
    expect(await asGateway(s.call(httpEvent(body, { nowMs: s.now() })))).toBe(503);
    expect(s.queue.sent).toEqual([]);
    expect(dedup.writes).toBe(0);
    fail.seen = false;
    const res = await retry(s, body);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ accepted: 100, duplicates: 0 });
    expectEachOnce(s.queue);
    // And a third delivery of the same events is a duplicate: nothing enqueued again.
    expect(JSON.parse((await retry(s, body)).body)).toEqual({ accepted: 0, duplicates: 100 });
    expectEachOnce(s.queue);
  });

  it('when the queue fails nothing is remembered, and HubSpot’s retry enqueues all 100 once', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const inner = new DynamoEventDedup(await dynamo.table(clock), 'hubspot');
    const s = await setup({ clock, dedup: inner });
    const events = hubspotEvents(ids);
    const body = JSON.stringify(events);
    s.queue.failNext = true;
    expect(await asGateway(s.call(httpEvent(body, { nowMs: s.now() })))).toBe(503);
    expect(await inner.seen(events.map((e) => String(e.eventId)))).toEqual(new Set());
    const res = await retry(s, body);
    expect(JSON.parse(res.body)).toEqual({ accepted: 100, duplicates: 0 });
    expectEachOnce(s.queue);
  });

  it('a failure to remember still answers 200 (the work is enqueued), and a retry enqueues it again', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const dedup = flakyDedup(new DynamoEventDedup(await dynamo.table(clock), 'hubspot'), { remember: true });
    const s = await setup({ clock, dedup });
    const body = JSON.stringify(hubspotEvents(ids));
    const res = await s.call(httpEvent(body, { nowMs: s.now() }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ accepted: 100, duplicates: 0 });
    expectEachOnce(s.queue);
    const warn = s.logs.records().find((l) => l.level === 'warn');
    expect(warn?.msg).toMatch(/could not remember the webhook events/);
    expect(s.logs.text).not.toContain('"1001"');
    expect(JSON.parse((await retry(s, body)).body)).toEqual({ accepted: 100, duplicates: 0 });
    expect(enqueuedIds(s.queue)).toHaveLength(200);
  });

  it('events without a contact id are remembered all the same', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const inner = new DynamoEventDedup(await dynamo.table(clock), 'hubspot');
    const s = await setup({ clock, dedup: inner });
    const events = hubspotEvents([1, 2]).map(({ objectId: _, ...e }) => e);
    const res = await s.call(httpEvent(JSON.stringify(events), { nowMs: s.now() }));
    expect(JSON.parse(res.body)).toEqual({ accepted: 0, duplicates: 0 });
    expect(await inner.seen(events.map((e) => String(e.eventId)))).toEqual(
      new Set(events.map((e) => String(e.eventId))),
    );
    expect(JSON.parse((await retry(s, JSON.stringify(events))).body)).toEqual({ accepted: 0, duplicates: 2 });
  });

  it('one read and one write of the state table a request, none when nothing is relevant', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const dedup = flakyDedup(new DynamoEventDedup(await dynamo.table(clock), 'hubspot'), {});
    const s = await setup({ clock, dedup });
    const body = JSON.stringify(hubspotEvents(ids));
    await s.call(httpEvent(body, { nowMs: s.now() }));
    expect([dedup.reads, dedup.writes]).toEqual([1, 1]);
    await retry(s, body); // all duplicates: read, nothing to remember
    expect([dedup.reads, dedup.writes]).toEqual([2, 1]);
  });

  it('two deliveries of the same events at the same instant may both be enqueued (given up; harmless)', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const dedup = new DynamoEventDedup(await dynamo.table(clock), 'hubspot');
    let concurrent: Promise<HttpApiResult> | undefined;
    const s = await setup({ clock, dedup });
    const body = JSON.stringify(hubspotEvents(ids));
    const queue = s.queue;
    const sendAll = queue.sendAll.bind(queue);
    queue.sendAll = async (messages) => {
      // HubSpot re-sends while the first request is still enqueueing (its ids not yet remembered).
      if (!concurrent) {
        concurrent = s.call(httpEvent(body, { nowMs: s.now() }));
        await concurrent;
      }
      return sendAll(messages);
    };
    expect((await s.call(httpEvent(body, { nowMs: s.now() }))).statusCode).toBe(200);
    expect((await concurrent!).statusCode).toBe(200);
    expect(enqueuedIds(s.queue)).toHaveLength(200);
    // Once remembered, a later retry is a duplicate.
    expect(JSON.parse((await retry(s, body)).body)).toEqual({ accepted: 0, duplicates: 100 });
  });
});

describe('checkHubspotSignature', () => {
  it('decodes exactly the characters HubSpot lists before signing', () => {
    expect(decodeSignedUri('https://h/p%3Aa%2Fb%3Fc%40d%21e%24f%27g%28h%29i%2Aj%2Ck%3Bl%20m%2B')).toBe(
      "https://h/p:a/b?c@d!e$f'g(h)i*j,k;l%20m%2B",
    );
  });

  it('verifies a signature over method, decoded URI, body and timestamp', () => {
    const now = Date.parse('2026-11-24T01:00:00Z');
    const req = { method: 'POST', uri: 'https://h/webhooks/hubspot?x=a%3Ab', body: '[]' };
    const signed = signHubspotRequest({ ...req, uri: 'https://h/webhooks/hubspot?x=a:b' }, 's3cret', now);
    expect(checkHubspotSignature({ ...req, ...signed }, 's3cret', now)).toEqual({ ok: true });
    expect(checkHubspotSignature({ ...req, ...signed, method: 'PUT' }, 's3cret', now)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(checkHubspotSignature({ ...req, ...signed, timestamp: 'yesterday' }, 's3cret', now)).toEqual({
      ok: false,
      reason: 'bad_timestamp',
    });
  });
});

describe('HubSpot webhook: no echo', () => {
  it("ignores our own app's writes and changes to properties the connector never reads", async () => {
    const s = await setup({ ownAppId: '777', readProperties: new Set(['jobtitle', 'ma_behaviour_score']) });
    const events = [
      ...hubspotEvents([1], { changeSource: 'INTEGRATION', sourceId: '777', propertyName: 'tossup_flag' }),
      ...hubspotEvents([2], { changeSource: 'INTEGRATION', sourceId: '778' }),
      ...hubspotEvents([3], { propertyName: 'website' }),
      ...hubspotEvents([4], { subscriptionType: 'contact.creation', propertyName: undefined }),
      ...hubspotEvents([5]),
    ];
    const res = await s.call(httpEvent(JSON.stringify(events), { nowMs: s.now() }));
    expect(res.statusCode).toBe(200);
    // Another app's change (2), a creation (4) and a read property (5) are acted on.
    expect(enqueuedIds(s.queue)).toEqual(['2', '4', '5']);
    expect(s.logs.text).toMatch(/"ownWrites":1,"unreadProperties":1/);
  });
});
