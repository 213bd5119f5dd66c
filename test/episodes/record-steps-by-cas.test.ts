import { describe, expect, it } from 'vitest';
import { type EpisodeEvent, episodeEvent } from '../../src/episodes/episode.ts';
import { recordStepByCas, recordStepsByCas } from '../../src/episodes/record-step.ts';
import type { LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { ledgeredEpisodeStore } from '../../src/ledger/ledgered-episode-store.ts';
import type { EpisodeStore, ScheduleEpisode } from '../../src/ports/episode-store.ts';
import { MemoryEpisodeStore } from '../../src/state/memory-episode-store.ts';
import { MemoryLedgerOutbox } from '../../src/state/memory-ledger-outbox.ts';
import { sla } from '../pipeline/pipeline-fixtures.ts';

const NOW = '2026-12-02T01:00:00.000Z';
const handedOff = (leadId: string): EpisodeEvent =>
  episodeEvent({
    type: 'handed_off',
    at: NOW,
    cause: 'rule',
    crm: 'salesforce',
    leadId,
    nextAction: 'field_sales_tossup',
    owner: { id: '005A', poolId: 'fs_kanto' },
    taskId: `00T${leadId}`,
  });
const remind = (): EpisodeEvent =>
  episodeEvent({
    type: 'ladder_step',
    at: '2026-12-02T03:00:00.000Z',
    cause: 'sweep',
    round: 0,
    stepId: 'remind_owner',
    action: 'remind_owner',
  });
const noCheck: ScheduleEpisode = () => null;

/** A store of only `get` and compare-and-set `put` (as DynamoDB's), counting puts in flight at once. */
function casStore(failPutOf?: string) {
  const inner = new MemoryEpisodeStore();
  let inFlight = 0;
  const seen = { maxInFlight: 0, puts: 0 };
  const store: Pick<EpisodeStore, 'get' | 'put'> = {
    get: (key) => inner.get(key),
    async put(episode, expectedVersion) {
      inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, inFlight);
      seen.puts++;
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (episode.key === failPutOf) throw new Error(`state table refused ${episode.key}`);
      return inner.put(episode, expectedVersion);
    },
  };
  return { store, inner, seen };
}

const items = [
  { key: 'tu_a', event: handedOff('A') },
  { key: 'tu_b', event: handedOff('B') },
  { key: 'tu_a', event: remind() },
  { key: 'tu_c', event: handedOff('C') },
  { key: 'tu_a', event: remind() }, // the same step again: not recorded
];

describe('recordStepsByCas', () => {
  it('records what one recordStepByCas after another records, in one write per episode, different episodes at once', async () => {
    const batch = casStore();
    const one = casStore();
    const out = await recordStepsByCas(batch.store, items, noCheck);
    const expected = [];
    for (const { key, event } of items) expected.push(await recordStepByCas(one.store, key, event, noCheck));
    expect(out.map((r) => r.recorded)).toEqual(expected.map((r) => r.recorded));
    expect(out.map((r) => r.recorded)).toEqual([true, true, true, true, false]);
    // The same episodes in the end, each written once: tu_a's hand-off and reminder together.
    for (const key of ['tu_a', 'tu_b', 'tu_c']) {
      expect((await batch.inner.get(key))?.episode).toEqual((await one.inner.get(key))?.episode);
      expect((await batch.inner.get(key))?.version).toBe(1);
    }
    expect(out[0]!.stored).toEqual(out[2]!.stored);
    expect(batch.seen.puts).toBe(3);
    expect(one.seen.puts).toBe(4);
    expect(batch.seen.maxInFlight).toBeGreaterThan(1);
    expect(one.seen.maxInFlight).toBe(1);
  });

  it("throws the first error once every episode was tried: the others' steps are stored", async () => {
    const { store, inner } = casStore('tu_b');
    await expect(recordStepsByCas(store, items, noCheck)).rejects.toThrow(/refused tu_b/);
    expect((await inner.get('tu_a'))?.episode.events).toHaveLength(2);
    expect(await inner.get('tu_c')).not.toBeNull();
    expect(await inner.get('tu_b')).toBeNull();
  });

  it("lets the ledgered store append a batch's steps in one append (one Firehose call, not one per step)", async () => {
    const { store } = casStore();
    const appends: LedgerRecord[][] = [];
    const ledgered = ledgeredEpisodeStore(
      {
        ...store,
        recordStep: () => Promise.reject(new Error('unused')),
        dueBefore: async () => [],
        getMany: async () => new Map(),
        recordSteps: (i, s) => recordStepsByCas(store, i, s),
      },
      {
        ledger: {
          append: async (records) => {
            appends.push([...records]);
            return { appended: records.length };
          },
        },
        outbox: new MemoryLedgerOutbox(),
      },
      sla,
    );
    await ledgered.recordSteps!(items, noCheck);
    expect(appends).toHaveLength(1);
    expect(appends[0]!.map((r) => r.kind)).toEqual(['event', 'event', 'event', 'event', 'event']);
  });
});
