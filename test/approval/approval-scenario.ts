import { expect } from 'vitest';
import { approvalTaskKey } from '../../src/approval/approval-tasks.ts';
import type { StoredEpisode } from '../../src/ports/episode-store.ts';
import { calendarFor } from '../../src/sla/due-date.ts';
import { renderSweepSummary } from '../../src/sweep/render-sweep-summary.ts';
import { type ApprovalCrm, approvalRunner } from './approval-kit.ts';

/**
 * "approval → task created only after approval, SLA from approval", on one emulated CRM through its
 * real connector: the sync decides a toss-up whose rule says `approval: manager` (Friday 2026-11-20
 * 10:00 JST), the sweep asks the pool's manager (task + chat notice), reminds them, and only once the
 * manager sets the approval field (Tuesday 11-24 10:30 JST, after a weekend and a holiday) creates the
 * rep's task, due one business day after the approval — not after the decision. A rejection with a
 * reason closes the episode with it, and no task is ever created for it.
 */
export const AT = {
  sync: '2026-11-20T01:00:00.000Z', // Fri 10:00 JST
  request: '2026-11-20T01:05:00.000Z',
  reminder: '2026-11-20T04:10:00.000Z', // 13:10 JST: 75% of the 4 business hours
  approved: '2026-11-24T01:30:00.000Z', // Tue 10:30 JST (Mon 11-23 is a holiday)
  later: '2026-11-24T02:30:00.000Z',
} as const;

export async function approvalScenario(cut: ApprovalCrm): Promise<void> {
  const run = approvalRunner(cut);
  const hot = cut.hotLead('承認');
  const other = cut.hotLead('却下');

  const sync = await run.sync(AT.sync);
  expect(sync.stop).toBeNull();
  const key = cut.tossUpOf(hot).key!;
  const otherKey = cut.tossUpOf(other).key!;
  expect(key).toMatch(/^tu_/);
  expect(cut.tossUpOf(hot).flag).not.toBeNull();
  // Decided and written, but no rep task: the episode waits for the manager.
  expect(cut.tasksByKey(key)).toEqual([]);
  const pending = await stored(run.episodes, key);
  expect(pending.episode.status).toBe('pending_approval');
  expect(pending.episode.taskId).toBeNull();
  const rep = pending.episode.owner.id;

  // The first sweep asks the manager: an approval task for someone other than the rep, a notice.
  const first = await run.sweep(AT.request);
  expect(first.stop).toBeNull();
  expect(first.approvals).toMatchObject({ requested: expect.any(Number) });
  expect(first.approvals!.requested).toBeGreaterThanOrEqual(2);
  const asked = await stored(run.episodes, key);
  const approver = asked.episode.approval!.approver!;
  expect(approver.id).not.toBe(rep);
  const approvalTasks = cut.tasksByKey(approvalTaskKey({ key }));
  expect(approvalTasks).toHaveLength(1);
  expect(approvalTasks[0]!.ownerId).toBe(approver.id);
  expect(asked.episode.approval!.approvalTaskId).toBe(approvalTasks[0]!.id);
  const notices = run.notifier.sent.filter((s) => s.n.episodeKey === key);
  expect(notices.map((s) => [s.n.event, s.targets[0]])).toEqual([
    ['approval_requested', { kind: 'slack-user', email: `approval_requested:${approver.id}@example.test` }],
  ]);
  expect(cut.tasksByKey(key)).toEqual([]);

  // 75% of the approval SLA: the approver is reminded; still no rep task, no second approval task.
  const reminded = await run.sweep(AT.reminder);
  expect(reminded.approvals!.reminders).toBeGreaterThanOrEqual(2);
  expect(cut.tasksByKey(key)).toEqual([]);
  expect(cut.tasksByKey(approvalTaskKey({ key }))).toHaveLength(1);
  expect((await stored(run.episodes, key)).episode.status).toBe('pending_approval');

  // The manager answers in the CRM: one approves, the other rejects with a reason.
  cut.answer(hot, 'approved');
  cut.answer(other, 'rejected', '予算確定まで待つ');
  const answered = await run.sweep(AT.approved);
  expect(answered.stop).toBeNull();
  expect(answered.approvals).toMatchObject({ approved: 1, rejected: 1 });
  // Visible in the sweep summary (and the JSON report above).
  const summary = renderSweepSummary(answered, 'en');
  expect(summary).toMatch(/^Manager approval$/m);
  expect(summary).toMatch(/Approved → rep's task created\s+1$/m);
  expect(summary).toMatch(/Rejected\s+1$/m);
  expect(renderSweepSummary(first, 'ja')).toMatch(/承認待ち\s+\d+$/m);

  const tasks = cut.tasksByKey(key);
  expect(tasks).toHaveLength(1);
  expect(tasks[0]!.ownerId).toBe(rep);
  expect(tasks[0]!.completed).toBe(false);
  const handedOff = (await stored(run.episodes, key)).episode;
  expect(handedOff.status).toBe('open');
  expect(handedOff.taskId).toBe(tasks[0]!.id);
  expect(handedOff.approval).toMatchObject({ decision: 'approved', decidedAt: AT.approved });
  // The rep's SLA runs from the approval: field_sales_tossup is 1 business day → Wed 11-25 10:30 JST
  // (from the decision it would have been due Tue 11-24 10:00).
  expect(handedOff.handedOffAt).toBe(AT.approved);
  expect(handedOff.roundStartedAt).toBe(AT.approved);
  const sla = run.sla();
  const due = calendarFor(sla).add(new Date(AT.approved), { amount: 1, unit: 'businessDays' });
  expect(due.toISOString()).toBe('2026-11-25T01:30:00.000Z');
  expect(tasks[0]!.due).toBe(cut.dueOf(due.toISOString(), '2026-11-25'));
  // The approver's task is closed; the rep hears of the toss-up.
  expect(cut.tasksByKey(approvalTaskKey({ key }))[0]!.completed).toBe(true);
  expect(run.notifier.sent.filter((s) => s.n.episodeKey === key).map((s) => s.n.event)).toEqual([
    'approval_requested',
    'approval_requested',
    'toss-up',
  ]);

  const rejected = (await stored(run.episodes, otherKey)).episode;
  expect(rejected).toMatchObject({ status: 'closed', closeReason: 'rejected' });
  expect(rejected.approval).toMatchObject({ decision: 'rejected', rejectionReason: '予算確定まで待つ' });
  expect(cut.tasksByKey(otherKey)).toEqual([]);

  // Later sweeps and syncs create nothing more: one rep task, none for the rejected toss-up.
  await run.sweep(AT.later);
  const resync = await run.sync(AT.later);
  expect(resync.stop).toBeNull();
  expect(cut.tasksByKey(key)).toHaveLength(1);
  expect(cut.tasksByKey(otherKey)).toEqual([]);
  expect(cut.tossUpOf(other).key).toBe(otherKey);
}

async function stored(store: { get(key: string): Promise<StoredEpisode | null> }, key: string) {
  const s = await store.get(key);
  if (!s) throw new Error(`no episode ${key}`);
  return s;
}
