import { join } from 'node:path';
import type { CrmName } from '../domain/lead.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import {
  type DueRecheck,
  type RecheckRecord,
  type RecheckRef,
  type RecheckStore,
  recheckKey,
} from '../ports/recheck-store.ts';
import type { DirectoryLock } from './directory-lock.ts';
import { type FileStoreOptions, stateLock } from './file-state-store.ts';
import { JsonBuckets } from './json-buckets.ts';

const DAYS_KEY = 'days';

interface CrmFiles {
  items: JsonBuckets<RecheckRecord>;
  /** UTC day ("2026-12-02") → { recheck key: recheckAt }. */
  due: JsonBuckets<Record<string, string>>;
  /** The days that have index entries, sorted. */
  days: JsonBuckets<string[]>;
}

/**
 * Re-checks under `<dir>/rechecks/<crm>/`, sharing the state directory's lock:
 *
 *     items/xx.json   record per lead (256 buckets)
 *     due/xx.json     UTC day → { objectType|leadId: recheckAt }
 *     days/all.json   the days that have index entries, sorted
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
    const { items } = this.#for(crm);
    const now = this.#now();
    const out = new Map<string, RecheckRecord>();
    for (const ref of refs) {
      const key = recheckKey(ref);
      const record = items.get(key, now);
      if (record) out.set(key, record);
    }
    return out;
  }

  async schedule(crm: CrmName, records: readonly RecheckRecord[]): Promise<void> {
    if (records.length === 0) return;
    const files = this.#for(crm);
    await this.#lock.withLock(() => {
      const now = this.#now();
      const touched = new Map<string, boolean>();
      for (const r of records) {
        const key = recheckKey(r);
        const before = files.items.get(key, now)?.recheckAt ?? null;
        const keep = r.recheckAt !== null || r.holdSince !== null;
        files.items.update(key, now, () =>
          keep
            ? {
                value: {
                  objectType: r.objectType,
                  leadId: r.leadId,
                  recheckAt: r.recheckAt,
                  holdSince: r.holdSince,
                },
              }
            : undefined,
        );
        this.#reindex(files, key, before, keep ? r.recheckAt : null, now, touched);
      }
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
    files: CrmFiles,
    key: string,
    before: string | null,
    after: string | null,
    now: number,
    touched: Map<string, boolean>,
  ): void {
    if (before === after) return;
    if (before !== null) {
      const day = dayOf(Date.parse(before));
      const left = files.due.update(day, now, (entries = {}) => {
        const { [key]: _gone, ...rest } = entries;
        return Object.keys(rest).length ? { value: rest } : undefined;
      });
      touched.set(day, left !== undefined);
    }
    if (after !== null) {
      const day = dayOf(Date.parse(after));
      files.due.update(day, now, (entries = {}) => ({ value: { ...entries, [key]: after } }));
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
        items: new JsonBuckets(join(base, 'items'), { fanout: 256 }),
        due: new JsonBuckets(join(base, 'due'), { fanout: 16 }),
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

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function byDue(a: DueRecheck, b: DueRecheck): number {
  if (a.recheckAt !== b.recheckAt) return a.recheckAt < b.recheckAt ? -1 : 1;
  const ka = recheckKey(a);
  const kb = recheckKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
