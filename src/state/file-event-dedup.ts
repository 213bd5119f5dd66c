import { join } from 'node:path';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { EventDedup } from '../ports/event-dedup.ts';
import type { DirectoryLock } from './directory-lock.ts';
import { type FileStoreOptions, stateLock } from './file-state-store.ts';
import type { BucketEntry } from './json-buckets.ts';
import { SqliteBuckets } from './sqlite-buckets.ts';

/** `done: false` only in a store written by an earlier build (a pending claim): not remembered. */
interface Remembered {
  done: boolean;
}

/**
 * Event ids under `<dir>/events/` (the state directory's lock for writes), for `tossup listen`: a
 * webhook event handed off before a restart — even a `kill -9` — is still a duplicate after it, so
 * the sender's retry of it is acknowledged without a CRM call. An id is forgotten at its TTL
 * (expired entries are dropped whenever the store is written).
 */
export class FileEventDedup implements EventDedup {
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #done: SqliteBuckets<Remembered>;

  constructor(dir: string, options: FileStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
    this.#done = new SqliteBuckets(join(dir, 'events'), { durable: true });
  }

  async seen(eventIds: readonly string[]): Promise<Set<string>> {
    const live = this.#done.getMany(eventIds, this.#now());
    return new Set(eventIds.filter((id) => live.get(id)?.done === true));
  }

  remember(eventIds: readonly string[], ttlSeconds: number): Promise<void> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      const changes = new Map<string, BucketEntry<Remembered> | undefined>();
      for (const id of eventIds)
        changes.set(id, { value: { done: true }, expiresAtMs: now + ttlSeconds * 1000 });
      this.#done.writeAll(changes, now);
    });
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}
