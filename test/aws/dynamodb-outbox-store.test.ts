import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { DynamoOutboxStore, OUTBOX_BUCKET } from '../../src/aws/dynamodb-outbox-store.ts';
import { NotificationOutbox } from '../../src/state/notification-outbox.ts';
import { notification } from '../notify/fixtures/notifications.ts';
import { outboxStoreContract, steppedClock } from '../notify/outbox-store.contract.ts';
import { type LocalDynamo, startLocalDynamo } from './local-dynamodb.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

outboxStoreContract('DynamoDB (dynalite)', {
  async stores(clock) {
    const table = await dynamo.table(clock);
    // Two clients: two containers on one table.
    const other = new DynamoTable({ client: dynamo.client(), tableName: table.tableName, clock });
    return [new DynamoOutboxStore(table), new DynamoOutboxStore(other)];
  },
});

describe('DynamoDB outbox items', () => {
  it('keep e-mail addresses and episode keys out of the item key, and share the due index with episodes harmlessly', async () => {
    const clock = steppedClock();
    const table = await dynamo.table(clock);
    const outbox = new NotificationOutbox(new DynamoOutboxStore(table), { senders: [], clock });
    await outbox.enqueue(notification({ episodeKey: 'tu_key' }), [
      { kind: 'slack-user', email: 'hanako.sato@example.co.jp' },
    ]);
    const { Items } = await table.client.send(
      new (await import('@aws-sdk/client-dynamodb')).ScanCommand({ TableName: table.tableName }),
    );
    expect(Items).toHaveLength(1);
    const item = Items![0]!;
    expect(item.pk?.S).toMatch(/^notify\|[0-9a-f]{32}$/);
    expect(item.dueBucket?.S).toBe(OUTBOX_BUCKET);
    // An episode sweep asks the index for hour buckets only: it never sees outbox entries.
    expect(await new DynamoEpisodeStore(table).dueBefore(new Date('2026-12-09T00:00:00Z'), 10)).toEqual([]);
  });
});
