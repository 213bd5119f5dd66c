import type { LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';

/**
 * The ledger's outbox in process memory, for tests and single-process use: the staging semantics of
 * the file and DynamoDB outboxes without their durability (what it holds dies with the process).
 */
export class MemoryLedgerOutbox implements LedgerOutbox {
  readonly #entries = new Map<string, LedgerOutboxEntry>();
  /** Entries beyond this are dropped oldest first, so a long Firehose outage cannot exhaust memory. */
  readonly #max: number;
  #dropped = 0;

  constructor(options: { maxEntries?: number } = {}) {
    this.#max = options.maxEntries ?? 50_000;
  }

  /** Records dropped because the outbox was full (told in the function's log). */
  get dropped(): number {
    return this.#dropped;
  }

  async put(entries: readonly LedgerOutboxEntry[]): Promise<void> {
    for (const e of entries) {
      this.#entries.delete(e.record.record_id);
      // A copy of the record: one made by `withFacts` reads its facts from the lead, which must not
      // be held (or seen changed) for as long as the entry is.
      this.#entries.set(e.record.record_id, { ...e, record: { ...e.record } });
    }
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.#dropped++;
    }
  }

  async ready(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const e = this.#entries.get(id);
      if (e?.awaiting) this.#entries.set(id, { record: e.record });
    }
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#entries.delete(id);
  }

  async list(): Promise<LedgerOutboxEntry[]> {
    return [...this.#entries.values()];
  }
}
