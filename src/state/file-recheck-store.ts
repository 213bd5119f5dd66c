import { existsSync, rmSync } from 'node:fs';
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

interface CrmFiles {
  /** Record per lead, with its `recheckAt` in the due index (same row). */
  items: SqliteBuckets<RecheckRecord>;
}

/**
 * Re-checks under `<dir>/rechecks/<crm>/`, sharing the state directory's lock:
 *
 *     items/entries.db   record per lead (SqliteBuckets), due-indexed on recheckAt
 *
 * A record and its place in the due index are one row: a batch writes each lead's row once, in one
 * transaction, and `dueBefore` reads the index's first `limit` entries. An earlier build's index
 * (`due/entries.db`, UTC day → { objectType|leadId: recheckAt }, and `days/all.json`) is rebuilt from
 * the records on first open, then removed (`#migrate`).
 */
export class FileRecheckStore implements RecheckStore {
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #files = new Map<CrmName, CrmFiles>();

  constructor(dir: string, options: FileStoreOptions = {}) {
    this.#dir = dir;
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
  }

  async getMany(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord>> {
    return this.#for(crm).items.getMany(refs.map(recheckKey), this.#now());
  }

  async schedule(crm: CrmName, records: readonly RecheckRecord[]): Promise<void> {
    if (records.length === 0) return;
    const files = this.#for(crm);
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
    await this.#lock.withLock(() => files.items.writeAll(changes, this.#now()));
  }

  async remove(crm: CrmName, refs: readonly RecheckRef[]): Promise<void> {
    await this.schedule(
      crm,
      refs.map((r) => ({ objectType: r.objectType, leadId: r.leadId, recheckAt: null, holdSince: null })),
    );
  }

  async dueBefore(crm: CrmName, at: Date, limit: number): Promise<DueRecheck[]> {
    return this.#for(crm)
      .items.dueBefore(at.getTime(), this.#now(), limit)
      .map(({ value }) => ({
        objectType: value.objectType,
        leadId: value.leadId,
        recheckAt: value.recheckAt!,
      }));
  }

  #for(crm: CrmName): CrmFiles {
    let files = this.#files.get(crm);
    if (!files) {
      const base = join(this.#dir, 'rechecks', crm);
      files = { items: new SqliteBuckets(join(base, 'items'), { dueAt: dueTime }) };
      this.#migrate(base, files);
      this.#files.set(crm, files);
    }
    return files;
  }

  /**
   * State of an earlier build: its per-day index is redundant with the records' `recheckAt` (and
   * where a crash left them disagreeing, the records are what the next run decides from), so the due
   * index is set from the records in one transaction and the old files are removed after it commits.
   * A crash before the removal leaves them, and the next open does the same again.
   */
  #migrate(base: string, files: CrmFiles): void {
    const old = [join(base, 'due'), join(base, 'days')].filter((d) => existsSync(d));
    if (old.length === 0) return;
    files.items.reindexDue(this.#now());
    for (const d of old) rmSync(d, { recursive: true, force: true });
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

function dueTime(r: RecheckRecord): number | null {
  return r.recheckAt === null ? null : Date.parse(r.recheckAt);
}
