import { BatchGetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
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
    const entry = Items!.find((i) => i.pk?.S === 'lead|salesforce|Lead|00Q1')!;
    expect(entry.dueBucket?.S).toBe('recheck|salesforce|2026-11-24');
    expect(entry.dueAt?.S).toBe('2026-11-24T03:00:00.000Z#Lead|00Q1');
    expect(entry.ttl?.N).toBeDefined();
    expect(await new DynamoEpisodeStore(table).dueBefore(new Date('2026-11-25T00:00:00Z'), 10)).toEqual([]);
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
    expect(Items!.map((i) => i.pk?.S).sort()).toEqual([
      'lead|salesforce|Lead|00Q1',
      'recheckdue|salesforce|floor',
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
    });
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'theirs')]]));
    // Decided again on that fresh read, the claim goes through.
    const again = await mine.claimDecided(
      key,
      1000,
      clock.now().getTime() + 60_000,
      'salesforce',
      due(null, 'mine'),
    );
    expect(again.status).toBe('claimed');
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'mine')]]));
  });

  it('reads eventually consistent: a read that missed the last claim (a stale answer) cannot claim over it', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const theirs = new DynamoLeadRecords(table);
    await theirs.getMany('salesforce', [ref]);
    expect(
      (await theirs.claimDecided(key, 900, clock.now().getTime(), 'salesforce', due(null, 'old'))).status,
    ).toBe('claimed');
    // A replica that has not yet seen the next claim answers this worker's read with the item before it.
    const stale = (await dynamo.client().send(new ScanCommand({ TableName: table.tableName }))).Items!.filter(
      (i) => i.pk?.S?.startsWith('lead|'),
    );
    const client = dynamo.client();
    const send = client.send.bind(client);
    const consistent: (boolean | undefined)[] = [];
    client.send = ((command: unknown) => {
      if (command instanceof BatchGetItemCommand) {
        const request = command.input.RequestItems![table.tableName]!;
        consistent.push(request.ConsistentRead);
        return Promise.resolve({ Responses: { [table.tableName]: stale }, UnprocessedKeys: {} });
      }
      return send(command as never);
    }) as typeof client.send;
    const mine = new DynamoLeadRecords(new DynamoTable({ client, tableName: table.tableName, clock }));
    clock.advance(1);
    await theirs.getMany('salesforce', [ref]);
    expect(
      (await theirs.claimDecided(key, 950, clock.now().getTime(), 'salesforce', due(null, 'new'))).status,
    ).toBe('claimed');
    clock.advance(1);
    expect(await mine.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'old')]]));
    expect(consistent).toEqual([false]);
    const refused = await mine.claimDecided(
      key,
      1000,
      clock.now().getTime() + 60_000,
      'salesforce',
      due(null, 'mine'),
    );
    expect(refused.status).toBe('busy');
    // The record the stale read missed stands.
    expect(await theirs.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'new')]]));
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
