import { describe, expect, it } from 'vitest';
import type { LeadOutcome } from '../../src/pipeline/process-leads.ts';
import { cursorKey, runSync } from '../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { CursorConflictError } from '../../src/ports/state-store.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { wrapState } from '../fakes/wrap-state.ts';
import {
  coldLead,
  customerLead,
  fixture,
  hotLead,
  NOW,
  requestedLead,
  SF,
  strategicLead,
} from './pipeline-fixtures.ts';

const KEY = cursorKey('salesforce', 'default');

function seedMixed(f: ReturnType<typeof fixture>): void {
  f.crm.put(hotLead('L1'));
  f.crm.put(coldLead('L2'));
  f.crm.put(customerLead('L3'));
  f.crm.put(strategicLead('L4'));
  f.crm.put(
    hotLead('L5', {
      company: { name: 'L5 工業', employees: 1500, industry: 'manufacturing', region: '大阪府' },
    } as never),
  );
}

function tasksOf(f: ReturnType<typeof fixture>) {
  return [...f.crm.tasks.values()].map((t) => t.task);
}

describe('runSync end to end over a fake CRM', () => {
  it('writes flag, reason and scores, and creates exactly one task per toss-up with owner and due date', async () => {
    const f = fixture();
    seedMixed(f);
    const report = await runSync(f.options());

    expect(report.status).toBe('completed');
    const l1 = f.crm.lead('L1').current;
    expect(l1).toMatchObject({
      flag: 'yes',
      nextAction: 'field_sales_tossup',
      attributeScore: 85,
      behaviourScore: 80,
    });
    expect(l1.reason).toBe('属性スコア 85 ≥ 基準 60 (1,200名・役員・製造) / 行動スコア 80 ≥ 基準 40');
    expect(l1.decisionKey).toMatch(/^tu_/);
    // Tuesday 10:00 JST + 1 business day → Wednesday 10:00 JST.
    expect(l1.dueAt).toBe('2026-11-25T01:00:00.000Z');
    expect(f.crm.lead('L2').current).toMatchObject({ flag: 'no', nextAction: 'nurture', dueAt: null });
    expect(f.crm.lead('L4').current).toMatchObject({ flag: 'hold', nextAction: 'notify_is_sales_planning' });

    const tasks = tasksOf(f);
    expect(tasks.map((t) => t.leadId).sort()).toEqual(['L1', 'L3', 'L4', 'L5']);
    const byLead = Object.fromEntries(tasks.map((t) => [t.leadId, t]));
    // One task per key, and the key is the one written on the lead.
    expect(new Set(tasks.map((t) => t.key)).size).toBe(4);
    expect(byLead.L1!.key).toBe(l1.decisionKey);
    expect(byLead.L3!.ownerId).toBe(SF.u004); // the account owner
    expect([SF.u001, SF.u002]).toContain(byLead.L1!.ownerId); // pool fs_kanto_enterprise
    expect(byLead.L1).toMatchObject({
      dueAt: '2026-11-25T01:00:00.000Z',
      dueDate: '2026-11-25',
      priority: 'high',
    });
    expect(byLead.L4).toMatchObject({ dueDate: '2026-11-27', ownerId: SF.u011 });
    expect(byLead.L1!.subject).toBe('【トスアップ】L1 株式会社 / 取締役 / フィールドセールスへトスアップ');
    expect(byLead.L1!.body).toContain('レコード: https://crm.example/Lead/L1');
    // The lead is handed to the routed owner; the queue keeps strategic Leads (a queue may own a Lead).
    expect(f.crm.lead('L1').ownerId).toBe(byLead.L1!.ownerId);
    expect(f.crm.lead('L4').ownerId).toBe(SF.isSalesPlanningQueue);
    expect(f.crm.lead('L2').ownerId).toBe('005000000000099AAA');

    expect(report.counts).toMatchObject({
      tasksCreated: 4,
      tasksExisting: 0,
      written: 5,
      skipped: 0,
      failed: 0,
    });
    expect(report.byFlag).toEqual({ yes: 3, no: 1, hold: 1 });
    expect(Object.values(report.tasksPerOwner).reduce((a, b) => a + b, 0)).toBe(4);
    expect(report.dueDates).toEqual({ '2026-11-25': 3, '2026-11-27': 1 });
    expect(report.api.total).toBeGreaterThan(0);
    expect((await f.state.getCursor(KEY))?.cursor.modifiedAt).toBe(report.cursor.committed?.modifiedAt);
  });

  it('writes nothing and creates no task on a second run when nothing changed', async () => {
    const f = fixture();
    seedMixed(f);
    await runSync(f.options());
    const updates = f.crm.updates.length;
    const requests = f.crm.taskRequests.length;
    // Re-read every lead (a person touched each record without changing anything that matters).
    for (const id of ['L1', 'L2', 'L3', 'L4', 'L5']) f.crm.edit(id, () => {});

    const second = await runSync(f.options());
    expect(second.counts.leadsRead).toBe(5);
    expect(second.counts.unchanged).toBe(5);
    expect(f.crm.updates.length).toBe(updates);
    expect(f.crm.taskRequests.length).toBe(requests);
    expect(second.counts).toMatchObject({ written: 0, tasksCreated: 0, tasksExisting: 0 });
  });

  it('writes exactly the changed fields of a changed lead and keeps its task and due date', async () => {
    const f = fixture();
    seedMixed(f);
    await runSync(f.options());
    const before = structuredClone(f.crm.lead('L1').current);
    const n = f.crm.updates.length;

    f.crm.edit('L1', (l) => {
      l.maBehaviourScore = 95;
    });
    await runSync(f.options());
    const writes = f.crm.updates.slice(n);
    expect(writes).toEqual([
      {
        leadId: 'L1',
        objectType: 'Lead',
        fields: {
          behaviourScore: 95,
          reason: '属性スコア 85 ≥ 基準 60 (1,200名・役員・製造) / 行動スコア 95 ≥ 基準 40',
        },
      },
    ]);
    expect(f.crm.lead('L1').current).toMatchObject({ decisionKey: before.decisionKey, dueAt: before.dueAt });
    expect(tasksOf(f).filter((t) => t.leadId === 'L1')).toHaveLength(1);
  });

  it('counts the fields each written lead changed in its report, and explains them only to onLead', async () => {
    const f = fixture();
    seedMixed(f);
    const report = await runSync(f.options());
    const written = new Map<string, number>();
    for (const u of f.crm.updates) {
      for (const field of Object.keys(u.fields)) written.set(field, (written.get(field) ?? 0) + 1);
    }
    expect(written.get('flag')).toBeGreaterThan(0);
    expect(report.fieldChanges).toEqual(Object.fromEntries(written));

    f.crm.edit('L1', (l) => {
      l.maBehaviourScore = 95;
    });
    const seen: LeadOutcome[] = [];
    await runSync(f.options({ onLead: (o) => void seen.push(o) }));
    const l1 = seen.find((o) => o.leadId === 'L1')!;
    expect(l1.status).toBe('written');
    expect(l1.changes).toContainEqual({ field: 'behaviourScore', before: 80, after: 95 });
    expect(l1.changes!.map((c) => c.field).sort()).toEqual(Object.keys(l1.fields).sort());
  });

  it('a lead that cools down gets the new outcome, a cleared due date and no task', async () => {
    const f = fixture();
    seedMixed(f);
    await runSync(f.options());
    const n = f.crm.updates.length;
    f.crm.edit('L1', (l) => {
      l.maBehaviourScore = 10;
    });
    await runSync(f.options());
    const [write] = f.crm.updates.slice(n);
    expect(Object.keys(write!.fields).sort()).toEqual(
      ['behaviourScore', 'decisionKey', 'dueAt', 'flag', 'nextAction', 'reason'].sort(),
    );
    expect(write!.fields).toMatchObject({ flag: 'no', nextAction: 'nurture', dueAt: null });
    expect(tasksOf(f).filter((t) => t.leadId === 'L1')).toHaveLength(1);
  });
});

describe('exactly-once tasks across crashes', () => {
  it('a crash between task creation and the field write: the rerun creates no second task and completes the write', async () => {
    const f = fixture({ pageSize: 10 });
    seedMixed(f);
    f.crm.failCall('update', new Error('simulated crash'));
    const crashed = await runSync(f.options());

    expect(crashed.status).toBe('stopped');
    expect(crashed.stop).toMatchObject({ kind: 'error', action: 'investigate' });
    expect(f.crm.tasks.size).toBe(4);
    expect(f.crm.lead('L1').current.flag).toBeNull(); // the write never happened
    expect(await f.state.getCursor(KEY)).toBeNull(); // nor the commit

    const rerun = await runSync(f.options());
    expect(rerun.status).toBe('completed');
    expect(f.crm.tasks.size).toBe(4);
    expect(rerun.counts).toMatchObject({ tasksCreated: 0, tasksExisting: 4, written: 5 });
    const l1 = f.crm.lead('L1').current;
    expect(f.crm.tasks.get(l1.decisionKey!)?.task.leadId).toBe('L1');
  });

  it('relies on the CRM-side key when the local state is lost too (another machine, wiped state dir)', async () => {
    const f = fixture({ pageSize: 10 });
    seedMixed(f);
    f.crm.failCall('update', new Error('simulated crash'));
    await runSync(f.options());
    const requests = f.crm.taskRequests.length;

    const fresh = new MemoryStateStore({ clock: fixedClock(NOW) });
    const rerun = await runSync(f.options({ state: fresh }));
    // createTasks was asked again with the same keys and found them: no duplicate.
    expect(
      f.crm.taskRequests
        .slice(requests)
        .map((t) => t.key)
        .sort(),
    ).toEqual(
      f.crm.taskRequests
        .slice(0, requests)
        .map((t) => t.key)
        .sort(),
    );
    expect(f.crm.tasks.size).toBe(4);
    expect(rerun.counts).toMatchObject({ tasksCreated: 0, tasksExisting: 4 });
  });

  it('commits the cursor only after a page is written: a crash mid-run resumes there, nothing lost or doubled', async () => {
    const f = fixture({ pageSize: 2 });
    for (const id of ['A1', 'A2', 'A3', 'A4', 'A5', 'A6']) f.crm.put(hotLead(id));
    f.crm.failCall('update', new Error('simulated crash'), 2); // during the second page's write
    const crashed = await runSync(f.options());

    expect(crashed.stop?.kind).toBe('error');
    expect(crashed.cursor.pagesCommitted).toBe(1);
    const stored = await f.state.getCursor(KEY);
    expect(stored?.cursor).toEqual(crashed.cursor.committed);
    expect(stored?.cursor.idsAtModifiedAt).toEqual(['A2']);

    const rerun = await runSync(f.options());
    expect(rerun.status).toBe('completed');
    for (const id of ['A1', 'A2', 'A3', 'A4', 'A5', 'A6']) expect(f.crm.lead(id).current.flag).toBe('yes');
    expect(f.crm.tasks.size).toBe(6);
    // Every lead was written exactly once (A3/A4's tasks were created before the crash: found again).
    const writes = f.crm.updates.map((u) => u.leadId).sort();
    expect(writes).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
    expect(rerun.counts.tasksExisting).toBe(2);
  });

  it('commits after the writes: a failed cursor commit re-processes the page without new writes or tasks', async () => {
    const f = fixture({ pageSize: 10 });
    seedMixed(f);
    const failing = wrapState(f.state, {
      putCursor: async () => {
        throw new Error('disk full');
      },
    });
    const first = await runSync(f.options({ state: failing }));
    expect(first.stop).toMatchObject({ kind: 'error', message: 'disk full' });
    const writes = f.crm.updates.length;

    const rerun = await runSync(f.options());
    expect(rerun.status).toBe('completed');
    expect(f.crm.updates.length).toBe(writes);
    expect(f.crm.tasks.size).toBe(4);
    expect(rerun.counts).toMatchObject({ unchanged: rerun.counts.leadsRead, tasksCreated: 0 });
  });
});

describe('cursor semantics', () => {
  it('keeps records sharing a modifiedAt across page boundaries: none lost, none processed twice', async () => {
    const f = fixture({ pageSize: 2 });
    const at = '2026-11-20T00:00:00.000Z';
    for (const id of ['T1', 'T2', 'T3', 'T4', 'T5']) f.crm.put(coldLead(id, { modifiedAt: at }));

    const first = await runSync(f.options({ limit: 2 }));
    expect(first.limitReached).toBe(true);
    expect(first.counts.leadsRead).toBe(2);
    expect(await f.state.getCursor(KEY)).toMatchObject({
      cursor: { modifiedAt: at, idsAtModifiedAt: ['T1', 'T2'] },
    });

    await runSync(f.options({ limit: 2 }));
    expect((await f.state.getCursor(KEY))?.cursor).toEqual({
      modifiedAt: at,
      idsAtModifiedAt: ['T1', 'T2', 'T3', 'T4'],
    });

    await runSync(f.options());
    expect(f.crm.updates.map((u) => u.leadId)).toEqual(['T1', 'T2', 'T3', 'T4', 'T5']);
  });

  it('--since re-reads from an earlier time without moving the stored cursor backwards', async () => {
    const f = fixture({ pageSize: 2 });
    seedMixed(f);
    await runSync(f.options());
    const stored = await f.state.getCursor(KEY);

    const again = await runSync(f.options({ since: '2026-10-01T00:00:00Z' }));
    expect(again.cursor.startedFrom).toBe('since');
    expect(again.counts.leadsRead).toBeGreaterThanOrEqual(5);
    expect(again.counts.written).toBe(0);
    expect(await f.state.getCursor(KEY)).toEqual(stored);
  });

  it('--since after the stored cursor processes but never commits (the leads in between would be skipped)', async () => {
    const f = fixture({ pageSize: 2 });
    f.crm.put(coldLead('E1'));
    await runSync(f.options());
    const stored = await f.state.getCursor(KEY);
    f.crm.put(coldLead('E2', { modifiedAt: '2026-11-10T00:00:00.000Z' }));
    f.crm.put(coldLead('E3', { modifiedAt: '2026-11-20T00:00:00.000Z' }));

    const report = await runSync(f.options({ since: '2026-11-15T00:00:00+00:00' }));
    expect(report.cursor.note).toMatch(/not moved/);
    expect(f.crm.lead('E3').current.flag).toBe('no');
    expect(f.crm.lead('E2').current.flag).toBeNull();
    expect(await f.state.getCursor(KEY)).toEqual(stored);
    await runSync(f.options());
    expect(f.crm.lead('E2').current.flag).toBe('no');
  });

  it('stops when another run advanced the cursor meanwhile', async () => {
    const f = fixture({ pageSize: 2 });
    seedMixed(f);
    let raced = false;
    const racing = wrapState(f.state, {
      putCursor: async (key, cursor, expected) => {
        if (!raced) {
          raced = true;
          await f.state.putCursor(key, cursor, expected); // the other run wins
        }
        return f.state.putCursor(key, cursor, expected);
      },
    });
    const report = await runSync(f.options({ state: racing }));
    expect(report.stop).toMatchObject({ kind: 'conflict', code: 'cursor_conflict' });
    expect(new CursorConflictError(KEY).message).toContain(KEY);
  });

  it('ignores deleted ids safely: nothing is written for them, they are counted', async () => {
    const f = fixture({ pageSize: 10 });
    seedMixed(f);
    f.crm.delete('L2');
    const report = await runSync(f.options());
    expect(report.counts.deletedIgnored).toBe(1);
    expect(f.crm.updates.some((u) => u.leadId === 'L2')).toBe(false);
    expect(report.status).toBe('completed');
  });

  it('--limit stops after whole pages once about N leads were read', async () => {
    const f = fixture({ pageSize: 3 });
    for (let i = 1; i <= 10; i++) f.crm.put(coldLead(`M${i}`));
    const report = await runSync(f.options({ limit: 4 }));
    expect(report.counts.leadsRead).toBe(6);
    expect(report.limitReached).toBe(true);
    expect(report.cursor.pagesCommitted).toBe(2);
  });
});

describe('failure policy', () => {
  it('skips an invalid record with its reason, keeps going and commits the page', async () => {
    const f = fixture({ pageSize: 10 });
    seedMixed(f);
    f.crm.failRecord('update', 'L2', 'invalid_record', 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
    const report = await runSync(f.options());

    expect(report.status).toBe('completed');
    expect(report.skips.count).toBe(1);
    expect(report.skips.byCode).toEqual({ 'invalid_record/FIELD_CUSTOM_VALIDATION_EXCEPTION': 1 });
    expect(report.skips.samples[0]).toMatchObject({ leadId: 'L2', stage: 'write' });
    expect(report.skips.samples[0]!.message).not.toContain('@');
    expect(await f.state.listSkipped(KEY, 10)).toMatchObject([
      { leadId: 'L2', code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' },
    ]);
    expect(f.crm.lead('L1').current.flag).toBe('yes');
    expect(await f.state.getCursor(KEY)).not.toBeNull();
  });

  it('a task that cannot be created for one record skips that record without writing its key', async () => {
    const f = fixture({ pageSize: 10 });
    seedMixed(f);
    f.crm.failRecord('task', 'L3', 'invalid_record', 'INACTIVE_OWNER_OR_USER');
    const report = await runSync(f.options());
    expect(report.skips.samples).toMatchObject([{ leadId: 'L3', stage: 'task' }]);
    // No key written → the next run tries the toss-up again instead of believing it happened.
    expect(f.crm.lead('L3').current.decisionKey).toBeNull();
    await runSync(f.options({ since: '2026-10-01T00:00:00Z' }));
    expect(f.crm.lead('L3').current.flag).toBe('yes');
    expect(tasksOf(f).filter((t) => t.leadId === 'L3')).toHaveLength(1);
  });

  it('stops before committing on a transient failure the connector could not absorb; the rerun finishes', async () => {
    const f = fixture({ pageSize: 3 });
    seedMixed(f); // pages: L1 L2 L3 | L4 L5
    f.crm.failRecord('update', 'L4', 'transient', 'UNABLE_TO_LOCK_ROW');
    const report = await runSync(f.options());

    expect(report.stop).toMatchObject({
      kind: 'transient',
      action: 'retry',
      code: 'UNABLE_TO_LOCK_ROW',
      leadId: 'L4',
    });
    expect(report.failures.count).toBe(1);
    expect(report.cursor.pagesCommitted).toBe(1);
    const tasksBefore = f.crm.tasks.size;

    const rerun = await runSync(f.options());
    expect(rerun.status).toBe('completed');
    expect(f.crm.lead('L4').current.flag).toBe('hold');
    expect(f.crm.tasks.size).toBe(tasksBefore);
  });

  it('stops cleanly when the API quota is exhausted, cursor where it was, "resume later"', async () => {
    const f = fixture({ pageSize: 2 });
    seedMixed(f);
    f.crm.failCall('read', f.crm.crmError('quota_exhausted', 'REQUEST_LIMIT_EXCEEDED'), 2);
    const report = await runSync(f.options());
    expect(report.stop).toMatchObject({ kind: 'quota_exhausted', action: 'resume_later' });
    expect(report.cursor.pagesCommitted).toBe(1);
    expect(await f.state.getCursor(KEY)).toMatchObject({ version: 1 });
  });

  it('stops on auth or config failures with the message for the admin', async () => {
    const f = fixture({ pageSize: 10 });
    seedMixed(f);
    f.crm.failCall('task', f.crm.crmError('auth', 'INVALID_SESSION_ID'));
    const report = await runSync(f.options());
    expect(report.stop).toMatchObject({ kind: 'auth', action: 'fix', code: 'INVALID_SESSION_ID' });
    expect(f.crm.updates).toHaveLength(0);
    expect(await f.state.getCursor(KEY)).toBeNull();
  });

  it('stops with a config error naming the setting when a queue has nobody to own its Salesforce tasks', async () => {
    const f = fixture({ pageSize: 10 });
    f.crm.put(strategicLead('Q1'));
    const report = await runSync(f.options({ queueTaskOwners: { is_sales_planning: 'nobody' } }));
    expect(report.stop).toMatchObject({ kind: 'config', action: 'fix' });
    expect(report.stop?.message).toContain('queueTaskOwners.is_sales_planning');
    expect(f.crm.tasks.size).toBe(0);
  });
});

describe('dry run', () => {
  it('writes nothing, creates no task, moves no cursor, and explains every change', async () => {
    const f = fixture({ pageSize: 10 });
    seedMixed(f);
    const seen: LeadOutcome[] = [];
    const report = await runSync(f.options({ dryRun: true, onLead: (o) => void seen.push(o) }));

    expect(f.crm.updates).toHaveLength(0);
    expect(f.crm.tasks.size).toBe(0);
    expect(await f.state.getCursor(KEY)).toBeNull();
    expect(f.routingState.dailyCounts('2026-11-24')).toEqual({});
    expect(report).toMatchObject({ dryRun: true, counts: { planned: 5, written: 0, tasksPlanned: 4 } });

    const l1 = seen.find((o) => o.leadId === 'L1')!;
    expect(l1.status).toBe('planned');
    expect(l1.changes).toContainEqual({ field: 'flag', before: null, after: 'yes' });
    expect(l1.changes).toContainEqual({
      field: 'ownerId',
      before: '005000000000099AAA',
      after: l1.task!.ownerId,
    });
    expect(l1.task).toMatchObject({
      dueAt: '2026-11-25T01:00:00.000Z',
      dueDate: '2026-11-25',
      route: { via: 'pool' },
    });
    expect(l1.reasonText).toContain('属性スコア 85');

    // The real run afterwards picks the same owners the dry run showed.
    await runSync(f.options());
    expect(tasksOf(f).find((t) => t.leadId === 'L1')?.ownerId).toBe(l1.task!.ownerId);
  });
});

describe('manual toss-up quota (10 per requester per month in the large preset)', () => {
  it('honours the quota across pages and runs, counting each toss-up once', async () => {
    const f = fixture({ pageSize: 4 });
    for (let i = 1; i <= 6; i++) f.crm.put(requestedLead(`R${i}`, SF.u005));
    await runSync(f.options());
    for (let i = 7; i <= 12; i++) f.crm.put(requestedLead(`R${i}`, SF.u005));
    f.crm.put(requestedLead('S1', SF.u001)); // another requester has their own quota
    const report = await runSync(f.options());

    const manual = [...f.crm.records.values()].filter((l) => l.current.flag === 'yes').map((l) => l.id);
    expect(manual.sort()).toEqual(['R1', 'R10', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'S1']);
    expect(f.crm.lead('R11').current.flag).toBe('no');
    expect(f.crm.lead('R11').current.reason).toContain('10');
    expect(report.byReasonCode['quota.exceeded']).toBe(2);
    expect(await f.state.counted('quota|manual_request|005000000000005AAA|2026-11')).toHaveLength(10);
  });

  it('a retried toss-up does not use a second slot, and a crash after counting reaches the same decision', async () => {
    const f = fixture({ pageSize: 20 });
    for (let i = 1; i <= 10; i++) f.crm.put(requestedLead(`R${i}`, SF.u005));
    f.crm.failCall('update', new Error('simulated crash'));
    await runSync(f.options());
    expect(await f.state.counted('quota|manual_request|005000000000005AAA|2026-11')).toHaveLength(10);

    await runSync(f.options());
    for (let i = 1; i <= 10; i++) expect(f.crm.lead(`R${i}`).current.flag).toBe('yes');
    expect(f.crm.tasks.size).toBe(10);
    expect(await f.state.counted('quota|manual_request|005000000000005AAA|2026-11')).toHaveLength(10);
  });
});
