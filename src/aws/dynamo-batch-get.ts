import { BatchGetItemCommand, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import { type DynamoTable, type Item, SINGLE, str } from './dynamo-table.ts';

/** BatchGetItem takes at most 100 keys per call. */
export const BATCH_GET_MAX_KEYS = 100;
/** Rounds of re-asking for UnprocessedKeys (throttling) before the state counts as unavailable. */
const MAX_ROUNDS = 8;
const BASE_DELAY_MS = 25;

export interface BatchGetOptions {
  /** Waits between rounds of unprocessed keys; tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
  /** False for an eventually consistent read (half the read units); true unless said. */
  consistentRead?: boolean;
}

/**
 * The live items of the partitions `pks` (sort key `-`), strongly consistent unless told, 100 keys per
 * BatchGetItem. DynamoDB may answer part of a batch and return the rest as `UnprocessedKeys` (when
 * throttled): those are asked again, with a growing pause, until none are left; after `MAX_ROUNDS`
 * the read fails with `StateUnavailableError`, like any other state failure.
 */
export async function batchGetLive(
  table: DynamoTable,
  pks: readonly string[],
  options: BatchGetOptions = {},
): Promise<Map<string, Item>> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const unique = [...new Set(pks)];
  const out = new Map<string, Item>();
  for (let i = 0; i < unique.length; i += BATCH_GET_MAX_KEYS) {
    let request: KeysAndAttributes | undefined = {
      Keys: unique.slice(i, i + BATCH_GET_MAX_KEYS).map((pk) => ({ pk: str(pk), sk: str(SINGLE) })),
      ConsistentRead: options.consistentRead ?? true,
    };
    for (let round = 0; request?.Keys?.length; round++) {
      if (round >= MAX_ROUNDS) {
        throw new StateUnavailableError(
          `DynamoDB BatchGetItem on table ${table.tableName} left ${request.Keys.length} keys unprocessed after ${MAX_ROUNDS} rounds (throttled): run again later, or raise the table's capacity`,
        );
      }
      if (round > 0) await sleep(BASE_DELAY_MS * 2 ** (round - 1));
      const answer = await send(table, request);
      for (const item of answer.Responses?.[table.tableName] ?? []) {
        const pk = item.pk?.S;
        if (pk !== undefined && table.isLive(item)) out.set(pk, item);
      }
      request = answer.UnprocessedKeys?.[table.tableName];
    }
  }
  return out;
}

async function send(table: DynamoTable, request: KeysAndAttributes) {
  try {
    return await table.client.send(new BatchGetItemCommand({ RequestItems: { [table.tableName]: request } }));
  } catch (e) {
    const name = e instanceof Error ? e.name : 'Error';
    throw new StateUnavailableError(
      `DynamoDB BatchGetItem on table ${table.tableName} failed (${name}): check that the table exists, the function's role may use it (dynamodb:BatchGetItem), and DynamoDB is reachable`,
      { cause: e },
    );
  }
}
