import { readFileSync } from 'node:fs';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { episodeEvent } from '../../src/episodes/episode.ts';
import { RunLeaseLostError } from '../../src/pipeline/run-lease.ts';
import type { Clock } from '../../src/ports/clock.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { SWEEP_BATCH_RESERVE_MS, type SweepOptions } from '../../src/sweep/run-sweep.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';
import { ID, type Kit, sweepKit, T } from './sweep-kit.ts';

let dynamo: LocalDynamo;
let kit: Kit;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());
afterEach(() => kit?.cleanup());

/**
 * A store whose every write is logged: `put <pk>`, `rewrite <pk>` (a conditional roster put),
 * `delete <pk>` (the floor left out).
 */
async function loggedStore(clock: Clock): Promise<{ store: DynamoEpisodeStore; writes: string[] }> {
  const table = await dynamo.table(clock);
  const writes: string[] = [];
  const client = dynamo.client();
  const send = client.send.bind(client);
  client.send = ((command: unknown) => {
    if (command instanceof PutItemCommand) {
      const pk = String(command.input.Item?.pk?.S);
      const rewrite = pk.startsWith('eproster|') && command.input.ConditionExpression !== undefined;
      if (!pk.startsWith('epdue|')) writes.push(`${rewrite ? 'rewrite' : 'put'} ${pk}`);
    }
    if (command instanceof DeleteItemCommand) writes.push(`delete ${String(command.input.Key?.pk?.S)}`);
    return send(command as never);
  }) as typeof client.send;
  const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
  return { store, writes };
}

/**
 * The episode keys the kit's CRM is asked facts for, in order (empty it between sweeps); a read for
 * which `fails` answers true is refused as a CRM outage would be.
 */
function recordPolls(kit: Kit, fails: () => boolean = () => false): string[] {
  const polled: string[] = [];
  const readFacts = kit.crm.readFacts.bind(kit.crm);
  kit.crm.readFacts = (refs) => {
    if (fails()) return Promise.reject(new Error('readFacts: service unavailable'));
    polled.push(...refs.map((r) => r.key));
    return readFacts(refs);
  };
  return polled;
}

/** A toss-up's hand-off to r1 at `T.handOff`, its lead and task in the kit's CRM. */
function handOff(kit: Kit, key: string, leadId: string) {
  kit.crm.addLead(leadId, ID.r1);
  const taskId = kit.crm.addTask(key, leadId, ID.r1);
  return {
    key,
    event: episodeEvent({
      type: 'handed_off',
      at: T.handOff,
      cause: 'rule',
      crm: 'salesforce',
      leadId,
      objectType: 'Lead',
      nextAction: 'field_sales_tossup',
      owner: { id: ID.r1, key: 'r1', poolId: 'fs' },
      taskId,
    }),
  };
}

describe('runSweep on DynamoDB: a first-response poll that finds nothing', () => {
  it('refiles the episode for its next poll without writing it; a response found later is written', async () => {
    kit = sweepKit();
    const clock = testClock(T.handOff);
    const table = await dynamo.table(clock);
    /** The pks of every PutItem sent, in order. */
    const puts: string[] = [];
    const client = dynamo.client();
    const send = client.send.bind(client);
    client.send = ((command: unknown) => {
      if (command instanceof PutItemCommand) puts.push(String(command.input.Item?.pk?.S));
      return send(command as never);
    }) as typeof client.send;
    const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
    const handedOff = handOff(kit, 'tu_1', '00Q1');
    await store.recordStep(handedOff.key, handedOff.event, sweepSchedule(kit.sla));
    const sweep = async (iso: string) => {
      clock.advance(Date.parse(iso) - clock.now().getTime());
      puts.length = 0;
      return kit.sweep(iso, { episodes: store });
    };
    // The first sweep writes the lead's first SLA status (the worker does, in production, with the
    // toss-up fields) and records it: a write.
    await sweep('2026-12-07T01:10:00.000Z');
    expect(kit.crm.slaFields.get('00Q1')).toMatchObject({ status: 'on_track' });
    const first = (await store.get('tu_1'))!;
    // Monday 13:00 JST, 3 business hours after the hand-off: the first poll. Nobody has answered.
    const polled = await sweep('2026-12-07T04:10:00.000Z');
    expect(polled.counts).toMatchObject({ due: 1, checked: 1, responded: 0, failed: 0 });
    expect(kit.crm.calls.readFacts).toBe(2);
    expect(puts.filter((pk) => pk.startsWith('episode|'))).toEqual([]);
    expect(puts.filter((pk) => pk.startsWith('eproster|'))).toHaveLength(1);
    expect(await store.get('tu_1')).toEqual(first);
    // Nothing due before the next poll; at it, polled again, still without a write.
    expect((await sweep('2026-12-07T05:00:00.000Z')).counts.due).toBe(0);
    expect((await sweep('2026-12-07T07:05:00.000Z')).counts).toMatchObject({ due: 1, checked: 1 });
    expect(puts.filter((pk) => pk.startsWith('episode|'))).toEqual([]);
    expect(kit.crm.calls.readFacts).toBe(3);
    // The rep calls; the next sweep due for it records the response (and the status it writes): writes.
    kit.crm.logActivity('00Q1', ID.r1, '2026-12-07T07:20:00.000Z');
    const answered = await sweep('2026-12-07T07:50:00.000Z');
    expect(answered.counts).toMatchObject({ responded: 1, failed: 0 });
    expect(puts.filter((pk) => pk.startsWith('episode|'))).toContain('episode|tu_1');
    expect((await store.get('tu_1'))?.version).toBeGreaterThan(first.version);
  });

  it('a sweep stopped by its limit part-way through a roster: the next polls the rest, not what it refiled', async () => {
    kit = sweepKit();
    const clock = testClock(T.handOff);
    const table = await dynamo.table(clock);
    const store = new DynamoEpisodeStore(table);
    // One worker batch: one roster for both.
    await store.recordSteps(
      [handOff(kit, 'tu_1', '00Q1'), handOff(kit, 'tu_2', '00Q2')],
      sweepSchedule(kit.sla),
    );
    /** The episode keys each sweep read the CRM's facts for. */
    const polled = recordPolls(kit);
    const sweep = async (iso: string, limit: number) => {
      clock.advance(Date.parse(iso) - clock.now().getTime());
      polled.length = 0;
      await kit.sweep(iso, { episodes: store, limit });
      return [...polled];
    };
    // Both statuses written together: one roster of both at the first poll (Monday 13:00 JST).
    expect(await sweep('2026-12-07T01:10:00.000Z', 10)).toEqual(['tu_1', 'tu_2']);
    // The first poll, one episode a sweep: tu_1, refiled; then tu_2, never tu_1 again (nor starving tu_2).
    expect(await sweep('2026-12-07T04:10:00.000Z', 1)).toEqual(['tu_1']);
    expect(await sweep('2026-12-07T04:40:00.000Z', 1)).toEqual(['tu_2']);
    expect(await sweep('2026-12-07T05:10:00.000Z', 1)).toEqual([]);
    // The next poll (16:00 JST): both due again, each polled once.
    expect(await sweep('2026-12-07T07:05:00.000Z', 1)).toEqual(['tu_1']);
    expect(await sweep('2026-12-07T07:06:00.000Z', 1)).toEqual(['tu_2']);
    expect(await sweep('2026-12-07T07:07:00.000Z', 1)).toEqual([]);
  });

  it('a ladder step whose effect keeps failing is left due where it is: polled at every sweep, never written nor refiled', async () => {
    kit = sweepKit();
    // A manager task at 75% (Mon 16:45 JST): a CRM write that can fail, with no notice before it.
    const sla = parseSlaConfig(
      readFileSync('mappings/sla.yaml', 'utf8').replace(
        '{ do: remind_owner, at: "75%" }\n      - { do: notify_manager, at: escalation }',
        '{ id: early_task, do: manager_task, at: "75%" }\n      - { do: notify_manager, at: escalation }',
      ),
    );
    expect(sla.slas.field_sales_tossup?.ladder?.[0]).toMatchObject({ do: 'manager_task' });
    const clock = testClock(T.handOff);
    const { store, writes } = await loggedStore(clock);
    const handedOff = handOff(kit, 'tu_1', '00Q1');
    await store.recordStep(handedOff.key, handedOff.event, sweepSchedule(sla));
    const sweep = async (iso: string) => {
      clock.advance(Date.parse(iso) - clock.now().getTime());
      writes.length = 0;
      return kit.sweep(iso, { episodes: store, sla });
    };
    await sweep('2026-12-07T01:10:00.000Z');
    // The polls at 13:00 and 16:00 JST find nothing: refiled, the second time for the step (16:45).
    await sweep('2026-12-07T04:10:00.000Z');
    await sweep('2026-12-07T07:05:00.000Z');
    expect(writes.filter((w) => w.startsWith('put eproster|2026-12-07T07:45'))).toHaveLength(1);
    // The stored check lags (13:00 JST): the step's instant is later than it, but past.
    expect((await store.get('tu_1'))?.episode.nextCheckAt).toBe('2026-12-07T04:00:00.000Z');
    kit.crm.failNext('createTasks', 'record', 6);
    for (const at of ['2026-12-07T07:50:00.000Z', '2026-12-07T08:50:00.000Z']) {
      const failed = await sweep(at);
      expect(failed.counts).toMatchObject({ due: 1, checked: 1, managerTasks: 0, failed: 1 });
      // No write, neither the episode nor a roster (it used to be refiled at the step's instant each time).
      expect({ at, writes }).toEqual({ at, writes: [] });
    }
    // The next day it turns overdue: that status is written (its roster filed under the current hour).
    expect((await sweep('2026-12-08T04:05:00.000Z')).counts).toMatchObject({
      slaFieldsWritten: 1,
      failed: 1,
    });
    expect((await store.get('tu_1'))?.episode.nextCheckAt).toBe('2026-12-07T07:45:00.000Z');
    expect((await sweep('2026-12-08T05:05:00.000Z')).counts).toMatchObject({ checked: 1, failed: 1 });
    expect(writes).toEqual([]);
    // Still failing a day after its stored check: refiled once at the sweep's instant (the roster that
    // holds it would keep the due index's floor at its hour, and expire), then left there again.
    expect((await sweep('2026-12-08T08:00:00.000Z')).counts).toMatchObject({ checked: 1, failed: 1 });
    expect(writes.filter((w) => !w.startsWith('delete ') && !w.startsWith('rewrite '))).toEqual([
      expect.stringMatching(/^put eproster\|2026-12-08T08:00:00\.000Z\|/),
    ]);
    expect((await sweep('2026-12-08T09:00:00.000Z')).counts).toMatchObject({ checked: 1, failed: 1 });
    expect(writes).toEqual([]);
    // The CRM takes the task: the step is done and recorded.
    const done = await sweep('2026-12-08T10:00:00.000Z');
    expect(done.counts).toMatchObject({ due: 1, checked: 1, managerTasks: 1, failed: 0 });
    expect(kit.crm.calls.createTasks).toBe(7);
    expect(writes).toContain('put episode|tu_1');
  });

  it("a roster whose entries fall in several of a sweep's batches is rewritten (or removed) once", async () => {
    kit = sweepKit();
    const clock = testClock(T.handOff);
    const { store, writes } = await loggedStore(clock);
    const keys = ['tu_1', 'tu_2', 'tu_3', 'tu_4', 'tu_5'];
    await store.recordSteps(
      keys.map((key, i) => handOff(kit, key, `00Q${i + 1}`)),
      sweepSchedule(kit.sla),
    );
    const polled = recordPolls(kit);
    const sweep = async (iso: string, limit: number, batchSize = 2) => {
      clock.advance(Date.parse(iso) - clock.now().getTime());
      writes.length = 0;
      polled.length = 0;
      await kit.sweep(iso, { episodes: store, limit, batchSize });
      return [...polled];
    };
    const rosterWrites = (instant: string) =>
      writes.filter((w) => w.includes(`eproster|${instant}`)).map((w) => w.split(' ')[0]);
    // The statuses written in one batch: one roster of the five at the first poll (13:00 JST).
    expect(await sweep('2026-12-07T01:10:00.000Z', 10, 10)).toEqual(keys);
    // The poll, four of them in two batches: one roster for their next poll (16:00 JST), and theirs
    // rewritten once, keeping tu_5 due.
    expect(await sweep('2026-12-07T04:10:00.000Z', 4)).toEqual(keys.slice(0, 4));
    expect(rosterWrites('2026-12-07T04:00')).toEqual(['rewrite']);
    expect(rosterWrites('2026-12-07T07:00')).toEqual(['put']);
    // tu_5, and the roster goes.
    expect(await sweep('2026-12-07T04:20:00.000Z', 4)).toEqual(['tu_5']);
    expect(rosterWrites('2026-12-07T04:00')).toEqual(['delete']);
    // At 16:00 JST the five in three batches: both rosters removed, once each, nothing rewritten; one
    // roster for the five's next check (the reminder, 16:45).
    expect(await sweep('2026-12-07T07:05:00.000Z', 10)).toEqual(keys);
    expect(rosterWrites('2026-12-07T07:00')).toEqual(['delete', 'delete']);
    expect(writes.filter((w) => w.includes('eproster|') && !w.includes('eproster|2026-12-07T07:00'))).toEqual(
      [expect.stringMatching(/^put eproster\|2026-12-07T07:45/)],
    );
    expect(writes.filter((w) => w.startsWith('put episode|'))).toEqual([]);
  });

  it('refiles at most `refileAtMost` polled episodes together: a long sweep refiles as it goes, not all at its end', async () => {
    kit = sweepKit();
    const clock = testClock(T.handOff);
    const { store } = await loggedStore(clock);
    const keys = ['tu_1', 'tu_2', 'tu_3', 'tu_4', 'tu_5'];
    await store.recordSteps(
      keys.map((key, i) => handOff(kit, key, `00Q${i + 1}`)),
      sweepSchedule(kit.sla),
    );
    const refiles: string[][] = [];
    const refile = store.refile.bind(store);
    store.refile = (items) => {
      refiles.push(items.map((i) => i.key));
      return refile(items);
    };
    clock.advance(Date.parse('2026-12-07T01:10:00.000Z') - clock.now().getTime());
    await kit.sweep('2026-12-07T01:10:00.000Z', { episodes: store, limit: 10, batchSize: 10 });
    clock.advance(Date.parse('2026-12-07T04:10:00.000Z') - clock.now().getTime());
    await kit.sweep('2026-12-07T04:10:00.000Z', {
      episodes: store,
      limit: 10,
      batchSize: 1,
      refileAtMost: 2,
    });
    expect(refiles).toEqual([['tu_1', 'tu_2'], ['tu_3', 'tu_4'], ['tu_5']]);
  });

  it('a sweep cut off in a later batch still refiles what its earlier batches polled', async () => {
    kit = sweepKit();
    const clock = testClock(T.handOff);
    const { store } = await loggedStore(clock);
    const keys = ['tu_1', 'tu_2', 'tu_3', 'tu_4'];
    await store.recordSteps(
      keys.map((key, i) => handOff(kit, key, `00Q${i + 1}`)),
      sweepSchedule(kit.sla),
    );
    /** Which call of `readFacts` from now throws (0: none). */
    let failAt = 0;
    const polled = recordPolls(kit, () => --failAt === 0);
    const sweep = async (iso: string, batchSize: number) => {
      clock.advance(Date.parse(iso) - clock.now().getTime());
      polled.length = 0;
      const report = await kit.sweep(iso, { episodes: store, batchSize });
      return { status: report.status, polled: [...polled] };
    };
    await sweep('2026-12-07T01:10:00.000Z', 10);
    // The first poll: the CRM's read of the second batch fails, which stops the sweep.
    failAt = 2;
    expect(await sweep('2026-12-07T04:10:00.000Z', 2)).toEqual({
      status: 'stopped',
      polled: ['tu_1', 'tu_2'],
    });
    // The next sweep polls the second batch's, not the first's (refiled for 16:00 JST).
    expect(await sweep('2026-12-07T04:20:00.000Z', 2)).toEqual({
      status: 'completed',
      polled: ['tu_3', 'tu_4'],
    });
  });
});

describe('runSweep on DynamoDB: the refiles after the last batch, however the batches ended', () => {
  /**
   * tu_1..tu_4 handed off together, their first statuses written (01:10); the poll at 13:00 JST is due
   * for all four. `refiles`: the keys of each `refile` call (`failRefiles`: each rejects); `polled`: those
   * each sweep read facts for.
   */
  async function polledFour() {
    kit = sweepKit();
    const clock = testClock(T.handOff);
    const { store } = await loggedStore(clock);
    const keys = ['tu_1', 'tu_2', 'tu_3', 'tu_4'];
    await store.recordSteps(
      keys.map((key, i) => handOff(kit, key, `00Q${i + 1}`)),
      sweepSchedule(kit.sla),
    );
    const refiles: string[][] = [];
    let refileFails = false;
    const refile = store.refile.bind(store);
    store.refile = (items) => {
      refiles.push(items.map((i) => i.key));
      return refileFails ? Promise.reject(new Error('refile: throughput exceeded')) : refile(items);
    };
    const failRefiles = (on: boolean) => {
      refileFails = on;
    };
    const polled = recordPolls(kit);
    const sweep = async (iso: string, extra: Partial<SweepOptions> = {}) => {
      clock.advance(Date.parse(iso) - clock.now().getTime());
      polled.length = 0;
      refiles.length = 0;
      return kit.sweep(iso, { episodes: store, ...extra });
    };
    expect((await sweep('2026-12-07T01:10:00.000Z')).counts).toMatchObject({ due: 4, slaFieldsWritten: 4 });
    return { sweep, polled, refiles, failRefiles };
  }

  it('a sweep its deadline stops after a batch refiles what that batch polled, and says it stopped for the deadline', async () => {
    const { sweep, polled, refiles } = await polledFour();
    /** Batches done: the invocation's time runs low after the first. */
    let batches = 0;
    const report = await sweep('2026-12-07T04:10:00.000Z', {
      batchSize: 2,
      deadline: { remainingMs: () => (batches === 0 ? 60_000 : SWEEP_BATCH_RESERVE_MS - 1) },
      onProgress: () => {
        batches++;
      },
    });
    expect(batches).toBe(1);
    expect(polled).toEqual(['tu_1', 'tu_2']);
    expect(refiles).toEqual([['tu_1', 'tu_2']]);
    expect(report.status).toBe('stopped');
    expect(report.stop).toMatchObject({ kind: 'transient', action: 'retry', code: 'deadline' });
    expect(report.counts).toMatchObject({ due: 4, checked: 2, failed: 0 });
    // The next sweep polls the other two, not the two refiled for 16:00 JST.
    expect((await sweep('2026-12-07T04:20:00.000Z')).status).toBe('completed');
    expect(polled).toEqual(['tu_3', 'tu_4']);
  });

  it('a sweep whose lease is lost before its second batch refiles what the first polled; it reports the loss as before', async () => {
    const { sweep, polled, refiles } = await polledFour();
    let checks = 0;
    const report = await sweep('2026-12-07T04:10:00.000Z', {
      batchSize: 2,
      lease: {
        assertHeld: () => {
          if (++checks === 2) throw new RunLeaseLostError('sweep|salesforce|default');
        },
      },
    });
    // runSweep never throws: the loss is the report's stop, and nothing after it is done.
    expect(checks).toBe(2);
    expect(report.status).toBe('stopped');
    expect(report.stop).toMatchObject({ kind: 'conflict', action: 'investigate', code: 'lease_lost' });
    expect(polled).toEqual(['tu_1', 'tu_2']);
    expect(refiles).toEqual([['tu_1', 'tu_2']]);
    expect(report.counts).toMatchObject({ due: 4, checked: 2, failed: 0 });
    expect((await sweep('2026-12-07T04:20:00.000Z')).status).toBe('completed');
    expect(polled).toEqual(['tu_3', 'tu_4']);
  });

  it('a refile that fails after the last batch: the stop a batch returned stands, its episodes count as failed, and a last progress says so', async () => {
    const { sweep, polled, refiles, failRefiles } = await polledFour();
    failRefiles(true);
    // tu_3's status changes (a first response): a field write, which the CRM refuses with an error
    // that stops the sweep after that batch.
    kit.crm.logActivity('00Q3', ID.r1, '2026-12-07T04:00:00.000Z');
    kit.crm.failNext('writeSlaFields', 'throw');
    const progress: number[] = [];
    const report = await sweep('2026-12-07T04:10:00.000Z', {
      batchSize: 2,
      onProgress: (p) => progress.push(p.failed),
    });
    expect(polled).toEqual(['tu_1', 'tu_2', 'tu_3', 'tu_4']);
    // tu_4 too: its batch stopped after its polls were rescheduled.
    expect(refiles).toEqual([['tu_1', 'tu_2', 'tu_4']]);
    expect(report.status).toBe('stopped');
    expect(report.stop).toMatchObject({ kind: 'error', action: 'investigate', code: 'unexpected' });
    expect(report.stop?.message).toContain('writeSlaFields');
    expect(report.counts).toMatchObject({ checked: 4, responded: 1, failed: 4 });
    expect(report.failures.byCode).toEqual({
      'sla_fields/error/unexpected': 1,
      'record/error/unexpected': 3,
    });
    // After each batch, then once more after the refile that failed.
    expect(progress).toEqual([0, 1, 4]);
    // No batch stops, the refiles still fail (one after the first batch, at `refileAtMost`, and the
    // last): counted as a batch's store failures are, the sweep completes.
    const next = await sweep('2026-12-07T04:20:00.000Z', {
      batchSize: 2,
      refileAtMost: 2,
      onProgress: (p) => progress.push(p.failed),
    });
    expect(refiles).toEqual([['tu_1', 'tu_2'], ['tu_4']]);
    expect(next.status).toBe('completed');
    expect(next.stop).toBeNull();
    // tu_3's status written this time.
    expect(next.counts).toMatchObject({ checked: 4, slaFieldsWritten: 1, failed: 3 });
    expect(next.failures.byCode).toEqual({ 'record/error/unexpected': 3 });
    // Batch, refile, batch, refile.
    expect(progress.slice(3)).toEqual([0, 2, 2, 3]);
    // Not refiled, so polled again: never missed.
    failRefiles(false);
    expect((await sweep('2026-12-07T04:30:00.000Z')).counts).toMatchObject({ checked: 3, failed: 0 });
    expect(polled).toEqual(['tu_1', 'tu_2', 'tu_4']);
    expect(refiles).toEqual([['tu_1', 'tu_2', 'tu_4']]);
    expect((await sweep('2026-12-07T04:40:00.000Z')).counts.due).toBe(0);
  });
});
