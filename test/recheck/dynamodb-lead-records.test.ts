import { BatchGetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable, num, SINGLE, str } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';
import { describeRecheckStoreContract } from './recheck-store.contract.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

describeRecheckStoreContract('DynamoLeadRecords (dynalite)', async (clock) => {
  const table = await dynamo.table(clock);
  return {
    store: new DynamoLeadRecords(table),
    other: () =>
      new DynamoLeadRecords(new DynamoTable({ client: dynamo.client(), tableName: table.tableName, clock })),
  };
});

describe('DynamoLeadRecords: re-check records on the state table', () => {
  it('files entries under its own due partitions: the episode sweep never sees them', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    await new DynamoLeadRecords(table).schedule('salesforce', [
      { objectType: 'Lead', leadId: '00Q1', recheckAt: '2026-11-24T03:00:00.000Z', holdSince: null },
    ]);
    const { Items } = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    const item = Items!.find((i) => i.pk?.S === 'lead|salesforce|Lead|00Q1')!;
    expect(item.recheckAt?.S).toBe('2026-11-24T03:00:00.000Z');
    expect(item.dueBucket).toBeUndefined();
    // The index holds the roster the record was filed in, under the CRM's day partition.
    const roster = Items!.find((i) => i.pk?.S?.startsWith('rkroster|salesforce|'))!;
    expect(roster.dueBucket?.S).toBe('recheck|salesforce|2026-11-24');
    expect(roster.dueAt?.S).toBe(`2026-11-24T03:00:00.000Z#${roster.pk!.S}`);
    expect(roster.ttl?.N).toBeDefined();
    expect(await new DynamoEpisodeStore(table).dueBefore(new Date('2026-11-25T00:00:00Z'), 10)).toEqual([]);
  });
});

describe('DynamoLeadRecords: re-check rosters (the due index holds one item per instant, not per lead)', () => {
  const AT = '2026-11-24T01:00:00.000Z';
  const record = (leadId: string, recheckAt: string | null) => ({
    objectType: 'Lead',
    leadId,
    recheckAt,
    holdSince: null,
    inputs: `f-${leadId}`,
  });
  async function setup() {
    const clock = testClock(AT);
    const table = await dynamo.table(clock);
    const items = async (prefix: string) =>
      ((await table.client.send(new ScanCommand({ TableName: table.tableName }))).Items ?? []).filter((i) =>
        i.pk?.S?.startsWith(prefix),
      );
    return { clock, table, store: new DynamoLeadRecords(table), items };
  }

  it("a batch's claims file their re-checks first, one roster per instant, then each claim writes only its item", async () => {
    const { clock, store, items } = await setup();
    const midnight = '2026-11-24T15:00:00.000Z';
    const records = ['00Q1', '00Q2', '00Q3'].map((id) => record(id, midnight));
    await store.getMany(
      'salesforce',
      records.map((r) => ({ objectType: r.objectType, leadId: r.leadId })),
    );
    await store.fileRechecks('salesforce', records);
    const lease = clock.now().getTime() + 60_000;
    for (const r of records)
      expect(
        (await store.claimDecided(`salesforce|Lead|${r.leadId}`, 1000, lease, 'salesforce', r)).status,
      ).toBe('claimed');
    expect(await items('rkroster|')).toHaveLength(1);
    expect((await items('lead|')).filter((i) => i.dueBucket)).toEqual([]);
    clock.advance(15 * 3_600_000);
    expect((await store.dueBefore('salesforce', clock.now(), 10)).map((d) => d.leadId)).toEqual([
      '00Q1',
      '00Q2',
      '00Q3',
    ]);
  });

  it('keeps a roster while a lead is due there; removes it (past its grace) once each has been rescheduled or its write never came', async () => {
    const { clock, store, items } = await setup();
    const t = '2026-11-24T03:00:00.000Z';
    await store.schedule('salesforce', [record('00Q1', t), record('00Q2', t)]);
    // A claim refused after its roster was filed: the roster lists a lead whose item never says it.
    await store.fileRechecks('salesforce', [record('00Q9', t)]);
    clock.advance(3 * 3_600_000);
    expect((await store.dueBefore('salesforce', clock.now(), 10)).map((d) => d.leadId)).toEqual([
      '00Q1',
      '00Q2',
    ]);
    // 00Q9's roster, past its grace with nothing due, is gone; the other stays while its leads are due.
    expect(await items('rkroster|')).toHaveLength(1);
    // Re-decided: one rescheduled, one with no re-check left.
    await store.schedule('salesforce', [record('00Q1', '2026-11-26T15:00:00.000Z'), record('00Q2', null)]);
    expect(await store.dueBefore('salesforce', clock.now(), 10)).toEqual([]);
    const left = await items('rkroster|');
    expect(left.map((r) => r.dueAt?.S?.slice(0, 24))).toEqual(['2026-11-26T15:00:00.000Z']);
    clock.advance(3 * 86_400_000);
    expect(await store.dueBefore('salesforce', clock.now(), 10)).toEqual([
      { objectType: 'Lead', leadId: '00Q1', recheckAt: '2026-11-26T15:00:00.000Z' },
    ]);
  });

  it('a claim long after its filing files its re-check again: the roster filed for it may be gone', async () => {
    const { clock, store } = await setup();
    const t = new Date(clock.now().getTime() + 60_000).toISOString();
    await store.getMany('salesforce', [{ objectType: 'Lead', leadId: '00Q1' }]);
    await store.fileRechecks('salesforce', [record('00Q1', t)]);
    // Not claimed in time: a sweep past the grace finds the roster lists nothing due, and removes it.
    clock.advance(20 * 60_000);
    expect(await store.dueBefore('salesforce', clock.now(), 10)).toEqual([]);
    const claim = await store.claimDecided(
      'salesforce|Lead|00Q1',
      1000,
      clock.now().getTime() + 60_000,
      'salesforce',
      record('00Q1', t),
    );
    expect(claim.status).toBe('claimed');
    expect(await store.dueBefore('salesforce', clock.now(), 10)).toEqual([
      { objectType: 'Lead', leadId: '00Q1', recheckAt: t },
    ]);
  });

  it('a fresh roster listing nothing due is kept through its grace (a write may be in flight behind it)', async () => {
    const { clock, store, items } = await setup();
    await store.fileRechecks('salesforce', [record('00Q9', AT)]);
    clock.advance(10 * 60_000);
    expect(await store.dueBefore('salesforce', clock.now(), 10)).toEqual([]);
    expect(await items('rkroster|')).toHaveLength(1);
    clock.advance(10 * 60_000);
    expect(await store.dueBefore('salesforce', clock.now(), 10)).toEqual([]);
    expect(await items('rkroster|')).toEqual([]);
  });

  it("still finds an entry an earlier build filed on the lead's item, and the lead's next record takes it out", async () => {
    const { clock, table, store, items } = await setup();
    await store.schedule('salesforce', [record('00Q5', '2026-11-30T15:00:00.000Z')]); // the floor
    await table.update('lead|salesforce|Lead|00Q1', SINGLE, {
      expression: 'SET recheckAt = :r, rk = :rk, dueBucket = :b, dueAt = :d',
      values: {
        ':r': str('2026-11-24T02:00:00.000Z'),
        ':rk': num(clock.now().getTime() + 86_400_000),
        ':b': str('recheck|salesforce|2026-11-24'),
        ':d': str('2026-11-24T02:00:00.000Z#Lead|00Q1'),
      },
    });
    clock.advance(2 * 3_600_000);
    expect(await store.dueBefore('salesforce', clock.now(), 10)).toEqual([
      { objectType: 'Lead', leadId: '00Q1', recheckAt: '2026-11-24T02:00:00.000Z' },
    ]);
    await store.schedule('salesforce', [record('00Q1', '2026-11-25T15:00:00.000Z')]);
    expect((await items('lead|salesforce|Lead|00Q1'))[0]?.dueBucket).toBeUndefined();
    expect(await store.dueBefore('salesforce', clock.now(), 10)).toEqual([]);
  });
});

describe('DynamoLeadRecords: one item a lead for its claim and its re-check record', () => {
  const ref = { objectType: 'Lead', leadId: '00Q1' };
  const key = 'salesforce|Lead|00Q1';
  const due = (recheckAt: string | null, inputs = 'f1') => ({ ...ref, recheckAt, holdSince: null, inputs });

  /** A table whose client counts the write requests it sends. */
  async function counted(clock: ReturnType<typeof testClock>) {
    const table = await dynamo.table(clock);
    const writes: string[] = [];
    const send = table.client.send.bind(table.client);
    table.client.send = ((command: { constructor: { name: string } }) => {
      if (/^(Put|Update|Delete)Item/.test(command.constructor.name)) writes.push(command.constructor.name);
      return send(command as never);
    }) as typeof table.client.send;
    return { table, writes, store: new DynamoLeadRecords(table) };
  }

  it('a decided claim is one write carrying the re-check record, which reads back; a newer version waits for its lease', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const { table, writes, store } = await counted(clock);
    expect(await store.getMany('salesforce', [ref])).toEqual(new Map());
    const lease = clock.now().getTime() + 60_000;
    const claim = await store.claimDecided(key, 1000, lease, 'salesforce', due('2026-11-24T03:00:00.000Z'));
    expect(claim.status).toBe('claimed');
    // The floor item is written once per CRM and process; then one write a lead.
    expect(writes.filter((w) => w !== 'PutItemCommand')).toEqual(['UpdateItemCommand']);
    const { Items } = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    // The roster its re-check is filed in (a batch's claims share theirs: `fileRechecks`).
    expect(Items!.map((i) => i.pk?.S?.replace(/\|[^|]+$/, '|…')).sort()).toEqual([
      'lead|salesforce|Lead|…',
      'recheckdue|salesforce|…',
      'rkroster|salesforce|2026-11-24T03:00:00.000Z|…',
    ]);
    expect(await store.getMany('salesforce', [ref])).toEqual(
      new Map([['Lead|00Q1', due('2026-11-24T03:00:00.000Z')]]),
    );
    expect(await store.dueBefore('salesforce', new Date('2026-11-24T04:00:00Z'), 10)).toEqual([
      { ...ref, recheckAt: '2026-11-24T03:00:00.000Z' },
    ]);
    // Never completed: a newer version is busy until the lease lapses, an older one stale at once.
    expect(await store.claimDecided(key, 2000, lease, 'salesforce', null)).toEqual({
      status: 'busy',
      storedVersion: 1000,
      leaseUntilMs: lease,
    });
    expect(await store.claimDecided(key, 500, lease, 'salesforce', null)).toEqual({
      status: 'stale',
      storedVersion: 1000,
    });
    clock.advance(60_000);
    expect((await store.claimDecided(key, 2000, lease + 60_000, 'salesforce', null)).status).toBe('claimed');
    // A claim without a record leaves the stored one as it was.
    expect(await store.getMany('salesforce', [ref])).toEqual(
      new Map([['Lead|00Q1', due('2026-11-24T03:00:00.000Z')]]),
    );
  });

  it('claims an item holding only a record; a record without a re-check takes the due entry away, keeping the fingerprint', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const store = new DynamoLeadRecords(await dynamo.table(clock));
    // A lead decided without a version claim (an account trigger) has a record and no claim.
    await store.schedule('salesforce', [due('2026-11-24T03:00:00.000Z')]);
    await store.getMany('salesforce', [ref]);
    const claim = await store.claimDecided(
      key,
      2000,
      clock.now().getTime() + 60_000,
      'salesforce',
      due(null, 'f2'),
    );
    expect(claim.status).toBe('claimed');
    expect(await store.dueBefore('salesforce', new Date('2026-11-25T00:00:00Z'), 10)).toEqual([]);
    expect(await store.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'f2')]]));
  });

  it('a claim after the read finds the token it read changed (another worker claimed in between): busy, its record not written', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const mine = new DynamoLeadRecords(table);
    const theirs = new DynamoLeadRecords(table);
    await mine.getMany('salesforce', [ref]); // nothing stored yet
    // The other worker claims an older version and lets its lease lapse at once.
    await theirs.claimDecided(key, 900, clock.now().getTime(), 'salesforce', due(null, 'theirs'));
    clock.advance(1);
    expect(
      await mine.claimDecided(key, 1000, clock.now().getTime() + 60_000, 'salesforce', due(null, 'mine')),
    ).toEqual({
      status: 'busy',
      storedVersion: 1000,
      leaseUntilMs: clock.now().getTime() + 1_000, // no claim in the way: tried again soon
    });
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'theirs')]]));
    // Decided again on that fresh read, the claim goes through.
    const again = await claimAsMine(mine, clock);
    expect(again.status).toBe('claimed');
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'mine')]]));
  });

  /** This worker's claim of version 1000 with record `mine`, leased for a minute. */
  const claimAsMine = (store: DynamoLeadRecords, clock: ReturnType<typeof testClock>) =>
    store.claimDecided(key, 1000, clock.now().getTime() + 60_000, 'salesforce', due(null, 'mine'));

  /** Another worker's claim of version 900 with record `old`, its lease lapsing at once. */
  async function claimedByAnother() {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const theirs = new DynamoLeadRecords(table);
    await theirs.getMany('salesforce', [ref]);
    expect(
      (await theirs.claimDecided(key, 900, clock.now().getTime(), 'salesforce', due(null, 'old'))).status,
    ).toBe('claimed');
    return { clock, table, theirs };
  }

  /** A client whose batch reads answer with `stale` (a replica behind), recording their consistency. */
  function staleReads(tableName: string, stale: Record<string, unknown>[]) {
    const client = dynamo.client();
    const send = client.send.bind(client);
    const consistent: (boolean | undefined)[] = [];
    client.send = ((command: unknown) => {
      if (command instanceof BatchGetItemCommand) {
        consistent.push(command.input.RequestItems![tableName]!.ConsistentRead);
        return Promise.resolve({ Responses: { [tableName]: stale }, UnprocessedKeys: {} });
      }
      return send(command as never);
    }) as typeof client.send;
    return { client, consistent };
  }
  const leadItems = async (tableName: string) =>
    (await dynamo.client().send(new ScanCommand({ TableName: tableName }))).Items!.filter((i) =>
      i.pk?.S?.startsWith('lead|'),
    );
  const held = (inputs: string) => ({
    ...ref,
    recheckAt: null,
    holdSince: '2026-11-24T01:00:00.000Z',
    inputs,
  });

  it('a worker reads eventually consistent: a read that missed the last claim (a stale answer) cannot claim over it', async () => {
    const { clock, table, theirs } = await claimedByAnother();
    // A replica that has not yet seen the next claim answers this worker's read with the item before it.
    const { client, consistent } = staleReads(table.tableName, await leadItems(table.tableName));
    const mine = new DynamoLeadRecords(new DynamoTable({ client, tableName: table.tableName, clock }), {
      eventualReads: true,
    });
    clock.advance(1);
    await theirs.getMany('salesforce', [ref]);
    expect(
      (await theirs.claimDecided(key, 950, clock.now().getTime(), 'salesforce', due(null, 'new'))).status,
    ).toBe('claimed');
    clock.advance(1);
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'old')]]));
    expect(consistent).toEqual([false]);
    const refused = await claimAsMine(mine, clock);
    expect(refused.status).toBe('busy');
    // The record the stale read missed stands.
    expect(await theirs.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'new')]]));
  });

  it('a stale read that missed a record written without a claim (a re-check, an earlier build) cannot claim over it; retried within a second', async () => {
    const { clock, table, theirs } = await claimedByAnother();
    const stale = await leadItems(table.tableName);
    // The sweep's re-check writes the record without a claim: the token stays as it was.
    clock.advance(1);
    const sweep = new DynamoLeadRecords(table);
    await sweep.getMany('salesforce', [ref]);
    await sweep.schedule('salesforce', [held('swept')]);
    const { client, consistent } = staleReads(table.tableName, stale);
    const mine = new DynamoLeadRecords(new DynamoTable({ client, tableName: table.tableName, clock }), {
      eventualReads: true,
    });
    clock.advance(60_000); // the first claim's lease has lapsed: only what the read saw can refuse
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'old')]]));
    expect(consistent).toEqual([false]);
    const refused = await claimAsMine(mine, clock);
    expect(refused).toEqual({
      status: 'busy',
      storedVersion: 1000,
      leaseUntilMs: clock.now().getTime() + 1_000,
    });
    expect(await theirs.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', held('swept')]]));
  });

  it('confirmRead: a lead decided without a claim on a stale read is not confirmed; on a fresh one it is; a strong reader needs no confirming read', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const writer = new DynamoLeadRecords(table);
    await writer.schedule('salesforce', [held('first')]);
    const stale = await leadItems(table.tableName);
    await writer.getMany('salesforce', [ref]);
    await writer.schedule('salesforce', [held('second')]);
    const { client } = staleReads(table.tableName, stale);
    const mine = new DynamoLeadRecords(new DynamoTable({ client, tableName: table.tableName, clock }), {
      eventualReads: true,
    });
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', held('first')]]));
    expect(await mine.confirmRead(key)).toEqual({
      status: 'busy',
      storedVersion: 0,
      leaseUntilMs: clock.now().getTime() + 1_000,
    });
    const fresh = new DynamoLeadRecords(table, { eventualReads: true });
    await fresh.getMany('salesforce', [ref]);
    expect(await fresh.confirmRead(key)).toBeNull();
    // A lead with no item read as none: confirmed while none is written, not once one is.
    const other = { objectType: 'Lead', leadId: '00Q2' };
    await fresh.getMany('salesforce', [other]);
    await writer.schedule('salesforce', [{ ...other, recheckAt: null, holdSince: null, inputs: 'x' }]);
    expect((await fresh.confirmRead('salesforce|Lead|00Q2'))?.status).toBe('busy');
    // The sweep's store reads strongly, and so has nothing to confirm.
    const strong = new DynamoLeadRecords(table);
    await strong.getMany('salesforce', [ref]);
    await writer.schedule('salesforce', [held('third')]);
    expect(await strong.confirmRead(key)).toBeNull();
  });

  it('a lead item past its expiry, not yet deleted by the TTL, reads as none and is claimed over', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const old = new DynamoLeadRecords(table);
    await old.getMany('salesforce', [ref]);
    expect(
      (await old.claimDecided(key, 900, clock.now().getTime(), 'salesforce', due(null, 'old'))).status,
    ).toBe('claimed');
    clock.advance(401 * 86_400_000);
    const mine = new DynamoLeadRecords(table, { eventualReads: true });
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map());
    expect(
      (await mine.claimDecided(key, 1000, clock.now().getTime() + 60_000, 'salesforce', due(null, 'new')))
        .status,
    ).toBe('claimed');
  });

  it("a record read from an earlier build's item and removed since (a re-check of a lead gone) cannot be claimed back", async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    await table.put({
      pk: { S: 'recheck|salesforce|Lead|00Q1' },
      sk: { S: '-' },
      holdSince: { S: '2026-11-20T00:00:00.000Z' },
      inputs: { S: 'old' },
    });
    await table.put({
      pk: { S: `lead|${key}` },
      sk: { S: '-' },
      version: { N: '500' },
      status: { S: 'done' },
    });
    const worker = new DynamoLeadRecords(table, { eventualReads: true });
    expect(await worker.getMany('salesforce', [ref])).toEqual(
      new Map([
        ['Lead|00Q1', { ...ref, recheckAt: null, holdSince: '2026-11-20T00:00:00.000Z', inputs: 'old' }],
      ]),
    );
    // The sweep removes the record: the lead item's fields stay absent, its `rk` says the record is here now.
    const sweep = new DynamoLeadRecords(table);
    await sweep.getMany('salesforce', [ref]);
    await sweep.remove('salesforce', [ref]);
    const claim = await worker.claimDecided(key, 1000, clock.now().getTime() + 60_000, 'salesforce', {
      ...ref,
      recheckAt: null,
      holdSince: '2026-11-20T00:00:00.000Z',
      inputs: 'decided on the old hold',
    });
    expect(claim.status).toBe('busy');
    expect(await sweep.getMany('salesforce', [ref])).toEqual(new Map());
  });

  it("a claim whose answer was lost, and whose SDK retry then failed on the claim's own write, is claimed, not refused", async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const store = new DynamoLeadRecords(table);
    await store.getMany('salesforce', [ref]);
    // The update lands, its answer is lost, and the retry of the same request meets the item it wrote.
    const update = table.update.bind(table);
    let lost = 0;
    table.update = async (...args: Parameters<DynamoTable['update']>) => {
      if (!args[0].startsWith('lead|') || lost++ > 0) return update(...args);
      await update(...args);
      return update(...args);
    };
    const lease = clock.now().getTime() + 60_000;
    const claim = await store.claimDecided(key, 7, lease, 'salesforce', due(null, 'a'));
    expect(lost).toBe(1);
    const { Items } = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    const item = Items!.find((i) => i.pk?.S === `lead|${key}`)!;
    expect(claim).toEqual({ status: 'claimed', token: item.token?.S });
  });

  it('of two workers claiming one decided version at once, exactly one gets it', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const a = new DynamoLeadRecords(table);
    const b = new DynamoLeadRecords(table);
    const lease = clock.now().getTime() + 60_000;
    const results = await Promise.all([
      a.claimDecided(key, 7, lease, 'salesforce', due(null, 'a')),
      b.claimDecided(key, 7, lease, 'salesforce', due(null, 'b')),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['busy', 'claimed']);
  });

  it('a record past its own expiry is none, even once a claim has renewed the item', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const store = new DynamoLeadRecords(await dynamo.table(clock));
    await store.schedule('salesforce', [due(null, 'old')]);
    clock.advance(401 * 86_400_000); // past the record's 400 days, before DynamoDB's TTL removed it
    expect(
      (await store.claimDecided(key, 1000, clock.now().getTime() + 60_000, 'salesforce', null)).status,
    ).toBe('claimed');
    expect(await store.getMany('salesforce', [ref])).toEqual(new Map());
  });

  it("reads an earlier build's re-check item, and deletes it (and its due entry) when the lead's record is next written", async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const legacy = (leadId: string, recheckAt: string) =>
      table.client.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: {
            pk: { S: `recheck|salesforce|Lead|${leadId}` },
            sk: { S: '-' },
            recheckAt: { S: recheckAt },
            holdSince: { S: '2026-11-20T00:00:00.000Z' },
            inputs: { S: 'old' },
            dueBucket: { S: `recheck|salesforce|${recheckAt.slice(0, 10)}` },
            dueAt: { S: `${recheckAt}#Lead|${leadId}` },
          },
        }),
      );
    await legacy('00Q1', '2026-11-24T02:00:00.000Z');
    await legacy('00Q2', '2026-11-24T02:30:00.000Z');
    await new DynamoLeadRecords(table).schedule('salesforce', []); // nothing: no floor yet
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { pk: { S: 'recheckdue|salesforce|floor' }, sk: { S: '-' }, day: { S: '2026-11-23' } },
      }),
    );

    // The earlier build's claim of 00Q1, done, on the lead's item.
    await table.put({
      pk: { S: `lead|${key}` },
      sk: { S: '-' },
      version: { N: '500' },
      status: { S: 'done' },
    });

    // A worker: reads the old record (the hold's start comes with it), then claims with the new one.
    // A lead with no item at all (never claimed) is not looked for in the earlier layout.
    const worker = new DynamoLeadRecords(table);
    const reads: string[] = [];
    const send = table.client.send.bind(table.client);
    table.client.send = ((command: {
      constructor: { name: string };
      input: { RequestItems?: Record<string, { Keys: { pk: { S: string } }[] }> };
    }) => {
      for (const t of Object.values(command.input.RequestItems ?? {}))
        for (const k of t.Keys) reads.push(k.pk.S);
      return send(command as never);
    }) as typeof table.client.send;
    const read = await worker.getMany('salesforce', [ref, { objectType: 'Lead', leadId: '00Q9' }]);
    table.client.send = send;
    expect(reads.filter((pk) => pk.startsWith('recheck|'))).toEqual(['recheck|salesforce|Lead|00Q1']);
    expect(read.get('Lead|00Q1')).toEqual({
      ...ref,
      recheckAt: '2026-11-24T02:00:00.000Z',
      holdSince: '2026-11-20T00:00:00.000Z',
      inputs: 'old',
    });
    const next = {
      ...ref,
      recheckAt: '2026-11-26T00:00:00.000Z',
      holdSince: '2026-11-20T00:00:00.000Z',
      inputs: 'new',
    };
    expect(
      (await worker.claimDecided(key, 1000, clock.now().getTime() + 60_000, 'salesforce', next)).status,
    ).toBe('claimed');

    // A sweep: lists the other old entry as due, reschedules it, and the old item goes.
    const sweep = new DynamoLeadRecords(table);
    expect(await sweep.dueBefore('salesforce', new Date('2026-11-24T03:00:00Z'), 10)).toEqual([
      { objectType: 'Lead', leadId: '00Q2', recheckAt: '2026-11-24T02:30:00.000Z' },
    ]);
    await sweep.schedule('salesforce', [
      { objectType: 'Lead', leadId: '00Q2', recheckAt: null, holdSince: null, inputs: 'x' },
    ]);

    const { Items } = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    expect(Items!.map((i) => i.pk?.S).filter((pk) => pk?.startsWith('recheck|'))).toEqual([]);
    expect(await sweep.dueBefore('salesforce', new Date('2026-11-30T00:00:00Z'), 10)).toEqual([
      { objectType: 'Lead', leadId: '00Q1', recheckAt: '2026-11-26T00:00:00.000Z' },
    ]);
    expect((await sweep.getMany('salesforce', [ref])).get('Lead|00Q1')).toEqual(next);
  });
});
