import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Episode } from '../../src/episodes/episode.ts';
import type { DueEpisode } from '../../src/ports/episode-store.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { JsonBuckets } from '../../src/state/json-buckets.ts';
import { testClock } from '../state/state-store.contract.ts';
import { writeSqliteBucketsV1 } from '../support/sqlite-buckets-v1.ts';
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

describe("FileEpisodeStore's due index with many episodes due in one hour (a backfill's one instant)", () => {
  const NOW = '2026-12-02T01:00:00.000Z';
  const inHour = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();
  const keys = Array.from({ length: 2500 }, (_, i) => `tu_${i}`);
  const episode = (key: string, nextCheckAt: string | null): Episode => ({
    ...foldOrThrow(key, [handedOff('005A', NOW)]),
    nextCheckAt,
  });
  const byDue = (due: DueEpisode[]) =>
    [...due].sort((a, b) =>
      a.nextCheckAt !== b.nextCheckAt ? (a.nextCheckAt < b.nextCheckAt ? -1 : 1) : a.key < b.key ? -1 : 1,
    );

  it('finds them all, earliest first, the first `limit` of them, and moves them all', async () => {
    const dir = join(root, 'one-hour');
    const store = new FileEpisodeStore(dir, { clock: testClock(NOW) });
    await store.putMany(
      keys.map((k, i) => ({ episode: episode(k, inHour(10 + (i % 40))), expectedVersion: null })),
    );
    const all = keys.map((k, i) => ({ key: k, nextCheckAt: inHour(10 + (i % 40)) }));
    const due = await store.dueBefore(new Date(inHour(59)), keys.length);
    expect(due).toEqual(byDue(all));
    expect(await store.dueBefore(new Date(inHour(59)), 5)).toEqual(byDue(all).slice(0, 5));
    expect(await store.dueBefore(new Date(inHour(12)), keys.length)).toEqual(
      byDue(all.filter((d) => d.nextCheckAt <= inHour(12))),
    );

    // Moving every episode to the next day empties the hour.
    const nextDay = new Date(Date.parse(NOW) + 86_400_000).toISOString();
    await store.putMany(keys.map((k) => ({ episode: episode(k, nextDay), expectedVersion: 1 })));
    expect(await store.dueBefore(new Date(inHour(59)), 10)).toEqual([]);
    expect(await store.dueBefore(new Date(nextDay), keys.length + 1)).toHaveLength(keys.length);
    expect(readdirSync(join(dir, 'episodes'))).toEqual(['items']);
  });

  /**
   * What the build before the per-row index wrote: the episodes in a version-1 database, the index as
   * hour entries and shards (here in the JSON bucket files of before the database) and the hours list.
   */
  const writeOldLayout = (dir: string, episodes: [string, Episode][]) => {
    writeSqliteBucketsV1(
      join(dir, 'episodes', 'items'),
      Object.fromEntries(episodes.map(([k, e]) => [k, { episode: e, version: 1 }])),
    );
    const slots: Record<string, Record<string, string>> = {};
    for (const [k, e] of episodes) {
      if (!e.nextCheckAt) continue;
      const slot = `${e.nextCheckAt.slice(0, 13)}/${k.slice(-1)}`;
      slots[slot] = { ...slots[slot], [k]: e.nextCheckAt };
    }
    const due = new JsonBuckets<Record<string, string>>(join(dir, 'episodes', 'due'), { fanout: 256 });
    for (const [slot, entries] of Object.entries(slots)) due.update(slot, 0, () => ({ value: entries }));
    new JsonBuckets<string[]>(join(dir, 'episodes', 'hours'), { fanout: 1 }).update('hours', 0, () => ({
      value: Object.keys(slots).sort(),
    }));
  };

  it("reads an earlier build's state: the index rebuilt from the episodes on first use, the old one removed", async () => {
    const dir = join(root, 'earlier-build');
    const episodes = keys.map((k, i): [string, Episode] => [
      k,
      episode(k, i % 3 ? inHour(20 + (i % 70)) : null),
    ]);
    writeOldLayout(dir, episodes);
    const store = new FileEpisodeStore(dir, { clock: testClock(NOW) });
    const expected = byDue(
      episodes.filter(([, e]) => e.nextCheckAt).map(([key, e]) => ({ key, nextCheckAt: e.nextCheckAt! })),
    );
    expect(await store.dueBefore(new Date(inHour(200)), keys.length)).toEqual(expected);
    expect(readdirSync(join(dir, 'episodes'))).toEqual(['items']);
    expect((await store.get(keys[1]!))?.version).toBe(1);
    // And writes on: a compare-and-set against the version the earlier build stored.
    await store.putMany([{ episode: episode(keys[1]!, inHour(1)), expectedVersion: 1 }]);
    expect((await store.dueBefore(new Date(inHour(200)), 1))[0]).toEqual({
      key: keys[1],
      nextCheckAt: inHour(1),
    });

    // As after a crash between the rebuild's commit and the removal: an old (now stale) index found
    // again is not read, and is removed.
    writeOldLayout(join(dir, 'stale'), episodes);
    renameSync(join(dir, 'stale', 'episodes', 'due'), join(dir, 'episodes', 'due'));
    renameSync(join(dir, 'stale', 'episodes', 'hours'), join(dir, 'episodes', 'hours'));
    const next = new FileEpisodeStore(dir, { clock: testClock(NOW) });
    expect((await next.dueBefore(new Date(inHour(200)), 1))[0]).toEqual({
      key: keys[1],
      nextCheckAt: inHour(1),
    });
    expect(readdirSync(join(dir, 'episodes'))).toEqual(['items']);
  });
});
