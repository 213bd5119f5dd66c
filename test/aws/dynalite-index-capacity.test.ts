import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysOnlyIndexWriteUnits } from './dynalite-index-capacity.ts';
import { type LocalDynamo, startLocalDynamo } from './local-dynamodb.ts';

const DUE = { name: 'due', keys: ['dueBucket', 'dueAt'] } as const;
const S = (s: string) => ({ S: s });

describe('index write units (what DynamoDB bills a KEYS_ONLY global secondary index)', () => {
  it('counts an entry written, deleted, or moved (2), and nothing when the keys stay', () => {
    const keyed = (at: string) => ({ pk: S('a'), dueBucket: S('b'), dueAt: S(at) });
    expect(keysOnlyIndexWriteUnits(undefined, { pk: S('a') }, DUE)).toBe(0);
    expect(keysOnlyIndexWriteUnits(undefined, keyed('1'), DUE)).toBe(1);
    expect(keysOnlyIndexWriteUnits(keyed('1'), { pk: S('a') }, DUE)).toBe(1);
    expect(keysOnlyIndexWriteUnits(keyed('1'), undefined, DUE)).toBe(1);
    expect(keysOnlyIndexWriteUnits(keyed('1'), keyed('2'), DUE)).toBe(2);
    expect(keysOnlyIndexWriteUnits(keyed('1'), { ...keyed('1'), other: S('x') }, DUE)).toBe(0);
    // Half a key is no index entry (a sparse index).
    expect(keysOnlyIndexWriteUnits(undefined, { pk: S('a'), dueBucket: S('b') }, DUE)).toBe(0);
  });
});

describe('the local DynamoDB reports index writes in ConsumedCapacity, as DynamoDB does', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(() => dynamo.close());

  it('bills the table write plus the due index entry it adds, moves or removes', async () => {
    const table = await dynamo.table();
    const client = dynamo.client();
    const TableName = table.tableName;
    const Key = { pk: S('recheck|x'), sk: S('-') };
    const units = async (command: PutItemCommand | UpdateItemCommand | DeleteItemCommand) => {
      const out = await client.send(command as PutItemCommand);
      return out.ConsumedCapacity?.CapacityUnits;
    };
    const put = (extra: Record<string, { S: string }>) =>
      new PutItemCommand({ TableName, Item: { ...Key, ...extra }, ReturnConsumedCapacity: 'TOTAL' });
    const update = (expression: string, values: Record<string, { S: string }>) =>
      new UpdateItemCommand({
        TableName,
        Key,
        UpdateExpression: expression,
        ExpressionAttributeValues: values,
        ReturnConsumedCapacity: 'TOTAL',
      });

    expect(await units(put({ inputs: S('f1') }))).toBe(1);
    expect(await units(put({ inputs: S('f1'), dueBucket: S('d1'), dueAt: S('t1') }))).toBe(2);
    expect(await units(update('SET inputs = :i', { ':i': S('f2') }))).toBe(1);
    expect(await units(update('SET dueAt = :t', { ':t': S('t2') }))).toBe(3);
    expect(await units(new DeleteItemCommand({ TableName, Key, ReturnConsumedCapacity: 'TOTAL' }))).toBe(2);
    client.destroy();
  });
});
