import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { SyncCursor } from '../ports/lead-source.ts';
import {
  CursorConflictError,
  type LeaseAttempt,
  type LeaseHolder,
  type LeaseStore,
  type StoredCursor,
  type StoredLease,
} from '../ports/state-store.ts';
import type { SkippedRecord, SyncStateStore } from '../ports/sync-state-store.ts';
import { DirectoryLock, type DirectoryLockOptions, isAlive } from './directory-lock.ts';
import { JsonBuckets } from './json-buckets.ts';
import { newestFirst, skipKey } from './memory-state-store.ts';
import { SqliteBuckets } from './sqlite-buckets.ts';

/** Default state directory of the CLI, relative to the working directory. */
export const DEFAULT_STATE_DIR = '.tossup/state';

export interface FileStoreOptions {
  clock?: Clock;
  lock?: DirectoryLockOptions;
}

/**
 * State under a directory, for the CLI:
 *
 *     <dir>/.lock              held for the milliseconds of each read–modify–write
 *     <dir>/cursors/all.json   cursor + version per key (fsynced)
 *     <dir>/done/xx.json       done-records with expiry, 256 buckets
 *     <dir>/counters/x.json    idempotent counters (manual-request quota)
 *     <dir>/skipped/x.json     skipped records per scope
 *     <dir>/leases/all.json    run leases (one sync per CRM and profile at a time)
 *     <dir>/routing/…          FileRoutingState (same lock)
 *
 * Every change is read–modify–write under the lock and lands by rename, so two processes on the same
 * directory (two terminals, cron overlapping a manual run) cannot lose each other's updates, and the
 * cursor compare-and-set holds across processes. Reads take no lock (rename is atomic).
 */
export class FileStateStore implements SyncStateStore, LeaseStore {
  readonly dir: string;
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #cursors: JsonBuckets<StoredCursor>;
  readonly #done: SqliteBuckets<string>;
  readonly #counters: SqliteBuckets<string[]>;
  readonly #skipped: SqliteBuckets<SkippedRecord>;
  readonly #leases: JsonBuckets<StoredLease & { token: string }>;

  constructor(dir: string = DEFAULT_STATE_DIR, options: FileStoreOptions = {}) {
    this.dir = dir;
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
    this.#cursors = new JsonBuckets(join(dir, 'cursors'), { fanout: 1, durable: true });
    this.#done = new SqliteBuckets(join(dir, 'done'));
    this.#counters = new SqliteBuckets(join(dir, 'counters'), { durable: true });
    this.#skipped = new SqliteBuckets(join(dir, 'skipped'));
    this.#leases = new JsonBuckets(join(dir, 'leases'), { fanout: 1, durable: true });
  }

  async getCursor(key: string): Promise<StoredCursor | null> {
    return this.#cursors.get(key, this.#now()) ?? null;
  }

  async putCursor(key: string, cursor: SyncCursor, expectedVersion: number | null): Promise<StoredCursor> {
    return this.#lock.withLock(() => {
      const stored = this.#cursors.update(key, this.#now(), (current) => {
        if ((current?.version ?? null) !== expectedVersion) throw new CursorConflictError(key);
        return {
          value: {
            cursor: { modifiedAt: cursor.modifiedAt, idsAtModifiedAt: [...cursor.idsAtModifiedAt] },
            version: (current?.version ?? 0) + 1,
          },
        };
      });
      return stored!.value;
    });
  }

  async markDone(key: string, result: string, ttlSeconds: number): Promise<void> {
    await this.#lock.withLock(() => {
      const now = this.#now();
      this.#done.update(key, now, () => ({ value: result, expiresAtMs: now + ttlSeconds * 1000 }));
    });
  }

  async getDone(key: string): Promise<string | null> {
    return this.#done.get(key, this.#now()) ?? null;
  }

  async countOnce(key: string, member: string, ttlSeconds: number): Promise<number> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      const entry = this.#counters.update(key, now, (members = []) => ({
        value: members.includes(member) ? members : [...members, member],
        expiresAtMs: now + ttlSeconds * 1000,
      }));
      return entry!.value.length;
    });
  }

  async counted(key: string): Promise<string[]> {
    return [...(this.#counters.get(key, this.#now()) ?? [])];
  }

  async recordSkipped(record: SkippedRecord, ttlSeconds: number): Promise<void> {
    await this.#lock.withLock(() => {
      const now = this.#now();
      this.#skipped.update(skipKey(record.scope, record.leadId), now, () => ({
        value: { ...record },
        expiresAtMs: now + ttlSeconds * 1000,
      }));
    });
  }

  async listSkipped(scope: string, limit: number): Promise<SkippedRecord[]> {
    const out: SkippedRecord[] = [];
    for (const [, r] of this.#skipped.entries(this.#now())) if (r.scope === scope) out.push(r);
    return newestFirst(out).slice(0, limit);
  }

  /**
   * Under the directory lock, so checking the holder and taking over is one step. Besides expiry, a
   * lease whose holder is a process of this host that no longer runs is free at once: a SIGKILLed or
   * crashed `tossup sync` never makes the next run wait.
   */
  async acquireLease(key: string, holder: LeaseHolder, ttlSeconds: number): Promise<LeaseAttempt> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      let attempt: LeaseAttempt | undefined;
      this.#leases.update(key, now, (current) => {
        if (current && !heldByDeadProcess(current)) {
          const { token: _t, ...heldBy } = current;
          attempt = { acquired: false, heldBy };
          return { value: current, expiresAtMs: current.expiresAtMs };
        }
        const lease: StoredLease = {
          ...holder,
          since: new Date(now).toISOString(),
          expiresAtMs: now + ttlSeconds * 1000,
        };
        const token = randomUUID();
        attempt = { acquired: true, token, lease };
        return { value: { ...lease, token }, expiresAtMs: lease.expiresAtMs };
      });
      return attempt!;
    });
  }

  async renewLease(key: string, token: string, ttlSeconds: number): Promise<boolean> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      let renewed = false;
      this.#leases.update(key, now, (current) => {
        if (current?.token !== token) return current && { value: current, expiresAtMs: current.expiresAtMs };
        renewed = true;
        const expiresAtMs = now + ttlSeconds * 1000;
        return { value: { ...current, expiresAtMs }, expiresAtMs };
      });
      return renewed;
    });
  }

  async releaseLease(key: string, token: string): Promise<void> {
    await this.#lock.withLock(() => {
      this.#leases.update(key, this.#now(), (current) =>
        current?.token === token
          ? undefined
          : current && { value: current, expiresAtMs: current.expiresAtMs },
      );
    });
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

function heldByDeadProcess(lease: StoredLease): boolean {
  return lease.pid !== undefined && lease.host === hostname() && !isAlive(lease.pid);
}

/** The one lock file of a state directory, shared by the state store and the routing state. */
export function stateLock(dir: string, options?: DirectoryLockOptions): DirectoryLock {
  return new DirectoryLock(join(dir, '.lock'), options);
}
