import { join } from 'node:path';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { RecordedAssignment, RouteResult, RoutingState } from '../ports/routing-state.ts';
import type { DirectoryLock } from './directory-lock.ts';
import { type FileStoreOptions, stateLock } from './file-state-store.ts';
import { JsonBuckets } from './json-buckets.ts';
import { SqliteBuckets } from './sqlite-buckets.ts';

const DAY_MS = 86_400_000;

/**
 * Routing assignments and daily counts under `<dir>/routing/`, sharing the state directory's lock
 * so capacity reservations and assignment compare-and-set hold across processes. Assignments are
 * only needed while a toss-up can still be retried, so they expire after `retentionDays` (default
 * 60), as do the daily counts; the directory does not grow without bound.
 */
export class FileRoutingState implements RoutingState {
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #retentionMs: number;
  readonly #assignments: SqliteBuckets<RecordedAssignment>;
  readonly #daily: JsonBuckets<Record<string, number>>;

  constructor(dir: string, options: FileStoreOptions & { retentionDays?: number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
    this.#retentionMs = (options.retentionDays ?? 60) * DAY_MS;
    this.#assignments = new SqliteBuckets(join(dir, 'routing', 'assignments'));
    this.#daily = new JsonBuckets(join(dir, 'routing', 'daily'), { fanout: 1 });
  }

  async getAssignment(key: string): Promise<RecordedAssignment | null> {
    return this.#assignments.get(key, this.#now()) ?? null;
  }

  async putAssignment(
    key: string,
    result: RouteResult,
    expectedVersion: number | null,
  ): Promise<{ stored: RecordedAssignment; written: boolean }> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      const current = this.#assignments.get(key, now);
      if (current && current.version !== expectedVersion) return { stored: current, written: false };
      const stored: RecordedAssignment = { result, version: (current?.version ?? 0) + 1 };
      this.#assignments.update(key, now, () => ({ value: stored, expiresAtMs: now + this.#retentionMs }));
      return { stored, written: true };
    });
  }

  async getDailyCount(repKey: string, businessDate: string): Promise<number> {
    return this.#daily.get(businessDate, this.#now())?.[repKey] ?? 0;
  }

  async reserveSlot(repKey: string, businessDate: string, capacity: number | null): Promise<boolean> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      const n = this.#daily.get(businessDate, now)?.[repKey] ?? 0;
      if (capacity !== null && n >= capacity) return false;
      this.#setCount(repKey, businessDate, n + 1, now);
      return true;
    });
  }

  async releaseSlot(repKey: string, businessDate: string): Promise<void> {
    await this.#lock.withLock(() => {
      const now = this.#now();
      const n = this.#daily.get(businessDate, now)?.[repKey] ?? 0;
      if (n > 0) this.#setCount(repKey, businessDate, n - 1, now);
    });
  }

  /** Counts per rep for one business date (summaries). */
  async dailyCounts(businessDate: string): Promise<Record<string, number>> {
    return { ...(this.#daily.get(businessDate, this.#now()) ?? {}) };
  }

  #setCount(repKey: string, businessDate: string, n: number, now: number): void {
    this.#daily.update(businessDate, now, (counts = {}) => {
      const next = { ...counts };
      if (n > 0) next[repKey] = n;
      else delete next[repKey];
      return { value: next, expiresAtMs: now + this.#retentionMs };
    });
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}
