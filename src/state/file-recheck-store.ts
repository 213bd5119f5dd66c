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
import { JsonBuckets } from './json-buckets.ts';
import { type SqliteBucketSession, SqliteBuckets } from './sqlite-buckets.ts';

const DAYS_KEY = 'days';

interface CrmFiles {
  items: SqliteBuckets<RecheckRecord>;
  /** UTC day ("2026-12-02") → { recheck key: recheckAt }. */
  due: SqliteBuckets<Record<string, string>>;
  /** The days that have index entries, sorted. */
  days: JsonBuckets<string[]>;
}

/**
 * Re-checks under `<dir>/rechecks/<crm>/`, sharing the state directory's lock:
 *
 *     items/entries.db   record per lead (SqliteBuckets)
 *     due/entries.db     UTC day → { objectType|leadId: recheckAt }
 *     days/all.json      the days that have index entries, sorted
 *
 * A batch is written in one critical section, each record's index entry moved with it; `dueBefore`
 * reads only the days up to the one asked for.
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
    await this.#lock.withLock(() => {
      const now = this.#now();
      // One session per store: each key read and written once for the whole batch, not once per
      // record — a day's index entry holds every lead due that day, so rewriting it per record grew
      // with the square of the org.
      const items = files.items.session(now);
      const due = files.due.session(now);
      const touched = new Map<string, boolean>();
      // Last write wins per key, as when they were set one after another.
      const byKey = new Map(records.map((r) => [recheckKey(r), r]));
      for (const [key, r] of byKey) {
        const before = items.get(key)?.recheckAt ?? null;
        const keep = keepsRecheckRecord(r);
        items.set(
          key,
          keep
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
        this.#reindex(due, key, before, keep ? r.recheckAt : null, touched);
      }
      // A crash between the two writes leaves the index and a record disagreeing for leads of this
      // batch, whose page the sync has not committed: the next run decides them and schedules again.
      due.flush();
      items.flush();
      this.#saveDays(files, touched, now);
    });
  }

  async remove(crm: CrmName, refs: readonly RecheckRef[]): Promise<void> {
    await this.schedule(
      crm,
      refs.map((r) => ({ objectType: r.objectType, leadId: r.leadId, recheckAt: null, holdSince: null })),
    );
  }

  async dueBefore(crm: CrmName, at: Date, limit: number): Promise<DueRecheck[]> {
    const files = this.#for(crm);
    const now = this.#now();
    const t = at.getTime();
    const last = dayOf(t);
    const out: DueRecheck[] = [];
    for (const day of files.days.get(DAYS_KEY, now) ?? []) {
      if (day > last || out.length >= limit) break;
      for (const [key, recheckAt] of Object.entries(files.due.get(day, now) ?? {})) {
        if (Date.parse(recheckAt) > t) continue;
        const cut = key.indexOf('|');
        out.push({ objectType: key.slice(0, cut), leadId: key.slice(cut + 1), recheckAt });
      }
    }
    return out.sort(byDue).slice(0, limit);
  }

  #reindex(
    due: SqliteBucketSession<Record<string, string>>,
    key: string,
    before: string | null,
    after: string | null,
    touched: Map<string, boolean>,
  ): void {
    if (before === after) return;
    if (before !== null) {
      const day = dayOf(Date.parse(before));
      const entries = due.get(day);
      if (entries && key in entries) {
        delete entries[key];
        const left = hasAny(entries);
        due.set(day, left ? { value: entries } : undefined);
        touched.set(day, left);
      } else touched.set(day, entries !== undefined);
    }
    if (after !== null) {
      const day = dayOf(Date.parse(after));
      const entries = due.get(day) ?? {};
      entries[key] = after;
      due.set(day, { value: entries });
      touched.set(day, true);
    }
  }

  #saveDays(files: CrmFiles, touched: Map<string, boolean>, now: number): void {
    if (touched.size === 0) return;
    files.days.update(DAYS_KEY, now, (days = []) => {
      const set = new Set(days);
      for (const [day, used] of touched) {
        if (used) set.add(day);
        else set.delete(day);
      }
      return { value: [...set].sort() };
    });
  }

  #for(crm: CrmName): CrmFiles {
    let files = this.#files.get(crm);
    if (!files) {
      const base = join(this.#dir, 'rechecks', crm);
      files = {
        items: new SqliteBuckets(join(base, 'items')),
        due: new SqliteBuckets(join(base, 'due')),
        days: new JsonBuckets(join(base, 'days'), { fanout: 1 }),
      };
      this.#files.set(crm, files);
    }
    return files;
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

/** Whether the object has a key, without listing them all (a day's index holds many). */
function hasAny(o: Record<string, string>): boolean {
  for (const _ in o) return true;
  return false;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function byDue(a: DueRecheck, b: DueRecheck): number {
  if (a.recheckAt !== b.recheckAt) return a.recheckAt < b.recheckAt ? -1 : 1;
  const ka = recheckKey(a);
  const kb = recheckKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
