import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Signature } from '@hubspot/api-client';
import { afterEach, describe, expect, it } from 'vitest';
import { sdk, startEmulator, tinyWorld } from './fixtures.ts';

/** crm-apis.md B6 and reliability-limits-costs.md B1: v3 signatures, at-least-once delivery with retries. */

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A webhook receiver answering with the given statuses in turn (the last one repeats). */
async function receiver(statuses: number[]): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.statusCode = statuses[Math.min(received.length - 1, statuses.length - 1)]!;
      res.end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/hubspot?tenant=demo`,
    received,
  };
}

function isValid(url: string, r: Received, clientSecret: string): boolean {
  return Signature.isValid({
    signatureVersion: 'v3',
    signature: String(r.headers['x-hubspot-signature-v3']),
    clientSecret,
    requestBody: r.body,
    url,
    method: 'POST',
    timestamp: Number(r.headers['x-hubspot-request-timestamp']),
  });
}

describe('Webhook sender', () => {
  it('POSTs v3-signed propertyChange batches after API writes, verifiable with the SDK', async () => {
    const target = await receiver([204]);
    const hs = await startEmulator({
      world: tinyWorld(),
      rateLimits: { enabled: false },
      webhook: {
        targetUrl: target.url,
        clientSecret: 'shh-secret',
        propertyNames: ['tossup_flag', 'lifecyclestage'],
      },
    });
    await sdk(hs).crm.contacts.batchApi.update({
      inputs: [
        { id: '1001', properties: { tossup_flag: 'yes', tossup_reason: 'not subscribed' } },
        { id: '1002', properties: { lifecyclestage: 'marketingqualifiedlead' } },
      ],
    });
    await hs.webhooks!.idle();
    expect(target.received).toHaveLength(1);
    const delivery = target.received[0]!;
    expect(delivery.url).toBe('/hooks/hubspot?tenant=demo');
    expect(isValid(target.url, delivery, 'shh-secret')).toBe(true);
    expect(isValid(target.url, delivery, 'other-secret')).toBe(false);
    expect(isValid(target.url, { ...delivery, body: delivery.body.replace('yes', 'no') }, 'shh-secret')).toBe(
      false,
    );
    const events = JSON.parse(delivery.body) as Array<Record<string, unknown>>;
    expect(events.map((e) => [e.objectId, e.propertyName, e.propertyValue])).toEqual([
      [1001, 'tossup_flag', 'yes'],
      [1002, 'lifecyclestage', 'marketingqualifiedlead'],
    ]);
    expect(events[0]).toMatchObject({
      subscriptionType: 'contact.propertyChange',
      portalId: hs.portalId,
      appId: hs.appId,
      attemptNumber: 0,
      changeSource: 'INTEGRATION',
      eventId: expect.any(Number),
      subscriptionId: expect.any(Number),
      occurredAt: expect.any(Number),
    });
  });

  it('sends contact.creation and store-API (CRM UI) edits, and on-demand events', async () => {
    const target = await receiver([200]);
    const hs = await startEmulator({
      world: tinyWorld(),
      rateLimits: { enabled: false },
      webhook: { targetUrl: target.url, clientSecret: 's' },
    });
    const created = await sdk(hs).crm.contacts.basicApi.create({
      properties: { email: 'new@lead.example' },
      associations: [],
    });
    hs.store.update('contacts', '1003', { jobtitle: '部長' }, { system: true });
    hs.webhooks!.emitPropertyChange('1004', 'sales_tossup_request', 'true');
    await hs.webhooks!.idle();
    const events = target.received.flatMap((r) => JSON.parse(r.body) as Array<Record<string, unknown>>);
    expect(
      events.map((e) => [e.subscriptionType, e.objectId, e.propertyName ?? null, e.changeSource]),
    ).toEqual([
      ['contact.creation', Number(created.id), null, 'INTEGRATION'],
      ['contact.propertyChange', 1003, 'jobtitle', 'CRM_UI'],
      ['contact.propertyChange', 1004, 'sales_tossup_request', 'CRM_UI'],
    ]);
  });

  it('retries a failing receiver with growing attemptNumber, re-signing each attempt', async () => {
    const target = await receiver([500, 503, 200]);
    const hs = await startEmulator({
      world: tinyWorld(),
      rateLimits: { enabled: false },
      webhook: { targetUrl: target.url, clientSecret: 'k', retryDelayMs: () => 5, maxAttempts: 5 },
    });
    hs.store.update('contacts', '1001', { tossup_flag: 'hold' }, { system: true });
    await hs.webhooks!.idle();
    expect(target.received).toHaveLength(3);
    const attempts = target.received.map(
      (r) => (JSON.parse(r.body) as Array<{ attemptNumber: number; eventId: number }>)[0]!,
    );
    expect(attempts.map((a) => a.attemptNumber)).toEqual([0, 1, 2]);
    expect(new Set(attempts.map((a) => a.eventId)).size).toBe(1);
    for (const r of target.received) expect(isValid(target.url, r, 'k')).toBe(true);
    expect(hs.webhooks!.deliveries.map((d) => [d.status, d.delivered])).toEqual([
      [500, false],
      [503, false],
      [200, true],
    ]);
  });

  it('gives up after maxAttempts, retries connection failures, and does not retry a 400', async () => {
    const hs = await startEmulator({
      world: tinyWorld(),
      rateLimits: { enabled: false },
      webhook: {
        targetUrl: 'http://127.0.0.1:9/unreachable',
        clientSecret: 'k',
        retryDelayMs: () => 1,
        maxAttempts: 3,
      },
    });
    hs.store.update('contacts', '1001', { tossup_flag: 'hold' }, { system: true });
    await hs.webhooks!.idle();
    expect(hs.webhooks!.deliveries.map((d) => [d.attemptNumber, d.status, d.error !== undefined])).toEqual([
      [0, undefined, true],
      [1, undefined, true],
      [2, undefined, true],
    ]);

    const target = await receiver([400]);
    const hs2 = await startEmulator({
      world: tinyWorld(),
      rateLimits: { enabled: false },
      webhook: { targetUrl: target.url, clientSecret: 'k', retryDelayMs: () => 1 },
    });
    hs2.store.update('contacts', '1001', { tossup_flag: 'hold' }, { system: true });
    await hs2.webhooks!.idle();
    expect(target.received).toHaveLength(1);
  });
});
