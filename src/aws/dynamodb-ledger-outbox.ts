import type { CrmName } from '../domain/lead.ts';
import type { LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';
import { type DynamoTable, str, stringOf } from './dynamo-table.ts';

/** Writes in flight at once (one entry per decision of a batch of up to a few hundred). */
const CONCURRENCY = 16;

/**
 * The ledger's outbox on the state table, for the Lambda workers and sweeps of one CRM:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `ledgerq\|<crm>` | record id | `record` (JSON), `awaiting` (JSON, while the CRM write is not known to have happened) |
 *
 * The same staging the CLI's file outbox gives (docs/ledger.md): a decision is put here before its
 * CRM write, so a container that dies between the write and the append leaves it for the next batch
 * that reads the lead (any container) to settle and append. Entries live only between staging and
 * append: the partition holds what is in flight, or what waits through a Firehose outage.
 */
export class DynamoLedgerOutbox implements LedgerOutbox {
  readonly #table: DynamoTable;
  readonly #pk: string;

  constructor(table: DynamoTable, crm: CrmName) {
    this.#table = table;
    this.#pk = `ledgerq|${crm}`;
  }

  async put(entries: readonly LedgerOutboxEntry[]): Promise<void> {
    await inParallel(entries, (e) =>
      this.#table.put({
        pk: str(this.#pk),
        sk: str(e.record.record_id),
        record: str(JSON.stringify(e.record)),
        ...(e.awaiting ? { awaiting: str(JSON.stringify(e.awaiting)) } : {}),
      }),
    );
  }

  async ready(ids: readonly string[]): Promise<void> {
    // Only an entry still there: one appended and removed meanwhile is not brought back.
    await inParallel(ids, (id) =>
      this.#table.update(
        this.#pk,
        id,
        { expression: 'REMOVE awaiting' },
        { expression: 'attribute_exists(pk)' },
      ),
    );
  }

  async remove(ids: readonly string[]): Promise<void> {
    await inParallel(ids, (id) => this.#table.delete(this.#pk, id));
  }

  async list(): Promise<LedgerOutboxEntry[]> {
    const items = await this.#table.query(this.#pk);
    return items.flatMap((item) => {
      const record = stringOf(item, 'record');
      if (!record) return [];
      const awaiting = stringOf(item, 'awaiting');
      return [
        {
          record: JSON.parse(record) as LedgerOutboxEntry['record'],
          ...(awaiting
            ? { awaiting: JSON.parse(awaiting) as NonNullable<LedgerOutboxEntry['awaiting']> }
            : {}),
        },
      ];
    });
  }
}

async function inParallel<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane));
}
