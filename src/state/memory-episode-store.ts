import { type Episode, type EpisodeEvent, foldEpisode, hasStep } from '../episodes/episode.ts';
import type {
  DueEpisode,
  EpisodeStore,
  RecordStepResult,
  ScheduleEpisode,
  StoredEpisode,
} from '../ports/episode-store.ts';

/**
 * Episodes in process memory, for a single-process simulation (the demo's 90 days of history) and
 * tests. Each method completes without awaiting anything, so compare-and-set is atomic in the process.
 * `dueBefore` scans every episode: fine for thousands, not for a production store.
 */
export class MemoryEpisodeStore implements EpisodeStore {
  readonly #items = new Map<string, StoredEpisode>();

  async get(key: string): Promise<StoredEpisode | null> {
    return this.#items.get(key) ?? null;
  }

  async getMany(keys: readonly string[]): Promise<Map<string, StoredEpisode>> {
    const out = new Map<string, StoredEpisode>();
    for (const key of keys) {
      const stored = this.#items.get(key);
      if (stored) out.set(key, stored);
    }
    return out;
  }

  async put(
    episode: Episode,
    expectedVersion: number | null,
  ): Promise<{ stored: StoredEpisode; written: boolean }> {
    return this.#put(episode, expectedVersion);
  }

  async recordStep(key: string, event: EpisodeEvent, schedule: ScheduleEpisode): Promise<RecordStepResult> {
    const current = this.#items.get(key) ?? null;
    if (current && hasStep(current.episode, event.step)) return { recorded: false, stored: current };
    const folded = foldEpisode(key, [...(current?.episode.events ?? []), event]);
    if (!folded) return { recorded: false, stored: current };
    const { stored } = this.#put({ ...folded, nextCheckAt: schedule(folded) }, current?.version ?? null);
    return { recorded: true, stored };
  }

  async dueBefore(at: Date, limit: number): Promise<DueEpisode[]> {
    const t = at.getTime();
    return [...this.#items.values()]
      .flatMap(({ episode: e }) =>
        e.nextCheckAt !== null && Date.parse(e.nextCheckAt) <= t
          ? [{ key: e.key, nextCheckAt: e.nextCheckAt }]
          : [],
      )
      .sort((a, b) => Date.parse(a.nextCheckAt) - Date.parse(b.nextCheckAt) || (a.key < b.key ? -1 : 1))
      .slice(0, limit);
  }

  /** Every stored episode (the simulation reads them back at the end). */
  all(): StoredEpisode[] {
    return [...this.#items.values()];
  }

  #put(episode: Episode, expectedVersion: number | null): { stored: StoredEpisode; written: boolean } {
    const current = this.#items.get(episode.key) ?? null;
    if ((current?.version ?? null) !== expectedVersion) {
      return { stored: current ?? { episode, version: 0 }, written: false };
    }
    const stored: StoredEpisode = { episode, version: (current?.version ?? 0) + 1 };
    this.#items.set(episode.key, stored);
    return { stored, written: true };
  }
}
