import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoOutboxStore } from '../../src/aws/dynamodb-outbox-store.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { leadMessage } from '../../src/handlers/queue-message.ts';
import { createWorkerHandler } from '../../src/handlers/worker-handler.ts';
import { tossUpNoticeQueue } from '../../src/handlers/worker-wiring.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { parseNotificationsConfig } from '../../src/notify/notifications-config.ts';
import { NotificationOutbox } from '../../src/state/notification-outbox.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { coldLead, hotLead, routing } from '../pipeline/pipeline-fixtures.ts';
import { deploySettings, handlerWiring, harness } from './support/harness.ts';

/**
 * The worker on AWS queues the `toss-up` notice into the DynamoDB outbox (a DynamoDB-protocol server,
 * dynalite), as src/handlers/worker-wiring.ts builds it (`tossUpNoticeQueue`): enqueue only, no chat secret. One entry per
 * target under at-least-once delivery and a crash before the field write; the sweep sends them.
 */

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

// The bundled file (mappings/ matches the bundled routing): toss-up to the team channel and the owner.
const notifications = parseNotificationsConfig(
  readFileSync('mappings/notifications.yaml', 'utf8'),
  'mappings/notifications.yaml',
  { routing },
);

async function setUp(options: { crashFieldWriteOnce?: boolean } = {}) {
  const h = await harness(dynamo);
  // A Salesforce record link, so the notice can be built (the fake's own URL is not one).
  h.connector.recordUrl = (lead) =>
    `https://example.my.salesforce.com/lightning/r/${lead.objectType}/${lead.id}/view`;
  if (options.crashFieldWriteOnce)
    h.crm.failCall('update', new Error('Runtime exited with error: signal: killed'));
  const store = new DynamoOutboxStore(h.table);
  const notify = tossUpNoticeQueue({ config: notifications, routing, store, clock: h.clock });
  const worker = createWorkerHandler({
    ...handlerWiring(h),
    versions: h.versions,
    visibility: h.queue,
    clock: h.clock,
    log: createLogger({ destination: h.logs }),
    notify,
  });
  const send = (lead: Lead) => {
    const m = leadMessage(structuredClone(lead));
    return h.queue.sendRaw(m.body, m.attributes);
  };
  const entries = () => new NotificationOutbox(store, { senders: [], clock: h.clock }).list();
  return { h, worker, send, entries };
}

describe('worker: the toss-up notice in the DynamoDB outbox', () => {
  it('is queued once per target under redelivery (same batch, a later batch, after the visibility timeout)', async () => {
    const { h, worker, send, entries } = await setUp();
    h.crm.put(hotLead('A'));
    h.crm.put(coldLead('B'));
    send(h.crm.lead('A'));
    send(h.crm.lead('A'));
    send(h.crm.lead('B'));
    await h.queue.poll(worker);
    send(h.crm.lead('A'));
    h.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
    await h.queue.drain(worker);

    expect(h.crm.tasks.size).toBe(1);
    const list = await entries();
    const key = h.crm.lead('A').current.decisionKey;
    // The pool's channel, and the owner's DM where the rep has an e-mail in routing.yaml.
    expect(list.length).toBeGreaterThanOrEqual(1);
    expect(new Set(list.map((e) => `${e.target.kind}:${JSON.stringify(e.target)}`)).size).toBe(list.length);
    for (const e of list) {
      expect(e).toMatchObject({ state: 'pending', attempts: 0 });
      expect(e.notification).toMatchObject({ episodeKey: key, step: 'toss-up', event: 'toss-up' });
      expect(e.notification.lead).toEqual({ name: 'A 株式会社' });
    }
    expect(list.some((e) => e.target.kind === 'slack-channel')).toBe(true);
  });

  it('a crash inside the field write: the redelivery queues nothing twice', async () => {
    const { h, worker, send, entries } = await setUp({ crashFieldWriteOnce: true });
    h.crm.put(hotLead('A'));
    send(h.crm.lead('A'));
    const first = await h.queue.poll(worker);
    expect(first.threw).toBeInstanceOf(Error);
    const queued = await entries();
    expect(queued.length).toBeGreaterThan(0);
    await h.queue.drain(worker);
    expect(h.crm.lead('A').current.decisionKey).toBe(queued[0]!.notification.episodeKey);
    expect((await entries()).map((e) => e.id).sort()).toEqual(queued.map((e) => e.id).sort());
  });
});
