import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
import type { Clock } from '../../src/ports/clock.ts';
import { countIndexWrites, type KeysOnlyIndex } from './dynalite-index-capacity.ts';

/** The state table's one index (infra/state-table.yml), KEYS_ONLY. */
const DUE_INDEX: KeysOnlyIndex = { name: 'due', keys: ['dueBucket', 'dueAt'] };

/**
 * A real DynamoDB-protocol server (dynalite, in memory) on a loopback port, for one test file.
 * Tables are created exactly like infra/state-table.yml defines the state table (pk + sk, TTL, the
 * `due` index of episodes).
 */
export interface LocalDynamo {
  endpoint: string;
  client(): DynamoDBClient;
  /** A fresh, empty state table. */
  table(clock?: Clock): Promise<DynamoTable>;
  close(): Promise<void>;
}

let tables = 0;

export async function startLocalDynamo(): Promise<LocalDynamo> {
  countIndexWrites([DUE_INDEX]);
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = () =>
    new DynamoDBClient({
      endpoint,
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  const admin = client();
  return {
    endpoint,
    client,
    async table(clock) {
      const tableName = `tossup-state-${++tables}`;
      await admin.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'dueBucket', AttributeType: 'S' },
            { AttributeName: 'dueAt', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          // The episode index (src/aws/dynamodb-episode-store.ts).
          GlobalSecondaryIndexes: [
            {
              IndexName: DUE_INDEX.name,
              KeySchema: [
                { AttributeName: DUE_INDEX.keys[0], KeyType: 'HASH' },
                { AttributeName: DUE_INDEX.keys[1], KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'KEYS_ONLY' },
            },
          ],
        }),
      );
      return new DynamoTable({ client: client(), tableName, clock });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
