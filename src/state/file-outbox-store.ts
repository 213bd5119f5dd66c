import { join } from 'node:path';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { OutboxChange, OutboxEntry, OutboxStore } from '../ports/outbox-store.ts';
import type { DirectoryLock, DirectoryLockOptions } from './directory-lock.ts';
import { stateLock } from './file-state-store.ts';
import { SqliteBuckets } from './sqlite-buckets.ts';

/**
 * The outbox on disk: `<state dir>/notifications/entries.db` (SqliteBuckets, every commit fsynced);
 * every read–modify–write runs under the state directory's lock, so two processes on
 * one state directory never both claim an entry.
 */
export class FileOutboxStore implements OutboxStore {
  readonly dir: string;
  readonly localClaims = true;
  readonly #buckets: SqliteBuckets<OutboxEntry>;
  readonly #lock: DirectoryLock;
  readonly #clock: Clock;

  constructor(stateDir: string, options: { clock?: Clock; lock?: DirectoryLockOptions } = {}) {
    this.dir = join(stateDir, 'notifications');
    this.#buckets = new SqliteBuckets(this.dir, { durable: true });
    this.#lock = stateLock(stateDir, options.lock);
    this.#clock = options.clock ?? systemClock;
  }

  async update(
    key: string,
    change: OutboxChange,
  ): Promise<{ entry: OutboxEntry | undefined; written: boolean }> {
    let result: { entry: OutboxEntry | undefined; written: boolean } = { entry: undefined, written: false };
    await this.#lock.withLock(() => {
      const now = this.#now();
      this.#buckets.update(key, now, (current) => {
        const next = change(current, now);
        result = next === undefined ? { entry: current, written: false } : { entry: next, written: true };
        const value = next ?? current;
        if (value === undefined) return undefined;
        return value.expiresAtMs === undefined ? { value } : { value, expiresAtMs: value.expiresAtMs };
      });
    });
    return result;
  }

  async open(): Promise<OutboxEntry[]> {
    return (await this.list()).filter((e) => e.state === 'pending' || e.state === 'sending');
  }

  async get(key: string): Promise<OutboxEntry | undefined> {
    return this.#buckets.get(key, this.#now());
  }

  async list(): Promise<OutboxEntry[]> {
    return [...this.#buckets.entries(this.#now())].map(([, e]) => e);
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}
