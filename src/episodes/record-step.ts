import type { EpisodeStore, RecordStepResult, ScheduleEpisode } from '../ports/episode-store.ts';
import type { EpisodeEvent } from './episode.ts';
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
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await store.get(key);
    if (current && hasStep(current.episode, event.step)) return { recorded: false, stored: current };
    const folded = foldEpisode(key, [...(current?.episode.events ?? []), event]);
    if (!folded) return { recorded: false, stored: current };
    const next = { ...folded, nextCheckAt: schedule(folded) };
    const { stored, written } = await store.put(next, current?.version ?? null);
    if (written) return { recorded: true, stored };
  }
  throw new EpisodeContentionError(
    `episode ${key}: step ${event.step} lost ${MAX_ATTEMPTS} write races in a row; retry later`,
  );
}

/** The hour an index entry is filed under (UTC, `2026-12-02T08`). */
export function hourBucket(iso: string | number): string {
  return new Date(iso).toISOString().slice(0, 13);
}
