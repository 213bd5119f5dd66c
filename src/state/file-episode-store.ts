import { join } from 'node:path';
import { type Episode, type EpisodeEvent, withEpisodeDefaults } from '../episodes/episode.ts';
import { hourBucket, recordStepByCas } from '../episodes/record-step.ts';
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

const DAY_MS = 86_400_000;
const HOURS_KEY = 'hours';

/**
 * Episodes under `<dir>/episodes/`, sharing the state directory's lock:
 *
 *     items/xx.json     episode + version per key (256 buckets)
 *     due/xx.json       hour (UTC, "2026-12-02T08") → { episode key: nextCheckAt }
 *     hours/all.json    the hours that have index entries, sorted
 *
 * A write moves the episode's index entry in the same critical section, so the index never points
 * at a stale hour; `dueBefore` reads only the hours up to the one asked for. Finished episodes (done
 * or closed) are kept `retentionDays` (default 90) after their last write, then dropped.
 */
export class FileEpisodeStore implements EpisodeStore {
  readonly #clock: Clock;
  readonly #lock: DirectoryLock;
  readonly #retentionMs: number;
  readonly #items: JsonBuckets<StoredEpisode>;
  readonly #due: JsonBuckets<Record<string, string>>;
  readonly #hours: JsonBuckets<string[]>;

  constructor(dir: string, options: FileStoreOptions & { retentionDays?: number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#lock = stateLock(dir, options.lock);
    this.#retentionMs = (options.retentionDays ?? 90) * DAY_MS;
    this.#items = new JsonBuckets(join(dir, 'episodes', 'items'), { fanout: 256 });
    this.#due = new JsonBuckets(join(dir, 'episodes', 'due'), { fanout: 256 });
    this.#hours = new JsonBuckets(join(dir, 'episodes', 'hours'), { fanout: 1 });
  }

  async get(key: string): Promise<StoredEpisode | null> {
    return readable(this.#items.get(key, this.#now()));
  }

  async getMany(keys: readonly string[]): Promise<Map<string, StoredEpisode>> {
    const now = this.#now();
    const out = new Map<string, StoredEpisode>();
    for (const key of new Set(keys)) {
      const stored = readable(this.#items.get(key, now));
      if (stored) out.set(key, stored);
    }
    return out;
  }

  async put(
    episode: Episode,
    expectedVersion: number | null,
  ): Promise<{ stored: StoredEpisode; written: boolean }> {
    return this.#lock.withLock(() => {
      const now = this.#now();
      const current = this.#items.get(episode.key, now);
      if ((current?.version ?? null) !== expectedVersion) {
        if (current) return { stored: current, written: false };
        // Expected a version but nothing is stored (expired or never written): nothing to compare with.
        return { stored: { episode, version: 0 }, written: false };
      }
      const stored: StoredEpisode = { episode, version: (current?.version ?? 0) + 1 };
      const finished = episode.status === 'done' || episode.status === 'closed';
      this.#items.update(episode.key, now, () => ({
        value: stored,
        ...(finished ? { expiresAtMs: now + this.#retentionMs } : {}),
      }));
      this.#reindex(episode.key, current?.episode.nextCheckAt ?? null, episode.nextCheckAt, now);
      return { stored, written: true };
    });
  }

  recordStep(key: string, event: EpisodeEvent, schedule: ScheduleEpisode): Promise<RecordStepResult> {
    return recordStepByCas(this, key, event, schedule);
  }

  async dueBefore(at: Date, limit: number): Promise<DueEpisode[]> {
    const now = this.#now();
    const t = at.getTime();
    const last = hourBucket(t);
    const out: DueEpisode[] = [];
    for (const hour of this.#hours.get(HOURS_KEY, now) ?? []) {
      if (hour > last || out.length >= limit) break;
      const entries = Object.entries(this.#due.get(hour, now) ?? {})
        .filter(([, next]) => Date.parse(next) <= t)
        .map(([key, nextCheckAt]) => ({ key, nextCheckAt }))
        .sort(byDue);
      out.push(...entries);
    }
    return out.sort(byDue).slice(0, limit);
  }

  /** Moves the index entry of `key` from its old hour to its new one. Caller holds the lock. */
  #reindex(key: string, before: string | null, after: string | null, now: number): void {
    if (before === after) return;
    const touched = new Map<string, boolean>();
    if (before !== null) {
      const hour = hourBucket(before);
      const left = this.#due.update(hour, now, (entries = {}) => {
        const { [key]: _gone, ...rest } = entries;
        return Object.keys(rest).length ? { value: rest } : undefined;
      });
      touched.set(hour, left !== undefined);
    }
    if (after !== null) {
      const hour = hourBucket(after);
      this.#due.update(hour, now, (entries = {}) => ({ value: { ...entries, [key]: after } }));
      touched.set(hour, true);
    }
    this.#hours.update(HOURS_KEY, now, (hours = []) => {
      const set = new Set(hours);
      for (const [hour, used] of touched) {
        if (used) set.add(hour);
        else set.delete(hour);
      }
      return { value: [...set].sort() };
    });
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

function readable(stored: StoredEpisode | undefined): StoredEpisode | null {
  return stored ? { ...stored, episode: withEpisodeDefaults(stored.episode) } : null;
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
