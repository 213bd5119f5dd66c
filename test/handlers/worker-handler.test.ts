import { BatchGetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimCarriedRouting } from '../../src/aws/claim-carried-routing.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import { DynamoRoutingState } from '../../src/aws/dynamodb-routing-state.ts';
import { CrmError } from '../../src/domain/errors.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { leadMessage, packLeadMessages, refreshMessage } from '../../src/handlers/queue-message.ts';
import { createWorkerHandler, WorkerBatchError } from '../../src/handlers/worker-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { taskDoneKey } from '../../src/pipeline/process-leads.ts';
import { leadVersionKey } from '../../src/ports/lead-versions.ts';
import { StateUnavailableError } from '../../src/ports/state-unavailable-error.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { wrapState } from '../fakes/wrap-state.ts';
import { coldLead, hotLead } from '../pipeline/pipeline-fixtures.ts';
import { bundledConfig, deployedQueue, deploySettings, handlerWiring, harness } from './support/harness.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

const snapshot = (lead: Lead): Lead => structuredClone(lead);
const send = (h: Awaited<ReturnType<typeof harness>>, lead: Lead) => {
  const m = leadMessage(lead);
  return h.queue.sendRaw(m.body, m.attributes);
};

/** The harness's lead records' claim, completion and release, bound (a test overrides the rest). */
function boundVersions(h: Awaited<ReturnType<typeof harness>>) {
  return {
    claim: h.versions.claim.bind(h.versions),
    complete: h.versions.complete.bind(h.versions),
    release: h.versions.release.bind(h.versions),
  };
}

/** The harness's worker with `versions` standing in for its lead records (a race staged in them). */
function workerWithVersions(
  h: Awaited<ReturnType<typeof harness>>,
  versions: Parameters<typeof createWorkerHandler>[0]['versions'],
) {
  return createWorkerHandler({
    ...handlerWiring(h),
    versions,
    rechecks: h.versions,
    visibility: h.queue,
    clock: h.clock,
    log: createLogger({ destination: h.logs }),
  });
}

/** Not back after the visibility timeout, but `messages` are once the quota backoff has passed. */
function expectBackAfterQuotaBackoff(h: Awaited<ReturnType<typeof harness>>, messages: number) {
  h.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
  expect(h.queue.visible).toBe(0);
  h.clock.advance(
    (deploySettings.worker.quotaBackoffSeconds - deploySettings.queue.visibilityTimeoutSeconds) * 1000,
  );
  expect(h.queue.visible).toBe(messages);
}

describe('worker: partial batch failures', () => {
  it('returns exactly the failed message ids; the rest are written once and deleted', async () => {
    // Prepare: 10 messages, 3 of them poisoned in different ways.
    const h = await harness(dynamo);
    const good = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
    for (const [i, id] of good.entries()) h.crm.put(i % 2 ? coldLead(id) : hotLead(id));
    h.crm.put(hotLead('P'));
    h.crm.failRecord('task', 'P', 'transient', 'UNABLE_TO_LOCK_ROW');
    const ids = new Map<string, string>();
    for (const id of [...good.slice(0, 4), 'P', ...good.slice(4)]) ids.set(id, send(h, h.crm.lead(id)));
    const notJson = h.queue.sendRaw('{"v":1,"kind":"lead"');
    const wrongShape = h.queue.sendRaw(
      JSON.stringify({ v: 1, kind: 'lead', crm: 'salesforce', lead: { id: 'Z' } }),
    );

    // Act
    const r = await h.queue.poll(h.worker);

    // Assess
    expect(r.threw).toBeNull();
    expect(new Set(r.failedIds)).toEqual(new Set([ids.get('P'), notJson, wrongShape]));
    expect(r.failedIds).toHaveLength(3);
    for (const id of good) expect(h.crm.lead(id).current.flag, id).not.toBeNull();
    expect(h.crm.lead('P').current.flag).toBeNull();
    // A, C, E and G are hot: one task each; P's failed alone, and no task was asked for twice.
    expect(h.crm.tasks.size).toBe(4);
    expect(h.crm.taskRequests.map((t) => t.leadId).sort()).toEqual(['A', 'C', 'E', 'G', 'P']);
    expect(h.crm.updates.map((u) => u.leadId).sort()).toEqual(good);
    expect(h.queue.depth).toBe(3);
  });

  it('acknowledges a lead the CRM rejects (invalid_record) and records it in the skipped list', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('V'));
    h.crm.failRecord('update', 'V', 'invalid_record', 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
    send(h, h.crm.lead('V'));
    const r = await h.queue.poll(h.worker);
    expect(r.failedIds).toEqual([]);
    expect(h.queue.depth).toBe(0);
    expect(await h.state.listSkipped('sync|salesforce|default', 10)).toMatchObject([
      { leadId: 'V', kind: 'invalid_record', code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', stage: 'write' },
    ]);
    const warning = h.logs.records().find((l) => l.leadId === 'V' && l.level === 'warn');
    expect(warning).toMatchObject({ kind: 'invalid_record', code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' });
  });
});

describe('worker: packed messages (several leads a message, from the sync)', () => {
  it('decides every lead of a packed message; one lead failing for now brings its message back, and the redelivery finishes it without a second task for its mates', async () => {
    const h = await harness(dynamo);
    const ids = ['K1', 'K2', 'K3', 'K4', 'K5', 'K6'];
    for (const [i, id] of ids.entries()) h.crm.put(i % 2 ? coldLead(id) : hotLead(id));
    h.crm.failRecord('update', 'K4', 'transient', 'UNABLE_TO_LOCK_ROW');
    const { messages } = packLeadMessages(
      ids.map((id) => snapshot(h.crm.lead(id))),
      { leadsPerMessage: 3, maxMessageBytes: 262_144 },
    );
    expect(messages).toHaveLength(2);
    const sent = messages.map((m) => h.queue.sendRaw(m.body, m.attributes));

    const first = await h.queue.poll(h.worker);
    // K4 is in the second message: that message comes back whole; the first is done.
    expect(first.failedIds).toEqual([sent[1]]);
    for (const id of ['K1', 'K2', 'K3', 'K5', 'K6']) expect(h.crm.lead(id).current.flag, id).not.toBeNull();
    expect(h.crm.lead('K4').current.flag).toBeNull();
    const hot = ['K1', 'K3', 'K5'];
    expect([...h.crm.tasks.values()].map((t) => t.task.leadId).sort()).toEqual(hot);

    h.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
    await h.queue.drain(h.worker);
    expect(h.queue.depth + h.queue.dlq.length).toBe(0);
    for (const id of ids) expect(h.crm.lead(id).current.flag, id).not.toBeNull();
    // K5 came back with K4 and was decided again: still one task each.
    expect(h.crm.tasks.size).toBe(hot.length);
    expect(h.crm.taskRequests.filter((t) => t.leadId === 'K5')).toHaveLength(1);
  });
});

describe('worker: packed messages, failures inside a pack', () => {
  const pack = (h: Awaited<ReturnType<typeof harness>>, ids: string[]) => {
    const { messages } = packLeadMessages(
      ids.map((id) => snapshot(h.crm.lead(id))),
      { leadsPerMessage: ids.length, maxMessageBytes: 262_144 },
    );
    expect(messages).toHaveLength(1);
    return h.queue.sendRaw(messages[0]!.body, messages[0]!.attributes);
  };

  it('leads failing in the middle and at the end for different reasons: the message waits as long as the longest of them (the spent quota)', async () => {
    const h = await harness(dynamo);
    for (const id of ['M1', 'M2', 'M3', 'M4']) h.crm.put(hotLead(id));
    h.crm.failRecord('update', 'M2', 'transient', 'UNABLE_TO_LOCK_ROW');
    h.crm.failRecord('update', 'M4', 'quota_exhausted', 'REQUEST_LIMIT_EXCEEDED');
    const id = pack(h, ['M1', 'M2', 'M3', 'M4']);
    expect((await h.queue.poll(h.worker)).failedIds).toEqual([id]);
    expect(h.crm.lead('M1').current.flag).toBe('yes');
    expect(h.crm.lead('M3').current.flag).toBe('yes');
    expectBackAfterQuotaBackoff(h, 1);
    await h.queue.drain(h.worker);
    for (const lead of ['M1', 'M2', 'M3', 'M4']) expect(h.crm.lead(lead).current.flag, lead).toBe('yes');
    expect(h.crm.tasks.size).toBe(4);
    expect(h.queue.dlq).toHaveLength(0);
    expect(h.logs.text).toMatch(/a message of 4 leads comes back for 2 of them/);
  });

  it("a pack sent for its account's change decides every lead without a version claim, even while their own version's claim holds", async () => {
    const h = await harness(dynamo);
    for (const id of ['T1', 'T2', 'T3']) h.crm.put(hotLead(id));
    const first = ['T1', 'T2', 'T3'].map((id) => snapshot(h.crm.lead(id)));
    const { messages } = packLeadMessages(first, { leadsPerMessage: 3, maxMessageBytes: 262_144 });
    h.queue.sendRaw(messages[0]!.body, messages[0]!.attributes);
    expect((await h.queue.poll(h.worker)).failedIds).toEqual([]);
    // The same versions again, now for their account, which changed what they decide on (their
    // account's facts ride on the lead): a claim of a version already decided would turn them away.
    const account = packLeadMessages(
      first.map((lead) => ({ ...coldLead(lead.id), modifiedAt: lead.modifiedAt })),
      { leadsPerMessage: 3, maxMessageBytes: 262_144 },
      'account',
    ).messages[0]!;
    h.queue.sendRaw(account.body, account.attributes);
    expect((await h.queue.poll(h.worker)).failedIds).toEqual([]);
    expect(h.queue.depth).toBe(0);
    for (const id of ['T1', 'T2', 'T3']) expect(h.crm.lead(id).current.flag, id).not.toBe('yes');
  });

  it('a lead decided for its account on a read that a re-check has since changed writes nothing, comes back within a second and is decided on a fresh read', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('T1'));
    const account = packLeadMessages(
      [snapshot(h.crm.lead('T1'))],
      { leadsPerMessage: 1, maxMessageBytes: 262_144 },
      'account',
    ).messages[0]!;
    const other = new DynamoLeadRecords(h.table);
    let raced = false;
    const versions = {
      ...boundVersions(h),
      claimDecided: h.versions.claimDecided.bind(h.versions),
      confirmRead: async (leadKey: string) => {
        if (!raced) {
          // The sweep's re-check writes the lead's record between this worker's read and its writes.
          raced = true;
          await other.schedule('salesforce', [
            { objectType: 'Lead', leadId: 'T1', recheckAt: null, holdSince: null, inputs: 'swept' },
          ]);
        }
        return h.versions.confirmRead(leadKey);
      },
    };
    const worker = workerWithVersions(h, versions);
    const id = h.queue.sendRaw(account.body, account.attributes);
    expect((await h.queue.poll(worker)).failedIds).toEqual([id]);
    expect(h.crm.updates).toHaveLength(0);
    expect(h.crm.taskRequests).toHaveLength(0);
    h.clock.advance(1_000);
    expect(h.queue.visible).toBe(1);
    await h.queue.drain(worker);
    expect(h.crm.lead('T1').current.flag).toBe('yes');
    expect(h.crm.tasks.size).toBe(1);
  });

  it('a lead another worker still holds: the pack comes back once the claims this invocation took have lapsed too, and finishes at the next delivery', async () => {
    const h = await harness(dynamo);
    for (const id of ['Y', 'X', 'Z']) h.crm.put(hotLead(id));
    // X's own message (a webhook refresh, say) is being decided elsewhere: its claim holds 30 s more.
    const other = new DynamoLeadRecords(h.table);
    const x = h.crm.lead('X');
    const lease = h.clock.now().getTime() + 30_000;
    const key = leadVersionKey('salesforce', 'Lead', 'X');
    expect((await other.claimDecided(key, Date.parse(x.modifiedAt!), lease, 'salesforce', null)).status).toBe(
      'claimed',
    );
    const id = pack(h, ['Y', 'X', 'Z']);
    expect((await h.queue.poll(h.worker)).failedIds).toEqual([id]);
    expect(h.crm.lead('Y').current.flag).toBe('yes');
    expect(h.crm.lead('X').current.flag).toBeNull();
    // Back at X's 30 s, Y and Z would be held by this invocation's own claims: it waits for those.
    h.clock.advance(30_000);
    expect(h.queue.visible).toBe(0);
    h.clock.advance(deploySettings.worker.timeoutSeconds * 1000 - 30_000);
    expect(h.queue.visible).toBe(1);
    const second = await h.queue.poll(h.worker);
    expect(second.failedIds).toEqual([]);
    expect(h.queue.depth + h.queue.dlq.length).toBe(0);
    for (const lead of ['Y', 'X', 'Z']) expect(h.crm.lead(lead).current.flag, lead).toBe('yes');
    expect(h.crm.tasks.size).toBe(3);
  });
});

describe('worker: duplicate delivery and redelivery after a crash', () => {
  it('a message delivered twice (same batch, a later batch, after the visibility timeout) creates one task; the late copy repeats the same field write', async () => {
    const h = await harness(dynamo);
    // As deployed, with the episodes: the late copy's due time counts from the recorded hand-off.
    const worker = createWorkerHandler({
      ...handlerWiring(h),
      versions: h.versions,
      rechecks: h.versions,
      episodes: { store: new DynamoEpisodeStore(h.table), schedule: sweepSchedule(bundledConfig.sla) },
      visibility: h.queue,
      clock: h.clock,
      log: createLogger({ destination: h.logs }),
    });
    h.crm.put(hotLead('A'));
    const lead = snapshot(h.crm.lead('A'));
    send(h, lead);
    send(h, lead); // at-least-once: a second copy in the same receive
    await h.queue.poll(worker);
    expect(h.crm.updates).toHaveLength(1);
    send(h, lead); // and another copy later
    h.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
    await h.queue.drain(worker);

    expect(h.crm.tasks.size).toBe(1);
    expect(h.crm.taskRequests).toHaveLength(1);
    // A claim is never completed (docs/cost.md), so a copy after the first finished cannot tell a
    // finished lead from one whose worker died before its write: it writes again, the same values.
    expect(h.crm.updates).toHaveLength(2);
    expect(h.crm.updates[1]!.fields).toEqual(h.crm.updates[0]!.fields);
    expect(h.queue.depth + h.queue.dlq.length).toBe(0);
  });

  it('a crash after the task and before the fields: the redelivery creates no second task and writes the fields', async () => {
    // Prepare: the process dies inside the field write (after createTasks succeeded).
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    h.crm.failCall('update', new Error('Runtime exited with error: signal: killed'));
    send(h, snapshot(h.crm.lead('A')));

    // Act: the first delivery throws; the message comes back after the visibility timeout.
    const first = await h.queue.poll(h.worker);
    expect(first.threw).toBeInstanceOf(Error);
    expect(h.crm.tasks.size).toBe(1);
    expect(h.crm.updates).toHaveLength(0);
    const polls = await h.queue.drain(h.worker);

    // Assess: one task, the fields now written with that task's key, nothing left in the queue.
    expect(polls).toBeGreaterThan(0);
    expect(h.crm.tasks.size).toBe(1);
    expect(h.crm.taskRequests).toHaveLength(1); // the done-record kept the retry from even asking the CRM
    const [task] = [...h.crm.tasks.values()];
    expect(h.crm.lead('A').current.decisionKey).toBe(task!.task.key);
    expect(h.queue.depth + h.queue.dlq.length).toBe(0);
  });

  it('a crash between the CRM task and the done-record: the CRM key keeps the task single', async () => {
    const h = await harness(dynamo);
    let failOnce = true;
    const state = wrapState(h.state, {
      markDone: async (k, r, t) => {
        if (failOnce) {
          failOnce = false;
          throw new StateUnavailableError('DynamoDB PutItem failed (simulated)');
        }
        return h.state.markDone(k, r, t);
      },
    });
    const worker = createWorkerHandler({
      crm: 'salesforce',
      scope: 'default',
      config: bundledConfig,
      connectors: h.provider,
      state,
      routingState: h.routingState,
      versions: h.versions,
      visibility: h.queue,
      clock: h.clock,
      log: createLogger({ destination: h.logs }),
    });
    h.crm.put(hotLead('A'));
    send(h, snapshot(h.crm.lead('A')));

    expect((await h.queue.poll(worker)).threw).toBeInstanceOf(StateUnavailableError);
    await h.queue.drain(worker);

    expect(h.crm.taskRequests).toHaveLength(2); // asked twice…
    expect(h.crm.tasks.size).toBe(1); // …created once
    expect(await h.state.getDone(taskDoneKey('salesforce', [...h.crm.tasks.keys()][0]!))).not.toBeNull();
    expect(h.crm.updates).toHaveLength(1);
  });
});

describe('worker: DLQ redrive after a fix (D20)', () => {
  it('messages that died half done are each finished once after the redrive: no second task, no second write', async () => {
    // Prepare: B and D fail their field write every time (a bug, or a validation rule gone wrong)
    // after their task was created; A and C are fine.
    const h = await harness(dynamo);
    for (const id of ['A', 'B', 'D']) h.crm.put(hotLead(id));
    h.crm.put(coldLead('C'));
    for (const id of ['B', 'D']) h.crm.failRecord('update', id, 'transient', 'UNABLE_TO_LOCK_ROW', 1000);
    for (const id of ['A', 'B', 'C', 'D']) send(h, snapshot(h.crm.lead(id)));
    await h.queue.drain(h.worker);
    expect(h.queue.depth).toBe(0);
    expect(h.queue.dlq).toHaveLength(2);
    expect(h.crm.tasks.size).toBe(3); // B's and D's tasks exist: the messages died half done
    const taskRequests = h.crm.taskRequests.length;

    // Act: the fix is deployed, then the DLQ is redriven.
    for (const id of ['B', 'D']) h.crm.failRecord('update', id, 'transient', 'UNABLE_TO_LOCK_ROW', 0);
    expect(h.queue.redriveDlq()).toBe(2);
    await h.queue.drain(h.worker);

    // Assess: everything done once.
    expect(h.queue.depth + h.queue.dlq.length).toBe(0);
    for (const id of ['A', 'B', 'C', 'D']) {
      expect(h.crm.lead(id).current.flag, id).not.toBeNull();
      expect(
        h.crm.updates.filter((u) => u.leadId === id),
        id,
      ).toHaveLength(1);
    }
    expect(h.crm.tasks.size).toBe(3);
    expect(h.crm.taskRequests).toHaveLength(taskRequests); // the done-records: not even asked again
    for (const { task } of h.crm.tasks.values()) {
      // The fields name the task created before the message died: the episode is one.
      expect(h.crm.lead(task.leadId).current.decisionKey, task.leadId).toBe(task.key);
    }

    // Redriving the same messages again (an operator repeats the move) changes nothing.
    for (const id of ['B', 'D']) send(h, snapshot(h.crm.lead(id)));
    await h.queue.drain(h.worker);
    expect(h.crm.updates).toHaveLength(4);
    expect(h.crm.tasks.size).toBe(3);
  });
});

describe('worker: out-of-order versions of one lead', () => {
  /** v1: a cold lead (no toss-up); v2: the same lead after a person added a large-company profile. */
  async function twoVersions() {
    const h = await harness(dynamo);
    h.crm.put(coldLead('B'));
    const v1 = snapshot(h.crm.lead('B'));
    h.crm.edit('B', (l) => {
      Object.assign(l, { company: hotLead('B').company, person: hotLead('B').person, maBehaviourScore: 80 });
    });
    const v2 = snapshot(h.crm.lead('B'));
    return { h, v1, v2 };
  }

  it('newest first, then the stale one: the stale version is acknowledged without a CRM call', async () => {
    const { h, v1, v2 } = await twoVersions();
    send(h, v2);
    await h.queue.drain(h.worker);
    expect(h.crm.lead('B').current.flag).toBe('yes');
    const writes = h.crm.updates.length;

    send(h, v1);
    await h.queue.drain(h.worker);
    expect(h.crm.updates).toHaveLength(writes);
    expect(h.crm.lead('B').current.flag).toBe('yes');
    expect(h.crm.tasks.size).toBe(1);
    expect(h.logs.text).toMatch(/lead version stale/);
  });

  it('both versions in one batch, older last: only the newest is decided', async () => {
    const { h, v1, v2 } = await twoVersions();
    send(h, v2);
    send(h, v1);
    const r = await h.queue.poll(h.worker);
    expect(r.failedIds).toEqual([]);
    expect(h.crm.updates).toHaveLength(1);
    expect(h.crm.lead('B').current.flag).toBe('yes');
  });

  it('a newer version waits while another worker still holds the older one, then wins', async () => {
    const { h, v1, v2 } = await twoVersions();
    const key = leadVersionKey('salesforce', 'Lead', 'B');
    const held = await h.versions.claim(key, Date.parse(v1.modifiedAt!), h.clock.now().getTime() + 60_000);
    send(h, v2);
    const busy = await h.queue.poll(h.worker);
    expect(busy.failedIds).toHaveLength(1);
    expect(h.crm.updates).toHaveLength(0);

    // The other worker finishes v1; v2 comes back and is decided.
    await h.versions.complete(key, Date.parse(v1.modifiedAt!), (held as { token: string }).token);
    await h.queue.drain(h.worker);
    expect(h.crm.lead('B').current.flag).toBe('yes');
  });

  it("a newer version comes back when the older claim's lease ends, not a visibility timeout later", async () => {
    const { h, v1, v2 } = await twoVersions();
    const key = leadVersionKey('salesforce', 'Lead', 'B');
    // Another worker's claim of v1, once decided: never completed, it holds for 30 s more.
    const other = new DynamoLeadRecords(h.table);
    const lease = h.clock.now().getTime() + 30_000;
    expect(
      (await other.claimDecided(key, Date.parse(v1.modifiedAt!), lease, 'salesforce', null)).status,
    ).toBe('claimed');
    send(h, v2);
    expect((await h.queue.poll(h.worker)).failedIds).toHaveLength(1);
    h.clock.advance(29_000);
    expect(h.queue.visible).toBe(0);
    h.clock.advance(1_000);
    expect(h.queue.visible).toBe(1);
    expect(deploySettings.queue.visibilityTimeoutSeconds * 1000).toBeGreaterThan(30_000);
    await h.queue.poll(h.worker);
    expect(h.crm.lead('B').current.flag).toBe('yes');
  });
});

describe('worker: poison messages and the dead-letter queue', () => {
  it(`a message that never succeeds reaches the DLQ after maxReceiveCount (${deploySettings.queue.maxReceiveCount}) receives; the others are done once`, async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('OK1'));
    h.crm.put(coldLead('OK2'));
    h.crm.put(hotLead('BAD'));
    h.crm.failRecord('task', 'BAD', 'transient', 'UNABLE_TO_LOCK_ROW', 1000);
    send(h, h.crm.lead('OK1'));
    send(h, h.crm.lead('OK2'));
    send(h, h.crm.lead('BAD'));
    h.queue.sendRaw('not json at all');

    await h.queue.drain(h.worker);

    expect(h.queue.depth).toBe(0);
    expect(h.queue.dlq).toHaveLength(2);
    for (const m of h.queue.dlq) expect(m.receiveCount).toBe(deploySettings.queue.maxReceiveCount);
    expect(h.queue.dlq.map((m) => m.body)).toContain('not json at all');
    expect(h.crm.updates.map((u) => u.leadId).sort()).toEqual(['OK1', 'OK2']);
    expect(h.crm.tasks.size).toBe(1);
    expect(h.logs.records().filter((l) => l.code === 'bad_message')).toHaveLength(
      deploySettings.queue.maxReceiveCount,
    );
  });
});

describe('worker: whole-batch failures', () => {
  it('a spent quota fails every message and pushes it back by the quota backoff', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    h.crm.put(coldLead('B'));
    h.crm.failCall('task', h.crm.crmError('quota_exhausted', 'REQUEST_LIMIT_EXCEEDED'));
    send(h, h.crm.lead('A'));
    send(h, h.crm.lead('B'));

    const r = await h.queue.poll(h.worker);
    expect(r.failedIds).toHaveLength(2);
    expectBackAfterQuotaBackoff(h, 2);
    await h.queue.drain(h.worker);
    expect(h.crm.tasks.size).toBe(1);
    expect(h.queue.dlq).toHaveLength(0);
  });

  it('a rate limit with Retry-After delays the messages by that much', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    h.crm.failCall(
      'task',
      new CrmError('429', {
        kind: 'rate_limited',
        crm: 'salesforce',
        code: 'TOO_MANY',
        retryAfterMs: 30_000,
      }),
    );
    // The delay names the record's queue: the deployed worker drains two (leads and events), and a
    // receipt handle is valid on its own queue only (SqsVisibilityByQueue picks it by this ARN).
    const arns: (string | undefined)[] = [];
    const delay = h.queue.delay.bind(h.queue);
    h.queue.delay = async (handle, seconds, queueArn) => {
      arns.push(queueArn);
      await delay(handle, seconds);
    };
    send(h, h.crm.lead('A'));
    await h.queue.poll(h.worker);
    expect(arns).toEqual([h.queue.arn]);
    h.clock.advance(29_000);
    expect(h.queue.visible).toBe(0);
    h.clock.advance(1_000);
    expect(h.queue.visible).toBe(1);
  });

  it('rejected credentials fail the whole batch: the handler throws, drops the cached credentials and frees the claims', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    h.crm.failCall('task', h.crm.crmError('auth', 'INVALID_SESSION_ID'));
    send(h, h.crm.lead('A'));

    const r = await h.queue.poll(h.worker);
    expect(r.threw).toBeInstanceOf(WorkerBatchError);
    expect((r.threw as WorkerBatchError).kind).toBe('auth');
    expect(h.provider.invalidations).toBe(1);
    expect(h.queue.depth).toBe(1);
    const claim = await h.table.get(`lead|${leadVersionKey('salesforce', 'Lead', 'A')}`);
    expect(claim?.leaseUntilMs?.N).toBe('0');

    await h.queue.drain(h.worker);
    expect(h.crm.tasks.size).toBe(1);
  });
});

describe('worker: state table failures', () => {
  it('gives back the claims it took when claiming another lead fails, then fails the batch before any write', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    h.crm.put(hotLead('B'));
    const versions = {
      ...boundVersions(h),
      claimDecided: (...args: Parameters<typeof h.versions.claimDecided>) =>
        args[0].endsWith('|B')
          ? Promise.reject(new StateUnavailableError('DynamoDB throttled'))
          : h.versions.claimDecided(...args),
    };
    const worker = createWorkerHandler({
      ...handlerWiring(h),
      versions,
      clock: h.clock,
      log: createLogger({ destination: h.logs }),
    });
    send(h, h.crm.lead('A'));
    send(h, h.crm.lead('B'));
    const r = await h.queue.poll(worker);
    expect(r.threw).toBeInstanceOf(StateUnavailableError);
    expect(h.crm.taskRequests).toHaveLength(0);
    expect(h.crm.updates).toHaveLength(0);
    const a = await h.table.get(`lead|${leadVersionKey('salesforce', 'Lead', 'A')}`);
    expect(a?.leaseUntilMs?.N).toBe('0');

    // Once the table answers again, both are decided: one task each, nothing left over.
    h.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
    await h.queue.drain(h.worker);
    expect(h.crm.tasks.size).toBe(2);
    expect(h.crm.taskRequests).toHaveLength(2);
    expect(h.queue.depth + h.queue.dlq.length).toBe(0);
  });
});

describe('worker: the claim, taken once a lead is decided, carries its re-check record', () => {
  const itemOf = (h: Awaited<ReturnType<typeof harness>>, id: string) =>
    h.table.get(`lead|${leadVersionKey('salesforce', 'Lead', id)}`);

  /** The writes to lead items, as `<command> <lead id>`. */
  function leadWrites(h: Awaited<ReturnType<typeof harness>>): string[] {
    const writes: string[] = [];
    const sendCommand = h.table.client.send.bind(h.table.client);
    h.table.client.send = ((command: {
      input: { Key?: { pk?: { S?: string } } };
      constructor: { name: string };
    }) => {
      const pk = command.input.Key?.pk?.S;
      if (pk?.startsWith('lead|') && /^(Put|Update|Delete)Item/.test(command.constructor.name))
        writes.push(`${command.constructor.name} ${pk.split('|').at(-1)}`);
      return sendCommand(command as never);
    }) as typeof h.table.client.send;
    return writes;
  }

  it('a written lead costs one write, its claim with its record; a failed one gets its old record back and its claim released', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    h.crm.put(hotLead('P'));
    h.crm.failRecord('task', 'P', 'transient', 'UNABLE_TO_LOCK_ROW');
    const writes = leadWrites(h);
    send(h, h.crm.lead('A'));
    const failed = send(h, h.crm.lead('P'));

    const r = await h.queue.poll(h.worker);

    expect(r.failedIds).toEqual([failed]);
    expect(writes.filter((w) => w.endsWith(' A'))).toEqual(['UpdateItemCommand A']);
    const a = await itemOf(h, 'A');
    expect(a?.status?.S).toBe('in_progress');
    expect(a?.inputs?.S).toMatch(/./);
    // P: claimed with the record its writes would have left, then that record taken back and the
    // claim released (so the retry need not wait for the lease).
    expect(writes.filter((w) => w.endsWith(' P'))).toHaveLength(3);
    const p = await itemOf(h, 'P');
    expect(p?.leaseUntilMs?.N).toBe('0');
    expect(p?.inputs).toBeUndefined();

    h.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
    await h.queue.drain(h.worker);
    expect(h.crm.tasks.size).toBe(2);
    expect((await itemOf(h, 'P'))?.inputs?.S).toMatch(/./);
  });

  it('a lead read again unchanged is acknowledged without any write to its item', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    send(h, h.crm.lead('A'));
    await h.queue.drain(h.worker);
    const writes = leadWrites(h);
    // The CRM as it is after the write, read again at a later version (a field no rule reads changed).
    h.clock.advance(60_000);
    const again = snapshot(h.crm.lead('A'));
    again.modifiedAt = h.clock.now().toISOString();
    send(h, again);
    const r = await h.queue.poll(h.worker);
    expect(r.failedIds).toEqual([]);
    expect(writes).toEqual([]);
    expect(h.crm.updates).toHaveLength(1);
  });

  it('a lead whose inputs look as last decided on a stale read is read again, fresh, and decided when a newer record stands', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    send(h, h.crm.lead('A'));
    await h.queue.drain(h.worker);
    const decided = (await itemOf(h, 'A'))!;
    // Another decision wrote a newer record (other inputs); a replica behind still has the one before.
    const other = new DynamoLeadRecords(h.table);
    await other.getMany('salesforce', [{ objectType: 'Lead', leadId: 'A' }]);
    await other.schedule('salesforce', [
      { objectType: 'Lead', leadId: 'A', recheckAt: null, holdSince: null, inputs: 'newer' },
    ]);
    const client = h.table.client;
    const real = client.send.bind(client);
    const consistency: (boolean | undefined)[] = [];
    client.send = ((command: unknown) => {
      if (command instanceof BatchGetItemCommand) {
        const read = command.input.RequestItems![h.table.tableName]!;
        consistency.push(read.ConsistentRead);
        if (read.ConsistentRead === false && read.Keys!.some((k) => k.pk?.S === 'lead|salesforce|Lead|A')) {
          return Promise.resolve({ Responses: { [h.table.tableName]: [decided] }, UnprocessedKeys: {} });
        }
      }
      return real(command as never);
    }) as typeof client.send;
    h.clock.advance(60_000);
    send(h, h.crm.lead('A'));
    await h.queue.drain(h.worker);
    client.send = real;
    expect(consistency.slice(0, 2)).toEqual([false, true]);
    // Decided again on the fresh record: the lead's record is its own inputs again, not the newer one's.
    expect((await itemOf(h, 'A'))?.inputs?.S).toBe(decided.inputs?.S);
    expect(h.crm.tasks.size).toBe(1);
  });

  it("another worker claiming the lead between this one's read and its claim makes it busy: decided again from a fresh read", async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    const key = leadVersionKey('salesforce', 'Lead', 'A');
    const other = new DynamoLeadRecords(h.table);
    let raced = false;
    const versions = {
      ...boundVersions(h),
      claimDecided: async (...args: Parameters<typeof h.versions.claimDecided>) => {
        if (!raced) {
          // Another worker takes and lets lapse a claim of an older version, writing its own record.
          raced = true;
          await other.claimDecided(key, args[1] - 1, h.clock.now().getTime() - 1, 'salesforce', {
            objectType: 'Lead',
            leadId: 'A',
            recheckAt: null,
            holdSince: null,
            inputs: 'theirs',
          });
        }
        return h.versions.claimDecided(...args);
      },
    };
    const worker = workerWithVersions(h, versions);
    const id = send(h, h.crm.lead('A'));
    const first = await h.queue.poll(worker);
    expect(first.failedIds).toEqual([id]);
    expect(h.crm.taskRequests).toHaveLength(0);

    h.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
    await h.queue.drain(worker);
    expect(h.crm.tasks.size).toBe(1);
    expect((await itemOf(h, 'A'))?.inputs?.S).not.toBe('theirs');
  });
});

describe('worker: a refused claim gives back the daily slot routed for it', () => {
  type H = Awaited<ReturnType<typeof harness>>;

  /**
   * A worker wired as deployed (worker-wiring.ts): its routing assignments ride on its claims. With
   * `beforeClaim` (`beforeConfirm`), a race staged before its first claim (check of a read without a
   * claim); with `inner`, its route items and counts.
   */
  function deployedWorker(
    h: H,
    options: {
      beforeClaim?: () => Promise<void>;
      beforeConfirm?: () => Promise<void>;
      inner?: DynamoRoutingState;
    } = {},
  ) {
    const records = new DynamoLeadRecords(h.table, { eventualReads: true });
    const routingState = new ClaimCarriedRouting(
      options.inner ?? new DynamoRoutingState(h.table),
      records,
      'salesforce',
    );
    let raced = !options.beforeClaim;
    let confirmRaced = !options.beforeConfirm;
    const versions = {
      claim: records.claim.bind(records),
      complete: records.complete.bind(records),
      release: records.release.bind(records),
      confirmRead: async (leadKey: string) => {
        if (!confirmRaced) {
          confirmRaced = true;
          await options.beforeConfirm!();
        }
        return records.confirmRead(leadKey);
      },
      fileRechecks: records.fileRechecks.bind(records),
      claimDecided: async (...args: Parameters<typeof records.claimDecided>) => {
        if (!raced) {
          raced = true;
          await options.beforeClaim!();
        }
        return records.claimDecided(...args);
      },
    };
    return createWorkerHandler({
      ...handlerWiring(h),
      routingState,
      versions,
      rechecks: records,
      visibility: h.queue,
      clock: h.clock,
      log: createLogger({ destination: h.logs }),
    });
  }

  /** Another worker, with a queue of its own, handing `lead` off. */
  async function otherWorkerHandsOff(h: H, lead: Lead) {
    const queue = deployedQueue(h.clock, 'salesforce');
    const m = leadMessage(lead);
    queue.sendRaw(m.body, m.attributes);
    expect((await queue.poll(deployedWorker(h))).failedIds).toEqual([]);
  }

  /** Lead A edited and its newer version handed off by another worker (between a route and a claim). */
  async function newerHandedOffMeanwhile(h: H) {
    h.crm.edit('A', (l) => {
      l.maBehaviourScore = 90;
    });
    await otherWorkerHandsOff(h, snapshot(h.crm.lead('A')));
  }

  /** Leads counted against reps, all reps and days together. */
  async function dailyCounted(h: H): Promise<number> {
    const { Items } = await h.table.client.send(new ScanCommand({ TableName: h.table.tableName }));
    return (Items ?? [])
      .filter((i) => i.pk!.S!.startsWith('daily|'))
      .reduce((n, i) => n + Number(i.n?.N ?? 0), 0);
  }

  it('stale: a newer version handed off by another worker between the route and the claim', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    const v1 = snapshot(h.crm.lead('A'));
    const worker = deployedWorker(h, {
      beforeClaim: () => newerHandedOffMeanwhile(h),
    });
    send(h, v1);
    expect((await h.queue.poll(worker)).failedIds).toEqual([]);
    expect(h.logs.text).toMatch(/lead version stale/);
    expect(h.crm.tasks.size).toBe(1);
    expect(await dailyCounted(h)).toBe(1);
  });

  it("busy: another worker's claim of the same version holds, and its redelivery finds that worker's assignment", async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    const lead = snapshot(h.crm.lead('A'));
    const worker = deployedWorker(h, { beforeClaim: () => otherWorkerHandsOff(h, lead) });
    send(h, lead);
    expect((await h.queue.poll(worker)).failedIds).toHaveLength(1);
    expect(h.logs.text).toMatch(/lead claimed by another worker/);
    await h.queue.drain(worker);
    expect(h.queue.depth + h.queue.dlq.length).toBe(0);
    expect(h.crm.tasks.size).toBe(1);
    expect(await dailyCounted(h)).toBe(1);
  });

  it("a stale read: the eventually consistent read missed another worker's claim, so the lead was routed afresh", async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    const lead = snapshot(h.crm.lead('A'));
    await otherWorkerHandsOff(h, lead);
    expect(await dailyCounted(h)).toBe(1);
    // That worker's claim lapses; this worker's first read comes from a replica without its item.
    h.clock.advance(deploySettings.worker.timeoutSeconds * 1000);
    const client = h.table.client;
    const real = client.send.bind(client);
    let missed = false;
    client.send = ((command: unknown) => {
      if (command instanceof BatchGetItemCommand && !missed) {
        const read = command.input.RequestItems![h.table.tableName]!;
        if (read.ConsistentRead === false && read.Keys!.some((k) => k.pk?.S === 'lead|salesforce|Lead|A')) {
          missed = true;
          return Promise.resolve({ Responses: { [h.table.tableName]: [] }, UnprocessedKeys: {} });
        }
      }
      return real(command as never);
    }) as typeof client.send;
    send(h, lead);
    const worker = deployedWorker(h);
    expect((await h.queue.poll(worker)).failedIds).toHaveLength(1);
    expect(missed).toBe(true);
    expect(h.crm.taskRequests).toHaveLength(1);
    await h.queue.drain(worker);
    client.send = real;
    expect(h.queue.depth + h.queue.dlq.length).toBe(0);
    expect(h.crm.tasks.size).toBe(1);
    expect(await dailyCounted(h)).toBe(1);
  });

  it('decided for its account (no claim) on a read a re-check has since changed: its slot given back, and taken again by the decision on a fresh read', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('T1'));
    const account = packLeadMessages(
      [snapshot(h.crm.lead('T1'))],
      { leadsPerMessage: 1, maxMessageBytes: 262_144 },
      'account',
    ).messages[0]!;
    const worker = deployedWorker(h, {
      beforeConfirm: () =>
        new DynamoLeadRecords(h.table).schedule('salesforce', [
          { objectType: 'Lead', leadId: 'T1', recheckAt: null, holdSince: null, inputs: 'swept' },
        ]),
    });
    h.queue.sendRaw(account.body, account.attributes);
    expect((await h.queue.poll(worker)).failedIds).toHaveLength(1);
    expect(h.crm.taskRequests).toHaveLength(0);
    expect(await dailyCounted(h)).toBe(0);
    await h.queue.drain(worker);
    expect(h.crm.tasks.size).toBe(1);
    expect(await dailyCounted(h)).toBe(1);
  });

  it('a slot that cannot be given back leaves the count high and fails nothing', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    const v1 = snapshot(h.crm.lead('A'));
    const inner = new DynamoRoutingState(h.table);
    inner.releaseSlot = () => Promise.reject(new Error('ProvisionedThroughputExceededException'));
    const worker = deployedWorker(h, {
      inner,
      beforeClaim: () => newerHandedOffMeanwhile(h),
    });
    send(h, v1);
    expect((await h.queue.poll(worker)).failedIds).toEqual([]);
    expect(h.logs.text).toMatch(/daily slot was not given back/);
    expect(h.logs.text).not.toContain(v1.company.name);
    expect(h.crm.tasks.size).toBe(1);
    expect(await dailyCounted(h)).toBe(2);
  });
});

describe('worker: refresh messages (from the webhook)', () => {
  it('reads the named records through the connector and decides them like any lead', async () => {
    const h = await harness(dynamo);
    h.crm.put(hotLead('A'));
    const source = h.connector.source as typeof h.connector.source & {
      readByIds?: (ids: readonly string[]) => Promise<Lead[]>;
    };
    const asked: string[][] = [];
    source.readByIds = async (ids) => {
      asked.push([...ids]);
      return ids.filter((id) => h.crm.records.has(id)).map((id) => snapshot(h.crm.lead(id)));
    };
    const m = refreshMessage(
      { crm: 'salesforce', objectType: 'Lead', ids: ['A', 'GONE'], source: 'test' },
      'e1',
    );
    h.queue.sendRaw(m.body, m.attributes);

    const r = await h.queue.poll(h.worker);
    expect(r.failedIds).toEqual([]);
    expect(asked).toEqual([['A', 'GONE']]);
    expect(h.crm.tasks.size).toBe(1);
    delete source.readByIds;
  });

  it('without readByIds in the connector, leaves the change to the scheduled sync', async () => {
    const h = await harness(dynamo);
    const m = refreshMessage({ crm: 'salesforce', objectType: 'Lead', ids: ['A'], source: 'test' }, 'e1');
    h.queue.sendRaw(m.body, m.attributes);
    const r = await h.queue.poll(h.worker);
    expect(r.failedIds).toEqual([]);
    expect(h.logs.text).toMatch(/left to the scheduled sync/);
  });
});
