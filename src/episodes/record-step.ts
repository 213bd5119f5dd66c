import { atMostInFlight } from '../concurrency/at-most-in-flight.ts';
import type {
  EpisodeStore,
  RecordStepResult,
  ScheduleEpisode,
  StoredEpisode,
} from '../ports/episode-store.ts';
import type { Episode, EpisodeEvent } from './episode.ts';
import { foldEpisode, hasStep } from './episode.ts';

/** Attempts before giving up on a hot episode; each lost attempt means another writer made progress. */
const MAX_ATTEMPTS = 20;

/** Other writers kept winning the compare-and-set on one episode: a retry later will get through. */
export class EpisodeContentionError extends Error {
  override name = 'EpisodeContentionError';
}

/**
 * `recordStep` on top of an episode store's compare-and-set `put`: read, stop if the step is there,
 * fold the event in, write if nobody else wrote meanwhile, otherwise read again. Whoever loses the race
 * for the same step sees it recorded on the next read, so a step is recorded exactly once.
 */
export async function recordStepByCas(
  store: Pick<EpisodeStore, 'get' | 'put'>,
  key: string,
  event: EpisodeEvent,
  schedule: ScheduleEpisode,
): Promise<RecordStepResult> {
  return (await recordGroupByCas(store, key, [event], schedule))[0]!;
}

/** Episodes written at once by `recordStepsByCas`. */
const BATCH_CONCURRENCY = 16;

/**
 * The batch form of `recordStepByCas`, for a store without a cheaper one of its own: the items of one
 * episode folded in their order into **one** compare-and-set write (each item as `recordStepByCas`
 * would record it one after another: skipped when its step is there or it cannot apply), different
 * episodes at once. One write for a hand-off and the SLA status it was written with, not two: each
 * write of an episode costs a write unit and moves its `due` index entry (docs/cost.md). What the
 * batch form adds is one answer for the batch, so the caller (the ledger: one Firehose record instead
 * of one per step) handles it once. Throws the first error once every episode has been tried, as the
 * port's `recordSteps` says (the others are stored; a retry finds their steps there and records
 * nothing twice).
 */
export async function recordStepsByCas(
  store: Pick<EpisodeStore, 'get' | 'put'>,
  items: readonly { key: string; event: EpisodeEvent }[],
  schedule: ScheduleEpisode,
): Promise<RecordStepResult[]> {
  const byKey = new Map<string, number[]>();
  items.forEach(({ key }, i) => {
    const at = byKey.get(key);
    if (at) at.push(i);
    else byKey.set(key, [i]);
  });
  const results: RecordStepResult[] = new Array(items.length);
  let failure: { error: unknown } | null = null;
  // Each episode's failure is kept, not thrown, so the others are still tried.
  await atMostInFlight(
    BATCH_CONCURRENCY,
    [...byKey].map(([key, group]) => async () => {
      try {
        const outcome = await recordGroupByCas(
          store,
          key,
          group.map((i) => items[i]!.event),
          schedule,
        );
        group.forEach((i, n) => {
          results[i] = outcome[n]!;
        });
      } catch (error) {
        failure ??= { error };
      }
    }),
  );
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}

/**
 * The events of one episode folded in order into one compare-and-set write, a result per event: each
 * is skipped when its step is there or it cannot apply, as one after another would be.
 */
export async function recordGroupByCas(
  store: Pick<EpisodeStore, 'get' | 'put'>,
  key: string,
  events: readonly EpisodeEvent[],
  schedule: ScheduleEpisode,
): Promise<RecordStepResult[]> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.get(key);
    const { recorded, next } = foldGroup(current, key, events, schedule);
    if (!next) return events.map(() => ({ recorded: false, stored: current }));
    const { stored, written } = await store.put(next, current?.version ?? null);
    if (written) return recorded.map((r) => ({ recorded: r, stored }));
  }
  throw new EpisodeContentionError(
    `episode ${key}: step${events.length > 1 ? 's' : ''} ${events.map((e) => e.step).join(', ')} lost ${MAX_ATTEMPTS} write races in a row; retry later`,
  );
}

/**
 * `events` folded in order onto the stored episode `current` (null: none yet): per event whether it
 * applies (false: its step is there, or it cannot apply), and the episode to write with its
 * `nextCheckAt` (null when no event applies: nothing to write).
 */
export function foldGroup(
  current: StoredEpisode | null,
  key: string,
  events: readonly EpisodeEvent[],
  schedule: ScheduleEpisode,
): { recorded: boolean[]; next: Episode | null } {
  let episode = current?.episode ?? null;
  const recorded = events.map((event) => {
    if (episode && hasStep(episode, event.step)) return false;
    const folded = foldEpisode(key, [...(episode?.events ?? []), event]);
    if (!folded) return false;
    episode = folded;
    return true;
  });
  if (!recorded.includes(true) || !episode) return { recorded, next: null };
  return { recorded, next: { ...(episode as Episode), nextCheckAt: schedule(episode) } };
}

/** What became of one item of a batch: its result, or the error that kept it from being stored. */
export type BatchOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * `recordStep` for many items: through the store's `recordSteps` when it has one (all fail together
 * if it throws), else one `recordStep` after another, where a failed item makes the later items of
 * the same key fail with it (a step is never recorded after an earlier one of its episode failed).
 */
export async function recordSteps(
  store: Pick<EpisodeStore, 'recordStep' | 'recordSteps'>,
  items: readonly { key: string; event: EpisodeEvent }[],
  schedule: ScheduleEpisode,
): Promise<BatchOutcome<RecordStepResult>[]> {
  if (items.length === 0) return [];
  if (store.recordSteps) {
    try {
      const results = await store.recordSteps(items, schedule);
      return results.map((value) => ({ ok: true, value }));
    } catch (error) {
      return items.map(() => ({ ok: false, error }));
    }
  }
  const failed = new Map<string, unknown>();
  const out: BatchOutcome<RecordStepResult>[] = [];
  for (const { key, event } of items) {
    if (failed.has(key)) {
      out.push({ ok: false, error: failed.get(key) });
      continue;
    }
    try {
      out.push({ ok: true, value: await store.recordStep(key, event, schedule) });
    } catch (error) {
      failed.set(key, error);
      out.push({ ok: false, error });
    }
  }
  return out;
}

/** `put` for many items: the store's `putMany` when it has one, else one `put` after another. */
export async function putMany(
  store: Pick<EpisodeStore, 'put' | 'putMany'>,
  items: readonly { episode: Episode; expectedVersion: number | null }[],
): Promise<BatchOutcome<{ stored: StoredEpisode; written: boolean }>[]> {
  if (items.length === 0) return [];
  if (store.putMany) {
    try {
      return (await store.putMany(items)).map((value) => ({ ok: true, value }));
    } catch (error) {
      return items.map(() => ({ ok: false, error }));
    }
  }
  const out: BatchOutcome<{ stored: StoredEpisode; written: boolean }>[] = [];
  for (const { episode, expectedVersion } of items) {
    try {
      out.push({ ok: true, value: await store.put(episode, expectedVersion) });
    } catch (error) {
      out.push({ ok: false, error });
    }
  }
  return out;
}

/** The hour an index entry is filed under (UTC, `2026-12-02T08`). */
export function hourBucket(iso: string | number): string {
  return new Date(iso).toISOString().slice(0, 13);
}
