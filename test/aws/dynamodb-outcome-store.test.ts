import { afterAll, beforeAll, describe } from 'vitest';
import { DynamoOutcomeStore } from '../../src/aws/dynamodb-outcome-store.ts';
import { outcomeStoreContract } from '../state/outcome-store.contract.ts';
import { type LocalDynamo, startLocalDynamo } from './local-dynamodb.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

describe('DynamoOutcomeStore (dynalite)', () => {
  let table: Awaited<ReturnType<LocalDynamo['table']>> | undefined;
  outcomeStoreContract(
    async () => {
      table = await dynamo.table();
      return new DynamoOutcomeStore(table);
    },
    () => new DynamoOutcomeStore(table!),
  );
});
