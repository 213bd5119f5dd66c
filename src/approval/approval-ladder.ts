import { approvalStepKey, type Episode } from '../episodes/episode.ts';
import { calendarFor } from '../sla/due-date.ts';
import { advanceClock, stepInstant } from '../sla/escalation-ladder.ts';
import type { SlaConfig } from '../sla/sla-config.ts';

/**
 * The approval ladder (sla.yaml `approval`) of a pending episode: pure, like src/sla/escalation-ladder.ts.
 * Its clock starts at the request; its first step is always `request` (the approver's task and chat
 * notice, due at once), then the configured reminders. The rep's own SLA starts at the approval.
 */

export type ApprovalAction = 'request' | 'remind_owner' | 'notify_manager';

export interface ApprovalStep {
  /** `approval.<id>`. */
  stepKey: string;
  id: string;
  action: ApprovalAction;
  /** ISO UTC. */
  dueAt: string;
}

export const REQUEST_STEP = 'request';

/** Every approval step not recorded yet, earliest first (possibly past); empty unless pending. */
export function pendingApprovalSteps(ep: Episode, sla: SlaConfig): ApprovalStep[] {
  const a = ep.approval;
  if (ep.status !== 'pending_approval' || !a || a.decision !== null) return [];
  const cal = calendarFor(sla);
  const start = new Date(a.requestedAt);
  const out: ApprovalStep[] = [];
  const request = approvalStepKey(REQUEST_STEP);
  if (a.steps[request] === undefined)
    out.push({ stepKey: request, id: REQUEST_STEP, action: 'request', dueAt: a.requestedAt });
  for (const step of sla.approval.ladder ?? []) {
    const id = step.id ?? step.do;
    const stepKey = approvalStepKey(id);
    if (a.steps[stepKey] !== undefined) continue;
    const at = stepInstant(step.at, sla.approval, start, cal, []);
    if (at)
      out.push({
        stepKey,
        id,
        action: step.do as Exclude<ApprovalAction, 'request'>,
        dueAt: at.toISOString(),
      });
  }
  return out.sort((x, y) => Date.parse(x.dueAt) - Date.parse(y.dueAt));
}

/** When the manager's approval is overdue (sla.yaml `approval.due` from the request). */
export function approvalDueAt(ep: Episode, sla: SlaConfig): string | null {
  if (!ep.approval) return null;
  const due = advanceClock(calendarFor(sla), new Date(ep.approval.requestedAt), sla.approval.due, []);
  return due?.toISOString() ?? null;
}

/**
 * `nextCheckAt` of a pending approval: `now` (every sweep reads the pending approvals' answer, one
 * query per 200 on Salesforce, one batch read per 100 on HubSpot), or the earliest unrecorded step if
 * that is earlier (a sweep that fell behind). Null once it is no longer pending.
 */
export function nextApprovalCheck(ep: Episode, sla: SlaConfig, now: Date): string | null {
  if (ep.status !== 'pending_approval') return null;
  const first = pendingApprovalSteps(ep, sla)[0];
  const t = first ? Math.min(Date.parse(first.dueAt), now.getTime()) : now.getTime();
  return new Date(t).toISOString();
}
