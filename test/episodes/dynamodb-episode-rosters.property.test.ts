import { DeleteItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROSTER_GRACE_MS } from '../../src/aws/due-rosters.ts';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { type Episode, foldEpisode } from '../../src/episodes/episode.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';
import { handedOff } from './episode-store.contract.ts';

/**
 * The rosters against a model of what is due: workers' batch writes (some cut off at their roster's
 * or their episode's put, as a crash would, and some held in flight behind their roster while sweeps
 * run), sweeps that poll what they find — up to a limit, so a roster may be left part-handled — and
 * refile it for a later poll (or, now and then, write it or leave it due where it is, as for a step
 * that keeps failing) — batch by batch, the writes with their batch, the refiles held back until a few
 * are waiting (`refileAtMost`) or the last batch is done, as the sweep does — some cut off between the
 * refile and the rewrite of the roster it came from, a worker now and then writing one of the sweep's
 * episodes between a batch and the refile, time passing. Whatever the order:
 * - a sweep never misses an episode that is due (one left due is found again by the next);
 * - a sweep never finds an episode again before the check it was refiled (or written) for: the roster
 *   it came from no longer lists it (the defect the first refile had: a roster a sweep did not finish
 *   kept it due at every sweep). Only an episode whose refile was cut off before that rewrite, or that
 *   a cut-off or lost write filed a roster for, or that a worker filed anew (still due) after the
 *   sweep's `dueBefore` and before its batch read it, may be found once early, until its next write;
 *   one a worker wrote after its batch read it is due at the worker's check, earlier or later;
 * - once nothing is pending, every roster goes.
 */

const NOW = '2026-12-02T01:00:00.000Z';
const KEYS = ['tu_a', 'tu_b', 'tu_c', 'tu_d'] as const;
const MINUTE = 60_000;

type Op =
  | {
      op: 'write';
      keys: number[];
      inMinutes: number | null;
      crash: 'none' | 'roster' | 'episode' | 'inflight';
    }
  | {
      op: 'sweep';
      movedInMinutes: number;
      limit: number;
      /** What the sweep does with each episode it takes, in the order taken. */
      fates: ('refile' | 'write' | 'leave')[];
      /** Episodes per batch (each read afresh but the first), and refiles sent together at most. */
      batch: number;
      refileAtMost: number;
      /** The first refile call dies: at its new roster, or at a rewrite of one it came from. */
      cut: 'none' | 'file' | 'rewrite';
      /** A worker writes one of the episodes the sweep takes (`pick`) after a batch (`after`, modulo). */
      race: { after: number; pick: number; inMinutes: number | null } | null;
    }
  | { op: 'land' }
  | { op: 'advance'; minutes: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      keys: fc.uniqueArray(fc.integer({ min: 0, max: KEYS.length - 1 }), { minLength: 1, maxLength: 3 }),
      // Often due at once: a sweep finds several due, in more than one batch.
      inMinutes: fc.option(fc.oneof(fc.integer({ min: -30, max: 0 }), fc.integer({ min: -30, max: 600 })), {
        nil: null,
        freq: 5,
      }),
      crash: fc.constantFrom('none', 'none', 'roster', 'episode', 'inflight', 'inflight'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('sweep' as const),
      movedInMinutes: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 600 })),
      limit: fc.constantFrom(1, 2, 3, 100),
      fates: fc.array(fc.constantFrom('refile', 'refile', 'refile', 'write', 'leave'), {
        minLength: KEYS.length,
        maxLength: KEYS.length,
      }),
      batch: fc.constantFrom(1, 2, 100),
      refileAtMost: fc.constantFrom(1, 2, 1000),
      cut: fc.constantFrom('none', 'none', 'none', 'file', 'rewrite'),
      race: fc.option(
        fc.record({
          after: fc.nat({ max: 3 }),
          pick: fc.nat({ max: KEYS.length - 1 }),
          inMinutes: fc.option(fc.integer({ min: -30, max: 600 }), { nil: null, freq: 5 }),
        }),
        { nil: null, freq: 3 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('land' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 400 }) }),
  },
);

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

describe('DynamoEpisodeStore rosters (property-based, dynalite)', () => {
  it('a sweep finds every due episode once per check, whatever was cut off or in flight; spent rosters go', async () => {
    await fc.assert(
      // Fewer, longer histories: a table's set-up is much of a run's time, and a sweep over several
      // batches needs a few episodes due at once.
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 40 }), async (ops) => {
        const clock = testClock(NOW);
        const table = await dynamo.table(clock);
        const client = dynamo.client();
        const send = client.send.bind(client);
        /** Where the next call dies: a roster's filing, an episode's put, a roster's rewrite or removal. */
        let cut: 'none' | 'roster' | 'episode' | 'rewrite' = 'none';
        /** The episode put held back (in flight behind its roster) until `land`. */
        let hold: { key: string; released: Promise<void>; release: () => void } | null = null;
        const kill = (what: string) => {
          cut = 'none';
          return Promise.reject(new Error(`killed at ${what}`));
        };
        client.send = ((command: unknown) => {
          if (command instanceof PutItemCommand) {
            const pk = command.input.Item?.pk?.S ?? '';
            const rewrite = command.input.ConditionExpression !== undefined;
            if (hold && pk === `episode|${hold.key}`) {
              const held = hold.released;
              hold = null;
              return held.then(() => send(command as never));
            }
            if (cut === 'roster' && pk.startsWith('eproster|') && !rewrite) return kill('the roster filing');
            if (cut === 'episode' && pk.startsWith('episode|')) return kill('the episode put');
            if (cut === 'rewrite' && pk.startsWith('eproster|') && rewrite) return kill('the roster rewrite');
          }
          if (command instanceof DeleteItemCommand && cut === 'rewrite') return kill('the roster removal');
          return send(command as never);
        }) as typeof client.send;
        const through = new DynamoTable({ client, tableName: table.tableName, clock });
        // A worker and the sweep: two Lambdas, each with its own store.
        const worker = new DynamoEpisodeStore(through);
        const sweeper = new DynamoEpisodeStore(through);
        /** Reads past the cuts and holds. */
        const peek = new DynamoEpisodeStore(table);
        /** The model: when each episode is due (null: nothing pending), as written or refiled. */
        const due = new Map<string, string | null>();
        /**
         * The versions of each episode a roster may name though not filed for them (a cut-off refile, a
         * cut-off or lost write): while it is stored at one, a sweep may find it once before its check.
         */
        const early = new Map<string, Set<number>>();
        const mayBeEarly = (key: string, version: number) =>
          early.set(key, (early.get(key) ?? new Set()).add(version));
        let inFlight: {
          key: string;
          next: string | null;
          version: number;
          since: number;
          release: () => void;
          done: Promise<{ written: boolean }[]>;
        } | null = null;
        const at = (minutes: number) => new Date(clock.now().getTime() + minutes * MINUTE).toISOString();
        const settleAll = () => new Promise((r) => setTimeout(r, 20));

        const land = async () => {
          if (!inFlight) return;
          const w = inFlight;
          inFlight = null;
          w.release();
          const [held] = await w.done;
          if (held?.written) due.set(w.key, w.next);
          else mayBeEarly(w.key, w.version); // lost its race: its roster names the winner's version
        };

        for (const o of ops) {
          if (o.op === 'advance') {
            // A write in flight lands within its roster's grace (a Lambda's timeout).
            if (inFlight && clock.now().getTime() + o.minutes * MINUTE - inFlight.since >= ROSTER_GRACE_MS)
              await land();
            clock.advance(o.minutes * MINUTE);
          } else if (o.op === 'land') await land();
          else if (o.op === 'write') {
            const keys = o.keys.map((k) => KEYS[k]!);
            if (o.crash === 'inflight' && (inFlight || keys.length < 2)) continue;
            const next = o.inMinutes === null ? null : at(o.inMinutes);
            const stored = await peek.getMany(keys);
            const items = keys.map((key) => {
              const s = stored.get(key);
              const base: Episode = s?.episode ?? foldEpisode(key, [handedOff()])!;
              return { episode: { ...base, nextCheckAt: next }, expectedVersion: s?.version ?? null };
            });
            if (o.crash === 'inflight') {
              // One roster for the batch; the first key's put is held, the others land.
              let release = () => {};
              const released = new Promise<void>((r) => {
                release = r;
              });
              hold = { key: keys[0]!, released, release };
              const done = worker.putMany(items);
              const version = (items[0]!.expectedVersion ?? 0) + 1;
              inFlight = { key: keys[0]!, next, version, since: clock.now().getTime(), release, done };
              for (const [i, key] of keys.entries()) {
                if (i === 0) continue;
                const want = (items[i]!.expectedVersion ?? 0) + 1;
                while ((await peek.get(key))?.version !== want) await settleAll();
                due.set(key, next);
              }
              continue;
            }
            cut = o.crash;
            try {
              await worker.putMany(items);
            } catch {
              // Cut off: what landed is what the store holds.
              await settleAll();
            }
            cut = 'none';
            const after = await peek.getMany(keys);
            for (const [i, key] of keys.entries()) {
              const version = (items[i]!.expectedVersion ?? 0) + 1;
              if (after.get(key)?.version === version) due.set(key, next);
              else if (o.crash === 'episode') mayBeEarly(key, version); // its roster names it
            }
          } else {
            const now = clock.now().toISOString();
            // As the sweep asks: one more than it takes, to know the limit was reached.
            const found = await sweeper.dueBefore(clock.now(), o.limit + 1);
            const keys = found.map((d) => d.key);
            expect(new Set(keys).size).toBe(keys.length);
            if (keys.length <= o.limit)
              for (const [key, when] of due) if (when !== null && when <= now) expect(keys).toContain(key);
            const stored = await peek.getMany(keys);
            for (const key of keys) {
              const when = due.get(key) ?? null;
              // Found before its check: only by a roster a cut-off refile, write or race left.
              const allowed = early.get(key)?.has(stored.get(key)?.version ?? -1) ?? false;
              if (when === null || when > now)
                expect({ key, when, now, allowed }).toMatchObject({ allowed: true });
            }
            // The sweep polls what it takes, batch by batch (the first read is the one `dueBefore` made,
            // the later ones afresh), and moves each check later (nothing recorded): writes some with their
            // batch, leaves some due where they are (a step that keeps failing wants them again at once),
            // and refiles the rest in one call once `refileAtMost` are waiting, and after its last batch.
            // Between a batch and a refile a worker may write one of them: filed anew at the worker's
            // instant (earlier, maybe), it is due then, not at the refile's (whose entry names a version
            // that is no longer stored).
            const taken = keys.slice(0, o.limit);
            const fate = (key: string) => o.fates[taken.indexOf(key)]!;
            const next = at(o.movedInMinutes);
            /** Taken episodes a worker wrote during the sweep: one not polled yet may be no longer due. */
            const raced = new Set<string>();
            /**
             * Written by the worker before its batch read it, and still due: read at the worker's version,
             * which the worker's roster lists due — a roster `dueBefore` did not see, so the refile does
             * not take it out, and the next sweep may find it once before its refiled check.
             */
            const racedDue = new Set<string>();
            const queued: { key: string; version: number; nextCheckAt: string }[] = [];
            let cutFirst = o.cut;
            const refile = async () => {
              const refiled = queued.splice(0);
              if (refiled.length === 0) return;
              const cutHere = cutFirst;
              cutFirst = 'none';
              cut = cutHere === 'file' ? 'roster' : cutHere;
              let moved = true;
              try {
                await sweeper.refile(refiled);
              } catch {
                await settleAll();
                // Cut at the new roster: nothing moved (due again at once). Cut at the rewrite: moved,
                // and the roster it came from may still list it.
                moved = cutHere === 'rewrite';
              }
              cut = 'none';
              if (!moved) return;
              const stored = await peek.getMany(refiled.map((r) => r.key));
              for (const r of refiled) {
                // Written since it was read: the worker's check stands, the refile's entry is spent.
                if (stored.get(r.key)?.version !== r.version) continue;
                due.set(r.key, next);
                if (cutHere === 'rewrite' || racedDue.has(r.key)) mayBeEarly(r.key, r.version);
              }
            };
            const batches = Math.ceil(taken.length / o.batch);
            for (let b = 0; b < batches; b++) {
              const batch = [
                ...(await sweeper.getMany(taken.slice(b * o.batch, (b + 1) * o.batch))).values(),
              ];
              // Found, so due as stored (as the sweep re-reads it), unless a worker wrote it since.
              const live = batch.filter(
                (s) => s.episode.nextCheckAt !== null && s.episode.nextCheckAt <= now,
              );
              for (const s of batch) if (!live.includes(s)) expect(raced.has(s.episode.key)).toBe(true);
              for (const s of live) if (raced.has(s.episode.key)) racedDue.add(s.episode.key);
              const moved = live
                .filter((s) => fate(s.episode.key) === 'write')
                .map((s) => ({ episode: { ...s.episode, nextCheckAt: next }, expectedVersion: s.version }));
              const written = await sweeper.putMany(moved);
              written.forEach((w, i) => {
                if (w.written) due.set(moved[i]!.episode.key, next);
              });
              for (const s of live) if (fate(s.episode.key) === 'leave') due.set(s.episode.key, now);
              for (const s of live)
                if (fate(s.episode.key) === 'refile')
                  queued.push({ key: s.episode.key, version: s.version, nextCheckAt: next });
              if (o.race && o.race.after % batches === b) {
                const key = taken[o.race.pick % taken.length]!;
                const s = (await peek.get(key))!;
                const then = o.race.inMinutes === null ? null : at(o.race.inMinutes);
                const [w] = await worker.putMany([
                  { episode: { ...s.episode, nextCheckAt: then }, expectedVersion: s.version },
                ]);
                expect(w?.written).toBe(true);
                due.set(key, then);
                raced.add(key);
              }
              if (queued.length >= o.refileAtMost) await refile();
            }
            await refile();
          }
        }

        // Everything settles: no roster outlives the episodes it lists.
        await land();
        for (const key of KEYS) {
          const stored = await peek.get(key);
          if (stored) await worker.put({ ...stored.episode, nextCheckAt: null }, stored.version);
        }
        clock.advance(30 * 86_400_000);
        expect(await sweeper.dueBefore(clock.now(), 100)).toEqual([]);
        const left = (await send(new ScanCommand({ TableName: table.tableName }) as never)) as {
          Items?: { pk?: { S?: string } }[];
        };
        expect((left.Items ?? []).filter((i) => i.pk?.S?.startsWith('eproster|'))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 300_000);
});
