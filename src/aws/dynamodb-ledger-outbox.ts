import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import type { CrmName } from '../domain/lead.ts';
import type { LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';
import { type DynamoTable, type Item, str, stringOf } from './dynamo-table.ts';

/** Writes in flight at once (one entry per decision of a batch of up to a few hundred). */
const CONCURRENCY = 16;

/**
 * The ledger's outbox on the state table, for the Lambda workers and sweeps of one CRM:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `ledgerq\|<crm>` | record id | `recordz` (JSON, Brotli), `awaitingz` (JSON, Brotli, while the CRM write is not known to have happened) |
 *
 * The same staging the CLI's file outbox gives (docs/ledger.md): a decision is put here before its
 * CRM write, so a container that dies between the write and the append leaves it for the next batch
 * that reads the lead (any container) to settle and append. Entries live only between staging and
 * append: the partition holds what is in flight, or what waits through a Firehose outage.
 *
 * Compressed because DynamoDB bills every put, update and delete by the item's size in 1 KB steps: a
 * decision row (~2.3 KB of JSON, most of it the lead's facts) staged, marked ready and removed cost
 * ~9 write units a lead as text, ~4 compressed (docs/cost.md). Entries staged as text (`record`,
 * `awaiting`) by an earlier build are still read.
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
        recordz: packed(e.record),
        ...(e.awaiting ? { awaitingz: packed(e.awaiting) } : {}),
      }),
    );
  }

  async ready(ids: readonly string[]): Promise<void> {
    // Only an entry still there: one appended and removed meanwhile is not brought back.
    await inParallel(ids, (id) =>
      this.#table.update(
        this.#pk,
        id,
        { expression: 'REMOVE awaitingz, awaiting' },
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
      const record = unpacked(item, 'record');
      if (!record) return [];
      const awaiting = unpacked(item, 'awaiting');
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

function packed(value: unknown): { B: Uint8Array } {
  return {
    B: brotliCompressSync(JSON.stringify(value), {
      params: {
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: 9,
      },
    }),
  };
}

/** The JSON of attribute `name`: compressed (`<name>z`) or, staged by an earlier build, as text. */
function unpacked(item: Item, name: string): string | null {
  const z = item[`${name}z`]?.B;
  return z ? brotliDecompressSync(z).toString('utf8') : stringOf(item, name);
}
