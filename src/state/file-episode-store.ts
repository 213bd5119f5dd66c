import { join } from 'node:path';
import {
  type Episode,
  type EpisodeEvent,
  foldEpisode,
  hasStep,
  withEpisodeDefaults,
} from '../episodes/episode.ts';
import { hourBucket } from '../episodes/record-step.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type {
  DueEpisode,
  EpisodeStore,
  RecordStepResult,
  ScheduleEpisode,
  StoredEpisode,
} from '../ports/episode-store.ts';
import type { DirectoryLock } from './directory-lock.ts';
import { type FileStoreOptions, stateLock } from './file-state-store.ts';
import { JsonBuckets } from './json-buckets.ts';
import { type SqliteBucketSession, SqliteBuckets } from './sqlite-buckets.ts';

const DAY_MS = 86_400_000;
const HOURS_KEY = 'hours';
/**
 * Index entries an hour holds before new ones spill into its shards (`<hour>/<xx>`, 256 by a hash of
 * the episode key): a backfill decides the whole org at one instant, so one hour was due for every
 * episode — one entry read, rewritten and held by every batch, growing with the org (1.2 MB of JSON at
 * 100,000 persons).
 */
export const DUE_HOUR_ENTRIES = 1000;

/**
 * Episodes under `<dir>/episodes/`, sharing the state directory's lock:
 *
 *     items/entries.db  episode + version per key (SqliteBuckets)
 *     due/entries.db    hour (UTC, "2026-12-02T08") → { episode key: nextCheckAt }, and past
 *                       DUE_HOUR_ENTRIES the hour's shards ("2026-12-02T08/3f") → the same
 *     hours/all.json    the hours and shards that have index entries, sorted
 *
 * A write moves the episode's index entry in the same critical section, so the index never points
 * at a stale hour; `dueBefore` reads only the hours up to the one asked for. State written before the
 * shards (no `/` entries) is read as it is: an hour's entry is also where a key is looked for. Finished episodes (done
 * or closed) are kept `retentionDays` (default 90) after their last write, then dropped.
 */
export class FileEpisodeStore implements EpisodeStore {
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #retentionMs: number;
  readonly #items: SqliteBuckets<StoredEpisode>;
  readonly #due: SqliteBuckets<Record<string, string>>;
  readonly #hours: JsonBuckets<string[]>;

  constructor(dir: string, options: FileStoreOptions & { retentionDays?: number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
    this.#retentionMs = (options.retentionDays ?? 90) * DAY_MS;
    this.#items = new SqliteBuckets(join(dir, 'episodes', 'items'));
    this.#due = new SqliteBuckets(join(dir, 'episodes', 'due'));
    this.#hours = new JsonBuckets(join(dir, 'episodes', 'hours'), { fanout: 1 });
  }

  async get(key: string): Promise<StoredEpisode | null> {
    return readable(this.#items.get(key, this.#now()));
  }

  async getMany(keys: readonly string[]): Promise<Map<string, StoredEpisode>> {
    const out = new Map<string, StoredEpisode>();
    for (const [key, stored] of this.#items.getMany(keys, this.#now())) out.set(key, readable(stored)!);
    return out;
  }

  async put(
    episode: Episode,
    expectedVersion: number | null,
  ): Promise<{ stored: StoredEpisode; written: boolean }> {
    return (await this.putMany([{ episode, expectedVersion }]))[0]!;
  }

  putMany(
    items: readonly { episode: Episode; expectedVersion: number | null }[],
  ): Promise<{ stored: StoredEpisode; written: boolean }[]> {
    return this.#transact(items, (tx, i) => tx.put(i.episode, i.expectedVersion));
  }

  async recordStep(key: string, event: EpisodeEvent, schedule: ScheduleEpisode): Promise<RecordStepResult> {
    return (await this.recordSteps([{ key, event }], schedule))[0]!;
  }

  /** Read, check and write in one locked section: no other writer can come between, so no retries. */
  recordSteps(
    items: readonly { key: string; event: EpisodeEvent }[],
    schedule: ScheduleEpisode,
  ): Promise<RecordStepResult[]> {
    return this.#transact(items, (tx, { key, event }): RecordStepResult => {
      const current = tx.get(key);
      if (current && hasStep(current.episode, event.step)) return { recorded: false, stored: current };
      const folded = foldEpisode(key, [...(current?.episode.events ?? []), event]);
      if (!folded) return { recorded: false, stored: current };
      const { stored } = tx.put({ ...folded, nextCheckAt: schedule(folded) }, current?.version ?? null);
      return { recorded: true, stored };
    });
  }

  async dueBefore(at: Date, limit: number): Promise<DueEpisode[]> {
    const now = this.#now();
    const t = at.getTime();
    const last = hourBucket(t);
    const out: DueEpisode[] = [];
    let current = '';
    for (const slot of this.#hours.get(HOURS_KEY, now) ?? []) {
      const hour = hourOfSlot(slot);
      // Whole hours only: a later shard of the same hour may hold earlier checks.
      if (hour > last || (hour !== current && out.length >= limit)) break;
      current = hour;
      const entries = Object.entries(this.#due.get(slot, now) ?? {})
        .filter(([, next]) => Date.parse(next) <= t)
        .map(([key, nextCheckAt]) => ({ key, nextCheckAt }));
      out.push(...entries);
    }
    return out.sort(byDue).slice(0, limit);
  }

  /**
   * One locked section: `fn` reads and compare-and-sets each item through `tx` (later items of a key
   * seeing earlier ones' writes), in their order, then every changed key is written once.
   */
  #transact<I, T>(list: readonly I[], fn: (tx: Transaction, item: I) => T): Promise<T[]> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      const items = this.#items.session(now);
      /** Per key written: its index entry before the section, and where it goes. */
      const moves = new Map<string, { before: string | null; after: string | null }>();
      const tx: Transaction = {
        get: (key) => readable(items.get(key)),
        put: (episode, expectedVersion) => {
          const current = items.get(episode.key);
          if ((current?.version ?? null) !== expectedVersion) {
            if (current) return { stored: current, written: false };
            // Expected a version but nothing is stored (expired or never written): nothing to compare with.
            return { stored: { episode, version: 0 }, written: false };
          }
          const stored: StoredEpisode = { episode, version: (current?.version ?? 0) + 1 };
          const finished = episode.status === 'done' || episode.status === 'closed';
          items.set(episode.key, {
            value: stored,
            ...(finished ? { expiresAtMs: now + this.#retentionMs } : {}),
          });
          const move = moves.get(episode.key);
          if (move) move.after = episode.nextCheckAt;
          else
            moves.set(episode.key, {
              before: current?.episode.nextCheckAt ?? null,
              after: episode.nextCheckAt,
            });
          return { stored, written: true };
        },
      };
      const out = list.map((item) => fn(tx, item));
      this.#commit(items, moves, now);
      return out;
    });
  }

  /**
   * Writes the items and moves their index entries. New entries go first and old ones are removed
   * last, so a crash halfway leaves at worst an extra entry (the sweep re-reads every due episode and
   * skips one that is not due), never an episode the index has lost. Caller holds the lock.
   */
  #commit(
    items: SqliteBucketSession<StoredEpisode>,
    moves: Map<string, { before: string | null; after: string | null }>,
    now: number,
  ): void {
    const due = this.#due.session(now);
    const hoursFile = this.#hours.session(now);
    const listed = hoursFile.get(HOURS_KEY) ?? [];
    const hours = new Set(listed);
    const writeHours = () => {
      const next = [...hours].sort();
      if (next.length === listed.length && next.every((h, i) => h === listed[i])) return;
      hoursFile.set(HOURS_KEY, { value: next });
      hoursFile.flush();
      listed.splice(0, listed.length, ...next);
    };
    // Where each new entry goes: where its key already is, the hour's own entry until that is full,
    // else the key's shard of the hour.
    const counts = new Map<string, number>();
    const adds = new Map<string, Map<string, string>>();
    /** Per key: the slot its new entry went to. */
    const written = new Map<string, string>();
    for (const [key, { before, after }] of moves) {
      if (after === null || after === before) continue;
      const hour = hourBucket(after);
      const own = due.get(hour);
      let count = counts.get(hour) ?? Object.keys(own ?? {}).length;
      const inHour = own?.[key] !== undefined;
      const slot = inHour || count < DUE_HOUR_ENTRIES ? hour : shardOf(hour, key);
      if (slot === hour && !inHour) count++;
      counts.set(hour, count);
      const slotAdds = adds.get(slot) ?? new Map<string, string>();
      slotAdds.set(key, after);
      adds.set(slot, slotAdds);
      written.set(key, slot);
    }
    for (const [slot, slotAdds] of adds) {
      const entries = due.get(slot) ?? {};
      for (const [key, after] of slotAdds) entries[key] = after;
      due.set(slot, { value: entries });
      hours.add(slot);
    }
    due.flush();
    writeHours();
    items.flush();
    const removals = new Map<string, string[]>();
    for (const [key, { before, after }] of moves) {
      if (before === null || before === after) continue;
      const hour = hourBucket(before);
      for (const slot of [shardOf(hour, key), hour]) {
        if (slot === written.get(key)) continue; // moved within its slot: done above
        const keys = removals.get(slot) ?? [];
        keys.push(key);
        removals.set(slot, keys);
      }
    }
    for (const [slot, keys] of removals) {
      const entries = due.get(slot);
      if (!entries) continue;
      let changed = false;
      for (const key of keys) {
        if (!(key in entries)) continue;
        delete entries[key];
        changed = true;
      }
      if (!changed) continue;
      if (Object.keys(entries).length > 0) due.set(slot, { value: entries });
      else {
        due.set(slot, undefined);
        hours.delete(slot);
      }
    }
    due.flush();
    writeHours();
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

/** Reads and compare-and-set writes inside one locked section of the file store. */
interface Transaction {
  get(key: string): StoredEpisode | null;
  put(episode: Episode, expectedVersion: number | null): { stored: StoredEpisode; written: boolean };
}

function readable(stored: StoredEpisode | undefined): StoredEpisode | null {
  return stored ? { ...stored, episode: withEpisodeDefaults(stored.episode) } : null;
}

/** The shard of `hour` an episode key's index entry goes to once the hour's own entry is full. */
function shardOf(hour: string, key: string): string {
  // FNV-1a: spreads keys evenly, no digest object per key.
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return `${hour}/${((h >>> 0) & 0xff).toString(16).padStart(2, '0')}`;
}

/** "2026-12-02T08" of an index slot, an hour's own entry or one of its shards. */
function hourOfSlot(slot: string): string {
  const i = slot.indexOf('/');
  return i < 0 ? slot : slot.slice(0, i);
}

function byDue(a: DueEpisode, b: DueEpisode): number {
  return a.nextCheckAt < b.nextCheckAt
    ? -1
    : a.nextCheckAt > b.nextCheckAt
      ? 1
      : a.key < b.key
        ? -1
        : a.key > b.key
          ? 1
          : 0;
}
