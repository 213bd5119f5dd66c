import { describe, expect, it } from 'vitest';
import { type Episode, type EpisodeEvent, episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';
import { putMany, recordSteps } from '../../src/episodes/record-step.ts';
import type { EpisodeStore, ScheduleEpisode } from '../../src/ports/episode-store.ts';
import { type TestClock, testClock } from '../state/state-store.contract.ts';

const NOW = '2026-12-02T01:00:00.000Z';
const hoursFrom = (h: number, base = NOW) => new Date(Date.parse(base) + h * 3_600_000).toISOString();

export const handedOff = (owner = '005A', at = NOW): EpisodeEvent =>
  episodeEvent({
    type: 'handed_off',
    at,
    cause: 'rule',
    crm: 'salesforce',
    leadId: '00Q1',
    nextAction: 'field_sales_tossup',
    owner: { id: owner, poolId: 'fs_kanto' },
    taskId: '00T1',
  });

const remind = (at: string, stepId = 'remind_owner'): EpisodeEvent =>
  episodeEvent({ type: 'ladder_step', at, cause: 'sweep', round: 0, stepId, action: 'remind_owner' });

/** A stand-in planner: the next check is a fixed time after the last event (null once settled). */
const every =
  (hours: number): ScheduleEpisode =>
  (ep) =>
    ep.status === 'contacted' || ep.status === 'done' || ep.status === 'closed'
      ? null
      : hoursFrom(hours, ep.events.at(-1)!.at);

function episode(key: string, nextCheckAt: string | null): Episode {
  const ep = foldEpisode(key, [handedOff()]);
  if (!ep) throw new Error('no episode');
  return { ...ep, nextCheckAt };
}

/** What a sweep relies on from any EpisodeStore (file store, DynamoDB on dynalite). */
export function describeEpisodeStoreContract(
  name: string,
  create: (clock: TestClock) => Promise<{ store: EpisodeStore; other: () => EpisodeStore }>,
): void {
  describe(`${name}: EpisodeStore contract`, () => {
    it('puts with compare-and-set on the version', async () => {
      const { store } = await create(testClock(NOW));
      expect(await store.get('tu_a')).toBeNull();
      const first = await store.put(episode('tu_a', null), null);
      expect(first).toMatchObject({ written: true, stored: { version: 1 } });
      const again = await store.put(episode('tu_a', hoursFrom(1)), null);
      expect(again).toMatchObject({ written: false, stored: { version: 1, episode: { nextCheckAt: null } } });
      const stale = await store.put(episode('tu_a', hoursFrom(1)), 7);
      expect(stale.written).toBe(false);
      const moved = await store.put(episode('tu_a', hoursFrom(1)), 1);
      expect(moved).toMatchObject({ written: true, stored: { version: 2 } });
      expect(await store.get('tu_a')).toEqual(moved.stored);
    });

    it('records a step once: the hand-off creates the episode, a repeated step changes nothing', async () => {
      const { store } = await create(testClock(NOW));
      const created = await store.recordStep('tu_b', handedOff(), every(2));
      expect(created).toMatchObject({
        recorded: true,
        stored: { version: 1, episode: { status: 'open', nextCheckAt: hoursFrom(2) } },
      });
      expect((await store.recordStep('tu_b', handedOff('005OTHER'), every(2))).recorded).toBe(false);
      const step = await store.recordStep('tu_b', remind(hoursFrom(2)), every(3));
      expect(step).toMatchObject({
        recorded: true,
        stored: { version: 2, episode: { nextCheckAt: hoursFrom(5) } },
      });
      const repeat = await store.recordStep('tu_b', remind(hoursFrom(4)), every(3));
      expect(repeat).toMatchObject({ recorded: false, stored: { version: 2 } });
      expect((await store.get('tu_b'))?.episode.ladder).toEqual({ 'r0.remind_owner': hoursFrom(2) });
      // Nothing before a hand-off is stored.
      expect(await store.recordStep('tu_none', remind(hoursFrom(1)), every(1))).toEqual({
        recorded: false,
        stored: null,
      });
      expect(await store.get('tu_none')).toBeNull();
    });

    it('reads many episodes at once: the stored ones by key, absent keys left out', async () => {
      const { store, other } = await create(testClock(NOW));
      expect(await store.getMany([])).toEqual(new Map());
      await store.recordStep('tu_m1', handedOff(), every(2));
      await store.recordStep('tu_m2', handedOff('005B'), every(2));
      await store.recordStep('tu_m2', remind(hoursFrom(2)), every(2));
      const many = await other().getMany(['tu_m2', 'tu_missing', 'tu_m1', 'tu_m1']);
      expect([...many.keys()].sort()).toEqual(['tu_m1', 'tu_m2']);
      expect(many.get('tu_m1')).toEqual(await store.get('tu_m1'));
      expect(many.get('tu_m2')).toMatchObject({ version: 2, episode: { owner: { id: '005B' } } });
    });

    it('finds what is due at or before T from the index, earliest first, following every move', async () => {
      const { store } = await create(testClock(NOW));
      const at = {
        tu_1: hoursFrom(0.5),
        tu_2: hoursFrom(3),
        tu_3: hoursFrom(26), // tomorrow
        tu_4: hoursFrom(3.25),
        tu_5: null,
      } as const;
      for (const [key, next] of Object.entries(at)) await store.put(episode(key, next), null);
      expect(await store.dueBefore(new Date(hoursFrom(3.25)), 10)).toEqual([
        { key: 'tu_1', nextCheckAt: at.tu_1 },
        { key: 'tu_2', nextCheckAt: at.tu_2 },
        { key: 'tu_4', nextCheckAt: at.tu_4 },
      ]);
      expect(await store.dueBefore(new Date(hoursFrom(3.25)), 2)).toHaveLength(2);
      // Rescheduled to later, and settled (no next check): both leave the index.
      await store.put(episode('tu_1', hoursFrom(30)), 1);
      await store.put(episode('tu_2', null), 1);
      expect(await store.dueBefore(new Date(hoursFrom(27)), 10)).toEqual([
        { key: 'tu_4', nextCheckAt: at.tu_4 },
        { key: 'tu_3', nextCheckAt: at.tu_3 },
      ]);
      expect(await store.dueBefore(new Date(hoursFrom(48)), 10)).toEqual([
        { key: 'tu_4', nextCheckAt: at.tu_4 },
        { key: 'tu_3', nextCheckAt: at.tu_3 },
        { key: 'tu_1', nextCheckAt: hoursFrom(30) },
      ]);
    });

    it('keeps finding an overdue episode on later sweeps until its check moves it', async () => {
      const clock = testClock(NOW);
      const { store } = await create(clock);
      await store.put(episode('tu_late', hoursFrom(1)), null);
      for (const h of [2, 5, 30]) {
        clock.advance(h * 3_600_000 - (Date.parse(clock.now().toISOString()) - Date.parse(NOW)));
        expect(await store.dueBefore(clock.now(), 10)).toEqual([
          { key: 'tu_late', nextCheckAt: hoursFrom(1) },
        ]);
      }
      await store.put(episode('tu_late', hoursFrom(40)), 1);
      expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
      clock.advance(12 * 3_600_000);
      expect(await store.dueBefore(clock.now(), 10)).toEqual([
        { key: 'tu_late', nextCheckAt: hoursFrom(40) },
      ]);
    });

    it('records many steps in one go (the batch form or its loop): in order, each once, the index following', async () => {
      const { store, other } = await create(testClock(NOW));
      await store.recordStep('tu_old', handedOff(), every(1));
      const out = await recordSteps(
        store,
        [
          { key: 'tu_n1', event: handedOff() },
          { key: 'tu_n1', event: remind(hoursFrom(2)) },
          { key: 'tu_n1', event: remind(hoursFrom(3)) }, // the same step again: not recorded
          { key: 'tu_none', event: remind(hoursFrom(1)) }, // no hand-off: nothing stored
          { key: 'tu_old', event: remind(hoursFrom(1)) },
          { key: 'tu_n2', event: handedOff('005B') },
        ],
        every(2),
      );
      // Versions count writes, and a store may write an episode's steps of one batch at once.
      expect(out.map((o) => o.ok && [o.value.recorded, o.value.stored !== null])).toEqual([
        [true, true],
        [true, true],
        [false, true],
        [false, false],
        [true, true],
        [true, true],
      ]);
      const n1 = await other().get('tu_n1');
      expect(n1).toMatchObject({ episode: { nextCheckAt: hoursFrom(4) } });
      expect(Object.keys(n1!.episode.ladder)).toEqual(['r0.remind_owner']);
      expect(await other().get('tu_none')).toBeNull();
      // The index holds each episode once, at its last nextCheckAt (tu_old moved from +1 h to +3 h).
      expect(await other().dueBefore(new Date(hoursFrom(48)), 10)).toEqual([
        { key: 'tu_n2', nextCheckAt: hoursFrom(2) },
        { key: 'tu_old', nextCheckAt: hoursFrom(3) },
        { key: 'tu_n1', nextCheckAt: hoursFrom(4) },
      ]);
      // Two sweeps' batches with the same steps: each step is recorded once in all.
      const keys = ['tu_c1', 'tu_c2', 'tu_c3'];
      for (const key of keys) await store.recordStep(key, handedOff(), every(1));
      const batch = keys.map((key) => ({ key, event: remind(hoursFrom(1)) }));
      const [a, b] = await Promise.all([
        recordSteps(store, batch, every(2)),
        recordSteps(other(), batch, every(2)),
      ]);
      expect([...a, ...b].filter((o) => o.ok && o.value.recorded)).toHaveLength(3);
      for (const key of keys) expect((await other().get(key))?.version).toBe(2);
    });

    it('puts many in one go (the batch form or its loop): compare-and-set per item, the index following', async () => {
      const { store, other } = await create(testClock(NOW));
      await store.put(episode('tu_p1', hoursFrom(1)), null);
      await store.put(episode('tu_p2', hoursFrom(1)), null);
      await store.put(episode('tu_p3', hoursFrom(1.25)), null);
      const out = await putMany(store, [
        { episode: episode('tu_p1', hoursFrom(5)), expectedVersion: 1 }, // to a later hour
        { episode: episode('tu_p2', hoursFrom(6)), expectedVersion: 4 }, // stale: not written
        { episode: episode('tu_p3', hoursFrom(1.5)), expectedVersion: 1 }, // within its hour
        { episode: episode('tu_p4', null), expectedVersion: null }, // new, nothing due
        { episode: episode('tu_p1', null), expectedVersion: 2 }, // settled after its move
      ]);
      expect(out.map((o) => o.ok && [o.value.written, o.value.stored.version])).toEqual([
        [true, 2],
        [false, 1],
        [true, 2],
        [true, 1],
        [true, 3],
      ]);
      expect(await other().dueBefore(new Date(hoursFrom(48)), 10)).toEqual([
        { key: 'tu_p2', nextCheckAt: hoursFrom(1) },
        { key: 'tu_p3', nextCheckAt: hoursFrom(1.5) },
      ]);
      expect(await putMany(store, [])).toEqual([]);
    });

    it('two concurrent sweeps record the same step exactly once, and different steps both', async () => {
      const { store, other } = await create(testClock(NOW));
      const a = store;
      const b = other();
      let once = 0;
      for (let round = 0; round < 8; round++) {
        const key = `tu_race${round}`;
        await a.recordStep(key, handedOff(), every(1));
        const results = await Promise.all([
          a.recordStep(key, remind(hoursFrom(1)), every(2)),
          b.recordStep(key, remind(hoursFrom(1)), every(2)),
          a.recordStep(key, remind(hoursFrom(1), 'second'), every(2)),
          b.recordStep(key, remind(hoursFrom(1), 'second'), every(2)),
        ]);
        expect(results.filter((r) => r.recorded)).toHaveLength(2);
        const stored = await b.get(key);
        expect(Object.keys(stored!.episode.ladder).sort()).toEqual(['r0.remind_owner', 'r0.second']);
        expect(stored!.version).toBe(3);
        once += results.filter((r, i) => i < 2 && r.recorded).length;
      }
      expect(once).toBe(8);
    });
  });
}
