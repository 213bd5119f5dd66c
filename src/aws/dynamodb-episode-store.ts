import { atMostInFlight } from '../concurrency/at-most-in-flight.ts';
import { type Episode, type EpisodeEvent, withEpisodeDefaults } from '../episodes/episode.ts';
import { foldGroup, hourBucket, recordGroupByCas, recordStepByCas } from '../episodes/record-step.ts';
import type {
  DueEpisode,
  EpisodeStore,
  RecordStepResult,
  ScheduleEpisode,
  StoredEpisode,
} from '../ports/episode-store.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import { compressJson, decompressJson } from './compressed-json.ts';
import {
  dueInRosters,
  dueOrder,
  fileRosters,
  openRosters,
  ROSTER_GRACE_MS,
  type RosterKind,
  type RosterRef,
  removeRosters,
  rewriteRoster,
  splitIndexPage,
} from './due-rosters.ts';
import { type BatchGetOptions, batchGetLive } from './dynamo-batch-get.ts';
import { type DynamoTable, type Item, num, numberOf, SINGLE, str, stringOf } from './dynamo-table.ts';

/** The state table's GSI (infra/state-table.yml): partition = hour bucket, sort = `nextCheckAt#<ref>`. */
export const DUE_INDEX = 'due';
const HOUR_MS = 3_600_000;
/** Finished episodes (done, closed) are kept this long after their last write. */
const RETENTION_SECONDS = 90 * 86_400;
const FLOOR_PK = 'epdue|floor';
/** Roster items: `eproster|<nextCheckAt>|<random>`. */
const ROSTER = 'eproster|';
/** An episode's key and the version it is due at. */
type RosterEntry = [key: string, version: number];
/** The episodes' rosters (src/aws/due-rosters.ts), filed under hour buckets as entries always were. */
const EPISODE_ROSTERS: RosterKind<RosterEntry> = {
  prefix: ROSTER,
  bucketOf: (instant, now) => hourBucket(Math.max(Date.parse(instant), now)),
  // A janitor's last resort: the whole poll window is over long before.
  retentionSeconds: 90 * 86_400,
  parse: (v) =>
    Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number'
      ? [v[0], v[1]]
      : null,
  recordOf: ([key]) => key,
};
/** How long an episode `dueBefore` read serves the sweep's next `getMany` of it (`#fresh`). */
const FRESH_MS = 5_000;
/** Episodes written at once by the batch forms. */
const CONCURRENCY = 16;

/**
 * `EpisodeStore` on the shared state table:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `episode\|<key>` | `-` | `episodez` (JSON, Brotli; `episode` as text from earlier builds is still read), `version`; `dueBucket`, `dueAt` only on items an earlier build wrote |
 * | `eproster\|<nextCheckAt>\|<id>` | `-` | `keysz` (the episode keys, JSON, Brotli), `filedAtMs`, `dueBucket`, `dueAt`: the episodes one write filed for a check at that instant |
 * | `epdue\|floor` | `-` | `hour`: no index entry lies in an earlier hour (created by the first write) |
 *
 * DynamoDB bills each put by the item's size in 1 KB steps, and an item with index keys costs the index
 * a write unit more for each put that files it and two for each that moves it (docs/cost.md). An
 * episode is written at its hand-off and at every check that finds nothing (a first-response poll
 * moves its next check), so it is stored compressed and **out of the index**: each write files its
 * episodes' keys in a roster per `nextCheckAt` — one item for the batch's toss-ups that share their
 * hand-off instant, and the sweep's episodes that share a poll instant — and the roster is in the
 * `due` index, not the episode. A roster is filed before its episodes are written, so a crash between
 * the two leaves a roster that lists an episode not due then, never a due episode no roster lists.
 * `dueBefore` reads the due rosters, keeps the keys whose stored episode is still due at the roster's
 * instant (a strongly consistent read), and removes a roster that lists none (past its grace): a
 * roster lives until its episodes have moved on. Every write is a conditional put on `version`. The
 * GSI `due` is sparse, each entry filed under the hour of `max(nextCheckAt, now)` — never an hour that
 * has passed, so a sweep may move the floor up to the last hour behind it without skipping an entry
 * that is being written. `dueBefore` queries the hours from the floor to the hour asked for: a few
 * queries per sweep, never a scan.
 */
export class DynamoEpisodeStore implements EpisodeStore {
  readonly #table: DynamoTable;
  /** This instance made sure the floor exists (once per process; Lambda reuses it). */
  #floorEnsured = false;
  readonly #batch: BatchGetOptions;
  /**
   * The rosters the last `dueBefore` found episodes due in, each with the keys still due there (not
   * yet written or refiled in this process) and whether an entry of it may name a write still in
   * flight (read within its grace, and an entry not due then). A refile takes its episodes' entries
   * out of these rosters (`refile`); one with nothing due left and no write in flight behind it is
   * removed at once rather than by the next sweep's read. By key, the rosters that list it as due.
   */
  readonly #open = new Map<string, OpenRoster>();
  readonly #rostersOf = new Map<string, Set<string>>();
  /**
   * Keys the last `dueBefore` found by an entry an earlier build filed on the episode's own item: only
   * a write of the item takes that entry out, so `refile` writes these (once) rather than filing them.
   */
  readonly #ownIndexed = new Set<string>();
  /**
   * The due episodes `dueBefore` read to see which are still due (a strongly consistent read), with
   * when it read them: the sweep's first batch read after it (the next `getMany`) takes its keys from
   * here, within `FRESH_MS`, instead of reading them a second time (half the read units of an
   * episode's check, docs/cost.md). That read takes them all away, so later batches, and any other
   * caller, read afresh; an episode this store writes meanwhile is dropped, and a read this store
   * wrote during is not kept (`#writes`).
   */
  #fresh = new Map<string, { stored: StoredEpisode; atMs: number }>();
  /** Episode writes this store has made: a read with a write in between is not kept in `#fresh`. */
  #writes = 0;
  constructor(table: DynamoTable, options: BatchGetOptions = {}) {
    this.#table = table;
    this.#batch = options;
  }

  async get(key: string): Promise<StoredEpisode | null> {
    const item = await this.#table.getLive(`episode|${key}`);
    return item ? storedOf(item) : null;
  }

  /**
   * BatchGetItem, 100 keys a call, unprocessed keys asked again (src/aws/dynamo-batch-get.ts); keys
   * the last `dueBefore` has just read are taken from that read (`#fresh`).
   */
  async getMany(keys: readonly string[]): Promise<Map<string, StoredEpisode>> {
    const out = new Map<string, StoredEpisode>();
    const now = this.#table.nowMs();
    const unread: string[] = [];
    // Served once: the first read after `dueBefore` takes what it kept, and nothing is kept after.
    const fresh = this.#fresh;
    if (fresh.size > 0) this.#fresh = new Map();
    for (const key of new Set(keys)) {
      const kept = fresh.get(key);
      if (kept && now - kept.atMs <= FRESH_MS) out.set(key, kept.stored);
      else unread.push(key);
    }
    if (unread.length === 0) return out;
    for (const [key, stored] of await this.#readMany(unread)) out.set(key, stored);
    return out;
  }

  /** What is stored now, past `#fresh` (left as it is). */
  async #readMany(keys: readonly string[]): Promise<Map<string, StoredEpisode>> {
    const out = new Map<string, StoredEpisode>();
    const items = await batchGetLive(
      this.#table,
      keys.map((k) => `episode|${k}`),
      this.#batch,
    );
    for (const [pk, item] of items) out.set(pk.slice('episode|'.length), storedOf(item));
    return out;
  }

  async put(
    episode: Episode,
    expectedVersion: number | null,
  ): Promise<{ stored: StoredEpisode; written: boolean }> {
    await this.#file([entryOf(episode, expectedVersion)]);
    const out = await this.#putItem(episode, expectedVersion);
    if (out.written) await this.#settle([episode.key]);
    return out;
  }

  /** The batch's rosters first (one per instant), then its episodes; one key's items in their order. */
  async putMany(
    items: readonly { episode: Episode; expectedVersion: number | null }[],
  ): Promise<{ stored: StoredEpisode; written: boolean }[]> {
    await this.#file(items.map((i) => entryOf(i.episode, i.expectedVersion)));
    const results: { stored: StoredEpisode; written: boolean }[] = new Array(items.length);
    await atMostInFlight(
      CONCURRENCY,
      [...groupByKey(items.map((i) => i.episode.key))].map(([, at]) => async () => {
        for (const i of at) results[i] = await this.#putItem(items[i]!.episode, items[i]!.expectedVersion);
      }),
    );
    await this.#settle(items.filter((_, i) => results[i]!.written).map((i) => i.episode.key));
    return results;
  }

  /**
   * Files each episode at its new instant as the version read, without writing it (a roster entry
   * names the version it is due at: a write since makes it spent), then takes its entries out of the
   * rosters the last `dueBefore` found it due in — one rewrite (or removal) per roster, whatever
   * number of its episodes moved on. Left there, the entry would stay due: the stored episode keeps
   * the earlier check it was written with. In that order, so a crash between the two leaves an extra
   * check, never a missed one.
   */
  async refile(items: readonly { key: string; version: number; nextCheckAt: string }[]): Promise<void> {
    const filed = items.filter((i) => !this.#ownIndexed.has(i.key));
    const written = items.filter((i) => this.#ownIndexed.has(i.key));
    await this.#file(filed.map((i) => ({ instant: i.nextCheckAt, entry: [i.key, i.version] })));
    await this.#moveOn(
      filed.map((i) => i.key),
      true,
    );
    if (written.length === 0) return;
    // Left as they are, their own entries would stay due at the instant passed: written once, they
    // leave the index for a roster (a version written since stands: its write took the entry out).
    const stored = await this.#readMany(written.map((i) => i.key));
    await this.putMany(
      written.flatMap((i) => {
        const s = stored.get(i.key);
        return s && s.version === i.version
          ? [{ episode: { ...s.episode, nextCheckAt: i.nextCheckAt }, expectedVersion: i.version }]
          : [];
      }),
    );
    for (const i of written) this.#ownIndexed.delete(i.key);
  }

  recordStep(key: string, event: EpisodeEvent, schedule: ScheduleEpisode): Promise<RecordStepResult> {
    return recordStepByCas(this, key, event, schedule);
  }

  /**
   * The episodes of a batch at once (one answer, so the ledger appends their steps together): read in
   * one go, each one's events folded into one write, the rosters of their next checks filed together
   * — a worker batch's hand-offs share one or two — then the episodes written. An episode another
   * writer changed meanwhile is recorded again on its own (`recordStepByCas`'s loop).
   */
  async recordSteps(
    items: readonly { key: string; event: EpisodeEvent }[],
    schedule: ScheduleEpisode,
  ): Promise<RecordStepResult[]> {
    const groups = [...groupByKey(items.map((i) => i.key))];
    // A group that starts with its hand-off creates the episode: written as new without reading it
    // first (the put's condition says whether it exists; if it does, it is recorded as any other).
    const creates = (at: readonly number[]) => items[at[0]!]!.event.type === 'handed_off';
    const stored = await this.getMany(groups.filter(([, at]) => !creates(at)).map(([key]) => key));
    const plans = groups.map(([key, at]) => {
      const current = stored.get(key) ?? null;
      const events = at.map((i) => items[i]!.event);
      return { key, at, events, current, ...foldGroup(current, key, events, schedule) };
    });
    await this.#file(plans.flatMap((p) => (p.next ? [entryOf(p.next, p.current?.version ?? null)] : [])));
    const results: RecordStepResult[] = new Array(items.length);
    const written: string[] = [];
    let failure: { error: unknown } | null = null;
    // Each episode's failure is kept, not thrown, so the others are still written (the port's rule).
    await atMostInFlight(
      CONCURRENCY,
      plans.map((p) => async () => {
        try {
          let outcome: RecordStepResult[];
          if (!p.next) outcome = p.events.map(() => ({ recorded: false, stored: p.current }));
          else {
            const put = await this.#putItem(p.next, p.current?.version ?? null);
            if (put.written) written.push(p.key);
            // Lost the race: recorded again on its own (`put` settles what it writes).
            outcome = put.written
              ? p.recorded.map((recorded) => ({ recorded, stored: put.stored }))
              : await recordGroupByCas(this, p.key, p.events, schedule);
          }
          p.at.forEach((i, n) => {
            results[i] = outcome[n]!;
          });
        } catch (error) {
          failure ??= { error };
        }
      }),
    );
    await this.#settle(written);
    if (failure) throw (failure as { error: unknown }).error;
    return results;
  }

  async dueBefore(at: Date, limit: number): Promise<DueEpisode[]> {
    const now = this.#table.nowMs();
    const last = hourBucket(at.getTime());
    const floorItem = await this.#table.get(FLOOR_PK);
    const floor = floorItem && stringOf(floorItem, 'hour');
    // Every writer makes sure of the floor before filing an entry: no floor, no entries.
    if (!floor) return [];
    this.#open.clear();
    this.#rostersOf.clear();
    this.#ownIndexed.clear();
    this.#fresh = new Map();
    const found = new Map<string, string>();
    let firstNonEmpty: string | null = null;
    for (
      let t = Date.parse(`${floor}:00:00.000Z`);
      hourBucket(t) <= last && found.size < limit;
      t += HOUR_MS
    ) {
      const hour = hourBucket(t);
      let start: Item | undefined;
      do {
        const page = await this.#query(hour, `${at.toISOString()}#\uffff`, limit - found.size, start);
        start = page.LastEvaluatedKey;
        const { rosters, own } = splitIndexPage(page.Items ?? [], ROSTER);
        // Entries an earlier build filed on the episode itself: exact, as they were.
        let held = own.length > 0;
        for (const e of own) {
          this.#ownIndexed.add(e.ref);
          if (!found.has(e.ref)) found.set(e.ref, e.instant);
        }
        const rostersHeld = await dueInRosters(
          rosters,
          (some) => this.#openRosters(some),
          () => found.size >= limit,
          (d) => {
            if (!found.has(d.key)) found.set(d.key, d.nextCheckAt);
          },
        );
        held ||= rostersHeld;
        if (held) firstNonEmpty ??= hour;
      } while (start && found.size < limit);
    }
    // Entries are never filed under a past hour, and an entry in an hour before the one of `at` would
    // have been found; so hours before both the first one that held entries and the hour before
    // `at` (and now) stay empty: the next sweep starts there.
    const safe = hourBucket(Math.min(now, at.getTime()) - HOUR_MS);
    const next = firstNonEmpty !== null && firstNonEmpty < safe ? firstNonEmpty : safe;
    if (next > floor) await this.#table.put({ pk: str(FLOOR_PK), sk: str(SINGLE), hour: str(next) });
    return [...found]
      .map(([key, nextCheckAt]) => ({ key, nextCheckAt }))
      .sort((a, b) =>
        dueOrder({ instant: a.nextCheckAt, key: a.key }, { instant: b.nextCheckAt, key: b.key }),
      )
      .slice(0, limit);
  }

  /**
   * The episodes of `rosters` still due at their roster's instant: filed at the version stored, which
   * does not schedule them later (a put that lost its race filed the loser's instant). Remembered for
   * `#settle`.
   */
  async #openRosters(rosters: readonly RosterRef[]): Promise<{ due: DueEpisode[]; held: boolean }> {
    const { opened, held } = await openRosters(
      this.#table,
      EPISODE_ROSTERS,
      rosters,
      async (listed) => {
        const keys = [...new Set(listed.map(([key]) => key))];
        // Its time taken before the read: a retried read of unprocessed keys can take seconds.
        const atMs = this.#table.nowMs();
        const writes = this.#writes;
        const episodes = await this.#readMany(keys);
        return ([key, version], instant) => {
          const s = episodes.get(key);
          const next = s?.episode.nextCheckAt ?? null;
          const due =
            s?.episode.status !== 'closed' && s?.version === version && next !== null && next <= instant;
          if (due && s && this.#writes === writes) this.#fresh.set(key, { stored: s, atMs });
          return due;
        };
      },
      this.#batch,
    );
    const due: DueEpisode[] = [];
    const now = this.#table.nowMs();
    for (const r of opened) {
      if (r.due.length === 0) continue;
      const keys = r.due.map(([key]) => key);
      for (const key of keys) due.push({ key, nextCheckAt: r.instant });
      // A fresh roster may list an episode whose write is still in flight (an entry not due yet): it
      // is not removed while it may, and keeps its other entries when rewritten. An entry due was
      // written already: a write behind it still in flight lost its race and never lands.
      const inFlight = now - r.filedAt < ROSTER_GRACE_MS && r.entries.length > r.due.length;
      this.#open.set(r.pk, { pk: r.pk, item: r.item, due: new Set(keys), drop: new Set(), inFlight });
      for (const key of keys) {
        const of = this.#rostersOf.get(key) ?? new Set<string>();
        of.add(r.pk);
        this.#rostersOf.set(key, of);
      }
    }
    return { due, held };
  }

  /** One roster per instant for `filings` that have one, the index floor made sure of first. */
  async #file(filings: readonly { instant: string | null; entry: RosterEntry }[]): Promise<void> {
    if (filings.every((f) => f.instant === null)) return;
    await this.#ensureFloor(this.#table.nowMs());
    await fileRosters(this.#table, EPISODE_ROSTERS, filings);
  }

  /** `keys` were written (filed anew): their rosters' entries are spent; one with none due left goes. */
  #settle(keys: readonly string[]): Promise<void> {
    return this.#moveOn(keys, false);
  }

  /**
   * `keys` moved on from the rosters the last `dueBefore` found them due in (written, or refiled: then
   * `refiled`, and their entries are taken out). A roster with nothing due left and no write in flight
   * behind it is removed; else one that lost refiled entries is rewritten without them. A written
   * episode's entry is spent by its version, so it needs no rewrite of its own.
   */
  async #moveOn(keys: readonly string[], refiled: boolean): Promise<void> {
    const touched = new Set<OpenRoster>();
    for (const key of keys) {
      for (const pk of this.#rostersOf.get(key) ?? []) {
        const r = this.#open.get(pk);
        if (!r) continue;
        r.due.delete(key);
        if (refiled) {
          r.drop.add(key);
          touched.add(r);
        } else if (r.due.size === 0 && !r.inFlight) touched.add(r);
      }
      this.#rostersOf.delete(key);
    }
    const spent = [...touched].filter((r) => r.due.size === 0 && !r.inFlight);
    for (const r of spent) this.#open.delete(r.pk);
    await removeRosters(
      this.#table,
      spent.map((r) => r.pk),
    );
    await atMostInFlight(
      CONCURRENCY,
      [...touched]
        .filter((r) => this.#open.has(r.pk))
        .map((r) => async () => {
          const drop = new Set(r.drop);
          const item = await rewriteRoster(
            this.#table,
            EPISODE_ROSTERS,
            r.item,
            ([key]) => drop.has(key),
            this.#batch,
          );
          if (item) r.item = item;
          else this.#open.delete(r.pk);
        }),
    );
  }

  /** The episode's item, compare-and-set on `version`, without index keys (its roster is filed). */
  async #putItem(
    episode: Episode,
    expectedVersion: number | null,
  ): Promise<{ stored: StoredEpisode; written: boolean }> {
    const version = (expectedVersion ?? 0) + 1;
    this.#fresh.delete(episode.key);
    this.#writes++;
    const finished = episode.status === 'done' || episode.status === 'closed';
    const item: Item = {
      pk: str(`episode|${episode.key}`),
      sk: str(SINGLE),
      episodez: { B: compressJson(JSON.stringify(episode)) },
      version: num(version),
      ...(finished ? this.#table.expiry(RETENTION_SECONDS) : {}),
    };
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

  #query(hour: string, upTo: string, limit: number, start: Item | undefined) {
    return this.#table.queryIndex(
      DUE_INDEX,
      'dueBucket = :h AND dueAt <= :t',
      { ':h': str(hour), ':t': str(upTo) },
      { limit, start },
    );
  }
}

/** A roster the last `dueBefore` found episodes due in (`DynamoEpisodeStore.#open`). */
interface OpenRoster {
  pk: string;
  /** As read, or as this store last rewrote it. */
  item: Item;
  /** Keys due there when read that have not moved on since. */
  due: Set<string>;
  /** Keys refiled since, whose entries a rewrite takes out. */
  drop: Set<string>;
  /** Read within its grace with an entry not due: a write behind it may still be in flight. */
  inFlight: boolean;
}

/** Indexes of each key's items, keys in first-seen order. */
function groupByKey(keys: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const at = out.get(key);
    if (at) at.push(i);
    else out.set(key, [i]);
  });
  return out;
}

/** An episode's roster filing: its next check, and its key with the version its write stores. */
function entryOf(
  episode: Episode,
  expectedVersion: number | null,
): { instant: string | null; entry: RosterEntry } {
  return { instant: episode.nextCheckAt, entry: [episode.key, (expectedVersion ?? 0) + 1] };
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
