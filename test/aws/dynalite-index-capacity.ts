import { createRequire } from 'node:module';

/** A global secondary index's key attributes (hash, range) and its projection. */
export interface KeysOnlyIndex {
  name: string;
  keys: readonly [string, string];
}

type AttributeMap = Record<string, unknown>;
type Capacity = { CapacityUnits: number } | undefined;
type AddConsumedCapacity = (
  data: unknown,
  isRead: boolean,
  a?: AttributeMap | null,
  b?: AttributeMap,
) => Capacity;

/**
 * The write units a table write costs in a KEYS_ONLY global secondary index, as DynamoDB bills them
 * (developer guide, "Global secondary indexes", writes): an item gaining the index keys writes one
 * index entry, losing them deletes one, changing a key value deletes and writes (2); a write that
 * leaves the keys as they were costs the index nothing, as KEYS_ONLY projects no other attribute.
 * Our entries (two short key texts plus the table's keys) are far under the 1 KB a unit covers.
 */
export function keysOnlyIndexWriteUnits(
  before: AttributeMap | null | undefined,
  after: AttributeMap | null | undefined,
  index: KeysOnlyIndex,
): number {
  const keyOf = (item: AttributeMap | null | undefined) => {
    const [hash, range] = index.keys;
    return item?.[hash] !== undefined && item[range] !== undefined
      ? JSON.stringify([item[hash], item[range]])
      : null;
  };
  const was = keyOf(before);
  const is = keyOf(after);
  if (was === is) return 0;
  if (was === null || is === null) return 1;
  return 2;
}

const installed = new WeakSet<object>();

/**
 * dynalite (4.0) reports a write's capacity for the table alone; DynamoDB's `ConsumedCapacity` with
 * `TOTAL` includes the writes to the table's global secondary indexes. This adds them, so what the
 * cost bench reads from the server is what AWS would bill. dynalite's actions call
 * `db.addConsumedCapacity(data, isRead, old, new)` through the module object (delete: `old` only), so
 * wrapping that export reaches every put, update and delete. Installed once per process.
 */
export function countIndexWrites(indexes: readonly KeysOnlyIndex[]): void {
  const require = createRequire(import.meta.url);
  const db = require('dynalite/db/index.js') as { addConsumedCapacity: AddConsumedCapacity };
  if (installed.has(db)) return;
  installed.add(db);
  const tableOnly = db.addConsumedCapacity;
  db.addConsumedCapacity = (data, isRead, before, after) => {
    const capacity = tableOnly(data, isRead, before, after);
    if (capacity && !isRead) {
      for (const index of indexes) capacity.CapacityUnits += keysOnlyIndexWriteUnits(before, after, index);
    }
    return capacity;
  };
}
