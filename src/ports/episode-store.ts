import type { Episode, EpisodeEvent } from '../episodes/episode.ts';

/** An episode as stored, with the version its compare-and-set runs on. */
export interface StoredEpisode {
  episode: Episode;
  /** 1 on creation, +1 per write. */
  version: number;
}

/** An index entry: the episode needs a check at `nextCheckAt`. */
export interface DueEpisode {
  key: string;
  nextCheckAt: string;
}

/** Computes `nextCheckAt` for an episode (the ladder planner bound to the loaded sla.yaml). */
export type ScheduleEpisode = (episode: Episode) => string | null;

export interface RecordStepResult {
  /** False when the step was recorded before (by this or another sweep), or no hand-off is known. */
  recorded: boolean;
  stored: StoredEpisode | null;
}

/**
 * Where episodes live between sweeps (file store for the CLI, DynamoDB on AWS). Every write is a
 * compare-and-set on the version, so two sweeps never lose each other's steps, and the store keeps an
 * index on `nextCheckAt` so "what is due" is found without reading every episode.
 */
export interface EpisodeStore {
  get(key: string): Promise<StoredEpisode | null>;
  /**
   * The stored episodes of `keys` in one go (a sync batch asks for the episodes its leads' decision
   * keys name): absent keys are missing from the map. Strongly consistent, like `get`.
   */
  getMany(keys: readonly string[]): Promise<Map<string, StoredEpisode>>;
  /**
   * Writes `episode` (with its `nextCheckAt`, which the index follows) if the stored version is
   * `expectedVersion` (null = must not exist yet). `written: false` returns what is stored instead.
   */
  put(episode: Episode, expectedVersion: number | null): Promise<{ stored: StoredEpisode; written: boolean }>;
  /**
   * Applies `event` to the episode `key` once: a step that is already there is not recorded again,
   * however many sweeps, retries or redeliveries bring it. A `handed_off` event creates the episode.
   */
  recordStep(key: string, event: EpisodeEvent, schedule: ScheduleEpisode): Promise<RecordStepResult>;
  /**
   * Optional batch form of `recordStep`, for a store where one round trip for many is much cheaper
   * (the file store: one lock, each file written once). Same guarantees per item, applied in order
   * (several items of one key fold in one after another); results in the order of `items`. Resolves
   * only once every item is stored; throws if none could be (callers treat every item as failed).
   * Callers go through `recordSteps` in src/episodes/record-step.ts, which loops when it is absent.
   */
  recordSteps?(
    items: readonly { key: string; event: EpisodeEvent }[],
    schedule: ScheduleEpisode,
  ): Promise<RecordStepResult[]>;
  /** Optional batch form of `put` (same compare-and-set per item, in order); see `recordSteps`. */
  putMany?(
    items: readonly { episode: Episode; expectedVersion: number | null }[],
  ): Promise<{ stored: StoredEpisode; written: boolean }[]>;
  /**
   * Optional, for a store that files due checks apart from the episodes (DynamoDB's rosters, where
   * writing an episode costs a write unit): moves the next check of episodes nothing was recorded for
   * (a first-response poll that found nothing) without writing them. `version` is the one the caller
   * read: an episode written since stays where that write filed it. The stored episode keeps the
   * `nextCheckAt` it had, already past, so a stored `nextCheckAt` in the past says "due at or before
   * its next filed check", not when that is; `nextCheckAt` must be later than the stored one (an
   * earlier check is written with `put`). Stores without it (memory, file) are written with `put`.
   */
  refile?(items: readonly { key: string; version: number; nextCheckAt: string }[]): Promise<void>;
  /**
   * Episodes whose `nextCheckAt` is at or before `at`, earliest first, at most `limit`. Read from the
   * index, never by scanning every episode; may briefly include an episode that just moved (DynamoDB
   * indexes are eventually consistent), so the caller re-reads it with `get` before acting.
   */
  dueBefore(at: Date, limit: number): Promise<DueEpisode[]>;
}
