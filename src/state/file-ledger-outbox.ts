import { join } from 'node:path';
import type { LedgerOutbox, LedgerOutboxEntry } from '../ports/ledger.ts';
import type { DirectoryLock, DirectoryLockOptions } from './directory-lock.ts';
import { stateLock } from './file-state-store.ts';
import { type BucketSession, JsonBuckets } from './json-buckets.ts';

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
    const byId = new Map(entries.map((e) => [e.record.record_id, e]));
    await this.#eachBucket(byId.keys(), (s, id) => s.set(id, { value: byId.get(id)! }));
  }

  async ready(ids: readonly string[]): Promise<void> {
    await this.#eachBucket(ids, (s, id) => {
      const e = s.get(id);
      if (e?.awaiting) s.set(id, { value: { record: e.record } });
    });
  }

  async remove(ids: readonly string[]): Promise<void> {
    await this.#eachBucket(ids, (s, id) => {
      if (s.get(id) !== undefined) s.set(id, undefined);
    });
  }

  /**
   * One locked section over `ids`, bucket by bucket, each let go once done and all written by the one
   * flush at the end (json-buckets.ts `release`): a page's 10,000 staged decisions fill every bucket,
   * ~25 MB of JSON that a section holding them all parsed into memory at once.
   */
  async #eachBucket(
    ids: Iterable<string>,
    fn: (s: BucketSession<LedgerOutboxEntry>, id: string) => void,
  ): Promise<void> {
    const groups = this.#buckets.byFile(ids);
    if (groups.size === 0) return;
    await this.#lock.withLock(() => {
      const s = this.#buckets.session(Date.now());
      for (const [file, group] of groups) {
        for (const id of group) fn(s, id);
        s.release(file);
      }
      s.flush();
    });
  }

  async list(): Promise<LedgerOutboxEntry[]> {
    return [...this.#buckets.entries(Date.now())].map(([, e]) => e);
  }
}
