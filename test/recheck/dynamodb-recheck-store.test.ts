import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { DynamoRecheckStore } from '../../src/aws/dynamodb-recheck-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';
import { describeRecheckStoreContract } from './recheck-store.contract.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

describeRecheckStoreContract('DynamoRecheckStore (dynalite)', async (clock) => {
  const table = await dynamo.table(clock);
  return {
    store: new DynamoRecheckStore(table),
    other: () =>
      new DynamoRecheckStore(new DynamoTable({ client: dynamo.client(), tableName: table.tableName, clock })),
  };
});

describe('DynamoRecheckStore on the state table', () => {
  it('files entries under its own due partitions: the episode sweep never sees them', async () => {
    const clock = testClock('2026-11-24T01:00:00.000Z');
    const table = await dynamo.table(clock);
    await new DynamoRecheckStore(table).schedule('salesforce', [
      { objectType: 'Lead', leadId: '00Q1', recheckAt: '2026-11-24T03:00:00.000Z', holdSince: null },
    ]);
    const { Items } = await table.client.send(new ScanCommand({ TableName: table.tableName }));
    const entry = Items!.find((i) => i.pk?.S === 'recheck|salesforce|Lead|00Q1')!;
    expect(entry.dueBucket?.S).toBe('recheck|salesforce|2026-11-24');
    expect(entry.dueAt?.S).toBe('2026-11-24T03:00:00.000Z#Lead|00Q1');
    expect(entry.ttl?.N).toBeDefined();
    expect(await new DynamoEpisodeStore(table).dueBefore(new Date('2026-11-25T00:00:00Z'), 10)).toEqual([]);
  });
});
