import { randomUUID } from 'node:crypto';
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

interface Expiring<T> {
  value: T;
  expiresAtMs: number;
}

/**
 * State in process memory, for tests, dry runs and single-process demos. Every method finishes
 * without awaiting anything in between, so compare-and-set and counting are atomic in the process.
 */
export class MemoryStateStore implements SyncStateStore, LeaseStore {
  readonly #clock: Clock;
  readonly #cursors = new Map<string, StoredCursor>();
  readonly #done = new Map<string, Expiring<string>>();
  readonly #counters = new Map<string, Expiring<string[]>>();
  readonly #skipped = new Map<string, Expiring<SkippedRecord>>();
  readonly #leases = new Map<string, StoredLease & { token: string }>();

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async getCursor(key: string): Promise<StoredCursor | null> {
    const c = this.#cursors.get(key);
    return c ? structuredClone(c) : null;
  }

  async putCursor(key: string, cursor: SyncCursor, expectedVersion: number | null): Promise<StoredCursor> {
    const current = this.#cursors.get(key) ?? null;
    if ((current?.version ?? null) !== expectedVersion) throw new CursorConflictError(key);
    const stored: StoredCursor = { cursor: structuredClone(cursor), version: (current?.version ?? 0) + 1 };
    this.#cursors.set(key, stored);
    return structuredClone(stored);
  }

  async markDone(key: string, result: string, ttlSeconds: number): Promise<void> {
    this.#done.set(key, { value: result, expiresAtMs: this.#expiry(ttlSeconds) });
  }

  async getDone(key: string): Promise<string | null> {
    return this.#live(this.#done, key) ?? null;
  }

  async countOnce(key: string, member: string, ttlSeconds: number): Promise<number> {
    const members = this.#live(this.#counters, key) ?? [];
    const next = members.includes(member) ? members : [...members, member];
    this.#counters.set(key, { value: next, expiresAtMs: this.#expiry(ttlSeconds) });
    return next.length;
  }

  async counted(key: string): Promise<string[]> {
    return [...(this.#live(this.#counters, key) ?? [])];
  }

  async recordSkipped(record: SkippedRecord, ttlSeconds: number): Promise<void> {
    this.#skipped.set(skipKey(record.scope, record.leadId), {
      value: { ...record },
      expiresAtMs: this.#expiry(ttlSeconds),
    });
  }

  async listSkipped(scope: string, limit: number): Promise<SkippedRecord[]> {
    const now = this.#clock.now().getTime();
    const out: SkippedRecord[] = [];
    for (const { value, expiresAtMs } of this.#skipped.values()) {
      if (value.scope === scope && expiresAtMs > now) out.push({ ...value });
    }
    return newestFirst(out).slice(0, limit);
  }

  async acquireLease(key: string, holder: LeaseHolder, ttlSeconds: number): Promise<LeaseAttempt> {
    const current = this.#leases.get(key);
    const now = this.#clock.now();
    if (current && current.expiresAtMs > now.getTime()) {
      const { token: _t, ...heldBy } = current;
      return { acquired: false, heldBy };
    }
    const lease: StoredLease = { ...holder, since: now.toISOString(), expiresAtMs: this.#expiry(ttlSeconds) };
    const token = randomUUID();
    this.#leases.set(key, { ...lease, token });
    return { acquired: true, token, lease };
  }

  async renewLease(key: string, token: string, ttlSeconds: number): Promise<boolean> {
    const current = this.#leases.get(key);
    if (current?.token !== token || current.expiresAtMs <= this.#clock.now().getTime()) return false;
    current.expiresAtMs = this.#expiry(ttlSeconds);
    return true;
  }

  async releaseLease(key: string, token: string): Promise<void> {
    if (this.#leases.get(key)?.token === token) this.#leases.delete(key);
  }

  #expiry(ttlSeconds: number): number {
    return this.#clock.now().getTime() + ttlSeconds * 1000;
  }

  #live<T>(map: Map<string, Expiring<T>>, key: string): T | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expiresAtMs <= this.#clock.now().getTime()) {
      map.delete(key);
      return undefined;
    }
    return e.value;
  }
}

export function skipKey(scope: string, leadId: string): string {
  return `${scope}\u0000${leadId}`;
}

export function newestFirst(records: SkippedRecord[]): SkippedRecord[] {
  return records.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.leadId.localeCompare(b.leadId)));
}
