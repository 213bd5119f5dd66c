import { type Episode, type EpisodeEvent, foldEpisode } from '../../src/episodes/episode.ts';

/** The episode tests' clock: 2026-12-01 10:00 JST, and `minutes` after it. */
export const T0 = Date.parse('2026-12-01T01:00:00.000Z');
export const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** The fold of `events` under `key`; throws where there is no episode (no hand-off among them). */
export function foldOrThrow(key: string, events: EpisodeEvent[]): Episode {
  const ep = foldEpisode(key, events);
  if (!ep) throw new Error('no episode');
  return ep;
}
