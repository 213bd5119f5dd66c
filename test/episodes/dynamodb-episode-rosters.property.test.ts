import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { type Episode, foldEpisode } from '../../src/episodes/episode.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';
import { handedOff } from './episode-store.contract.ts';

/**
 * The rosters against a model of what is due: writes (some of them cut off between the roster and
 * the episode, as a crash would), a sweep moving on what it found due, time passing. Whatever the
 * order, a sweep never misses an episode that is due, and once nothing is pending every roster goes.
 */

const NOW = '2026-12-02T01:00:00.000Z';
const KEYS = ['tu_a', 'tu_b', 'tu_c', 'tu_d'] as const;
const MINUTE = 60_000;

type Op =
  | { op: 'write'; key: number; inMinutes: number | null; crash: 'none' | 'roster' | 'episode' }
  | { op: 'sweep'; movedInMinutes: number }
  | { op: 'advance'; minutes: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('write' as const),
    key: fc.integer({ min: 0, max: KEYS.length - 1 }),
    inMinutes: fc.option(fc.integer({ min: -30, max: 600 }), { nil: null, freq: 4 }),
    crash: fc.constantFrom('none' as const, 'none' as const, 'roster' as const, 'episode' as const),
  }),
  fc.record({ op: fc.constant('sweep' as const), movedInMinutes: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ op: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 400 }) }),
);

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

describe('DynamoEpisodeStore rosters (property-based, dynalite)', () => {
  it('a sweep finds every due episode, whatever crashed between a roster and its episode; spent rosters go', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), async (ops) => {
        const clock = testClock(NOW);
        const table = await dynamo.table(clock);
        const client = dynamo.client();
        const send = client.send.bind(client);
        /** The put the next write dies at (its roster's, or its episode's), none: it goes through. */
        let crashAt: 'none' | 'roster' | 'episode' = 'none';
        client.send = ((command: unknown) => {
          const pk = command instanceof PutItemCommand ? (command.input.Item?.pk?.S ?? '') : '';
          if (crashAt !== 'none' && pk.startsWith(crashAt === 'roster' ? 'eproster|' : 'episode|')) {
            crashAt = 'none';
            return Promise.reject(new Error(`killed at the ${pk.split('|')[0]} put`));
          }
          return send(command as never);
        }) as typeof client.send;
        const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
        /** The model: when each episode is due (null: nothing pending), as written. */
        const due = new Map<string, string | null>();
        const at = (minutes: number) => new Date(clock.now().getTime() + minutes * MINUTE).toISOString();

        for (const o of ops) {
          if (o.op === 'advance') clock.advance(o.minutes * MINUTE);
          else if (o.op === 'write') {
            const key = KEYS[o.key]!;
            const stored = await store.get(key);
            const base: Episode = stored?.episode ?? foldEpisode(key, [handedOff()])!;
            const next = o.inMinutes === null ? null : at(o.inMinutes);
            crashAt = o.crash;
            try {
              await store.put({ ...base, nextCheckAt: next }, stored?.version ?? null);
              due.set(key, next);
            } catch {
              // Cut off: the episode is as it was, whatever roster was filed for it.
            }
            crashAt = 'none';
          } else {
            const now = clock.now().toISOString();
            const found = await store.dueBefore(clock.now(), 100);
            const keys = found.map((d) => d.key);
            for (const [key, when] of due) if (when !== null && when <= now) expect(keys).toContain(key);
            expect(new Set(keys).size).toBe(keys.length);
            // The sweep polls what it found and moves each check later (nothing recorded).
            const stored = await store.getMany(keys);
            const moved = [...stored.values()].map((s) => ({
              episode: { ...s.episode, nextCheckAt: at(o.movedInMinutes) },
              expectedVersion: s.version,
            }));
            const written = await store.putMany(moved);
            written.forEach((w, i) => {
              if (w.written) due.set(moved[i]!.episode.key, moved[i]!.episode.nextCheckAt);
            });
          }
        }

        // Everything settles: no roster outlives the episodes it lists.
        for (const key of KEYS) {
          const stored = await store.get(key);
          if (stored) await store.put({ ...stored.episode, nextCheckAt: null }, stored.version);
        }
        clock.advance(30 * 86_400_000);
        expect(await store.dueBefore(clock.now(), 100)).toEqual([]);
        const left = (await send(new ScanCommand({ TableName: table.tableName }) as never)) as {
          Items?: { pk?: { S?: string } }[];
        };
        expect((left.Items ?? []).filter((i) => i.pk?.S?.startsWith('eproster|'))).toEqual([]);
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
