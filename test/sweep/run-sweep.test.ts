import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/commands/sweep.ts';
import { episodeEvent } from '../../src/episodes/episode.ts';
import type { EpisodeStore } from '../../src/ports/episode-store.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { ID, type Kit, queued, sweepKit, T } from './sweep-kit.ts';

let kit: Kit;
afterEach(() => kit?.cleanup());

const at = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

describe('runSweep with an in-memory CRM', () => {
  it('a task completed in time: first response on time, no reminder or escalation, status met', async () => {
    kit = sweepKit();
    const taskId = await kit.handOff('tu_1', '00Q1');
    kit.crm.completeTask(taskId, '2026-12-07T03:00:00.000Z');
    const first = await kit.sweep(T.afterRemind);
    expect(first.counts).toMatchObject({ checked: 1, completed: 1, responded: 1, reminders: 0, failed: 0 });
    expect(first.firstResponses.byOwner).toEqual({ [ID.r1]: { onTime: 1, late: 0 } });
    expect(first.firstResponses.byNextAction).toEqual({ field_sales_tossup: { onTime: 1, late: 0 } });
    expect(kit.crm.slaFields.get('00Q1')).toEqual({
      status: 'met',
      firstResponseAt: '2026-12-07T03:00:00.000Z',
    });
    for (const t of [T.afterBreach, T.afterEscalation, T.afterReassign]) {
      const later = await kit.sweep(t);
      expect(later.counts.due).toBe(0);
    }
    expect(await queued(kit)).toEqual([]);
    expect(kit.crm.calls.createTasks).toBe(0);
    expect((await kit.store.get('tu_1'))?.episode).toMatchObject({ status: 'done', nextCheckAt: null });
  });

  it('a call logged with the task left open counts as the first response; one by someone else does not', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    kit.crm.logActivity('00Q1', ID.r4, '2026-12-07T02:00:00.000Z'); // not the owner
    kit.crm.logActivity('00Q1', ID.r1, '2026-12-07T05:00:00.000Z', 'call');
    const r = await kit.sweep(T.afterBreach);
    expect(r.counts).toMatchObject({ responded: 1, completed: 0, reminders: 0, escalations: 0 });
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep).toMatchObject({
      status: 'contacted',
      firstResponseAt: '2026-12-07T05:00:00.000Z',
      firstResponseActivity: 'call',
    });
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('met');
    expect(await queued(kit)).toEqual([]);
  });

  it('a response after the due time is late, for the rep and the next action', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    await kit.sweep(T.afterRemind);
    kit.crm.logActivity('00Q1', ID.r1, '2026-12-08T03:00:00.000Z', 'email');
    const r = await kit.sweep(at(T.afterBreach, 60));
    expect(r.firstResponses.byOwner[ID.r1]).toEqual({ onTime: 0, late: 1 });
    expect(r.owners[ID.r1]).toEqual({ name: 'Rep One' });
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('late');
  });

  it('walks the ladder once: reminder, overdue, one manager notice and one manager task, however often it runs', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    expect((await kit.sweep(T.beforeRemind)).counts.reminders).toBe(0);
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('on_track');
    const remind = await kit.sweep(T.afterRemind);
    expect(remind.counts).toMatchObject({ reminders: 1, notificationsQueued: 1, slaFieldsWritten: 1 });
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('due_soon');
    await kit.sweep(T.afterBreach);
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('overdue');
    const esc = await kit.sweep(T.afterEscalation);
    expect(esc.counts).toMatchObject({ escalations: 1, managerTasks: 1, failed: 0 });
    const again = await kit.sweep(T.afterEscalation);
    expect(again.counts).toMatchObject({ escalations: 0, managerTasks: 0 });
    await kit.sweep(at(T.afterEscalation, 30));
    const tasks = kit.crm.tasksByKey('tu_1.r0.manager_task');
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ ownerId: ID.m1, leadId: '00Q1' });
    expect(await queued(kit)).toEqual([
      'escalation r0.notify_manager #fs',
      'escalation r0.notify_manager m1@example.test',
      'reminder r0.remind_owner r1@example.test',
    ]);
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep).toMatchObject({ status: 'escalated', managerTaskId: tasks[0]!.id });
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('escalated');
  });

  it('two sweeps at once on one store: one manager notice, one manager task, each step recorded once', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    await kit.handOff('tu_2', '00Q2');
    await kit.sweep(T.afterRemind);
    const otherStore = new FileEpisodeStore(kit.dir); // another process's view of the same directory
    const [a, b] = await Promise.all([
      kit.sweep(T.afterEscalation),
      kit.sweep(T.afterEscalation, { episodes: otherStore }),
    ]);
    expect(a.counts.managerTasks + b.counts.managerTasks).toBe(2);
    expect(a.counts.escalations + b.counts.escalations).toBe(2);
    expect(kit.crm.tasksByKey('tu_1.r0.manager_task')).toHaveLength(1);
    expect(kit.crm.tasksByKey('tu_2.r0.manager_task')).toHaveLength(1);
    expect((await queued(kit)).filter((q) => q.startsWith('escalation'))).toHaveLength(4);
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep?.events.filter((e) => e.step === 'r0.manager_task')).toHaveLength(1);
  });

  it('a crash between the manager task and its record: the next sweep finds the task and records it, no second task', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    await kit.sweep(T.afterRemind);
    const store = kit.store;
    let crashed = false;
    const crashing: EpisodeStore = {
      get: (k) => store.get(k),
      getMany: (k) => store.getMany(k),
      put: (e, v) => store.put(e, v),
      dueBefore: (t, n) => store.dueBefore(t, n),
      recordStep: async (key, event, schedule) => {
        if (!crashed && event.type === 'ladder_step' && event.action === 'manager_task') {
          crashed = true;
          throw new Error('process killed');
        }
        return store.recordStep(key, event, schedule);
      },
    };
    const first = await kit.sweep(T.afterEscalation, { episodes: crashing });
    expect(crashed).toBe(true);
    expect(first.counts.managerTasks).toBe(0);
    expect(first.failures.samples[0]).toMatchObject({ stage: 'record', step: 'r0.manager_task' });
    expect(kit.crm.tasksByKey('tu_1.r0.manager_task')).toHaveLength(1);
    const second = await kit.sweep(at(T.afterEscalation, 5));
    expect(second.counts).toMatchObject({ managerTasks: 1, escalations: 0, failed: 0 });
    expect(kit.crm.tasksByKey('tu_1.r0.manager_task')).toHaveLength(1);
    expect((await queued(kit)).filter((q) => q.startsWith('escalation'))).toHaveLength(2);
  });

  it('reassigns to an active rep of the same pool with capacity: new task, lead moved, old task closed with a note', async () => {
    kit = sweepKit();
    const oldTask = await kit.handOff('tu_1', '00Q1');
    // r2 is inactive; r3 has used its one slot for 2026-12-09; r1 is the owner: r4 remains.
    await kit.routingState.reserveSlot('r3', '2026-12-09', 1);
    const r = await kit.sweep(T.afterReassign); // a sweep that fell behind does every step in order
    expect(r.counts).toMatchObject({
      reminders: 1,
      escalations: 1,
      managerTasks: 1,
      reassignments: 1,
      failed: 0,
    });
    const newTask = kit.crm.tasksByKey('tu_1.r1');
    expect(newTask).toHaveLength(1);
    expect(newTask[0]!.ownerId).toBe(ID.r4);
    expect(kit.crm.leads.get('00Q1')?.ownerId).toBe(ID.r4);
    expect(kit.crm.tasks.get(oldTask)).toMatchObject({ status: 'completed' });
    expect(kit.crm.tasks.get(oldTask)?.notes[0]).toContain('Rep Four');
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep).toMatchObject({
      round: 1,
      owner: { id: ID.r4, key: 'r4', poolId: 'fs' },
      taskId: newTask[0]!.id,
      status: 'reassigned',
    });
    expect(await queued(kit)).toContain('reassignment r0.reassign r4@example.test');
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('reassigned');
    expect(await kit.routingState.getDailyCount('r4', '2026-12-09')).toBe(1);
    // The new owner's own ladder: reminded at 75 % of a fresh business day from the reassignment.
    const next = await kit.sweep('2026-12-10T05:00:00.000Z');
    expect(next.counts.reminders).toBe(1);
    expect(await queued(kit)).toContain('reminder r1.remind_owner r4@example.test');
  });

  it('no rep available: the reassign step is recorded as skipped, reported, and not tried again', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    await kit.routingState.reserveSlot('r3', '2026-12-09', 1);
    await kit.routingState.reserveSlot('r4', '2026-12-09', 1);
    const routing = {
      ...kit.routing,
      reps: kit.routing.reps.map((p) => (p.key === 'r4' ? { ...p, dailyCapacity: 1 } : p)),
    };
    const r = await kit.sweep(T.afterReassign, { routing });
    expect(r.counts).toMatchObject({ reassignments: 0, reassignSkipped: 1 });
    expect(r.skippedSteps[0]).toMatchObject({ step: 'r0.reassign', reason: 'no_rep_available' });
    expect(kit.crm.calls.reassign).toBe(0);
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep).toMatchObject({ round: 0, owner: { id: ID.r1 } });
    expect(ep?.ladder['r0.reassign']).toBeDefined();
    const later = await kit.sweep(at(T.afterReassign, 60), { routing });
    expect(later.counts.reassignSkipped).toBe(0);
  });

  it('a hold stops the clock: no reminder while on hold, status paused, steps later by the time held', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    // On hold Mon 11:00 → Wed 11:00 JST: 1 business hour used, 5.75 to the reminder (Wed 16:45).
    await kit.store.recordStep(
      'tu_1',
      episodeEvent({ type: 'hold_started', at: '2026-12-07T02:00:00.000Z', cause: 'rule' }),
      sweepSchedule(kit.sla),
    );
    const held = await kit.sweep(T.afterBreach);
    expect(held.counts.reminders).toBe(0);
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('paused');
    await kit.store.recordStep(
      'tu_1',
      episodeEvent({ type: 'hold_ended', at: '2026-12-09T02:00:00.000Z', cause: 'rule' }),
      sweepSchedule(kit.sla),
    );
    expect((await kit.sweep('2026-12-09T07:00:00.000Z')).counts.reminders).toBe(0);
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('on_track');
    expect((await kit.sweep('2026-12-09T08:00:00.000Z')).counts.reminders).toBe(1);
  });

  it('a failed CRM write is reported, its step left unrecorded, and the next sweep does it', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    await kit.sweep(T.afterRemind);
    kit.crm.failNext('createTasks', 'record');
    kit.crm.failNext('writeSlaFields', 'throw');
    const failed = await kit.sweep(T.afterEscalation);
    expect(failed.counts).toMatchObject({ escalations: 1, managerTasks: 0 });
    expect(failed.failures.byCode).toEqual({
      'manager_task/transient/UNAVAILABLE': 1,
      'sla_fields/error/unexpected': 1,
    });
    expect(failed.status).toBe('stopped'); // an unexpected error from the CRM stops the sweep
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep?.ladder['r0.manager_task']).toBeUndefined();
    expect(Date.parse(ep!.nextCheckAt!)).toBeLessThanOrEqual(Date.parse(T.afterEscalation));
    const retry = await kit.sweep(at(T.afterEscalation, 5));
    expect(retry.counts).toMatchObject({ managerTasks: 1, failed: 0, slaFieldsWritten: 1 });
    expect(kit.crm.tasksByKey('tu_1.r0.manager_task')).toHaveLength(1);
    expect(kit.crm.slaFields.get('00Q1')?.status).toBe('escalated');
  });

  it('a lead write held back by the no-echo guard is not a failure; a sweep after the next sync writes it', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    kit.crm.failNext('writeSlaFields', 'held');
    const held = await kit.sweep(T.afterRemind);
    expect(held.counts).toMatchObject({ reminders: 1, heldForSync: 1, failed: 0, slaFieldsWritten: 0 });
    expect(held.status).toBe('completed');
    expect(exitCodeOf(held)).toBe(0);
    expect(kit.crm.slaFields.get('00Q1')).toBeUndefined();
    const later = await kit.sweep(at(T.afterRemind, 5));
    expect(later.counts).toMatchObject({ heldForSync: 0, slaFieldsWritten: 1 });
    expect(kit.crm.slaFields.get('00Q1')?.status).toBeDefined();
  });

  it('a dry run reads and plans but writes nothing: no task, no field, no notice, no store change', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    const before = await kit.store.get('tu_1');
    const r = await kit.sweep(T.afterReassign, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.counts).toMatchObject({
      stepsPlanned: 4,
      reminders: 1,
      escalations: 1,
      managerTasks: 1,
      reassignments: 1,
      slaFieldsPlanned: 1,
      slaFieldsWritten: 0,
    });
    expect(kit.crm.calls).toMatchObject({
      readFacts: 1,
      createTasks: 0,
      writeSlaFields: 0,
      reassign: 0,
      closeTasks: 0,
    });
    expect(await queued(kit)).toEqual([]);
    expect(await kit.store.get('tu_1')).toEqual(before);
    expect(await kit.routingState.getDailyCount('r4', '2026-12-09')).toBe(0);
  });

  it('a lead gone from the CRM closes its episode as superseded; nothing is written to it', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    kit.crm.leads.get('00Q1')!.gone = true;
    const r = await kit.sweep(T.afterEscalation);
    expect(r.counts).toMatchObject({ closed: 1, reminders: 0, slaFieldsWritten: 0 });
    expect((await kit.store.get('tu_1'))?.episode).toMatchObject({
      status: 'closed',
      closeReason: 'superseded',
      nextCheckAt: null,
    });
  });

  it('keeps polling an unanswered episode after its ladder, records a late response, and stops after the poll window', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    await kit.sweep(T.afterReassign, { routing: { ...kit.routing, pools: [] } }); // no pool: reassign skipped
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep?.nextCheckAt).not.toBeNull();
    kit.crm.logActivity('00Q1', ID.r1, '2026-12-10T01:30:00.000Z');
    const r = await kit.sweep('2026-12-10T06:00:00.000Z');
    expect(r.counts.responded).toBe(1);
    expect(kit.crm.slaFields.get('00Q1')).toEqual({
      status: 'late',
      firstResponseAt: '2026-12-10T01:30:00.000Z',
    });
    // Another one never answered: no more checks 10 business days after its hand-off.
    await kit.handOff('tu_2', '00Q2');
    await kit.sweep(T.afterReassign, { routing: { ...kit.routing, pools: [] } });
    await kit.sweep('2026-12-22T01:00:00.000Z');
    expect((await kit.store.get('tu_2'))?.episode.nextCheckAt).toBeNull();
  });
});

describe('runSweep: managers from the CRM', () => {
  it('with managers: crm the CRM names the manager; a failed lookup falls back to routing.yaml and is reported', async () => {
    kit = sweepKit();
    const sla = { ...kit.sla, managers: 'crm' as const };
    await kit.handOff('tu_1', '00Q1');
    await kit.handOff('tu_2', '00Q2', { id: ID.r4, key: 'r4', poolId: 'fs' });
    kit.crm.managers.set(ID.r1, ID.r3);
    kit.crm.managers.set(ID.r4, null); // none in the CRM: routing.yaml's pool manager
    const r = await kit.sweep(T.afterEscalation, { sla });
    expect(r.counts).toMatchObject({ managerTasks: 2, failed: 0 });
    expect(kit.crm.calls.managersOf).toBe(1);
    expect(kit.crm.tasksByKey('tu_1.r0.manager_task')[0]?.ownerId).toBe(ID.r3);
    expect(kit.crm.tasksByKey('tu_2.r0.manager_task')[0]?.ownerId).toBe(ID.m1);

    await kit.handOff('tu_3', '00Q3');
    kit.crm.failNext('managersOf', 'throw');
    const failed = await kit.sweep(T.afterEscalation, { sla });
    expect(failed.failures.byCode).toEqual({ 'managers/error/unexpected': 1 });
    expect(kit.crm.tasksByKey('tu_3.r0.manager_task')[0]?.ownerId).toBe(ID.m1);
  });
});
