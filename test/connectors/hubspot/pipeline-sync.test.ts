import { describe, expect, it } from 'vitest';
import type { HubspotEmulator, HubspotEmulatorOptions } from '../../../emulators/hubspot/index.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import { connectCrm } from '../../../src/composition/crm-registry.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../../src/ports/clock.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { connect, startPortal } from './harness.ts';
import { addRoutingOwners, syncOptions } from './pipeline-kit.ts';

/** The pipeline's runSync over the HubSpot connector: crash recovery and daily-quota resumption. */

const AS_OF = '2026-09-01T01:00:00.000Z';

async function portal(
  leads: number,
  rateLimits?: HubspotEmulatorOptions['rateLimits'],
): Promise<HubspotEmulator> {
  const world = generateWorld({ seed: 11, leads, asOf: AS_OF });
  const clock = new EmulatorClock();
  // Writes land after the World's data, as if the sync ran just after its asOf: 2 s after, because
  // open deals are stamped at asOf itself and the first sync's account horizon is its start minus
  // 1 s, so a sync within that second would rightly see those deals as changed after it.
  clock.advance(Date.parse(world.asOf) + 2000 - Date.now());
  const hs = await startPortal({ world, clock, ...(rateLimits ? { rateLimits } : {}) });
  addRoutingOwners(hs);
  return hs;
}

/** Every task is the only one with its key, and its contact holds that key as its decision key. */
function expectTasksConsistent(hs: HubspotEmulator): number {
  const tasks = hs.store.list('tasks');
  const keys = tasks.map((t) => t.props.tossup_task_key);
  expect(new Set(keys).size).toBe(keys.length);
  for (const t of tasks) {
    const [contact] = hs.store.associationsOf('tasks', t.id, 'contacts');
    expect(hs.store.get('contacts', contact!.to)!.props.tossup_decision_key).toBe(t.props.tossup_task_key);
  }
  return tasks.length;
}

describe('runSync over HubSpot', () => {
  it('is what the CRM registry connects for crm = hubspot (connectors/hubspot/module.ts)', async () => {
    const hs = await startPortal();
    const connector = await connectCrm(
      { crm: 'hubspot', settings: { accessToken: hs.accessToken, basePath: hs.basePath } },
      { clock: fixedClock(AS_OF), dryRun: true },
    );
    expect(connector.crm).toBe('hubspot');
    const pages = [];
    for await (const page of connector.source.readChanges({ since: null })) pages.push(page);
    expect(pages).toEqual([]);
    expect(connector.usage().calls).toEqual({ 'contacts.search': 1 });
  });

  it('a crash between task creation and flag write leaves one task per toss-up after the next run', async () => {
    const hs = await portal(300);
    // Run 1 dies right after HubSpot created the tasks: the local "task done" record is never written.
    const crashing = new MemoryStateStore();
    crashing.markDone = async () => {
      throw new Error('process killed');
    };
    const run1 = await runSync(syncOptions(await connect(hs, { pageSize: 200 }), crashing, AS_OF));
    expect(run1.status).toBe('stopped');
    expect(run1.cursor.committed).toBeNull();
    const createdByRun1 = hs.store.count('tasks');
    expect(createdByRun1).toBeGreaterThan(0);
    expect(hs.store.list('contacts').some((c) => c.props.tossup_flag)).toBe(false);

    // Run 2, fresh local state: HubSpot's unique task key is what prevents the duplicates.
    const state = new MemoryStateStore();
    const run2 = await runSync(syncOptions(await connect(hs, { pageSize: 200 }), state, AS_OF));
    expect(run2.status).toBe('completed');
    expect(run2.counts.leadsRead).toBe(300);
    expect(run2.counts.tasksExisting).toBe(createdByRun1);
    expect(run2.counts.failed).toBe(0);
    const tasks = expectTasksConsistent(hs);
    expect(tasks).toBe(run2.counts.tasksCreated + run2.counts.tasksExisting);
    expect(hs.store.list('contacts').every((c) => c.props.tossup_flag)).toBe(true);

    // Run 3, a minute later, reads the contacts run 2 wrote (its writes moved them; HubSpot's search
    // cannot leave out our own changes), decides them again and writes nothing: no echo reaches the portal.
    hs.clock.advance(60_000);
    const updatesBefore = hs.app.counters.get('hs.contacts.batch.update') ?? 0;
    const tasksBefore = hs.store.list('tasks').length;
    const run3 = await runSync(syncOptions(await connect(hs, { pageSize: 200 }), state, AS_OF));
    expect(run3.counts.leadsRead).toBe(run2.counts.written);
    expect(run3.counts.written).toBe(0);
    expect(run3.counts.tasksCreated).toBe(0);
    expect(hs.app.counters.get('hs.contacts.batch.update') ?? 0).toBe(updatesBefore);
    expect(hs.store.list('tasks').length).toBe(tasksBefore);
    expect(expectTasksConsistent(hs)).toBe(tasks);
  });

  it('stops cleanly on the DAILY limit and the next day resumes from the committed cursor', async () => {
    const hs = await portal(500, {
      enabled: true,
      dailyMax: 20,
      searchPerSecond: 1000,
      tenSecondlyMax: 10_000,
    });
    const state = new MemoryStateStore();
    const connector = await connect(hs, { pageSize: 200 });
    const run1 = await runSync(syncOptions(connector, state, AS_OF));
    expect(run1.status).toBe('stopped');
    expect(run1.stop).toMatchObject({ kind: 'quota_exhausted', action: 'resume_later' });
    expect(run1.cursor.pagesCommitted).toBeGreaterThan(0);
    const committed = (await state.getCursor(run1.cursor.key))!.cursor;
    expect(committed).toEqual(run1.cursor.committed);
    const doneInRun1 = hs.store.list('contacts').filter((c) => c.props.tossup_flag).length;
    expect(doneInRun1).toBeGreaterThan(0);
    expect(doneInRun1).toBeLessThan(500);

    // Midnight in the portal's time zone: a new allowance.
    hs.clock.advance(86_400_000);
    const run2 = await runSync(syncOptions(await connect(hs, { pageSize: 200 }), state, AS_OF));
    expect(run2.cursor.startedFrom).toBe('stored');
    expect(run2.cursor.start).toEqual(committed);
    expect(run2.status).toBe('completed');
    expect(hs.store.list('contacts').every((c) => c.props.tossup_flag)).toBe(true);
    expectTasksConsistent(hs);
  });
});
