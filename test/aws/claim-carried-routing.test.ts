import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimCarriedRouting } from '../../src/aws/claim-carried-routing.ts';
import type { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import { DynamoRoutingState } from '../../src/aws/dynamodb-routing-state.ts';
import type { RouteResult } from '../../src/ports/routing-state.ts';
import { assignmentKey } from '../../src/routing/route.ts';
import { testClock } from '../state/state-store.contract.ts';
import { type LocalDynamo, startLocalDynamo } from './local-dynamodb.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

const ref = { objectType: 'Lead', leadId: '00Q1' };
const leadKey = 'salesforce|Lead|00Q1';
const tossUp = assignmentKey('salesforce', '00Q1', 'tu_1');
const ownerOfRecord = assignmentKey('salesforce', '00Q1', 'owner_of_record|005A');
const rep = (ownerId: string): RouteResult => ({
  ownerId,
  ownerKind: 'user',
  via: 'pool',
  ownerKey: ownerId.toLowerCase(),
  poolId: 'field',
  businessDate: '2026-11-24',
});

/** The worker's routing for one batch: the lead records read the batch, the route items beside. */
function worker(table: DynamoTable) {
  const records = new DynamoLeadRecords(table);
  const routeItems = new DynamoRoutingState(table);
  return { records, routeItems, routing: new ClaimCarriedRouting(routeItems, records, 'salesforce') };
}

/** The partition keys of the item kinds `prefix` names, and the route-item reads, as sent. */
function watch(table: DynamoTable) {
  const routeReads: string[] = [];
  const send = table.client.send.bind(table.client);
  table.client.send = ((command: {
    constructor: { name: string };
    input: { Key?: { pk?: { S?: string } } };
  }) => {
    const pk = command.input.Key?.pk?.S ?? '';
    if (command.constructor.name === 'GetItemCommand' && pk.startsWith('route|')) routeReads.push(pk);
    return send(command as never);
  }) as typeof table.client.send;
  return routeReads;
}

async function pks(table: DynamoTable, prefix: string): Promise<string[]> {
  const { Items } = await table.client.send(new ScanCommand({ TableName: table.tableName }));
  return (Items ?? []).map((i) => i.pk!.S!).filter((pk) => pk.startsWith(prefix));
}

describe('ClaimCarriedRouting: a lead’s routing assignments ride on its claim', () => {
  it('a new lead: no route read, the assignment written by the claim alone, and read back from the item', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const routeReads = watch(table);
    const first = worker(table);
    await first.records.getMany('salesforce', [ref]);
    expect(await first.routing.getAssignment(tossUp)).toBeNull();
    expect(await first.routing.putAssignment(tossUp, rep('005A'), null)).toEqual({
      stored: { result: rep('005A'), version: 1 },
      written: true,
    });
    const lease = clock.now().getTime() + 60_000;
    expect((await first.records.claimDecided(leadKey, 1000, lease, 'salesforce', null)).status).toBe(
      'claimed',
    );
    expect(await pks(table, 'route|')).toEqual([]);

    // The retry of the same decision (another container) finds the rep on the lead's item.
    clock.advance(60_000);
    const retry = worker(table);
    await retry.records.getMany('salesforce', [ref]);
    expect(await retry.routing.getAssignment(tossUp)).toEqual({ result: rep('005A'), version: 1 });
    expect(routeReads).toEqual([]);
  });

  it('a lead whose item does not hold the key is looked up in the route items (earlier builds)', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const w = worker(table);
    await w.records.schedule('salesforce', [{ ...ref, recheckAt: null, holdSince: null, inputs: 'f' }]);
    await w.routeItems.putAssignment(tossUp, rep('005B'), null);
    const routeReads = watch(table);
    await w.records.getMany('salesforce', [ref]);
    expect(await w.routing.getAssignment(tossUp)).toEqual({ result: rep('005B'), version: 1 });
    expect(routeReads).toEqual([`route|${tossUp}`]);
  });

  it("keeps a record owner's assignment through a claim that did not ask for it, and drops a toss-up's it did not use", async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const lease = () => clock.now().getTime() + 60_000;
    const a = worker(table);
    await a.records.getMany('salesforce', [ref]);
    await a.routing.putAssignment(ownerOfRecord, rep('005A'), null);
    await a.routing.putAssignment(tossUp, rep('005A'), null);
    await a.records.claimDecided(leadKey, 1000, lease(), 'salesforce', null);

    clock.advance(120_000);
    const b = worker(table);
    await b.records.getMany('salesforce', [ref]);
    const next = assignmentKey('salesforce', '00Q1', 'tu_2');
    await b.routing.putAssignment(next, rep('005C'), null);
    await b.records.claimDecided(leadKey, 2000, lease(), 'salesforce', null);

    clock.advance(120_000);
    const c = worker(table);
    await c.records.getMany('salesforce', [ref]);
    expect(c.records.assignmentOnItem('salesforce', '00Q1', ownerOfRecord)).toEqual({
      result: rep('005A'),
      version: 1,
    });
    expect(c.records.assignmentOnItem('salesforce', '00Q1', next)?.result.ownerId).toBe('005C');
    expect(c.records.assignmentOnItem('salesforce', '00Q1', tossUp)).toBeUndefined();
  });

  it('a lead left unclaimed with an item (decided without a claim) has what was made for it stored as a route item, found by its retry', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const before = worker(table);
    await before.records.getMany('salesforce', [ref]);
    await before.records.claimDecided(leadKey, 500, clock.now().getTime(), 'salesforce', null);
    const w = worker(table);
    await w.records.getMany('salesforce', [ref]);
    await w.routing.putAssignment(tossUp, rep('005A'), null);
    await w.routing.flushUnclaimed('00Q1');
    expect(await pks(table, 'route|')).toEqual([`route|${tossUp}`]);
    expect(await w.routeItems.getAssignment(tossUp)).toEqual({ result: rep('005A'), version: 1 });
    const retry = worker(table);
    await retry.records.getMany('salesforce', [ref]);
    expect(await retry.routing.getAssignment(tossUp)).toEqual({ result: rep('005A'), version: 1 });
  });

  it('a lead refused its claim: what was made for it is dropped, not stored, and only the slots reserved for it are given back', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const day = rep('005A').businessDate;
    const lease = () => clock.now().getTime() + 60_000;
    // An earlier attempt handed the toss-up off to 005A: its slot counted, its assignment on the item.
    const earlier = worker(table);
    await earlier.records.getMany('salesforce', [ref]);
    await earlier.routeItems.reserveSlot('005a', day, null);
    await earlier.routing.putAssignment(tossUp, rep('005A'), null, '005a');
    await earlier.records.claimDecided(leadKey, 1000, lease(), 'salesforce', null);
    // Claimed: nothing to give back.
    await earlier.routing.releaseRefused('00Q1');
    expect(await earlier.routeItems.getDailyCount('005a', day)).toBe(1);

    clock.advance(120_000);
    const w = worker(table);
    await w.records.getMany('salesforce', [ref]);
    // Found on the item (its slot is the earlier attempt's), beside a new toss-up and an owner of
    // record (no slot) made by this decision.
    expect(await w.routing.getAssignment(tossUp)).toEqual({ result: rep('005A'), version: 1 });
    const next = assignmentKey('salesforce', '00Q1', 'tu_2');
    await w.routeItems.reserveSlot('005c', day, 5);
    await w.routing.putAssignment(next, rep('005C'), null, '005c');
    await w.routing.putAssignment(ownerOfRecord, rep('005A'), null);
    // A newer version is claimed meanwhile: this one is stale.
    const newer = worker(table);
    await newer.records.claimDecided(leadKey, 3000, lease(), 'salesforce', null);
    expect((await w.records.claimDecided(leadKey, 2000, lease(), 'salesforce', null)).status).toBe('stale');
    await w.routing.releaseRefused('00Q1');
    expect(await w.routeItems.getDailyCount('005c', day)).toBe(0);
    expect(await w.routeItems.getDailyCount('005a', day)).toBe(1);
    expect(await pks(table, 'route|')).toEqual([]);
    // Once only: a second call (or a flush) finds nothing left.
    await w.routing.releaseRefused('00Q1');
    await w.routing.flushUnclaimed('00Q1');
    expect(await w.routeItems.getDailyCount('005a', day)).toBe(1);
    expect(await pks(table, 'route|')).toEqual([]);

    // The retry routes the new toss-up afresh; the earlier one is still on the item.
    const retry = worker(table);
    await retry.records.getMany('salesforce', [ref]);
    expect(await retry.routing.getAssignment(next)).toBeNull();
    expect(await retry.routing.getAssignment(tossUp)).toEqual({ result: rep('005A'), version: 1 });
  });

  it('a refusal the lead was read again after is not given back then (it is no longer that decision’s)', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const day = rep('005A').businessDate;
    const lease = () => clock.now().getTime() + 60_000;
    const w = worker(table);
    await w.records.getMany('salesforce', [ref]);
    await w.routeItems.reserveSlot('005a', day, null);
    await w.routing.putAssignment(tossUp, rep('005A'), null, '005a');
    await worker(table).records.claimDecided(leadKey, 3000, lease(), 'salesforce', null);
    expect((await w.records.claimDecided(leadKey, 2000, lease(), 'salesforce', null)).status).toBe('stale');
    await w.records.getMany('salesforce', [ref]);
    await w.routing.releaseRefused('00Q1');
    expect(await w.routeItems.getDailyCount('005a', day)).toBe(1);
  });

  it('a lead left unclaimed with no item gets what was made for it on a new item, where its retry finds it (no route item)', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const w = worker(table);
    await w.records.getMany('salesforce', [ref]);
    await w.routing.putAssignment(tossUp, rep('005A'), null);
    await w.routing.flushUnclaimed('00Q1');
    expect(await pks(table, 'route|')).toEqual([]);
    // The retry (its fields' write failed: no record, no claim) routes the toss-up to the same rep.
    const retry = worker(table);
    expect(await retry.records.getMany('salesforce', [ref])).toEqual(new Map());
    expect(await retry.routing.getAssignment(tossUp)).toEqual({ result: rep('005A'), version: 1 });
    // And a claim carries it on.
    await retry.records.claimDecided(leadKey, 1000, clock.now().getTime() + 60_000, 'salesforce', null);
    const third = worker(table);
    await third.records.getMany('salesforce', [ref]);
    expect(third.records.assignmentOnItem('salesforce', '00Q1', tossUp)?.result.ownerId).toBe('005A');
  });

  it('a lead read with no item that has one by the time it goes unclaimed: its assignments go to route items', async () => {
    const clock = testClock();
    const table = await dynamo.table(clock);
    const w = worker(table);
    await w.records.getMany('salesforce', [ref]);
    await w.routing.putAssignment(tossUp, rep('005B'), null);
    const other = worker(table);
    await other.records.getMany('salesforce', [ref]);
    await other.records.claimDecided(leadKey, 1000, clock.now().getTime() + 60_000, 'salesforce', null);
    await w.routing.flushUnclaimed('00Q1');
    expect(await pks(table, 'route|')).toEqual([`route|${tossUp}`]);
  });
});
