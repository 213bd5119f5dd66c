import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSync } from '../../src/pipeline/run-sync.ts';
import { FileRoutingState } from '../../src/state/file-routing-state.ts';
import { FileStateStore } from '../../src/state/file-state-store.ts';
import { syncOptions, worldOrg } from '../connectors/salesforce/pipeline-kit.ts';
import { connect, insertLead, T0 } from '../connectors/salesforce/sf-kit.ts';

/**
 * The manual-request quota (10 per requester per month in the large preset) through the real
 * Salesforce connector: the CRM's own records carry it, so a wiped or second state directory
 * decides every over-quota lead the same way and creates no second task.
 */

const root = mkdtempSync(join(tmpdir(), 'tossup-quota-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FIELDS = ['TossUp_Flag__c', 'TossUp_Next_Action__c', 'TossUp_Reason__c', 'TossUp_Decision_Key__c'];

describe('manual-request quota kept by the CRM', () => {
  it('over-quota leads keep their decision and get no task after the state directory is wiped', async () => {
    const { emu, routing } = await worldOrg(20);
    const requester = [...emu.seeded!.users.values()][0]!;
    // Twelve cold leads (they would be nurtured) that one rep asked to toss up, in a known order.
    const ids = Array.from({ length: 12 }, (_, i) =>
      insertLead(emu, T0 - 3_600_000 + i * 1000, {
        Title: '担当',
        NumberOfEmployees: 30,
        Sales_TossUp_Request__c: true,
        Sales_TossUp_Requested_By__c: requester,
      }),
    );
    const connector = await connect(emu);
    const dir = join(root, 'state');
    const run = () => {
      const options = syncOptions(emu, connector, routing);
      return runSync({
        ...options,
        state: new FileStateStore(dir, { clock: options.clock }),
        routingState: new FileRoutingState(dir, { clock: options.clock }),
      });
    };
    const written = () =>
      ids.map((id) => {
        const r = emu.store.get('Lead', id)!;
        return Object.fromEntries(FIELDS.map((f) => [f, r[f]]));
      });
    const tasksOf = (leadIds: string[]) =>
      emu.store.all('Task').filter((t) => t.TossUp_Key__c && leadIds.includes(String(t.WhoId)));

    const first = await run();
    expect(first.stop).toBeNull();
    expect(first.byReasonCode['quota.exceeded']).toBe(2);
    const overQuota = ids.slice(10);
    expect(overQuota.map((id) => emu.store.get('Lead', id)!.TossUp_Next_Action__c)).toEqual([
      'nurture',
      'nurture',
    ]);
    expect(tasksOf(ids)).toHaveLength(10);
    const before = written();
    const allTasks = emu.store.all('Task').filter((t) => t.TossUp_Key__c).length;

    // A wiped state directory (or a second machine): no cursor, no quota counts; everything is re-read.
    rmSync(dir, { recursive: true, force: true });
    emu.clock.pin(new Date(T0 + 2 * 3_600_000).toISOString()); // later the same month
    const second = await run();
    expect(second.stop, JSON.stringify(second.stop)).toBeNull();
    expect(second.counts.leadsRead).toBeGreaterThanOrEqual(12);
    expect(written()).toEqual(before);
    expect(tasksOf(overQuota)).toHaveLength(0);
    expect(emu.store.all('Task').filter((t) => t.TossUp_Key__c)).toHaveLength(allTasks);
    expect(second.counts.tasksCreated).toBe(0);

    // The run re-learnt the month's count from the CRM: a new request by the same rep is over quota
    // in the next (incremental) run too.
    const late = insertLead(emu, emu.clock.now() - 1000, {
      Title: '担当',
      NumberOfEmployees: 30,
      Sales_TossUp_Request__c: true,
      Sales_TossUp_Requested_By__c: requester,
    });
    emu.clock.pin(new Date(T0 + 3 * 3_600_000).toISOString());
    const third = await run();
    expect(third.counts.leadsRead).toBeLessThan(second.counts.leadsRead);
    expect(emu.store.get('Lead', late)!.TossUp_Next_Action__c).toBe('nurture');
    expect(tasksOf([late])).toHaveLength(0);
  });
});
