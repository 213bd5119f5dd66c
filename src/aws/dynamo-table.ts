import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandOutput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Clock, systemClock } from '../ports/clock.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';

export type Item = Record<string, AttributeValue>;

/** Sort key of items that are alone in their partition (cursors, done-records, counters…). */
export const SINGLE = '-';

export interface DynamoTableOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: Clock;
}

export interface Condition {
  expression: string;
  names?: Record<string, string>;
  values?: Item;
}

/**
 * The one state table (`pk`, `sk`, TTL attribute `ttl`) behind the state store, routing state, lead
 * versions and webhook de-duplication. Every read is strongly consistent (a cursor or a lease read
 * stale would defeat compare-and-set), but where a caller asks otherwise: the worker's lead records,
 * whose every decision is claimed or confirmed against what its read saw
 * (src/aws/dynamodb-lead-records.ts). A failed condition is an answer (`false`/`null`), not an
 * error; anything else (throttling after the SDK's retries, a missing table, no permission) becomes
 * `StateUnavailableError`, which stops the run: without state, exactly-once cannot be trusted.
 *
 * DynamoDB deletes expired items only eventually (typically within days), so `expiresAtMs` is checked
 * on every read; `ttl` (epoch seconds) only lets DynamoDB clean up.
 */
export class DynamoTable {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly clock: Clock;

  constructor(options: DynamoTableOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
  }

  nowMs(): number {
    return this.clock.now().getTime();
  }

  /** `expiresAtMs` and `ttl` attributes for an item living `ttlSeconds` from now. */
  expiry(ttlSeconds: number): Item {
    const at = this.nowMs() + ttlSeconds * 1000;
    return { expiresAtMs: num(at), ttl: num(Math.ceil(at / 1000)) };
  }

  /** True when the item has no expiry or has not reached it. */
  isLive(item: Item): boolean {
    const at = item.expiresAtMs?.N;
    return at === undefined || Number(at) > this.nowMs();
  }

  async get(pk: string, sk = SINGLE): Promise<Item | null> {
    const out = await this.#call('GetItem', () =>
      this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: key(pk, sk), ConsistentRead: true }),
      ),
    );
    return out.Item ?? null;
  }

  /** A live item, or null when absent or expired. */
  async getLive(pk: string, sk = SINGLE): Promise<Item | null> {
    const item = await this.get(pk, sk);
    return item && this.isLive(item) ? item : null;
  }

  /** False when the condition failed. */
  async put(item: Item, condition?: Condition): Promise<boolean> {
    return this.#conditional('PutItem', () =>
      this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: item, ...conditionParams(condition) }),
      ),
    ).then((r) => r !== null);
  }

  /** The item after the update (ALL_NEW), or null when the condition failed. */
  async update(
    pk: string,
    sk: string,
    update: { expression: string; names?: Record<string, string>; values?: Item },
    condition?: Condition,
  ): Promise<Item | null> {
    const names = { ...update.names, ...condition?.names };
    const values = { ...update.values, ...condition?.values };
    const out = await this.#conditional('UpdateItem', () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(pk, sk),
          UpdateExpression: update.expression,
          ConditionExpression: condition?.expression,
          ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
          ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return out === null ? null : (out.Attributes ?? {});
  }

  /** False when the condition failed. */
  async delete(pk: string, sk = SINGLE, condition?: Condition): Promise<boolean> {
    return this.#conditional('DeleteItem', () =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: key(pk, sk), ...conditionParams(condition) }),
      ),
    ).then((r) => r !== null);
  }

  /** Every item of one partition (all pages). */
  async query(pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.#call('Query', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': str(pk) },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * One page of a query on a secondary index. A failure names the index: a table without it, or a
   * role that may not query it, is the likely cause.
   */
  async queryIndex(
    index: string,
    keyCondition: string,
    values: Record<string, AttributeValue>,
    page: { limit?: number; start: Item | undefined },
  ): Promise<QueryCommandOutput> {
    try {
      return await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          KeyConditionExpression: keyCondition,
          ExpressionAttributeValues: values,
          ...(page.limit !== undefined ? { Limit: page.limit } : {}),
          ExclusiveStartKey: page.start,
        }),
      );
    } catch (e) {
      const name = e instanceof Error ? e.name : 'Error';
      throw new StateUnavailableError(
        `DynamoDB Query on index ${index} of table ${this.tableName} failed (${name}): check that the table has the index and the function's role may query it`,
        { cause: e },
      );
    }
  }

  async #conditional<T>(op: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await this.#call(op, fn);
    } catch (e) {
      if (e instanceof StateUnavailableError && isConditionFailure(e.cause)) return null;
      throw e;
    }
  }

  async #call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const name = e instanceof Error ? e.name : 'Error';
      throw new StateUnavailableError(
        `DynamoDB ${op} on table ${this.tableName} failed (${name}): check that the table exists, the function's role may use it, and DynamoDB is reachable`,
        { cause: e },
      );
    }
  }
}

export function str(value: string): AttributeValue {
  return { S: value };
}

export function num(value: number): AttributeValue {
  return { N: String(value) };
}

export function numberOf(item: Item, name: string): number | null {
  const n = item[name]?.N;
  return n === undefined ? null : Number(n);
}

export function stringOf(item: Item, name: string): string | null {
  return item[name]?.S ?? null;
}

function isConditionFailure(e: unknown): boolean {
  return (
    e instanceof ConditionalCheckFailedException ||
    (e instanceof Error && e.name === 'ConditionalCheckFailedException')
  );
}

function key(pk: string, sk: string): Item {
  return { pk: str(pk), sk: str(sk) };
}

function conditionParams(condition?: Condition) {
  if (!condition) return {};
  return {
    ConditionExpression: condition.expression,
    ExpressionAttributeNames:
      condition.names && Object.keys(condition.names).length ? condition.names : undefined,
    ExpressionAttributeValues:
      condition.values && Object.keys(condition.values).length ? condition.values : undefined,
  };
}
