import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable, SINGLE, str } from '../../src/aws/dynamo-table.ts';
import { DynamoEventDedup } from '../../src/aws/dynamodb-event-dedup.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import { DynamoRoutingState } from '../../src/aws/dynamodb-routing-state.ts';
import { DynamoStateStore } from '../../src/aws/dynamodb-state-store.ts';
import { CursorConflictError } from '../../src/ports/state-store.ts';
import { StateUnavailableError } from '../../src/ports/state-unavailable-error.ts';
import { describeRoutingStateContract } from '../state/routing-state.contract.ts';
import {
  describeLeaseStoreContract,
  describeStateStoreContract,
  testClock,
} from '../state/state-store.contract.ts';
import { type LocalDynamo, startLocalDynamo } from './local-dynamodb.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

describeStateStoreContract(
  'DynamoStateStore (dynalite)',
  async (clock) => new DynamoStateStore(await dynamo.table(clock)),
);
describeLeaseStoreContract(
  'DynamoStateStore (dynalite)',
  async (clock) => new DynamoStateStore(await dynamo.table(clock)),
);
describeRoutingStateContract(
  'DynamoRoutingState (dynalite)',
  async () => new DynamoRoutingState(await dynamo.table()),
);

const cursor = (at: string) => ({ modifiedAt: at, idsAtModifiedAt: [] });

describe('DynamoStateStore: cursor compare-and-set across processes', () => {
  it('lets exactly one of two runs with their own clients advance the same version', async () => {
    // Prepare: two Lambda invocations = two SDK clients on one table.
    const shared = await dynamo.table();
    const runA = new DynamoStateStore(
      new DynamoTable({ client: dynamo.client(), tableName: shared.tableName }),
    );
    const runB = new DynamoStateStore(
      new DynamoTable({ client: dynamo.client(), tableName: shared.tableName }),
    );
    await runA.putCursor('sync|hubspot|default', cursor('2026-11-01T00:00:00.000Z'), null);

    // Act: both read version 1 and race to advance it, many times over.
    const rounds = 10;
    let wins = 0;
    for (let round = 0; round < rounds; round++) {
      const version = (await runA.getCursor('sync|hubspot|default'))!.version;
      const results = await Promise.allSettled([
        runA.putCursor(
          'sync|hubspot|default',
          cursor(`2026-11-02T00:00:${String(round).padStart(2, '0')}.000Z`),
          version,
        ),
        runB.putCursor(
          'sync|hubspot|default',
          cursor(`2026-11-03T00:00:${String(round).padStart(2, '0')}.000Z`),
          version,
        ),
      ]);
      // Assess
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(CursorConflictError);
      wins += won.length;
    }
    expect((await runB.getCursor('sync|hubspot|default'))!.version).toBe(1 + wins);
  });

  it('creating a cursor twice at once: one wins, the other conflicts', async () => {
    const s = new DynamoStateStore(await dynamo.table());
    const results = await Promise.allSettled([
      s.putCursor('k', cursor('2026-11-01T00:00:00.000Z'), null),
      s.putCursor('k', cursor('2026-11-02T00:00:00.000Z'), null),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('says which table failed and how to fix it when the table does not exist', async () => {
    const s = new DynamoStateStore(new DynamoTable({ client: dynamo.client(), tableName: 'no-such-table' }));
    const err = await s.getCursor('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateUnavailableError);
    expect((err as Error).message).toMatch(
      /GetItem on table no-such-table failed \(ResourceNotFoundException\)/,
    );
  });
});

describe('DynamoStateStore: run lease across invocations', () => {
  it('of two invocations with their own clients racing for the lease, exactly one gets it, every round', async () => {
    const clock = testClock();
    const shared = await dynamo.table(clock);
    const stores = [0, 1].map(
      () =>
        new DynamoStateStore(
          new DynamoTable({ client: dynamo.client(), tableName: shared.tableName, clock }),
        ),
    );
    for (let round = 0; round < 5; round++) {
      const attempts = await Promise.all(
        stores.map((s, i) => s.acquireLease('sync|hubspot|default', { owner: `invocation ${i}` }, 60)),
      );
      const winners = attempts.filter((x) => x.acquired);
      expect(winners).toHaveLength(1);
      const loser = attempts.find((x) => !x.acquired)!;
      expect(loser).toMatchObject({
        heldBy: { owner: (winners[0] as { lease: { owner: string } }).lease.owner },
      });
      // The winner times out without releasing: the lease frees itself at its expiry.
      clock.advance(60_000);
    }
  });
});

describe('DynamoLeadRecords', () => {
  const lease = (clock: { now(): Date }, ms = 60_000) => clock.now().getTime() + ms;

  it('claims a new lead, then refuses older versions and reports a finished one as done', async () => {
    const clock = testClock();
    const v = new DynamoLeadRecords(await dynamo.table(clock));
    const first = await v.claim('hubspot|contact|1', 2000, lease(clock));
    expect(first.status).toBe('claimed');
    await v.complete('hubspot|contact|1', 2000, (first as { token: string }).token);

    expect(await v.claim('hubspot|contact|1', 1000, lease(clock))).toEqual({
      status: 'stale',
      storedVersion: 2000,
    });
    expect(await v.claim('hubspot|contact|1', 2000, lease(clock))).toEqual({
      status: 'done',
      storedVersion: 2000,
    });
    expect((await v.claim('hubspot|contact|1', 3000, lease(clock))).status).toBe('claimed');
  });

  it('keeps a live claim to its holder (busy), and lets a redelivery take it over once the lease passed', async () => {
    const clock = testClock();
    const v = new DynamoLeadRecords(await dynamo.table(clock));
    const held = lease(clock, 60_000);
    const crashed = await v.claim('k', 5000, held);
    expect(crashed.status).toBe('claimed');
    // Busy until the lease it names: the retry comes back then.
    expect(await v.claim('k', 5000, lease(clock))).toEqual({
      status: 'busy',
      storedVersion: 5000,
      leaseUntilMs: held,
    });
    expect(await v.claim('k', 6000, lease(clock))).toEqual({
      status: 'busy',
      storedVersion: 5000,
      leaseUntilMs: held,
    });
    clock.advance(60_000);
    const takeover = await v.claim('k', 5000, lease(clock));
    expect(takeover.status).toBe('claimed');
    // The crashed holder can no longer complete: its claim was taken over.
    expect(await v.complete('k', 5000, (crashed as { token: string }).token)).toBe(false);
    expect(await v.complete('k', 5000, (takeover as { token: string }).token)).toBe(true);
  });

  it('a released claim can be claimed again at once', async () => {
    const clock = testClock();
    const v = new DynamoLeadRecords(await dynamo.table(clock));
    const c = await v.claim('k', 1, lease(clock));
    await v.release('k', 1, (c as { token: string }).token);
    expect((await v.claim('k', 1, lease(clock))).status).toBe('claimed');
  });

  it('of two workers claiming one lead version at the same moment, exactly one gets it', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const a = new DynamoLeadRecords(table);
    const b = new DynamoLeadRecords(
      new DynamoTable({ client: dynamo.client(), tableName: table.tableName, clock }),
    );
    const results = await Promise.all([a.claim('k', 7, lease(clock)), b.claim('k', 7, lease(clock))]);
    expect(results.map((r) => r.status).sort()).toEqual(['busy', 'claimed']);
  });
});

describe('DynamoEventDedup', () => {
  it('remembers handed-off events for their TTL, and nothing else', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const d = new DynamoEventDedup(table, 'hubspot');
    expect(await d.seen(['e1', 'e2'])).toEqual(new Set());
    await d.remember(['e1', 'e3'], 3600);
    expect(await d.seen(['e1', 'e2', 'e3'])).toEqual(new Set(['e1', 'e3']));
    // Another sender's ids are its own.
    expect(await new DynamoEventDedup(table, 'other').seen(['e1'])).toEqual(new Set());
    clock.advance(3_599_000);
    expect(await d.seen(['e1', 'e2'])).toEqual(new Set(['e1']));
    clock.advance(1_000);
    expect(await d.seen(['e1', 'e3'])).toEqual(new Set());
  });

  it("an earlier build's pending claim is not done; its done one is", async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const item = (id: string, state: string) => ({
      pk: str(`hook|hubspot|${id}`),
      sk: str(SINGLE),
      state: str(state),
      ...table.expiry(60),
    });
    await table.put(item('p1', 'pending'));
    await table.put(item('d1', 'done'));
    expect(await new DynamoEventDedup(table, 'hubspot').seen(['p1', 'd1'])).toEqual(new Set(['d1']));
  });

  it('reads more than 100 ids (BatchGetItem takes 100 keys a call)', async () => {
    const clock = testClock();
    const d = new DynamoEventDedup(await dynamo.table(clock), 'hubspot');
    const ids = Array.from({ length: 250 }, (_, i) => `big${i}`);
    await d.remember(
      ids.filter((_, i) => i % 2 === 0),
      3600,
    );
    const seen = await d.seen(ids);
    expect(seen.size).toBe(125);
    expect(seen.has('big248') && seen.has('big0') && !seen.has('big249')).toBe(true);
  });
});
