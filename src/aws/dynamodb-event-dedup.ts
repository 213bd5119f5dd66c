import type { EventDedup } from '../handlers/event-dedup.ts';
import { type DynamoTable, num, SINGLE, str } from './dynamo-table.ts';

/** `hook|<eventId>` items: one conditional put per event, expiring with DynamoDB TTL. */
export class DynamoEventDedup implements EventDedup {
  readonly #table: DynamoTable;
  readonly #source: string;

  /** `source` keeps the ids of different senders apart (e.g. `hubspot`). */
  constructor(table: DynamoTable, source: string) {
    this.#table = table;
    this.#source = source;
  }

  async claim(eventId: string, ttlSeconds: number): Promise<boolean> {
    return this.#table.put(
      { pk: str(this.#pk(eventId)), sk: str(SINGLE), ...this.#table.expiry(ttlSeconds) },
      {
        expression: 'attribute_not_exists(pk) OR expiresAtMs <= :now',
        values: { ':now': num(this.#table.nowMs()) },
      },
    );
  }

  async release(eventId: string): Promise<void> {
    await this.#table.delete(this.#pk(eventId));
  }

  #pk(eventId: string): string {
    return `hook|${this.#source}|${eventId}`;
  }
}
