import type { EventDedup } from '../ports/event-dedup.ts';
import { batchGetLive } from './dynamo-batch-get.ts';
import { type DynamoTable, SINGLE, str, stringOf } from './dynamo-table.ts';

/**
 * `hook|<source>|<eventId>` items, one PutItem an event once its work is enqueued (1 write unit),
 * living for the de-duplication TTL; asked for with eventually consistent BatchGetItem (100 keys a
 * call, half a read unit an event). The webhook's role needs PutItem and BatchGetItem, nothing more.
 */
export class DynamoEventDedup implements EventDedup {
  readonly #table: DynamoTable;
  readonly #source: string;

  /** `source` keeps the ids of different senders apart (e.g. `hubspot`). */
  constructor(table: DynamoTable, source: string) {
    this.#table = table;
    this.#source = source;
  }

  async seen(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const live = await batchGetLive(
      this.#table,
      eventIds.map((id) => this.#pk(id)),
      { consistentRead: false },
    );
    // An earlier build's `pending` claim is another delivery still being handed off, not done: as the
    // file store, only what was handed off counts (that claim lapses with its short lease anyway).
    return new Set(
      eventIds.filter((id) => {
        const item = live.get(this.#pk(id));
        return item !== undefined && stringOf(item, 'state') !== 'pending';
      }),
    );
  }

  async remember(eventIds: readonly string[], ttlSeconds: number): Promise<void> {
    await Promise.all(
      [...new Set(eventIds)].map((id) =>
        this.#table.put({ pk: str(this.#pk(id)), sk: str(SINGLE), ...this.#table.expiry(ttlSeconds) }),
      ),
    );
  }

  #pk(eventId: string): string {
    return `hook|${this.#source}|${eventId}`;
  }
}
