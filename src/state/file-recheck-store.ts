import { join } from 'node:path';
import type { CrmName } from '../domain/lead.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import {
  type DueRecheck,
  keepsRecheckRecord,
  type RecheckRecord,
  type RecheckRef,
  type RecheckStore,
  recheckKey,
} from '../ports/recheck-store.ts';
import type { DirectoryLock } from './directory-lock.ts';
import { type FileStoreOptions, stateLock } from './file-state-store.ts';
import type { BucketEntry } from './json-buckets.ts';
import { SqliteBuckets } from './sqlite-buckets.ts';

/**
 * Re-checks under `<dir>/rechecks/<crm>/`, sharing the state directory's lock:
 *
 *     items/entries.db   record per lead (SqliteBuckets), due-indexed on recheckAt
 *
 * A record and its place in the due index are one row: a batch writes each lead's row once, in one
 * transaction, and `dueBefore` reads the index's first `limit` entries. An earlier build's index
 * (`due/entries.db`, UTC day → { objectType|leadId: recheckAt }, and `days/all.json`) is rebuilt from
 * the records on first open, then removed (`SqliteBuckets.replaceDueIndex`).
 */
export class FileRecheckStore implements RecheckStore {
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  /** Per CRM: a record per lead, with its `recheckAt` in the due index (same row). */
  readonly #items = new Map<CrmName, SqliteBuckets<RecheckRecord>>();

  constructor(dir: string, options: FileStoreOptions = {}) {
    this.#dir = dir;
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
  }

  async getMany(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord>> {
    return this.#for(crm).getMany(refs.map(recheckKey), this.#now());
  }

  async schedule(crm: CrmName, records: readonly RecheckRecord[]): Promise<void> {
    if (records.length === 0) return;
    const items = this.#for(crm);
    // Last write wins per key, as when they were set one after another.
    const changes = new Map<string, BucketEntry<RecheckRecord> | undefined>();
    for (const r of records) {
      changes.set(
        recheckKey(r),
        keepsRecheckRecord(r)
          ? {
              value: {
                objectType: r.objectType,
                leadId: r.leadId,
                recheckAt: r.recheckAt,
                holdSince: r.holdSince,
                ...(r.inputs ? { inputs: r.inputs } : {}),
              },
            }
          : undefined,
      );
    }
    // One transaction, each lead's record and due time in one row: a crash leaves the batch all
    // written or not at all, never an index pointing at a stale time.
    await this.#lock.withLock(() => items.writeAll(changes, this.#now()));
  }

  async remove(crm: CrmName, refs: readonly RecheckRef[]): Promise<void> {
    await this.schedule(
      crm,
      refs.map((r) => ({ objectType: r.objectType, leadId: r.leadId, recheckAt: null, holdSince: null })),
    );
  }

  async dueBefore(crm: CrmName, at: Date, limit: number): Promise<DueRecheck[]> {
    return this.#for(crm)
      .dueBefore(at.getTime(), this.#now(), limit)
      .map(({ value }) => ({
        objectType: value.objectType,
        leadId: value.leadId,
        recheckAt: value.recheckAt!,
      }));
  }

  #for(crm: CrmName): SqliteBuckets<RecheckRecord> {
    let items = this.#items.get(crm);
    if (!items) {
      const base = join(this.#dir, 'rechecks', crm);
      items = new SqliteBuckets(join(base, 'items'), { dueAt: dueTime });
      // An earlier build's per-day index repeated the records' `recheckAt` (where a crash left them
      // disagreeing, the records are what the next run decides from).
      items.replaceDueIndex([join(base, 'due'), join(base, 'days')], this.#now());
      this.#items.set(crm, items);
    }
    return items;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

function dueTime(r: RecheckRecord): number | null {
  return r.recheckAt === null ? null : Date.parse(r.recheckAt);
}
