import type { EpisodeEvent } from '../episodes/episode.ts';
import type { EpisodeStore, RecordStepResult, ScheduleEpisode } from '../ports/episode-store.ts';
import type { LedgerOutboxEntry } from '../ports/ledger.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import { eventRecord } from './event-record.ts';
import { errorText, type LedgerWiring } from './flush-ledger.ts';

/**
 * An episode store that also appends every step it records to the ledger (docs/ledger.md): the event
 * as the store holds it once recorded, so the ledger says what the store says. A step the store
 * already had is appended again — its record id is the same, so the ledger keeps one row — which also
 * repairs a step whose append was lost. When the ledger fails, the rows wait in the outbox for the
 * next flush; nothing here ever fails the step.
 */
export function ledgeredEpisodeStore(
  inner: EpisodeStore,
  ledger: LedgerWiring,
  sla: SlaConfig,
): EpisodeStore {
  const stage = async (
    items: readonly { key: string; event: EpisodeEvent }[],
    results: readonly RecordStepResult[],
  ) => {
    const entries: LedgerOutboxEntry[] = [];
    items.forEach(({ event }, i) => {
      const stored = results[i]?.stored?.episode;
      const recorded = stored?.events.find((e) => e.step === event.step);
      if (stored && recorded) entries.push({ record: eventRecord(stored, recorded, sla) });
    });
    if (entries.length === 0) return;
    try {
      // Already recorded by the store, so nothing awaits: appended at once; the outbox only keeps
      // what the ledger could not take, for the next flush.
      await ledger.ledger.append(entries.map((e) => e.record));
      return;
    } catch {
      // Kept for the next flush below.
    }
    try {
      await ledger.outbox.put(entries);
    } catch (e) {
      ledger.onError?.(
        `the decision ledger's outbox could not be written (${errorText(e)}); ${entries.length} episode event(s) are recorded in the episode store but not in the ledger`,
      );
    }
  };
  const store: EpisodeStore = {
    get: (key) => inner.get(key),
    getMany: (keys) => inner.getMany(keys),
    put: (episode, expectedVersion) => inner.put(episode, expectedVersion),
    dueBefore: (at, limit) => inner.dueBefore(at, limit),
    async recordStep(key: string, event: EpisodeEvent, schedule: ScheduleEpisode) {
      const result = await inner.recordStep(key, event, schedule);
      await stage([{ key, event }], [result]);
      return result;
    },
  };
  if (inner.recordSteps) {
    const recordSteps = inner.recordSteps.bind(inner);
    store.recordSteps = async (items, schedule) => {
      const results = await recordSteps(items, schedule);
      await stage(items, results);
      return results;
    };
  }
  if (inner.putMany) store.putMany = inner.putMany.bind(inner);
  // A refiled episode records nothing: no event for the ledger.
  if (inner.refile) store.refile = inner.refile.bind(inner);
  return store;
}
