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
import { type BucketSession, JsonBuckets } from './json-buckets.ts';

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
    return this.#transact(
      items,
      (i) => i.episode.key,
      (tx, i) => tx.put(i.episode, i.expectedVersion),
    );
  }

  async recordStep(key: string, event: EpisodeEvent, schedule: ScheduleEpisode): Promise<RecordStepResult> {
    return (await this.recordSteps([{ key, event }], schedule))[0]!;
  }

  /** Read, check and write in one locked section: no other writer can come between, so no retries. */
  recordSteps(
    items: readonly { key: string; event: EpisodeEvent }[],
    schedule: ScheduleEpisode,
  ): Promise<RecordStepResult[]> {
    return this.#transact(
      items,
      (i) => i.key,
      (tx, { key, event }): RecordStepResult => {
        const current = tx.get(key);
        if (current && hasStep(current.episode, event.step)) return { recorded: false, stored: current };
        const folded = foldEpisode(key, [...(current?.episode.events ?? []), event]);
        if (!folded) return { recorded: false, stored: current };
        const { stored } = tx.put({ ...folded, nextCheckAt: schedule(folded) }, current?.version ?? null);
        return { recorded: true, stored };
      },
    );
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

  /**
   * One locked section: `fn` reads and compare-and-sets each item through `tx` (later items of a key
   * seeing earlier ones' writes), then every changed file is written once. Items go bucket by bucket,
   * in their order within a bucket (a key's items share its bucket), and each bucket is let go once
   * its items are done (json-buckets.ts `release`): a batch's keys touch every bucket, and holding
   * them all held every episode of the org. Results come back in the items' order.
   */
  #transact<I, T>(
    list: readonly I[],
    keyOf: (item: I) => string,
    fn: (tx: Transaction, item: I) => T,
  ): Promise<T[]> {
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
      const out = new Array<T>(list.length);
      const byFile = new Map<string, number[]>();
      list.forEach((item, i) => {
        const file = this.#items.fileOf(keyOf(item));
        const at = byFile.get(file);
        if (at) at.push(i);
        else byFile.set(file, [i]);
      });
      for (const [file, indices] of byFile) {
        for (const i of indices) out[i] = fn(tx, list[i]!);
        items.release(file);
      }
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
    items: BucketSession<StoredEpisode>,
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
    for (const [key, { before, after }] of moves) {
      if (after === null || after === before) continue;
      const hour = hourBucket(after);
      const entries = due.get(hour) ?? {};
      entries[key] = after;
      due.set(hour, { value: entries });
      hours.add(hour);
    }
    due.flush();
    writeHours();
    items.flush();
    for (const [key, { before, after }] of moves) {
      if (before === null || before === after) continue;
      const hour = hourBucket(before);
      if (after !== null && hourBucket(after) === hour) continue; // moved within its hour: done above
      const entries = due.get(hour);
      if (!entries || !(key in entries)) continue;
      delete entries[key];
      if (Object.keys(entries).length > 0) due.set(hour, { value: entries });
      else {
        due.set(hour, undefined);
        hours.delete(hour);
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
