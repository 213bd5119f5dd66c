import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** One DynamoDB request as IAM authorises it: the action, the table or index ARN, the partition keys. */
export interface DynamoRequest {
  /** The function that made it (its logical name in the template, e.g. `WorkerSalesforce`). */
  fn: string;
  /** Without the `dynamodb:` prefix, e.g. `BatchGetItem`. */
  action: string;
  resource: string;
  /** `dynamodb:LeadingKeys`: every partition key the request touches. */
  keys: string[];
}

/** The table the functions are given, and what stands in for it in the template. */
export interface RecordedTable {
  name: string;
  arn: string;
  /** Partition-key attribute of the table and of each index (by index name). */
  hashKeys: { table: string; indexes: Record<string, string> };
}

// biome-ignore lint/suspicious/noExplicitAny: the SDK's command input, read by field name
type Input = any;

/**
 * Records every request `client` sends, before it is sent (so a failed condition or a throttled
 * request counts too: IAM authorises them all the same), as `fn`'s. A command the recorder does not
 * model is kept in `unmodelled`, so a new kind of request cannot slip past the IAM check unread.
 */
export function recordDynamoRequests(
  client: DynamoDBClient,
  fn: string,
  table: RecordedTable,
  into: { requests: DynamoRequest[]; unmodelled: string[] },
): DynamoDBClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = String(context.commandName).replace(/Command$/, '');
      try {
        for (const r of requestsOf(action, args.input as Input, table)) into.requests.push({ fn, ...r });
      } catch (e) {
        into.unmodelled.push(`${fn} dynamodb:${action}: ${(e as Error).message}`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'iamRequestRecorder' },
  );
  return client;
}

function requestsOf(action: string, input: Input, table: RecordedTable): Omit<DynamoRequest, 'fn'>[] {
  const resource = (name: string, index?: string) => {
    if (name !== table.name) throw new Error(`a table the functions are not given (${name})`);
    return index === undefined ? table.arn : `${table.arn}/index/${index}`;
  };
  const pk = (key: Input) => {
    const value = key?.[table.hashKeys.table]?.S;
    if (typeof value !== 'string') throw new Error(`no string partition key in ${JSON.stringify(key)}`);
    return value;
  };
  switch (action) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ action, resource: resource(input.TableName), keys: [pk(input.Key)] }];
    case 'PutItem':
      return [{ action, resource: resource(input.TableName), keys: [pk(input.Item)] }];
    case 'BatchGetItem':
      return Object.entries(input.RequestItems as Record<string, { Keys: Input[] }>).map(([name, r]) => ({
        action,
        resource: resource(name),
        keys: r.Keys.map(pk),
      }));
    case 'BatchWriteItem':
      return Object.entries(input.RequestItems as Record<string, Input[]>).map(([name, writes]) => ({
        action,
        resource: resource(name),
        keys: writes.map((w) => pk(w.PutRequest?.Item ?? w.DeleteRequest?.Key)),
      }));
    case 'Query':
      return [
        {
          action,
          resource: resource(input.TableName, input.IndexName),
          keys: [queriedPartition(input, table)],
        },
      ];
    default:
      // Scan, transactions, PartiQL…: none is used today; model it (and its IAM) before using it.
      throw new Error('not modelled by the recorder');
  }
}

/** The partition a Query reads: the value its key condition gives the table's or index's hash key. */
function queriedPartition(input: Input, table: RecordedTable): string {
  const hash = input.IndexName === undefined ? table.hashKeys.table : table.hashKeys.indexes[input.IndexName];
  if (hash === undefined) throw new Error(`an index the table does not have (${input.IndexName})`);
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  for (const [, name, value] of String(input.KeyConditionExpression).matchAll(/(#?\w+)\s*=\s*(:\w+)/g)) {
    if ((names[name!] ?? name) !== hash) continue;
    const s = input.ExpressionAttributeValues?.[value!]?.S;
    if (typeof s === 'string') return s;
  }
  throw new Error(`no equality on ${hash} in the key condition ${input.KeyConditionExpression}`);
}

/**
 * The kind of item a partition key names, as deep as the roles' patterns tell kinds apart:
 * `lead|salesforce|Lead|00Q…` → `lead|`; `lease|sync|…` → `lease|sync|`, `cursor|sync|…` → `cursor|sync|`,
 * `cursor|opportunities:…` → `cursor|opportunities:`; `epdue|floor`; an episode's hour bucket on the
 * `due` index → `<hour>`.
 */
export function keyPrefix(key: string): string {
  const deep = /^((?:lease|cursor)\|[a-z]+[|:]|epdue\|floor$)/.exec(key);
  if (deep) return deep[1]!;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}$/.test(key)) return '<hour>';
  const bar = key.indexOf('|');
  return bar < 0 ? key : key.slice(0, bar + 1);
}
