import type { LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';

/**
 * The ledger's outbox in process memory: what the Lambda functions use (src/handlers/ledger-wiring.ts).
 * It keeps the staging semantics within one container — decisions staged before the CRM write,
 * appended after it, records the ledger could not take kept for the next invocation's flush — but
 * not across a crash: a container that dies between the CRM write and the append takes its
 * staged records with it (docs/deploy.md, "The decision ledger", says what that means).
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
      this.#entries.set(e.record.record_id, e);
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
