import { join } from 'node:path';
import {
  type Episode,
  type EpisodeEvent,
  foldEpisode,
  hasStep,
  withEpisodeDefaults,
} from '../episodes/episode.ts';
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
import { SqliteBuckets } from './sqlite-buckets.ts';

const DAY_MS = 86_400_000;

/**
 * Episodes under `<dir>/episodes/`, sharing the state directory's lock:
 *
 *     items/entries.db  episode + version per key (SqliteBuckets), due-indexed on nextCheckAt
 *
 * An episode and its place in the due index are one row, written in one transaction, so the index
 * never points at a stale time; `dueBefore` reads the index's first `limit` entries. An earlier
 * build's index (`due/entries.db`, hour → { episode key: nextCheckAt } and its shards, and
 * `hours/all.json`) is rebuilt from the episodes on first use, then removed (`#ready`). Finished
 * episodes (done or closed) are kept `retentionDays` (default 90) after their last write, then dropped.
 */
export class FileEpisodeStore implements EpisodeStore {
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #retentionMs: number;
  readonly #items: SqliteBuckets<StoredEpisode>;
  #migrated = false;

  constructor(dir: string, options: FileStoreOptions & { retentionDays?: number } = {}) {
    this.#dir = join(dir, 'episodes');
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
    this.#retentionMs = (options.retentionDays ?? 90) * DAY_MS;
    this.#items = new SqliteBuckets(join(this.#dir, 'items'), { dueAt: dueTime });
  }

  async get(key: string): Promise<StoredEpisode | null> {
    return readable(this.#ready().get(key, this.#now()));
  }

  async getMany(keys: readonly string[]): Promise<Map<string, StoredEpisode>> {
    const out = new Map<string, StoredEpisode>();
    for (const [key, stored] of this.#ready().getMany(keys, this.#now())) out.set(key, readable(stored)!);
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
    return this.#ready()
      .dueBefore(at.getTime(), this.#now(), limit)
      .map(({ key, value }) => ({ key, nextCheckAt: value.episode.nextCheckAt! }));
  }

  /**
   * One locked section: `fn` reads and compare-and-sets each item through `tx` (later items of a key
   * seeing earlier ones' writes), in their order, then every changed key is written once, episode and
   * due time in one row, in one transaction.
   */
  #transact<I, T>(list: readonly I[], fn: (tx: Transaction, item: I) => T): Promise<T[]> {
    const store = this.#ready();
    return this.#lock.withLock(() => {
      const now = this.#now();
      const items = store.session(now);
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
          return { stored, written: true };
        },
      };
      const out = list.map((item) => fn(tx, item));
      items.flush();
      return out;
    });
  }

  /**
   * The items, once an earlier build's index is gone (`replaceDueIndex`): it only repeated the
   * episodes' `nextCheckAt`, and where a crash left an extra entry, the episode is what the sweep reads.
   */
  #ready(): SqliteBuckets<StoredEpisode> {
    if (!this.#migrated) {
      this.#items.replaceDueIndex([join(this.#dir, 'due'), join(this.#dir, 'hours')], this.#now());
      this.#migrated = true;
    }
    return this.#items;
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

function dueTime(stored: StoredEpisode): number | null {
  const next = stored.episode.nextCheckAt;
  return next === null || next === undefined ? null : Date.parse(next);
}
