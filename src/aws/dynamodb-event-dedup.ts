import type { EventDedup } from '../ports/event-dedup.ts';
import { type DynamoTable, num, SINGLE, str } from './dynamo-table.ts';

/**
 * `hook|<source>|<eventId>` items: a conditional put takes a pending claim that expires with its
 * lease; confirming overwrites it as `done` with the de-duplication TTL. Both are PutItem, and a
 * release is a DeleteItem, so the webhook's role needs nothing more.
 */
export class DynamoEventDedup implements EventDedup {
  readonly #table: DynamoTable;
  readonly #source: string;

  /** `source` keeps the ids of different senders apart (e.g. `hubspot`). */
  constructor(table: DynamoTable, source: string) {
    this.#table = table;
    this.#source = source;
  }

  async claim(eventId: string, leaseSeconds: number): Promise<boolean> {
    return this.#table.put(
      {
        pk: str(this.#pk(eventId)),
        sk: str(SINGLE),
        state: str('pending'),
        ...this.#table.expiry(leaseSeconds),
      },
      {
        expression: 'attribute_not_exists(pk) OR expiresAtMs <= :now',
        values: { ':now': num(this.#table.nowMs()) },
      },
    );
  }

  async confirm(eventId: string, ttlSeconds: number): Promise<void> {
    await this.#table.put({
      pk: str(this.#pk(eventId)),
      sk: str(SINGLE),
      state: str('done'),
      ...this.#table.expiry(ttlSeconds),
    });
  }

  async release(eventId: string): Promise<void> {
    // Only a pending claim: a done event stays remembered even if a late release arrives.
    await this.#table.delete(this.#pk(eventId), SINGLE, {
      expression: '#s = :pending',
      names: { '#s': 'state' },
      values: { ':pending': str('pending') },
    });
  }

  #pk(eventId: string): string {
    return `hook|${this.#source}|${eventId}`;
  }
}
