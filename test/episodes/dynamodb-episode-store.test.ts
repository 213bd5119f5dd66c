import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { foldEpisode } from '../../src/episodes/episode.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';
import { describeEpisodeStoreContract, handedOff } from './episode-store.contract.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

describeEpisodeStoreContract('DynamoEpisodeStore (dynalite)', async (clock) => {
  const table = await dynamo.table(clock);
  // `other` has its own SDK client: another Lambda invocation on the same table.
  return {
    store: new DynamoEpisodeStore(table),
    other: () =>
      new DynamoEpisodeStore(new DynamoTable({ client: dynamo.client(), tableName: table.tableName, clock })),
  };
});

describe('DynamoEpisodeStore: finding due episodes', () => {
  it('queries the index hour by hour from the floor, never scans, and moves the floor up behind it', async () => {
    const clock = testClock('2026-12-02T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const sent: string[] = [];
    const client = dynamo.client();
    const send = client.send.bind(client);
    client.send = ((command: { constructor: { name: string }; input: { IndexName?: string } }) => {
      sent.push(`${command.constructor.name}${command.input.IndexName ? `:${command.input.IndexName}` : ''}`);
      return send(command as never);
    }) as typeof client.send;
    const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
    const ep = foldEpisode('tu_q', [handedOff()])!;
    await store.put({ ...ep, nextCheckAt: '2026-12-02T03:30:00.000Z' }, null);

    const queries = async () => {
      sent.length = 0;
      expect(await store.dueBefore(clock.now(), 10)).toEqual([
        { key: 'tu_q', nextCheckAt: '2026-12-02T03:30:00.000Z' },
      ]);
      expect(sent).not.toContain('ScanCommand');
      return sent.filter((c) => c === 'QueryCommand:due').length;
    };
    // The first write set the floor at 00:00 (the hour before it). At 04:00 a sweep asks 00 … 04.
    clock.advance(3 * 3_600_000);
    expect(await queries()).toBe(5);
    // The floor moved to 03 (the entry still waits there): the next sweep, at 06:00, asks 03 … 06.
    clock.advance(2 * 3_600_000);
    expect(await queries()).toBe(4);
    // Once the entry moves on, the floor follows the sweeps: at 08:00, 06 … 08.
    await store.put({ ...ep, nextCheckAt: '2026-12-03T01:00:00.000Z' }, 1);
    clock.advance(3_600_000);
    sent.length = 0;
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    clock.advance(3_600_000);
    sent.length = 0;
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    expect(sent.filter((c) => c === 'QueryCommand:due')).toHaveLength(3);
  });
});
