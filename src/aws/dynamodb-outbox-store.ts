import { createHash } from 'node:crypto';
import type { OutboxChange, OutboxEntry, OutboxStore } from '../ports/outbox-store.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import { batchGetLive } from './dynamo-batch-get.ts';
import { type DynamoTable, type Item, num, numberOf, SINGLE, str, stringOf } from './dynamo-table.ts';
import { DUE_INDEX } from './dynamodb-episode-store.ts';

/** The `due` index partition of open outbox entries (episodes use hour buckets, never this). */
export const OUTBOX_BUCKET = 'outbox';
/** Lost races in a row on one entry before the update gives up (another drain keeps winning). */
const MAX_RACES = 8;

/**
 * The notification outbox on the shared state table (for the Lambda sweep):
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `notify\|<hash of the outbox key>` | `-` | `entry` (JSON), `version`; `dueBucket` = `outbox`, `dueAt` = `<next attempt>#<id>` while open; `expiresAtMs`/`ttl` once finished |
 *
 * Every write is a conditional put on `version`, which gives the outbox its atomic read–modify–write:
 * two drains can never both move one entry from `pending` to `sending`, so a message is posted at most
 * once. Open entries are found through the sparse `due` index under the `outbox` partition (one
 * query, never a scan); finished ones leave the index and expire by TTL.
 */
export class DynamoOutboxStore implements OutboxStore {
  /** Containers may share a host name and pid: a claim is judged by its age only. */
  readonly localClaims = false;
  readonly #table: DynamoTable;

  constructor(table: DynamoTable) {
    this.#table = table;
  }

  async update(
    key: string,
    change: OutboxChange,
  ): Promise<{ entry: OutboxEntry | undefined; written: boolean }> {
    const pk = pkOf(key);
    for (let race = 0; race < MAX_RACES; race++) {
      const item = await this.#table.get(pk);
      const version = item ? (numberOf(item, 'version') ?? 0) : null;
      const current = item && this.#table.isLive(item) ? entryOf(item) : undefined;
      const next = change(current, this.#table.nowMs());
      if (next === undefined) return { entry: current, written: false };
      const written = await this.#table.put(
        this.#item(pk, next, (version ?? 0) + 1),
        version === null
          ? { expression: 'attribute_not_exists(pk)' }
          : { expression: '#v = :v', names: { '#v': 'version' }, values: { ':v': num(version) } },
      );
      if (written) return { entry: next, written: true };
    }
    throw new StateUnavailableError(
      `the outbox entry ${pk} kept changing under ${MAX_RACES} attempts to update it; the next drain tries again`,
    );
  }

  async get(key: string): Promise<OutboxEntry | undefined> {
    const item = await this.#table.getLive(pkOf(key));
    return item ? entryOf(item) : undefined;
  }

  async open(): Promise<OutboxEntry[]> {
    const pks: string[] = [];
    let start: Item | undefined;
    do {
      const page = await this.#query(start);
      for (const item of page.Items ?? []) {
        const pk = stringOf(item, 'pk');
        if (pk) pks.push(pk);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    // The index is eventually consistent and keys only: each entry is read again, consistently.
    const items = await batchGetLive(this.#table, pks);
    return pks
      .map((pk) => items.get(pk))
      .filter((i): i is Item => i !== undefined)
      .map(entryOf)
      .filter((e) => e.state === 'pending' || e.state === 'sending');
  }

  #item(pk: string, entry: OutboxEntry, version: number): Item {
    const item: Item = {
      pk: str(pk),
      sk: str(SINGLE),
      entry: str(JSON.stringify(entry)),
      version: num(version),
    };
    if (entry.state === 'pending' || entry.state === 'sending') {
      item.dueBucket = str(OUTBOX_BUCKET);
      item.dueAt = str(`${new Date(entry.nextAttemptAtMs).toISOString()}#${entry.id}`);
    }
    if (entry.expiresAtMs !== undefined) {
      item.expiresAtMs = num(entry.expiresAtMs);
      item.ttl = num(Math.ceil(entry.expiresAtMs / 1000));
    }
    return item;
  }

  #query(start: Item | undefined) {
    return this.#table.queryIndex(DUE_INDEX, 'dueBucket = :b', { ':b': str(OUTBOX_BUCKET) }, { start });
  }
}

/** The outbox key holds the episode key and a target (maybe an e-mail): only its hash goes in the key. */
function pkOf(key: string): string {
  return `notify|${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

function entryOf(item: Item): OutboxEntry {
  try {
    const entry = JSON.parse(stringOf(item, 'entry') ?? 'null') as OutboxEntry | null;
    if (entry && typeof entry.id === 'string' && typeof entry.state === 'string') return entry;
  } catch {
    // reported below
  }
  throw new StateUnavailableError(
    `the outbox item ${stringOf(item, 'pk')} in DynamoDB is not a valid entry; delete it (its notification is then not sent)`,
  );
}
