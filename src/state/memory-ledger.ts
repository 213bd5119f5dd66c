import type { LedgerRecord } from '../ledger/ledger-record.ts';
import type { Ledger, LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';

/**
 * The ledger and its outbox in process memory: one row per record id, in append order. For a
 * simulation that writes its rows to the file ledger in one go at the end (the demo's history: one
 * file per day partition instead of one per batch) and for tests.
 */
export class MemoryLedger implements Ledger {
  readonly #rows = new Map<string, LedgerRecord>();

  async append(records: readonly LedgerRecord[]): Promise<{ appended: number }> {
    let appended = 0;
    for (const r of records) {
      if (this.#rows.has(r.record_id)) continue;
      // A copy: a decision record may make its `facts_json` from the lead when read (`withFacts`);
      // a row kept must say what was decided even if that lead object changes later.
      this.#rows.set(r.record_id, { ...r });
      appended++;
    }
    return { appended };
  }

  records(): LedgerRecord[] {
    return [...this.#rows.values()];
  }
}

export class MemoryLedgerOutbox implements LedgerOutbox {
  readonly #entries = new Map<string, LedgerOutboxEntry>();

  async put(entries: readonly LedgerOutboxEntry[]): Promise<void> {
    // A copy of the record, as the ledger keeps (`MemoryLedger.append`).
    for (const e of entries) this.#entries.set(e.record.record_id, { ...e, record: { ...e.record } });
  }

  async ready(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const e = this.#entries.get(id);
      if (e) this.#entries.set(id, { record: e.record });
    }
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.#entries.delete(id);
  }

  async list(): Promise<LedgerOutboxEntry[]> {
    return [...this.#entries.values()];
  }
}
