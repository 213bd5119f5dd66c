import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Episode } from '../../src/episodes/episode.ts';
import { DUE_HOUR_ENTRIES, FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { JsonBuckets } from '../../src/state/json-buckets.ts';
import { SqliteBuckets } from '../../src/state/sqlite-buckets.ts';
import { testClock } from '../state/state-store.contract.ts';
import { foldOrThrow } from './episode-kit.ts';
import { describeEpisodeStoreContract, handedOff } from './episode-store.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-episodes-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeEpisodeStoreContract('FileEpisodeStore', async (clock) => {
  const dir = join(root, `s${++n}`);
  // `other` is a second store object on the same directory: another process's view.
  return { store: new FileEpisodeStore(dir, { clock }), other: () => new FileEpisodeStore(dir, { clock }) };
});

it('FileEpisodeStore offers the batch forms (one lock and one write per file for a whole sweep batch)', () => {
  const store = new FileEpisodeStore(join(root, 'batch'));
  expect(typeof store.recordSteps).toBe('function');
  expect(typeof store.putMany).toBe('function');
});

describe("FileEpisodeStore's due index past DUE_HOUR_ENTRIES keys in one hour (a backfill's one instant)", () => {
  const NOW = '2026-12-02T01:00:00.000Z';
  const inHour = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();
  const keys = Array.from({ length: DUE_HOUR_ENTRIES + 300 }, (_, i) => `tu_${i}`);
  const episode = (key: string, nextCheckAt: string | null): Episode => ({
    ...foldOrThrow(key, [handedOff('005A', NOW)]),
    nextCheckAt,
  });
  /** The due index as stored: slot → its entries. */
  const dueFiles = (dir: string) =>
    new Map(new SqliteBuckets<Record<string, string>>(join(dir, 'episodes', 'due')).entries(Date.parse(NOW)));

  it('keeps the hour at DUE_HOUR_ENTRIES and spills the rest into its shards, all found and all moved', async () => {
    const dir = join(root, 'spill');
    const store = new FileEpisodeStore(dir, { clock: testClock(NOW) });
    await store.putMany(
      keys.map((k, i) => ({ episode: episode(k, inHour(10 + (i % 40))), expectedVersion: null })),
    );
    const slots = dueFiles(dir);
    const hour = NOW.slice(0, 13);
    expect(Object.keys(slots.get(hour)!)).toHaveLength(DUE_HOUR_ENTRIES);
    const shards = [...slots.keys()].filter((s) => s.startsWith(`${hour}/`));
    expect(shards.length).toBeGreaterThan(100);
    expect(shards.reduce((n, s) => n + Object.keys(slots.get(s)!).length, 0)).toBe(300);

    const due = await store.dueBefore(new Date(inHour(59)), keys.length);
    expect(due.map((d) => d.key).sort()).toEqual([...keys].sort());
    expect(due.map((d) => d.nextCheckAt)).toEqual(due.map((d) => d.nextCheckAt).sort());
    // The earliest across the hour and its shards, not the first slots read.
    expect((await store.dueBefore(new Date(inHour(59)), 5)).map((d) => d.nextCheckAt)).toEqual(
      Array(5).fill(inHour(10)),
    );

    // Moving every episode to the next day empties the hour and all its shards.
    const nextDay = new Date(Date.parse(NOW) + 86_400_000).toISOString();
    await store.putMany(keys.map((k) => ({ episode: episode(k, nextDay), expectedVersion: 1 })));
    expect([...dueFiles(dir).keys()].filter((s) => s.startsWith(hour))).toEqual([]);
    expect(await store.dueBefore(new Date(inHour(59)), 10)).toEqual([]);
    expect(await store.dueBefore(new Date(nextDay), keys.length + 1)).toHaveLength(keys.length);
  });

  it('reads and moves the entries of state written before the shards (one entry per hour, any size)', async () => {
    const dir = join(root, 'before-shards');
    await new FileEpisodeStore(dir, { clock: testClock(NOW) }).putMany(
      keys.map((k) => ({ episode: episode(k, inHour(20)), expectedVersion: null })),
    );
    // What an earlier build wrote: the whole hour in its own entry, the hours list without shards,
    // in the JSON bucket files of before the database (moved in when the next process opens it).
    const hour = NOW.slice(0, 13);
    rmSync(join(dir, 'episodes', 'due'), { recursive: true });
    new JsonBuckets<Record<string, string>>(join(dir, 'episodes', 'due'), { fanout: 256 }).update(
      hour,
      0,
      () => ({
        value: Object.fromEntries(keys.map((k) => [k, inHour(20)])),
      }),
    );
    new JsonBuckets<string[]>(join(dir, 'episodes', 'hours'), { fanout: 1 }).update('hours', 0, () => ({
      value: [hour],
    }));
    const store = new FileEpisodeStore(dir, { clock: testClock(NOW) });
    expect(await store.dueBefore(new Date(inHour(59)), keys.length + 1)).toHaveLength(keys.length);

    // Half move within the hour, half to the next one: each key in one slot, none left behind.
    const later = inHour(90);
    await store.putMany(
      keys.map((k, i) => ({ episode: episode(k, i % 2 ? inHour(30) : later), expectedVersion: 1 })),
    );
    const within = await store.dueBefore(new Date(inHour(59)), keys.length + 1);
    expect(within.map((d) => d.key).sort()).toEqual(keys.filter((_, i) => i % 2).sort());
    expect(new Set(within.map((d) => d.nextCheckAt))).toEqual(new Set([inHour(30)]));
    expect(await store.dueBefore(new Date(later), keys.length + 1)).toHaveLength(keys.length);
    expect(Object.keys(dueFiles(dir).get(hour)!)).toHaveLength(keys.length / 2);
  });
});
