import { join } from 'node:path';
import type { LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';
import type { DirectoryLock, DirectoryLockOptions } from './directory-lock.ts';
import { stateLock } from './file-state-store.ts';
import { type SqliteBucketSession, SqliteBuckets } from './sqlite-buckets.ts';

/**
 * The ledger's outbox on disk: `<state dir>/ledger-outbox/entries.db` (SqliteBuckets keyed by
 * record id, every commit fsynced), every change under the state directory's lock. Fsynced because it
 * is the write-ahead record of a decision the CRM is about to receive.
 */
export class FileLedgerOutbox implements LedgerOutbox {
  readonly dir: string;
  readonly #buckets: SqliteBuckets<LedgerOutboxEntry>;
  readonly #lock: DirectoryLock;

  constructor(stateDir: string, options: { lock?: DirectoryLockOptions } = {}) {
    this.dir = join(stateDir, 'ledger-outbox');
    this.#buckets = new SqliteBuckets(this.dir, { durable: true });
    this.#lock = stateLock(stateDir, options.lock);
  }

  async put(entries: readonly LedgerOutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const byId = new Map(entries.map((e) => [e.record.record_id, e]));
    await this.#eachId(byId.keys(), (s, id) => s.set(id, { value: byId.get(id)! }));
  }

  async ready(ids: readonly string[]): Promise<void> {
    await this.#eachId(ids, (s, id) => {
      const e = s.get(id);
      if (e?.awaiting) s.set(id, { value: { record: e.record } });
    });
  }

  async remove(ids: readonly string[]): Promise<void> {
    await this.#eachId(ids, (s, id) => {
      if (s.get(id) !== undefined) s.set(id, undefined);
    });
  }

  /** One locked section over `ids` (each once), its changes written in one transaction. */
  async #eachId(
    ids: Iterable<string>,
    fn: (s: SqliteBucketSession<LedgerOutboxEntry>, id: string) => void,
  ): Promise<void> {
    const unique = new Set(ids);
    if (unique.size === 0) return;
    await this.#lock.withLock(() => {
      const s = this.#buckets.session(Date.now());
      for (const id of unique) fn(s, id);
      s.flush();
    });
  }

  async list(): Promise<LedgerOutboxEntry[]> {
    return [...this.#buckets.entries(Date.now())].map(([, e]) => e);
  }
}
