import {
  BatchGetItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressJson, decompressJson } from '../../src/aws/compressed-json.ts';
import { DynamoTable, num, SINGLE, str } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { foldEpisode } from '../../src/episodes/episode.ts';
import { StateUnavailableError } from '../../src/ports/state-unavailable-error.ts';
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

describe('DynamoEpisodeStore: reading many episodes', () => {
  /** A client that records each BatchGetItem's key count and may hold back keys as UnprocessedKeys. */
  function spyClient(holdBack: (call: number, keys: number) => number) {
    const client = dynamo.client();
    const send = client.send.bind(client);
    const batches: number[] = [];
    client.send = (async (command: {
      constructor: { name: string };
      input: { RequestItems?: Record<string, { Keys: unknown[] }> };
    }) => {
      if (command.constructor.name !== 'BatchGetItemCommand') return send(command as never);
      const [table, request] = Object.entries(command.input.RequestItems!)[0]!;
      const call = batches.push(request.Keys.length);
      const held = holdBack(call, request.Keys.length);
      // What a throttled table answers: the first keys, and the rest as UnprocessedKeys.
      const answered = { ...request, Keys: request.Keys.slice(0, request.Keys.length - held) };
      const out = (await send(
        new BatchGetItemCommand({ RequestItems: { [table]: answered } as never }) as never,
      )) as { UnprocessedKeys?: Record<string, unknown> };
      if (held > 0)
        out.UnprocessedKeys = {
          [table]: { ...request, Keys: request.Keys.slice(request.Keys.length - held) },
        };
      return out;
    }) as typeof client.send;
    return { client, batches };
  }

  it('asks 100 keys per BatchGetItem and reads them strongly consistent', async () => {
    const clock = testClock('2026-12-02T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const writer = new DynamoEpisodeStore(table);
    const keys = Array.from({ length: 250 }, (_, i) => `tu_k${i}`);
    for (const key of keys.slice(0, 120)) await writer.put(foldEpisode(key, [handedOff()])!, null);
    const { client, batches } = spyClient(() => 0);
    const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
    const many = await store.getMany(keys);
    expect(batches).toEqual([100, 100, 50]);
    expect(many.size).toBe(120);
    expect(many.get('tu_k7')).toMatchObject({ version: 1, episode: { key: 'tu_k7', objectType: 'Lead' } });
  });

  it("the sweep's first read after dueBefore takes the due episodes dueBefore read: that read only, within seconds, never one this store wrote since", async () => {
    const clock = testClock('2026-12-02T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const writer = new DynamoEpisodeStore(table);
    const keys = ['tu_f1', 'tu_f2', 'tu_f3', 'tu_f4'];
    await writer.recordSteps(
      keys.map((key) => ({ key, event: handedOff() })),
      () => '2026-12-02T03:00:00.000Z',
    );
    clock.advance(3 * 3_600_000);
    const { client, batches } = spyClient(() => 0);
    const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
    const stored = await store.getMany(keys);
    // Another writer moves tu_f4's check later: dueBefore reads it, and it is not due.
    await writer.put({ ...stored.get('tu_f4')!.episode, nextCheckAt: '2026-12-02T09:00:00.000Z' }, 1);
    const readsBefore = batches.length;
    const due = await store.dueBefore(clock.now(), 10);
    expect(due.map((d) => d.key)).toEqual(['tu_f1', 'tu_f2', 'tu_f3']);
    const readsByDueBefore = batches.length;
    expect(readsByDueBefore).toBeGreaterThan(readsBefore);

    // The sweep's first batch: nothing asked of DynamoDB, the same episodes.
    const first = await store.getMany(['tu_f1', 'tu_f2']);
    expect(batches).toHaveLength(readsByDueBefore);
    expect([...first.values()].map((s) => s.version)).toEqual([1, 1]);
    // The next batch, however soon, reads afresh: the first read took all that was kept.
    await store.getMany(['tu_f3']);
    expect(batches).toHaveLength(readsByDueBefore + 1);
    // What dueBefore found not due was never kept.
    await store.dueBefore(clock.now(), 10);
    const reads = batches.length;
    expect((await store.getMany(['tu_f4'])).get('tu_f4')!.version).toBe(2);
    expect(batches).toEqual([...batches.slice(0, reads), 1]);

    // Written through this store since: read afresh, the new version.
    await store.dueBefore(clock.now(), 10);
    const { stored: rewritten } = await store.put(first.get('tu_f2')!.episode, 1);
    expect(rewritten.version).toBe(2);
    const readsNow = batches.length;
    const after = await store.getMany(['tu_f2', 'tu_f3']);
    expect(after.get('tu_f2')!.version).toBe(2);
    expect(batches).toEqual([...batches.slice(0, readsNow), 1]); // only tu_f2 was asked for

    // Past a few seconds, another writer's change is read, not the old read.
    await store.dueBefore(clock.now(), 10);
    await writer.put(first.get('tu_f1')!.episode, 1);
    clock.advance(6_000);
    expect((await store.getMany(['tu_f1'])).get('tu_f1')!.version).toBe(2);
  });

  it('asks again for the keys DynamoDB left unprocessed until every one is answered', async () => {
    const clock = testClock('2026-12-02T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const writer = new DynamoEpisodeStore(table);
    const keys = Array.from({ length: 30 }, (_, i) => `tu_u${i}`);
    for (const key of keys) await writer.put(foldEpisode(key, [handedOff()])!, null);
    // Throttled twice: 20 keys held back, then 5 of those.
    const { client, batches } = spyClient((call) => (call === 1 ? 20 : call === 2 ? 5 : 0));
    const waits: number[] = [];
    const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }), {
      sleep: async (ms) => void waits.push(ms),
    });
    const many = await store.getMany(keys);
    expect(batches).toEqual([30, 20, 5]);
    expect(waits).toHaveLength(2);
    expect([...many.keys()].sort()).toEqual([...keys].sort());
  });

  it('gives up with StateUnavailableError when keys stay unprocessed', async () => {
    const clock = testClock('2026-12-02T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const { client } = spyClient((_call, n) => n);
    const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }), {
      sleep: async () => undefined,
    });
    await expect(store.getMany(['tu_a', 'tu_b'])).rejects.toBeInstanceOf(StateUnavailableError);
  });

  it('stores the episode compressed, and reads one an earlier build stored as text', async () => {
    const clock = testClock('2026-12-02T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const store = new DynamoEpisodeStore(table);
    const episode = foldEpisode('tu_z', [handedOff()])!;
    await store.put(episode, null);
    const item = await table.get('episode|tu_z');
    expect(item?.episode).toBeUndefined();
    expect(item?.episodez?.B?.length).toBeLessThan(JSON.stringify(episode).length);

    const text = foldEpisode('tu_text', [handedOff()])!;
    await table.put({
      pk: str('episode|tu_text'),
      sk: str(SINGLE),
      episode: str(JSON.stringify(text)),
      version: num(3),
    });
    expect(await store.get('tu_text')).toEqual({ episode: text, version: 3 });
    expect((await store.getMany(['tu_text', 'tu_z'])).get('tu_text')).toEqual({ episode: text, version: 3 });
    expect((await store.put({ ...text, owner: { ...text.owner, id: 'u9' } }, 3)).written).toBe(true);
    expect((await store.get('tu_text'))?.episode.owner.id).toBe('u9');
  });

  it('reads an episode stored before objectType was recorded with the CRM default', async () => {
    const clock = testClock('2026-12-02T01:00:00.000Z');
    const table = await dynamo.table(clock);
    const store = new DynamoEpisodeStore(table);
    const { objectType: _dropped, ...old } = foldEpisode('tu_old', [handedOff()])!;
    await store.put(old as never, null);
    expect((await store.get('tu_old'))?.episode.objectType).toBe('Lead');
    expect((await store.getMany(['tu_old'])).get('tu_old')?.episode.objectType).toBe('Lead');
  });
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

describe('DynamoEpisodeStore: rosters (the due index holds one item per write and instant, not per episode)', () => {
  const NOW = '2026-12-02T01:00:00.000Z';
  const at = (h: number) => new Date(Date.parse(NOW) + h * 3_600_000).toISOString();
  const schedule = () => at(3);

  async function setup() {
    const clock = testClock(NOW);
    const table = await dynamo.table(clock);
    const store = new DynamoEpisodeStore(table);
    const items = async (prefix: string) =>
      ((await dynamo.client().send(new ScanCommand({ TableName: table.tableName }))).Items ?? []).filter(
        (i) => i.pk?.S?.startsWith(prefix),
      );
    return { clock, table, store, items };
  }

  /**
   * A worker's batch handing off tu_a and tu_b for a check due at once, tu_b's episode write held
   * back: returns once tu_a is written; `land()` lets tu_b's write through and waits for the batch.
   */
  async function handOffWithTuBInFlight({
    clock,
    table,
    items,
  }: Omit<Awaited<ReturnType<typeof setup>>, 'store'>) {
    const client = dynamo.client();
    const send = client.send.bind(client);
    let hold: (() => void) | null = null;
    const held = new Promise<void>((resolve) => {
      hold = resolve;
    });
    client.send = (async (command: { input?: { Item?: { pk?: { S?: string } } } }) => {
      if (command.input?.Item?.pk?.S === 'episode|tu_b') await held;
      return send(command as never);
    }) as typeof client.send;
    const worker = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
    const now = () => clock.now().toISOString();
    const batch = worker.recordSteps(
      ['tu_a', 'tu_b'].map((key) => ({ key, event: handedOff() })),
      () => now(),
    );
    while ((await items('episode|')).length < 1) await new Promise((r) => setTimeout(r, 5));
    return {
      land: async () => {
        hold!();
        await batch;
      },
    };
  }

  async function setupTwo() {
    const { clock, table, store } = await setup();
    const other = new DynamoEpisodeStore(
      new DynamoTable({ client: dynamo.client(), tableName: table.tableName, clock }),
    );
    return { clock, store, other };
  }

  it("files a batch's hand-offs in one roster, and no episode item carries index keys", async () => {
    const { store, items } = await setup();
    const keys = Array.from({ length: 30 }, (_, i) => `tu_h${i}`);
    await store.recordSteps(
      keys.map((key) => ({ key, event: handedOff() })),
      schedule,
    );
    const rosters = await items('eproster|');
    expect(rosters).toHaveLength(1);
    expect(rosters[0]!.dueAt?.S).toMatch(new RegExp(`^${at(3)}#eproster\\|`));
    const episodes = await items('episode|');
    expect(episodes).toHaveLength(30);
    expect(episodes.filter((e) => e.dueBucket || e.dueAt)).toEqual([]);
    expect((await store.dueBefore(new Date(at(3)), 100)).map((d) => d.key)).toEqual([...keys].sort());
    expect(await store.dueBefore(new Date(at(2.9)), 100)).toEqual([]);
  });

  it('writes a batch of new hand-offs without reading them first; the same batch again records nothing', async () => {
    const { clock, table } = await setup();
    const reads: string[] = [];
    const client = dynamo.client();
    const send = client.send.bind(client);
    client.send = ((command: { constructor: { name: string } }) => {
      if (/^(Get|BatchGet)Item/.test(command.constructor.name)) reads.push(command.constructor.name);
      return send(command as never);
    }) as typeof client.send;
    const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
    const batch = ['tu_f1', 'tu_f2'].map((key) => ({ key, event: handedOff() }));
    const first = await store.recordSteps(batch, schedule);
    expect(first.map((r) => [r.recorded, r.stored?.version])).toEqual([
      [true, 1],
      [true, 1],
    ]);
    expect(reads).toEqual([]);
    // Redelivered: each put finds the episode there, and it is read and left as it is.
    const again = await store.recordSteps(batch, schedule);
    expect(again.map((r) => [r.recorded, r.stored?.version])).toEqual([
      [false, 1],
      [false, 1],
    ]);
    expect(reads.length).toBeGreaterThan(0);
  });

  it('a roster filed by a writer that died before writing its episodes is kept through its grace, then removed', async () => {
    const { clock, table, store, items } = await setup();
    await store.recordStep('tu_kept', handedOff(), schedule);
    // What a put files before its episode, for an episode that was then never written.
    const pk = `eproster|${NOW}|dead`;
    await table.put({
      pk: str(pk),
      sk: str(SINGLE),
      keysz: { B: compressJson(JSON.stringify([['tu_never', 1]])) },
      filedAtMs: num(clock.now().getTime()),
      dueBucket: str(NOW.slice(0, 13)),
      dueAt: str(`${NOW}#${pk}`),
    });
    // Nothing due in it; but a put may still be in flight behind a fresh roster: kept.
    clock.advance(10 * 60_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    expect((await items('eproster|')).map((r) => r.pk?.S)).toContain(pk);
    clock.advance(10 * 60_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    expect((await items('eproster|')).map((r) => r.pk?.S)).not.toContain(pk);
    // The live roster is untouched.
    clock.advance(3 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_kept', nextCheckAt: at(3) }]);
  });

  it('keeps a roster while one of its episodes is still due there, and removes it once all have moved on', async () => {
    const { clock, store, items } = await setup();
    await store.recordSteps(
      ['tu_a', 'tu_b'].map((key) => ({ key, event: handedOff() })),
      schedule,
    );
    clock.advance(4 * 3_600_000);
    expect((await store.dueBefore(clock.now(), 10)).map((d) => d.key)).toEqual(['tu_a', 'tu_b']);
    // A sweep moves tu_a on; tu_b's check fails and it stays due where it was.
    const a = (await store.get('tu_a'))!;
    await store.put({ ...a.episode, nextCheckAt: at(30) }, a.version);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_b', nextCheckAt: at(3) }]);
    expect(await items('eproster|')).toHaveLength(2);
    const b = (await store.get('tu_b'))!;
    await store.put({ ...b.episode, nextCheckAt: null, status: 'closed' }, b.version);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    // The spent roster is gone; tu_a's next one waits at +30 h.
    const left = await items('eproster|');
    expect(left.map((r) => r.dueAt?.S?.slice(0, 24))).toEqual([at(30)]);
    clock.advance(27 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_a', nextCheckAt: at(30) }]);
  });

  it('a sweep that moves every episode due in a roster removes it at once; a fresh one only by a later read', async () => {
    const { clock, store, items } = await setup();
    await store.recordStep('tu_poll', handedOff(), schedule);
    clock.advance(3 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_poll', nextCheckAt: at(3) }]);
    const s = (await store.get('tu_poll'))!;
    await store.put({ ...s.episode, nextCheckAt: at(6) }, s.version);
    // Past its grace, the roster it was due in went with the write; the new one waits at +6 h.
    expect((await items('eproster|')).map((r) => r.dueAt?.S?.slice(0, 24))).toEqual([at(6)]);
  });

  it('a sweep never removes a fresh roster while one of its episodes is still being written', async () => {
    const { clock, table, store, items } = await setup();
    // A worker's batch filed for a check due at once; tu_b's write is still on its way.
    const { land } = await handOffWithTuBInFlight({ clock, table, items });
    // The sweep reads the roster once tu_a is written, and moves tu_a on.
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_a', nextCheckAt: NOW }]);
    const a = (await store.get('tu_a'))!;
    await store.put({ ...a.episode, nextCheckAt: at(5) }, a.version);
    // tu_b's write lands: the roster that lists it is still there, and it is found.
    await land();
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_b', nextCheckAt: NOW }]);
    expect((await items('eproster|')).length).toBe(2);
  });

  it('a put that lost its race leaves no check earlier than the winner scheduled', async () => {
    const { clock, store, other } = await setupTwo();
    const ep = foldEpisode('tu_race', [handedOff()])!;
    await store.put({ ...ep, nextCheckAt: at(5) }, null);
    // Another writer, which read nothing stored, tries to create it with an earlier check.
    expect((await other.put({ ...ep, nextCheckAt: at(1) }, null)).written).toBe(false);
    clock.advance(2 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    clock.advance(3 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_race', nextCheckAt: at(5) }]);
  });

  /** The entries a roster lists now (`[key, version]`). */
  const listed = (roster: { keysz?: { B?: Uint8Array } }) =>
    JSON.parse(decompressJson(roster.keysz!.B!)) as [string, number][];

  it('refiles an episode nothing was recorded for without writing it; the roster it came from, part-handled, is rewritten without it', async () => {
    const { clock, store, items } = await setup();
    // One roster for a batch of two; the sweep (limit 1) takes tu_a only.
    await store.recordSteps(
      ['tu_a', 'tu_b'].map((key) => ({ key, event: handedOff() })),
      schedule,
    );
    const before = await items('episode|tu_a');
    clock.advance(3 * 3_600_000);
    const found = await store.dueBefore(clock.now(), 1);
    expect(found).toEqual([{ key: 'tu_a', nextCheckAt: at(3) }]);
    const [roster] = await items('eproster|');
    await store.refile([{ key: 'tu_a', version: 1, nextCheckAt: at(6) }]);
    // The episode item is as it was (no write); the roster it was due in lists tu_b alone, with its
    // instant, index keys and filing time as they were; a roster at +6 h lists tu_a.
    expect(await items('episode|tu_a')).toEqual(before);
    const rosters = await items('eproster|');
    const old = rosters.find((r) => r.pk?.S === roster!.pk?.S)!;
    expect(listed(old)).toEqual([['tu_b', 1]]);
    expect({ ...old, keysz: undefined }).toEqual({ ...roster, keysz: undefined });
    expect(rosters.filter((r) => r !== old).map((r) => [r.dueAt?.S?.slice(0, 24), listed(r)])).toEqual([
      [at(6), [['tu_a', 1]]],
    ]);
    // The next sweeps, before tu_a's next poll: tu_b only, and never tu_a again (the defect the first
    // refile had: its roster, not finished, kept it due at every sweep).
    clock.advance(60_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_b', nextCheckAt: at(3) }]);
    await store.refile([{ key: 'tu_b', version: 1, nextCheckAt: at(6) }]);
    clock.advance(60_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    // Nothing left due in it, and nothing in flight behind it: the old roster went with the refile.
    expect((await items('eproster|')).map((r) => r.dueAt?.S?.slice(0, 24))).toEqual([at(6), at(6)]);
    clock.advance(3 * 3_600_000);
    expect((await store.dueBefore(clock.now(), 10)).map((d) => d.key)).toEqual(['tu_a', 'tu_b']);
    // A write since the refile (a response recorded) files it anew; the refiled entry is spent.
    const a = (await store.get('tu_a'))!;
    await store.put({ ...a.episode, nextCheckAt: at(12) }, a.version);
    expect((await store.dueBefore(clock.now(), 10)).map((d) => d.key)).toEqual(['tu_b']);
  });

  it('a refile keeps the entry of a write still in flight behind a fresh roster, which is found once it lands', async () => {
    const { clock, table, store, items } = await setup();
    const { land } = await handOffWithTuBInFlight({ clock, table, items });
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_a', nextCheckAt: NOW }]);
    await store.refile([{ key: 'tu_a', version: 1, nextCheckAt: at(3) }]);
    // Rewritten, not removed: tu_b's write is still on its way.
    const old = (await items('eproster|')).find((r) => r.dueAt?.S?.startsWith(NOW))!;
    expect(listed(old)).toEqual([['tu_b', 1]]);
    await land();
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_b', nextCheckAt: NOW }]);
  });

  it('a fresh roster whose entries were all due when read goes with their refile: no write behind it can land', async () => {
    const { clock, store, items } = await setup();
    const now = () => clock.now().toISOString();
    await store.recordSteps(
      ['tu_a', 'tu_b'].map((key) => ({ key, event: handedOff() })),
      () => now(),
    );
    expect((await store.dueBefore(clock.now(), 10)).map((d) => d.key)).toEqual(['tu_a', 'tu_b']);
    await store.refile(['tu_a', 'tu_b'].map((key) => ({ key, version: 1, nextCheckAt: at(3) })));
    expect((await items('eproster|')).map((r) => r.dueAt?.S?.slice(0, 24))).toEqual([at(3)]);
  });

  it('a refile cut off before the rewrite of its old roster brings one extra check, never a missed one', async () => {
    const { clock, table, items } = await setup();
    const client = dynamo.client();
    const send = client.send.bind(client);
    let cut = true;
    client.send = ((command: { input?: { ConditionExpression?: string; Key?: unknown } }) => {
      const rewrite =
        command instanceof DeleteItemCommand ||
        (command instanceof PutItemCommand && command.input.ConditionExpression === 'keysz = :read');
      if (cut && rewrite) return Promise.reject(new Error('killed at the roster rewrite'));
      return send(command as never);
    }) as typeof client.send;
    const store = new DynamoEpisodeStore(new DynamoTable({ client, tableName: table.tableName, clock }));
    await store.recordSteps([{ key: 'tu_a', event: handedOff() }], schedule);
    clock.advance(3 * 3_600_000);
    expect((await store.dueBefore(clock.now(), 10)).map((d) => d.key)).toEqual(['tu_a']);
    await expect(store.refile([{ key: 'tu_a', version: 1, nextCheckAt: at(6) }])).rejects.toThrow(
      /DeleteItem/,
    );
    cut = false;
    // Its old roster still lists it: found once more, refiled, and then not again before +6 h.
    expect((await store.dueBefore(clock.now(), 10)).map((d) => d.key)).toEqual(['tu_a']);
    await store.refile([{ key: 'tu_a', version: 1, nextCheckAt: at(6) }]);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    expect((await items('eproster|')).map((r) => r.dueAt?.S?.slice(0, 24))).toEqual([at(6), at(6)]);
    clock.advance(3 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_a', nextCheckAt: at(6) }]);
  });

  it('a roster rewrite that loses its race to another sweep takes its entries out of what is stored', async () => {
    const { clock, table, items } = await setup();
    const writer = new DynamoEpisodeStore(table);
    await writer.recordSteps(
      ['tu_a', 'tu_b', 'tu_c'].map((key) => ({ key, event: handedOff() })),
      schedule,
    );
    clock.advance(3 * 3_600_000);
    // Two sweeps read the roster at once; one refiles tu_a, the other tu_b.
    const [one, two] = [0, 1].map(
      () =>
        new DynamoEpisodeStore(
          new DynamoTable({ client: dynamo.client(), tableName: table.tableName, clock }),
        ),
    );
    expect((await one!.dueBefore(clock.now(), 10)).map((d) => d.key)).toEqual(['tu_a', 'tu_b', 'tu_c']);
    expect((await two!.dueBefore(clock.now(), 10)).map((d) => d.key)).toEqual(['tu_a', 'tu_b', 'tu_c']);
    await one!.refile([{ key: 'tu_a', version: 1, nextCheckAt: at(6) }]);
    await two!.refile([{ key: 'tu_b', version: 1, nextCheckAt: at(6) }]);
    const old = (await items('eproster|')).find((r) => r.dueAt?.S?.startsWith(at(3)))!;
    expect(listed(old)).toEqual([['tu_c', 1]]);
    expect(await writer.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_c', nextCheckAt: at(3) }]);
  });

  it('still finds an episode an earlier build filed on its own item; a refile or its next write takes it out of the index', async () => {
    const { clock, table, store, items } = await setup();
    const ep = { ...foldEpisode('tu_legacy', [handedOff()])!, nextCheckAt: at(2) };
    // The floor an earlier build created with its first entry.
    await table.put({ pk: str('epdue|floor'), sk: str(SINGLE), hour: str(at(-1).slice(0, 13)) });
    await table.put({
      pk: str('episode|tu_legacy'),
      sk: str(SINGLE),
      episode: str(JSON.stringify(ep)),
      version: num(2),
      dueBucket: str(at(2).slice(0, 13)),
      dueAt: str(`${at(2)}#tu_legacy`),
    });
    clock.advance(3 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_legacy', nextCheckAt: at(2) }]);
    // A poll that found nothing: refiled, such an episode is written once (its entry would stay due).
    await store.refile([{ key: 'tu_legacy', version: 2, nextCheckAt: at(5) }]);
    expect((await store.get('tu_legacy'))?.version).toBe(3);
    expect((await items('episode|tu_legacy'))[0]?.dueBucket).toBeUndefined();
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    clock.advance(2 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_legacy', nextCheckAt: at(5) }]);
    await store.put({ ...ep, nextCheckAt: at(9) }, 3);
    const [item] = await items('episode|tu_legacy');
    expect(item?.dueBucket).toBeUndefined();
    expect(await store.dueBefore(clock.now(), 10)).toEqual([]);
    clock.advance(4 * 3_600_000);
    expect(await store.dueBefore(clock.now(), 10)).toEqual([{ key: 'tu_legacy', nextCheckAt: at(9) }]);
  });
});
