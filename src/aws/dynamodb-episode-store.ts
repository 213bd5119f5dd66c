import { type Episode, type EpisodeEvent, withEpisodeDefaults } from '../episodes/episode.ts';
import { hourBucket, recordStepByCas, recordStepsByCas } from '../episodes/record-step.ts';
import type {
  DueEpisode,
  EpisodeStore,
  RecordStepResult,
  ScheduleEpisode,
  StoredEpisode,
} from '../ports/episode-store.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import { compressJson, decompressJson } from './compressed-json.ts';
import { type BatchGetOptions, batchGetLive } from './dynamo-batch-get.ts';
import { type DynamoTable, type Item, num, numberOf, SINGLE, str, stringOf } from './dynamo-table.ts';

/** The state table's GSI (infra/state-table.yml): partition = hour bucket, sort = `nextCheckAt#key`. */
export const DUE_INDEX = 'due';
const HOUR_MS = 3_600_000;
/** Finished episodes (done, closed) are kept this long after their last write. */
const RETENTION_SECONDS = 90 * 86_400;
const FLOOR_PK = 'epdue|floor';

/**
 * `EpisodeStore` on the shared state table:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `episode\|<key>` | `-` | `episodez` (JSON, Brotli; `episode` as text from earlier builds is still read), `version`, `dueBucket`, `dueAt` (only while a check is pending) |
 * | `epdue\|floor` | `-` | `hour`: no index entry lies in an earlier hour (created by the first write) |
 *
 * The episode is compressed because DynamoDB bills each put by the item's size in 1 KB steps (an episode
 * is written about three times per toss-up; docs/cost.md). Every write is a conditional put on `version`. The GSI `due` is sparse: an episode is in it only
 * while it has a `nextCheckAt`, under the hour of `max(nextCheckAt, now)` — never an hour that has
 * passed, so a sweep may move the floor up to the last hour behind it without skipping an entry that
 * is being written. `dueBefore` queries the hours from the floor to the hour asked for: a few queries
 * per sweep, never a scan.
 */
export class DynamoEpisodeStore implements EpisodeStore {
  readonly #table: DynamoTable;
  /** This instance made sure the floor exists (once per process; Lambda reuses it). */
  #floorEnsured = false;
  readonly #batch: BatchGetOptions;

  constructor(table: DynamoTable, options: BatchGetOptions = {}) {
    this.#table = table;
    this.#batch = options;
  }

  async get(key: string): Promise<StoredEpisode | null> {
    const item = await this.#table.getLive(`episode|${key}`);
    return item ? storedOf(item) : null;
  }

  /** BatchGetItem, 100 keys a call, unprocessed keys asked again (src/aws/dynamo-batch-get.ts). */
  async getMany(keys: readonly string[]): Promise<Map<string, StoredEpisode>> {
    const items = await batchGetLive(
      this.#table,
      keys.map((k) => `episode|${k}`),
      this.#batch,
    );
    const out = new Map<string, StoredEpisode>();
    for (const [pk, item] of items) out.set(pk.slice('episode|'.length), storedOf(item));
    return out;
  }

  async put(
    episode: Episode,
    expectedVersion: number | null,
  ): Promise<{ stored: StoredEpisode; written: boolean }> {
    const version = (expectedVersion ?? 0) + 1;
    const now = this.#table.nowMs();
    const finished = episode.status === 'done' || episode.status === 'closed';
    const item: Item = {
      pk: str(`episode|${episode.key}`),
      sk: str(SINGLE),
      episodez: { B: compressJson(JSON.stringify(episode)) },
      version: num(version),
      ...(finished ? this.#table.expiry(RETENTION_SECONDS) : {}),
    };
    if (episode.nextCheckAt !== null) {
      await this.#ensureFloor(now);
      item.dueBucket = str(hourBucket(Math.max(Date.parse(episode.nextCheckAt), now)));
      item.dueAt = str(`${episode.nextCheckAt}#${episode.key}`);
    }
    const written = await this.#table.put(
      item,
      expectedVersion === null
        ? { expression: 'attribute_not_exists(pk)' }
        : {
            expression: '#v = :expected',
            names: { '#v': 'version' },
            values: { ':expected': num(expectedVersion) },
          },
    );
    if (written) return { stored: { episode, version }, written: true };
    const current = await this.get(episode.key);
    return { stored: current ?? { episode, version: 0 }, written: false };
  }

  recordStep(key: string, event: EpisodeEvent, schedule: ScheduleEpisode): Promise<RecordStepResult> {
    return recordStepByCas(this, key, event, schedule);
  }

  /** The episodes of a batch at once (one answer, so the ledger appends their steps together). */
  recordSteps(
    items: readonly { key: string; event: EpisodeEvent }[],
    schedule: ScheduleEpisode,
  ): Promise<RecordStepResult[]> {
    return recordStepsByCas(this, items, schedule);
  }

  async dueBefore(at: Date, limit: number): Promise<DueEpisode[]> {
    const now = this.#table.nowMs();
    const last = hourBucket(at.getTime());
    const floorItem = await this.#table.get(FLOOR_PK);
    const floor = floorItem && stringOf(floorItem, 'hour');
    // Every writer makes sure of the floor before filing an entry: no floor, no entries.
    if (!floor) return [];
    const out: DueEpisode[] = [];
    let firstNonEmpty: string | null = null;
    for (
      let t = Date.parse(`${floor}:00:00.000Z`);
      hourBucket(t) <= last && out.length < limit;
      t += HOUR_MS
    ) {
      const hour = hourBucket(t);
      const found = await this.#queryHour(hour, `${at.toISOString()}#\uffff`, limit - out.length);
      if (found.length > 0) firstNonEmpty ??= hour;
      out.push(...found);
    }
    // Entries are never filed under a past hour, and an entry in an hour before the one of `at` would
    // have been found; so hours before both the first one that held entries and the hour before
    // `at` (and now) stay empty: the next sweep starts there.
    const safe = hourBucket(Math.min(now, at.getTime()) - HOUR_MS);
    const next = firstNonEmpty !== null && firstNonEmpty < safe ? firstNonEmpty : safe;
    if (next > floor) await this.#table.put({ pk: str(FLOOR_PK), sk: str(SINGLE), hour: str(next) });
    return out;
  }

  /**
   * The first index entry ever written creates the floor at the previous hour: entries are filed at
   * the current hour or later, so nothing lies below it.
   */
  async #ensureFloor(now: number): Promise<void> {
    if (this.#floorEnsured) return;
    await this.#table.put(
      { pk: str(FLOOR_PK), sk: str(SINGLE), hour: str(hourBucket(now - HOUR_MS)) },
      { expression: 'attribute_not_exists(pk)' },
    );
    this.#floorEnsured = true;
  }

  async #queryHour(hour: string, upTo: string, limit: number): Promise<DueEpisode[]> {
    const out: DueEpisode[] = [];
    let start: Item | undefined;
    do {
      const page = await this.#query(hour, upTo, limit - out.length, start);
      for (const item of page.Items ?? []) {
        const sortKey = stringOf(item, 'dueAt') ?? '';
        const cut = sortKey.indexOf('#');
        out.push({ nextCheckAt: sortKey.slice(0, cut), key: sortKey.slice(cut + 1) });
      }
      start = page.LastEvaluatedKey;
    } while (start && out.length < limit);
    return out;
  }

  #query(hour: string, upTo: string, limit: number, start: Item | undefined) {
    return this.#table.queryIndex(
      DUE_INDEX,
      'dueBucket = :h AND dueAt <= :t',
      { ':h': str(hour), ':t': str(upTo) },
      { limit, start },
    );
  }
}

function storedOf(item: Item): StoredEpisode {
  const version = numberOf(item, 'version');
  let episode: Episode | null = null;
  try {
    const z = item.episodez?.B;
    episode = JSON.parse((z ? decompressJson(z) : stringOf(item, 'episode')) ?? 'null') as Episode | null;
  } catch {
    episode = null;
  }
  if (version === null || !episode || typeof episode.key !== 'string' || !Array.isArray(episode.events)) {
    throw new StateUnavailableError(
      `the episode item ${stringOf(item, 'pk')} in DynamoDB is not a valid episode; restore it from a backup or delete it`,
    );
  }
  return { episode: withEpisodeDefaults(episode), version };
}
