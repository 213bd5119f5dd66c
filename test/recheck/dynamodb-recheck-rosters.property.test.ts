import { PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import type { RecheckRecord } from '../../src/ports/recheck-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { testClock } from '../state/state-store.contract.ts';

/**
 * The re-check rosters against a model of what is due: records written (some cut off at the
 * roster's put or at the item's update, as a crash would), sweeps that re-decide what they find,
 * time passing. A sweep never misses a lead whose re-check has come, and once no re-check is
 * pending every roster goes.
 */

const AT = '2026-11-24T01:00:00.000Z';
const LEADS = ['00Q1', '00Q2', '00Q3', '00Q4'] as const;
const HOUR = 3_600_000;

type Op =
  | { op: 'write'; leads: number[]; inHours: number | null; crash: 'none' | 'roster' | 'item' }
  | { op: 'sweep'; nextInHours: number | null }
  | { op: 'advance'; hours: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('write' as const),
    leads: fc.uniqueArray(fc.integer({ min: 0, max: LEADS.length - 1 }), { minLength: 1, maxLength: 3 }),
    inHours: fc.option(fc.integer({ min: 1, max: 72 }), { nil: null, freq: 4 }),
    crash: fc.constantFrom('none' as const, 'none' as const, 'roster' as const, 'item' as const),
  }),
  fc.record({
    op: fc.constant('sweep' as const),
    nextInHours: fc.option(fc.integer({ min: 1, max: 72 }), { nil: null, freq: 3 }),
  }),
  fc.record({ op: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 30 }) }),
);

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo.close());

describe('DynamoLeadRecords re-check rosters (property-based, dynalite)', () => {
  it("a sweep finds every lead whose re-check has come, whatever crashed between a roster and a lead's write", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        const clock = testClock(AT);
        const table = await dynamo.table(clock);
        const client = dynamo.client();
        const send = client.send.bind(client);
        /** Where the next write dies: at its roster's put, or at a lead item's update. */
        let crashAt: 'none' | 'roster' | 'item' = 'none';
        client.send = ((command: unknown) => {
          const pk =
            command instanceof PutItemCommand
              ? (command.input.Item?.pk?.S ?? '')
              : command instanceof UpdateItemCommand
                ? (command.input.Key?.pk?.S ?? '')
                : '';
          if (crashAt !== 'none' && pk.startsWith(crashAt === 'roster' ? 'rkroster|' : 'lead|')) {
            crashAt = 'none';
            return Promise.reject(new Error(`killed at ${pk.split('|')[0]}`));
          }
          return send(command as never);
        }) as typeof client.send;
        const store = new DynamoLeadRecords(new DynamoTable({ client, tableName: table.tableName, clock }));
        /** Each lead's stored `recheckAt`, as its item says after every write. */
        const stored = new Map<string, string | null>();
        const at = (hours: number) => new Date(clock.now().getTime() + hours * HOUR).toISOString();
        const record = (leadId: string, recheckAt: string | null): RecheckRecord => ({
          objectType: 'Lead',
          leadId,
          recheckAt,
          holdSince: null,
          inputs: `f-${leadId}`,
        });
        /** What a write left: whatever a cut-off write stored is read back, not assumed. */
        const write = async (records: RecheckRecord[]) => {
          try {
            await store.schedule('salesforce', records);
          } catch {
            // Cut off somewhere: the items tell what was stored.
          }
          const now = await store.getMany(
            'salesforce',
            LEADS.map((leadId) => ({ objectType: 'Lead', leadId })),
          );
          for (const leadId of LEADS) stored.set(leadId, now.get(`Lead|${leadId}`)?.recheckAt ?? null);
        };

        for (const o of ops) {
          if (o.op === 'advance') clock.advance(o.hours * HOUR);
          else if (o.op === 'write') {
            crashAt = o.crash;
            await write(o.leads.map((i) => record(LEADS[i]!, o.inHours === null ? null : at(o.inHours))));
            crashAt = 'none';
          } else {
            const now = clock.now().toISOString();
            const found = (await store.dueBefore('salesforce', clock.now(), 100)).map((d) => d.leadId);
            for (const [leadId, when] of stored)
              if (when !== null && when <= now) expect(found).toContain(leadId);
            expect(new Set(found).size).toBe(found.length);
            // Re-decided: a later re-check, or none.
            await write(found.map((id) => record(id, o.nextInHours === null ? null : at(o.nextInHours))));
          }
        }

        await write(LEADS.map((id) => record(id, null)));
        clock.advance(120 * HOUR);
        expect(await store.dueBefore('salesforce', clock.now(), 100)).toEqual([]);
        const left = (await send(new ScanCommand({ TableName: table.tableName }) as never)) as {
          Items?: { pk?: { S?: string } }[];
        };
        expect((left.Items ?? []).filter((i) => i.pk?.S?.startsWith('rkroster|'))).toEqual([]);
      }),
      {
        numRuns: 25,
        // The crash that matters, always tried: cut off at the roster, then the re-check comes.
        examples: [
          [
            [
              { op: 'write', leads: [0, 1], inHours: 2, crash: 'roster' },
              { op: 'write', leads: [2], inHours: 3, crash: 'item' },
              { op: 'advance', hours: 4 },
              { op: 'sweep', nextInHours: 5 },
              { op: 'advance', hours: 6 },
              { op: 'sweep', nextInHours: null },
            ],
          ],
        ],
      },
    );
  }, 120_000);
});
