import { join } from 'node:path';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { EventDedup } from '../ports/event-dedup.ts';
import type { DirectoryLock } from './directory-lock.ts';
import { type FileStoreOptions, stateLock } from './file-state-store.ts';
import { SqliteBuckets } from './sqlite-buckets.ts';

interface Claim {
  done: boolean;
}

/**
 * Event ids under `<dir>/events/` (16 buckets, the state directory's lock), for `tossup listen`: a
 * webhook event handled before a restart — even a `kill -9` — is still a duplicate after it, so the
 * sender's retry of it is acknowledged without a CRM call. A claim lapses at its lease, a done record
 * at its TTL (expired entries are dropped whenever their bucket is written).
 */
export class FileEventDedup implements EventDedup {
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #claims: SqliteBuckets<Claim>;

  constructor(dir: string, options: FileStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
    this.#claims = new SqliteBuckets(join(dir, 'events'), { durable: true });
  }

  claim(eventId: string, leaseSeconds: number): Promise<boolean> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      if (this.#claims.get(eventId, now) !== undefined) return false;
      this.#claims.update(eventId, now, () => ({
        value: { done: false },
        expiresAtMs: now + leaseSeconds * 1000,
      }));
      return true;
    });
  }

  confirm(eventId: string, ttlSeconds: number): Promise<void> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      this.#claims.update(eventId, now, () => ({
        value: { done: true },
        expiresAtMs: now + ttlSeconds * 1000,
      }));
    });
  }

  release(eventId: string): Promise<void> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      if (this.#claims.get(eventId, now)?.done === false) this.#claims.update(eventId, now, () => undefined);
    });
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}
