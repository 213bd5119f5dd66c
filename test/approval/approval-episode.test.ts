import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nextApprovalCheck, pendingApprovalSteps } from '../../src/approval/approval-ladder.ts';
import { type EpisodeEvent, episodeEvent } from '../../src/episodes/episode.ts';
import { pendingLadderSteps } from '../../src/sla/escalation-ladder.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { slaStatusAt } from '../../src/sweep/sla-status.ts';
import { nextSweepCheck } from '../../src/sweep/sweep-schedule.ts';
import { foldOrThrow } from '../episodes/episode-kit.ts';

const sla = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));
const REP = { id: '005R', key: 'r1', poolId: 'fs' };
const MANAGER = { id: '005M', key: 'm1' };
// Tuesday 2026-12-01 10:00 JST; the approval SLA (4 business hours) is due at 14:00 JST.
const REQUESTED = '2026-12-01T01:00:00.000Z';
const APPROVED = '2026-12-01T03:00:00.000Z';

const requested = episodeEvent({
  type: 'approval_requested',
  at: REQUESTED,
  cause: 'rule',
  crm: 'salesforce',
  leadId: '00Q1',
  objectType: 'Lead',
  nextAction: 'field_sales_tossup',
  owner: REP,
  priority: 'high',
});
const request = episodeEvent({
  type: 'approval_step',
  at: '2026-12-01T01:05:00.000Z',
  cause: 'sweep',
  stepId: 'request',
  approver: MANAGER,
  approvalTaskId: '00T9',
});
const approved = episodeEvent({ type: 'approved', at: APPROVED, cause: 'manager' });
const handedOff = episodeEvent({
  type: 'handed_off',
  at: APPROVED,
  cause: 'manager',
  crm: 'salesforce',
  leadId: '00Q1',
  objectType: 'Lead',
  nextAction: 'field_sales_tossup',
  owner: REP,
  taskId: '00T1',
});

describe('an episode that waits for the manager', () => {
  it('starts pending, with no task, no rep ladder and no SLA status', () => {
    const ep = foldOrThrow('tu_a', [requested]);
    expect(ep).toMatchObject({ status: 'pending_approval', taskId: null, owner: REP });
    expect(ep.approval).toMatchObject({ requestedAt: REQUESTED, decision: null, priority: 'high' });
    expect(pendingLadderSteps(ep, sla)).toEqual([]);
    expect(slaStatusAt(ep, sla, new Date(APPROVED))).toBeNull();
  });

  it('runs the approval ladder: the request at once, the reminder at 75%, the manager above at the breach', () => {
    const ep = foldOrThrow('tu_a', [requested]);
    expect(pendingApprovalSteps(ep, sla).map((s) => [s.stepKey, s.dueAt])).toEqual([
      ['approval.request', REQUESTED],
      ['approval.remind_owner', '2026-12-01T04:00:00.000Z'],
      ['approval.notify_manager', '2026-12-01T05:00:00.000Z'],
    ]);
    const asked = foldOrThrow('tu_a', [requested, request]);
    expect(asked.approval).toMatchObject({ approver: MANAGER, approvalTaskId: '00T9' });
    expect(pendingApprovalSteps(asked, sla).map((s) => s.id)).toEqual(['remind_owner', 'notify_manager']);
    // Every sweep looks at a pending approval (it reads the manager's answer).
    const now = new Date('2026-12-01T02:00:00.000Z');
    expect(nextApprovalCheck(asked, sla, now)).toBe(now.toISOString());
    expect(nextSweepCheck(asked, sla, now)).toBe(now.toISOString());
  });

  it('approved and handed off: an ordinary toss-up whose clock starts at the approval, in any event order', () => {
    const events: EpisodeEvent[] = [requested, request, approved, handedOff];
    const ep = foldOrThrow('tu_a', events);
    expect(ep).toMatchObject({
      status: 'open',
      taskId: '00T1',
      handedOffAt: APPROVED,
      roundStartedAt: APPROVED,
    });
    expect(ep.approval).toMatchObject({ decision: 'approved', decidedAt: APPROVED, approver: MANAGER });
    expect(pendingApprovalSteps(ep, sla)).toEqual([]);
    // The rep's ladder runs from the approval: 75% of one business day (9 h) after 12:00 JST is 09:45 the next day.
    expect(pendingLadderSteps(ep, sla)[0]).toMatchObject({
      id: 'remind_owner',
      dueAt: '2026-12-02T00:45:00.000Z',
    });
    expect(foldOrThrow('tu_a', [...events].reverse())).toEqual({ ...ep, events: ep.events });
  });

  it('approved but not yet handed off (a crash in between) stays pending, so the sweep creates the task again', () => {
    const ep = foldOrThrow('tu_a', [requested, request, approved]);
    expect(ep.status).toBe('pending_approval');
    expect(ep.approval!.decision).toBe('approved');
  });

  it('rejected: closed with the reason; one answer per episode', () => {
    const rejected = episodeEvent({ type: 'rejected', at: APPROVED, cause: 'manager', reason: '予算未確定' });
    const ep = foldOrThrow('tu_a', [requested, request, rejected]);
    expect(ep).toMatchObject({ status: 'closed', closeReason: 'rejected' });
    expect(ep.approval).toMatchObject({ decision: 'rejected', rejectionReason: '予算未確定' });
    expect(nextSweepCheck(ep, sla, new Date(APPROVED))).toBeNull();
    // The answer has one step: an approval arriving after the rejection is not another answer.
    const later = episodeEvent({ type: 'approved', at: '2026-12-01T05:00:00.000Z', cause: 'manager' });
    expect(foldOrThrow('tu_a', [requested, rejected, later]).approval!.decision).toBe('rejected');
  });
});
