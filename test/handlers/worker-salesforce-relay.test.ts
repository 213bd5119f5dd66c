import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALTIME_CHANNEL } from '../../connectors/salesforce/realtime-setup.ts';
import { startEventRelay } from '../../emulators/salesforce/event-relay.ts';
import type { SalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import type { ChangeEventHeader } from '../../src/changes/salesforce-change-event.ts';
import { createWorkerHandler } from '../../src/handlers/worker-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { leadVersionKey } from '../../src/ports/lead-versions.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { syncOptions, worldOrg } from '../connectors/salesforce/pipeline-kit.ts';
import { connect, counter } from '../connectors/salesforce/sf-kit.ts';
import { testClock } from '../state/state-store.contract.ts';
import { bundledConfig, deployedQueue, deploySettings, LogCapture } from './support/harness.ts';
import { relayedEvent, TEST_EVENT_SOURCE } from './support/relayed-event.ts';

// Salesforce Change Data Capture on AWS (issue 16): events of the documented Event Relay shape, put on
// the queue as the EventBridge rule forwards them, through the real worker handler and the SQS model
// (the template's visibility timeout, receive count and batch size), with the real Salesforce
// connector (jsforce) against the emulator and the lead-version claims in a DynamoDB-protocol table.

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

async function relayRig(
  people = 12,
  connectOptions: Parameters<typeof connect>[1] = {},
  orgOptions: Parameters<typeof worldOrg>[1] = {},
) {
  const { emu, routing } = await worldOrg(people, orgOptions);
  const connector = await connect(emu, connectOptions);
  const options = syncOptions(emu, connector, routing);
  const clock = testClock(new Date(emu.clock.now()).toISOString());
  const table = await dynamo.table(clock);
  // Relayed change events go to the events queue (infra/salesforce-relay.yml): its batch size.
  const queue = deployedQueue(clock, 'salesforce', 'events');
  const logs = new LogCapture();
  const worker = createWorkerHandler({
    crm: 'salesforce',
    scope: 'default',
    config: { ...bundledConfig, rules: options.rules, routing, sla: options.sla, renderer: options.renderer },
    connectors: { get: async () => connector, invalidate() {} },
    state: new MemoryStateStore({ clock: options.clock }),
    routingState: new MemoryRoutingState(),
    versions: new DynamoLeadRecords(table),
    visibility: queue,
    clock: fixedClock(new Date(emu.clock.now()).toISOString()),
    log: createLogger({ destination: logs, level: 'debug' }),
    salesforceEventSource: TEST_EVENT_SOURCE,
  });
  const send = (event: Record<string, unknown>) => queue.sendRaw(JSON.stringify(event));
  return { emu, connector, table, queue, logs, worker, send };
}

const flagOf = (emu: SalesforceEmulator, id: string) => emu.store.get('Lead', id)?.TossUp_Flag__c ?? null;
const leadIds = (emu: SalesforceEmulator) => emu.store.all('Lead').map((l) => l.Id as string);
/** A person (not the integration user) changes leads' fields, as a rep in the org would. */
function personEdits(emu: SalesforceEmulator, ids: readonly string[], fields: Record<string, unknown>) {
  emu.clock.advance(1_000);
  for (const id of ids) emu.store.update('Lead', id, fields, { userId: emu.store.defaultActorId });
  const at = emu.clock.now();
  // The event reaches the worker a moment after the commit (the write guard compares with the read).
  emu.clock.advance(1_000);
  return at;
}
const update = (
  ids: readonly string[],
  at: number,
  over: Partial<ChangeEventHeader> = {},
): Parameters<typeof relayedEvent>[0] => ({
  entityName: 'Lead',
  recordIds: [...ids],
  changeType: 'UPDATE',
  commitTimestamp: at,
  changedFields: ['Title', 'LastModifiedDate'],
  ...over,
});
const leadQueries = (emu: SalesforceEmulator) => counter(emu, 'sf.query') + counter(emu, 'sf.composite');

describe('Salesforce change events relayed through EventBridge, on the worker', () => {
  it('an update by a person: the named lead is read by id, decided and written, the message deleted', async () => {
    const r = await relayRig();
    const [id] = leadIds(r.emu);
    const at = personEdits(r.emu, [id!], { Title: '代表取締役社長' });
    expect(flagOf(r.emu, id!)).toBeNull();

    r.send(relayedEvent(update([id!], at, { commitUser: r.emu.store.defaultActorId })));
    const poll = await r.queue.poll(r.worker);

    expect(poll.threw).toBeNull();
    expect(poll.failedIds).toEqual([]);
    expect(r.queue.depth).toBe(0);
    expect(flagOf(r.emu, id!)).not.toBeNull();
    // Claimed at the version the lead was read at; the claim lapses with its lease (never completed).
    const claim = await r.table.get(`lead|${leadVersionKey('salesforce', 'Lead', id!)}`);
    expect(claim?.status?.S).toBe('in_progress');
    expect(Number(claim?.version?.N)).toBe(at);
  });

  it('one event naming many records decides every one of them, with no more calls than one record', async () => {
    const r = await relayRig();
    const [first, ...rest] = leadIds(r.emu);
    const ids = rest.slice(0, 5);
    const at1 = personEdits(r.emu, [first!], { Title: '営業部長' });
    let before = leadQueries(r.emu);
    r.send(relayedEvent(update([first!], at1, { commitUser: r.emu.store.defaultActorId })));
    await r.queue.poll(r.worker);
    const callsForOne = leadQueries(r.emu) - before;

    const at = personEdits(r.emu, ids, { Title: '営業部長' });
    before = leadQueries(r.emu);
    r.send(relayedEvent(update(ids, at, { commitUser: r.emu.store.defaultActorId })));
    const poll = await r.queue.poll(r.worker);

    expect(poll.failedIds).toEqual([]);
    for (const id of ids) expect(flagOf(r.emu, id), id).not.toBeNull();
    // The five Leads are read by id together: the reads do not grow with the records an event names.
    expect(leadQueries(r.emu) - before).toBeLessThanOrEqual(callsForOne);
  });

  it('redelivered (same event twice, then again after the visibility timeout): one write, no second task', async () => {
    const r = await relayRig();
    const [id] = leadIds(r.emu);
    const at = personEdits(r.emu, [id!], { Title: '代表取締役社長' });
    const event = relayedEvent(update([id!], at, { commitUser: r.emu.store.defaultActorId }));
    const writesBefore = counter(r.emu, 'sf.collections.update');
    const tasksBefore = r.emu.store.all('Task').length;
    r.send(event);
    r.send(event); // at-least-once: a second copy in the same receive
    await r.queue.poll(r.worker);
    const writes = counter(r.emu, 'sf.collections.update');
    const tasks = r.emu.store.all('Task').length;
    expect(writes - writesBefore).toBe(1);
    expect(tasks - tasksBefore).toBeLessThanOrEqual(1);
    r.send(event); // and another copy later
    r.queue.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
    await r.queue.drain(r.worker);

    // The lead now reads at our write's version and decides the same: nothing written, no task.
    expect(r.queue.depth + r.queue.dlq.length).toBe(0);
    expect(counter(r.emu, 'sf.collections.update')).toBe(writes);
    expect(r.emu.store.all('Task').length).toBe(tasks);
  });

  it('our own write (commitUser = the integration user) is acknowledged with no CRM call', async () => {
    const r = await relayRig();
    const [id] = leadIds(r.emu);
    const before = leadQueries(r.emu);
    r.send(relayedEvent(update([id!], r.emu.clock.now(), { commitUser: r.emu.store.integrationUserId })));
    const poll = await r.queue.poll(r.worker);

    expect(poll.failedIds).toEqual([]);
    expect(r.queue.depth).toBe(0);
    expect(leadQueries(r.emu)).toBe(before);
    expect(flagOf(r.emu, id!)).toBeNull();
    expect(r.logs.records().find((l) => l.action === 'ignore')).toMatchObject({ why: 'own_write' });
  });

  it('a change to a field no rule reads is acknowledged with no CRM call', async () => {
    const r = await relayRig();
    const [id] = leadIds(r.emu);
    const at = personEdits(r.emu, [id!], { Description: '展示会で名刺交換' });
    const before = leadQueries(r.emu);
    r.send(
      relayedEvent(
        update([id!], at, {
          commitUser: r.emu.store.defaultActorId,
          changedFields: ['Description', 'LastModifiedDate'],
        }),
      ),
    );
    const poll = await r.queue.poll(r.worker);

    expect(poll.failedIds).toEqual([]);
    expect(leadQueries(r.emu)).toBe(before);
    expect(flagOf(r.emu, id!)).toBeNull();
    expect(r.logs.records().find((l) => l.action === 'ignore')).toMatchObject({ why: 'unread_fields' });
  });

  it('a gap event (no field values) re-reads the named records and decides them', async () => {
    const r = await relayRig();
    const ids = leadIds(r.emu).slice(0, 2);
    const at = personEdits(r.emu, ids, { Title: '情報システム部長' });
    // A gap carries no changedFields and may name our own user: it is re-read all the same.
    r.send(
      relayedEvent(
        update(ids, at, {
          changeType: 'GAP_UPDATE',
          changedFields: [],
          commitUser: r.emu.store.integrationUserId,
        }),
      ),
    );
    const poll = await r.queue.poll(r.worker);

    expect(poll.failedIds).toEqual([]);
    for (const id of ids) expect(flagOf(r.emu, id), id).not.toBeNull();
  });

  it('an overflow event reads what changed since its commit time (bounded) and decides it', async () => {
    const r = await relayRig(10);
    const all = leadIds(r.emu);
    const at = personEdits(r.emu, all, { Title: 'マーケティング部長' });
    r.send(
      relayedEvent({ entityName: 'Lead', recordIds: [], changeType: 'GAP_OVERFLOW', commitTimestamp: at }),
    );
    const poll = await r.queue.poll(r.worker);

    expect(poll.failedIds).toEqual([]);
    for (const id of all) expect(flagOf(r.emu, id), id).not.toBeNull();
  });

  it("an Account change re-decides the account's people; a deletion asks for nothing", async () => {
    const r = await relayRig(20);
    const contact = r.emu.store.all('Contact').find((c) => c.AccountId)!;
    const accountId = contact.AccountId as string;
    expect(contact.TossUp_Flag__c ?? null).toBeNull();
    r.emu.clock.advance(1_000);
    r.emu.store.update(
      'Account',
      accountId,
      { Name: '株式会社トリガー' },
      { userId: r.emu.store.defaultActorId },
    );
    r.send(
      relayedEvent({
        entityName: 'Account',
        recordIds: [accountId],
        changeType: 'UPDATE',
        commitTimestamp: r.emu.clock.now(),
        commitUser: r.emu.store.defaultActorId,
        changedFields: ['Name', 'LastModifiedDate'],
      }),
    );
    const [lead] = leadIds(r.emu);
    r.send(
      relayedEvent({
        entityName: 'Lead',
        recordIds: [lead!],
        changeType: 'DELETE',
        commitTimestamp: r.emu.clock.now(),
        commitUser: r.emu.store.defaultActorId,
      }),
    );
    const poll = await r.queue.poll(r.worker);

    expect(poll.failedIds).toEqual([]);
    expect(r.emu.store.get('Contact', contact.Id as string)?.TossUp_Flag__c).not.toBeNull();
    expect(flagOf(r.emu, lead!)).toBeNull();
    expect(r.logs.records().find((l) => l.action === 'deleted')).toMatchObject({ entity: 'Lead' });
  });

  it('a change younger than the read lag is written (its version is the one read); one after the read is held back', async () => {
    // The connector's default read lag (2 s): an event is read within it of its own change.
    const r = await relayRig(12, { readLagSeconds: 2 });
    const [fresh, raced] = leadIds(r.emu);
    r.emu.clock.advance(1_000);
    for (const id of [fresh!, raced!])
      r.emu.store.update('Lead', id, { Title: '代表取締役' }, { userId: r.emu.store.defaultActorId });
    const at = r.emu.clock.now();
    r.emu.clock.advance(300);
    // `raced` is edited again after the worker read it and before the write: that edit must not be
    // hidden by our write (BEHAVIOR.md "No echo"), so it is held back for the next read.
    const write = r.connector.sink.writeTossUp.bind(r.connector.sink);
    r.connector.sink.writeTossUp = async (updates) => {
      r.emu.clock.advance(100);
      r.emu.store.update('Lead', raced!, { Title: '取締役' }, { userId: r.emu.store.defaultActorId });
      return write(updates);
    };
    r.send(relayedEvent(update([fresh!, raced!], at, { commitUser: r.emu.store.defaultActorId })));
    const poll = await r.queue.poll(r.worker);

    expect(poll.failedIds).toEqual([]);
    expect(flagOf(r.emu, fresh!)).not.toBeNull();
    expect(flagOf(r.emu, raced!)).toBeNull();
    expect(r.logs.records().find((l) => l.leadId === raced)).toMatchObject({ code: 'CHANGED_SINCE_READ' });
  });

  it("the emulator's own change events through the emulated Event Relay: decided, and our writes' events ignored", async () => {
    const r = await relayRig(
      12,
      {},
      {
        changeDataCapture: {
          customChannel: {
            name: REALTIME_CHANNEL,
            members: { Lead: [], Contact: [], Account: [], Opportunity: ['AccountId'] },
          },
        },
      },
    );
    r.emu.changeEvents!.activate();
    const relay = startEventRelay({
      changeEvents: r.emu.changeEvents!,
      channel: `/data/${REALTIME_CHANNEL}`,
      source: TEST_EVENT_SOURCE,
      deliver: (event) => r.send(event),
    });
    const ids = leadIds(r.emu).slice(0, 3);
    // A person's mass edit: one transaction making the same change to three records, one event.
    r.emu.clock.advance(1_000);
    r.emu.changeEvents!.inScope(r.emu.store.defaultActorId, () => {
      for (const id of ids)
        r.emu.store.update('Lead', id, { Title: '購買部長' }, { userId: r.emu.store.defaultActorId });
    });
    r.emu.clock.advance(1_000);
    expect(relay.relayed).toBe(1);
    const first = await r.queue.poll(r.worker);
    expect(first.failedIds).toEqual([]);
    for (const id of ids) expect(flagOf(r.emu, id), id).not.toBeNull();

    // Our write-back came back through the relay as events of the integration user: acknowledged
    // with no CRM call, nothing written again.
    expect(r.queue.depth).toBeGreaterThan(0);
    const before = leadQueries(r.emu);
    const writes = counter(r.emu, 'sf.collections.update');
    await r.queue.drain(r.worker);
    relay.stop();
    expect(leadQueries(r.emu)).toBe(before);
    expect(counter(r.emu, 'sf.collections.update')).toBe(writes);
    expect(r.logs.records().filter((l) => l.why === 'own_write').length).toBeGreaterThan(0);
  });

  it('refuses an event from another org (and a malformed one): no CRM call, to the DLQ after maxReceiveCount', async () => {
    const r = await relayRig();
    const [id] = leadIds(r.emu);
    const before = leadQueries(r.emu);
    const foreign = r.send(
      relayedEvent(
        update([id!], r.emu.clock.now(), { commitUser: r.emu.store.defaultActorId }),
        {},
        {
          source: 'aws.partner/salesforce.com/00D5j00000OTHERORG/0YL5j0000000RELAYA',
        },
      ),
    );
    const malformed = r.send({ ...relayedEvent(update([id!], r.emu.clock.now())), detail: { payload: {} } });
    const first = await r.queue.poll(r.worker);
    expect(new Set(first.failedIds)).toEqual(new Set([foreign, malformed]));
    await r.queue.drain(r.worker);

    expect(r.queue.dlq.map((m) => m.messageId).sort()).toEqual([foreign, malformed].sort());
    expect(leadQueries(r.emu)).toBe(before);
    expect(flagOf(r.emu, id!)).toBeNull();
    expect(r.logs.records().some((l) => l.code === 'foreign_org')).toBe(true);
    // The log names orgs and record ids only, never field values.
    expect(r.logs.text).not.toContain('代表取締役');
  });
});
