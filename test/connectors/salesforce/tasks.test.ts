import { describe, expect, it } from 'vitest';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../../src/ports/clock.ts';
import type { CrmConnector } from '../../../src/ports/crm-connector.ts';
import type { FollowUpTask } from '../../../src/ports/lead-sink.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { syncOptions, worldOrg } from './pipeline-kit.ts';
import { connect, counter, insertLead, startOrg, T0 } from './sf-kit.ts';

// One follow-up Task per toss-up: upsert on the toss-up key (External ID), so retries, redeliveries
// and a crash between creating the task and writing the flag never make a second task.

function task(emu: { store: { integrationUserId: string } }, leadId: string, key: string): FollowUpTask {
  return {
    key,
    leadId,
    objectType: 'Lead',
    ownerId: emu.store.integrationUserId,
    subject: '【トスアップ】株式会社テスト 部長 — 24時間以内に初回連絡',
    body: '理由: 属性スコア 85 ≥ 基準 60\n次のアクション: フィールドセールスへトスアップ',
    dueAt: '2026-11-20T15:30:00.000Z', // 00:30 on the 21st in Tokyo
    dueDate: '2026-11-21',
    priority: 'high',
  };
}

describe('follow-up tasks', () => {
  it('creates the task for the routed owner, dated by the business date (not shifted), keyed by the toss-up', async () => {
    const emu = await startOrg();
    const lead = insertLead(emu, T0);
    const connector = await connect(emu);

    const [outcome] = await connector.sink.createTasks([task(emu, lead, 'tu_abcDEF123')]);

    expect(outcome).toMatchObject({ ok: true, created: true });
    const [t] = emu.store.all('Task');
    expect(t).toMatchObject({
      Id: (outcome as { id: string }).id,
      WhoId: lead,
      OwnerId: emu.store.integrationUserId,
      ActivityDate: '2026-11-21',
      ReminderDateTime: Date.parse('2026-11-20T15:30:00.000Z'),
      IsReminderSet: true,
      Priority: 'High',
      Status: 'Not Started',
      TossUp_Key__c: 'tu_abcDEF123',
      Subject: '【トスアップ】株式会社テスト 部長 — 24時間以内に初回連絡',
    });
  });

  it('delivers the same tasks twice (a redelivered message): still one task per key', async () => {
    const emu = await startOrg();
    const leads = [0, 1, 2].map((i) => insertLead(emu, T0 + i));
    const connector = await connect(emu);
    const tasks = leads.map((l, i) => task(emu, l, `tu_key${i}`));

    const first = await connector.sink.createTasks(tasks);
    const again = await connector.sink.createTasks([...tasks, tasks[0]!]);

    expect(first.every((o) => o.ok && o.created === true)).toBe(true);
    expect(again.every((o) => o.ok && o.created === false)).toBe(true);
    expect(again[3]).toEqual(again[0]);
    expect(emu.store.count('Task')).toBe(3);
    expect(again.map((o) => (o as { id: string }).id)).toEqual(
      [...first, first[0]].map((o) => (o as { id: string }).id),
    );
  });

  it('retries an upsert whose response was lost after Salesforce applied it: no second task', async () => {
    const emu = await startOrg();
    const leads = [0, 1].map((i) => insertLead(emu, T0 + i));
    // The emulator processes the request, then resets the connection instead of answering.
    emu.app.faults.add({ route: 'sf.collections.upsert', count: 1, fault: { kind: 'reset' } });
    const connector = await connect(emu);

    const outcomes = await connector.sink.createTasks(leads.map((l, i) => task(emu, l, `tu_lost${i}`)));

    expect(counter(emu, 'sf.collections.upsert')).toBe(2);
    expect(outcomes.map((o) => o.ok && o.created)).toEqual([false, false]); // the first attempt created them
    expect(emu.store.count('Task')).toBe(2);
  });

  it('survives a crash between creating the tasks and writing the flags: the rerun makes no second task', async () => {
    const { emu, routing } = await worldOrg(60);
    const real = await connect(emu);
    // A process that dies right after the tasks of its first page were created.
    const crashing: CrmConnector = {
      ...real,
      sink: {
        crm: 'salesforce',
        createTasks: (t) => real.sink.createTasks(t),
        writeTossUp: async () => {
          throw new Error('Lambda timed out');
        },
      },
    };
    const first = await runSync(syncOptions(emu, crashing, routing));
    expect(first.status).toBe('stopped');
    const tasksAfterCrash = emu.store.count('Task');
    expect(tasksAfterCrash).toBeGreaterThan(0);
    expect(emu.store.all('Lead').every((l) => l.TossUp_Flag__c === null)).toBe(true);

    // The rerun starts from scratch: no cursor was committed, and the crashed process's local
    // "task done" records are gone too — only the CRM-side key prevents a second task.
    const clock = fixedClock(new Date(emu.clock.now()).toISOString());
    const rerun = await runSync(syncOptions(emu, real, routing, { state: new MemoryStateStore({ clock }) }));

    expect(rerun.status).toBe('completed');
    expect(rerun.counts.tasksCreated).toBe(0);
    expect(rerun.counts.tasksExisting).toBe(tasksAfterCrash);
    expect(emu.store.count('Task')).toBe(tasksAfterCrash);
    const keys = emu.store.all('Task').map((t) => t.TossUp_Key__c);
    expect(new Set(keys).size).toBe(keys.length);
    // Each task's key is now the decision key on its lead.
    for (const t of emu.store.all('Task')) {
      const who = emu.store.lookup(t.WhoId as string)!;
      expect(who.TossUp_Decision_Key__c).toBe(t.TossUp_Key__c);
    }
  });
});
