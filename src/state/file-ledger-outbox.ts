import { join } from 'node:path';
import type { LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';
import type { DirectoryLock, DirectoryLockOptions } from './directory-lock.ts';
import { stateLock } from './file-state-store.ts';
import { JsonBuckets } from './json-buckets.ts';

/**
 * The ledger's outbox on disk: `<state dir>/ledger-outbox/x.json` (16 buckets keyed by record id,
 * fsynced, renamed into place), every change under the state directory's lock. Fsynced because it
 * is the write-ahead record of a decision the CRM is about to receive.
 */
export class FileLedgerOutbox implements LedgerOutbox {
  readonly dir: string;
  readonly #buckets: JsonBuckets<LedgerOutboxEntry>;
  readonly #lock: DirectoryLock;

  constructor(stateDir: string, options: { lock?: DirectoryLockOptions } = {}) {
    this.dir = join(stateDir, 'ledger-outbox');
    this.#buckets = new JsonBuckets(this.dir, { fanout: 16, durable: true });
    this.#lock = stateLock(stateDir, options.lock);
  }

  async put(entries: readonly LedgerOutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#lock.withLock(() => {
      const s = this.#buckets.session(Date.now());
      for (const e of entries) s.set(e.record.record_id, { value: e });
      s.flush();
    });
  }

  async ready(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#lock.withLock(() => {
      const s = this.#buckets.session(Date.now());
      for (const id of ids) {
        const e = s.get(id);
        if (e?.awaiting) s.set(id, { value: { record: e.record } });
      }
      s.flush();
    });
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#lock.withLock(() => {
      const s = this.#buckets.session(Date.now());
      for (const id of ids) if (s.get(id) !== undefined) s.set(id, undefined);
      s.flush();
    });
  }

  async list(): Promise<LedgerOutboxEntry[]> {
    return [...this.#buckets.entries(Date.now())].map(([, e]) => e);
  }
}
