import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
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

  it('a claim completed with the re-check record is two writes to one item, and the record reads back', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const { table, writes, store } = await counted(clock);
    const claim = await store.claim(key, 1000, clock.now().getTime() + 60_000);
    expect(claim.status).toBe('claimed');
    const token = (claim as { token: string }).token;
    expect(
      await store.completeWithRecheck(key, 1000, token, 'salesforce', due('2026-11-24T03:00:00.000Z')),
    ).toBe(true);
    // The floor item is written once per CRM and process; then one write a claim, one a completion.
    expect(writes.filter((w) => w !== 'PutItemCommand')).toEqual(['UpdateItemCommand', 'UpdateItemCommand']);
    const { Items } = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    expect(Items!.map((i) => i.pk?.S).sort()).toEqual([
      'lead|salesforce|Lead|00Q1',
      'recheckdue|salesforce|floor',
    ]);
    expect(await store.getMany('salesforce', [ref])).toEqual(
      new Map([['Lead|00Q1', due('2026-11-24T03:00:00.000Z')]]),
    );
    expect(await store.claim(key, 1000, clock.now().getTime())).toEqual({
      status: 'done',
      storedVersion: 1000,
    });
    expect(await store.dueBefore('salesforce', new Date('2026-11-24T04:00:00Z'), 10)).toEqual([
      { ...ref, recheckAt: '2026-11-24T03:00:00.000Z' },
    ]);
  });

  it('a claim leaves the re-check record and its due entry as they were, and claims an item holding only a record', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const store = new DynamoLeadRecords(await dynamo.table(clock));
    // A lead decided without a version claim (an account trigger) has a record and no claim.
    await store.schedule('salesforce', [due('2026-11-24T03:00:00.000Z')]);
    const claim = await store.claim(key, 2000, clock.now().getTime() + 60_000);
    expect(claim.status).toBe('claimed');
    expect(await store.getMany('salesforce', [ref])).toEqual(
      new Map([['Lead|00Q1', due('2026-11-24T03:00:00.000Z')]]),
    );
    expect(
      (await store.dueBefore('salesforce', new Date('2026-11-24T04:00:00Z'), 10)).map((d) => d.leadId),
    ).toEqual(['00Q1']);
    // Completed with a record that has no re-check: the due entry goes, the fingerprint stays.
    await store.completeWithRecheck(
      key,
      2000,
      (claim as { token: string }).token,
      'salesforce',
      due(null, 'f2'),
    );
    expect(await store.dueBefore('salesforce', new Date('2026-11-25T00:00:00Z'), 10)).toEqual([]);
    expect(await store.getMany('salesforce', [ref])).toEqual(new Map([['Lead|00Q1', due(null, 'f2')]]));
  });

  it('a completion whose claim was taken over writes nothing, the record included', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const store = new DynamoLeadRecords(await dynamo.table(clock));
    const lapsed = await store.claim(key, 1000, clock.now().getTime() + 1000);
    clock.advance(2000);
    const takeover = await store.claim(key, 1000, clock.now().getTime() + 60_000);
    expect(takeover.status).toBe('claimed');
    const late = (lapsed as { token: string }).token;
    expect(
      await store.completeWithRecheck(key, 1000, late, 'salesforce', due('2026-11-24T03:00:00.000Z')),
    ).toBe(false);
    expect(await store.getMany('salesforce', [ref])).toEqual(new Map());
    expect(await store.claim(key, 1000, clock.now().getTime())).toEqual({
      status: 'busy',
      storedVersion: 1000,
    });
  });

  it('the batch read right after a claim comes from the claim (no read request), and a settled claim is read again', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const { table, store } = await counted(clock);
    await store.schedule('salesforce', [due('2026-11-24T03:00:00.000Z')]);
    const reads: string[] = [];
    const send = table.client.send.bind(table.client);
    table.client.send = ((command: { constructor: { name: string } }) => {
      if (/^(Get|BatchGet)Item/.test(command.constructor.name)) reads.push(command.constructor.name);
      return send(command as never);
    }) as typeof table.client.send;
    const claim = await store.claim(key, 1000, clock.now().getTime() + 60_000);
    expect(await store.getMany('salesforce', [ref])).toEqual(
      new Map([['Lead|00Q1', due('2026-11-24T03:00:00.000Z')]]),
    );
    expect(reads).toEqual([]);
    await store.release(key, 1000, (claim as { token: string }).token);
    await store.getMany('salesforce', [ref]);
    expect(reads).toEqual(['BatchGetItemCommand']);
  });

  it('a record past its own expiry is none, even once a claim has renewed the item', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const store = new DynamoLeadRecords(await dynamo.table(clock));
    await store.schedule('salesforce', [due(null, 'old')]);
    clock.advance(401 * 86_400_000); // past the record's 400 days, before DynamoDB's TTL removed it
    expect((await store.claim(key, 1000, clock.now().getTime() + 60_000)).status).toBe('claimed');
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

    // A worker: reads the old record (the hold's start comes with it), then completes with the new one.
    const worker = new DynamoLeadRecords(table);
    const claim = await worker.claim(key, 1000, clock.now().getTime() + 60_000);
    const read = await worker.getMany('salesforce', [ref]);
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
    await worker.completeWithRecheck(key, 1000, (claim as { token: string }).token, 'salesforce', next);

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
