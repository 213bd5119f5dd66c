import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { str } from '../../src/aws/dynamo-table.ts';
import { DynamoLedgerOutbox } from '../../src/aws/dynamodb-ledger-outbox.ts';
import type { LedgerOutboxEntry } from '../../src/ports/ledger.ts';
import { filledDecisionRow, filledEventRow } from '../support/ledger-rows.ts';
import { type LocalDynamo, startLocalDynamo } from './local-dynamodb.ts';

/** The ledger outbox on the state table (dynalite), as the Lambda workers and sweeps use it. */
let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

const awaiting = (leadId: string): NonNullable<LedgerOutboxEntry['awaiting']> => ({
  crm: 'salesforce',
  objectType: 'Lead',
  leadId,
  fields: { flag: 'yes', decisionKey: `k-${leadId}` } as NonNullable<LedgerOutboxEntry['awaiting']>['fields'],
});
const byId = (entries: LedgerOutboxEntry[]) =>
  Object.fromEntries(entries.map((e) => [e.record.record_id, e]));

describe('DynamoLedgerOutbox', () => {
  it('keeps staged entries until removed, across instances (another container reads what one staged)', async () => {
    const table = await dynamo.table();
    const staged = new DynamoLedgerOutbox(table, 'salesforce');
    const d1 = filledDecisionRow({ record_id: 'd1', lead_id: 'L1' });
    const e1 = filledEventRow({ record_id: 'e1' });
    await staged.put([{ record: d1, awaiting: awaiting('L1') }, { record: e1 }]);

    const other = new DynamoLedgerOutbox(table, 'salesforce');
    expect(byId(await other.list())).toEqual({
      d1: { record: d1, awaiting: awaiting('L1') },
      e1: { record: e1 },
    });

    await other.ready(['d1']);
    expect(byId(await staged.list()).d1).toEqual({ record: d1 });

    await staged.remove(['d1', 'e1']);
    expect(await other.list()).toEqual([]);
  });

  it('does not bring back an entry another flush removed, and keeps each CRM apart', async () => {
    const table = await dynamo.table();
    const salesforce = new DynamoLedgerOutbox(table, 'salesforce');
    const hubspot = new DynamoLedgerOutbox(table, 'hubspot');
    await salesforce.put([{ record: filledDecisionRow({ record_id: 'd1' }), awaiting: awaiting('L1') }]);
    await hubspot.put([{ record: filledDecisionRow({ record_id: 'h1', crm: 'hubspot' }) }]);
    await salesforce.remove(['d1']);
    await salesforce.ready(['d1']);
    expect(await salesforce.list()).toEqual([]);
    expect((await hubspot.list()).map((e) => e.record.record_id)).toEqual(['h1']);
  });

  it('stages a put as one compressed item; removing part of it keeps the rest, removing the rest deletes it', async () => {
    const table = await dynamo.table();
    const outbox = new DynamoLedgerOutbox(table, 'salesforce');
    const rows = Array.from({ length: 50 }, (_, i) =>
      filledDecisionRow({ record_id: `d${i}`, lead_id: `L${i}` }),
    );
    await outbox.put(rows.map((record, i) => ({ record, awaiting: awaiting(`L${i}`) })));
    const [item, ...more] = await table.query('ledgerq|salesforce');
    expect(more).toEqual([]);
    expect(item?.entriesz?.B?.length).toBeLessThan(JSON.stringify(rows).length / 10);

    // Another container settles part of the group: its sets change, the entries stay as staged.
    const other = new DynamoLedgerOutbox(table, 'salesforce');
    await other.ready(['d1', 'd2']);
    await other.remove(['d0', 'd1']);
    const listed = byId(await outbox.list());
    expect(Object.keys(listed)).toHaveLength(48);
    expect(listed.d2).toEqual({ record: rows[2] });
    expect(listed.d3).toEqual({ record: rows[3], awaiting: awaiting('L3') });

    await outbox.remove(rows.slice(2).map((r) => r.record_id));
    expect(await table.query('ledgerq|salesforce')).toEqual([]);
  });

  it('reads, settles and removes single entries an earlier build staged (text or compressed)', async () => {
    const table = await dynamo.table();
    const d1 = filledDecisionRow({ record_id: 'd1', lead_id: 'L1' });
    const d2 = filledDecisionRow({ record_id: 'd2', lead_id: 'L2' });
    await table.put({
      pk: str('ledgerq|salesforce'),
      sk: str('d1'),
      recordz: { B: brotliCompressSync(JSON.stringify(d1)) },
      awaitingz: { B: brotliCompressSync(JSON.stringify(awaiting('L1'))) },
    });
    await table.put({
      pk: str('ledgerq|salesforce'),
      sk: str('d2'),
      record: str(JSON.stringify(d2)),
      awaiting: str(JSON.stringify(awaiting('L2'))),
    });
    const outbox = new DynamoLedgerOutbox(table, 'salesforce');
    expect(byId(await outbox.list())).toEqual({
      d1: { record: d1, awaiting: awaiting('L1') },
      d2: { record: d2, awaiting: awaiting('L2') },
    });
    await new DynamoLedgerOutbox(table, 'salesforce').ready(['d1', 'd2']);
    expect(byId(await outbox.list())).toEqual({ d1: { record: d1 }, d2: { record: d2 } });
    await new DynamoLedgerOutbox(table, 'salesforce').remove(['d1', 'd2']);
    expect(await outbox.list()).toEqual([]);
  });

  it('stages a batch of 250 entries', async () => {
    const table = await dynamo.table();
    const outbox = new DynamoLedgerOutbox(table, 'hubspot');
    const entries = Array.from({ length: 250 }, (_, i) => ({
      record: filledEventRow({ record_id: `e${i}` }),
    }));
    await outbox.put(entries);
    expect((await outbox.list()).map((e) => e.record.record_id).sort()).toEqual(
      entries.map((e) => e.record.record_id).sort(),
    );
  });
});
