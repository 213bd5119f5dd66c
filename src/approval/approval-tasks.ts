import type { Episode, EpisodeOwner } from '../episodes/episode.ts';
import type { FollowUpTask } from '../ports/lead-sink.ts';
import type { Locale } from '../reasons/messages.ts';
import { NEXT_ACTION_LABELS } from '../reasons/next-action-label.ts';
import { calendarFor, computeSlaDue } from '../sla/due-date.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import { zonedParts } from '../sla/zoned-time.ts';

/**
 * The CRM tasks of a manager approval. Keys are deterministic, so `createTasks` (idempotent per key)
 * never makes a second one:
 * - the approver's task: `<episode key>.approval`;
 * - the rep's toss-up task once approved: the episode key itself, as a toss-up without approval has.
 * Texts name no personal data: the task hangs on the lead/contact, where the reader finds the rest.
 */

const T = {
  ja: {
    approvalSubject: (action: string) => `【承認依頼】トスアップ: ${action}`,
    approvalBody: (p: { action: string; rep: string; due: string; field: string }) =>
      `ルールにより、このトスアップはマネージャーの承認が必要です。\n次のアクション: ${p.action}\n担当予定: ${p.rep}\n承認期限: ${p.due}\nこのリード/取引先責任者の「${p.field}」を「承認」または「却下」にしてください（却下の場合は理由も入力）。承認されると担当者にタスクが作成され、SLAはその時点から始まります。`,
    repSubject: (action: string) => `【トスアップ・承認済み】${action}`,
    repBody: (p: { action: string; due: string }) =>
      `マネージャーが承認したトスアップです。\n次のアクション: ${p.action}\n期限: ${p.due}`,
    approvedNote: '承認済み: 担当者にタスクを作成しました（tossup sweep）',
    rejectedNote: (reason: string) => `却下を記録しました（tossup sweep）${reason ? `: ${reason}` : ''}`,
    field: 'トスアップ承認',
  },
  en: {
    approvalSubject: (action: string) => `[Approval needed] Toss-up: ${action}`,
    approvalBody: (p: { action: string; rep: string; due: string; field: string }) =>
      `A rule asks for the manager's approval of this toss-up.\nNext action: ${p.action}\nTo be owned by: ${p.rep}\nApprove by: ${p.due}\nSet "${p.field}" on this lead/contact to approved or rejected (with a reason when rejecting). Once approved, the rep gets the task and the SLA starts then.`,
    repSubject: (action: string) => `[Toss-up, approved] ${action}`,
    repBody: (p: { action: string; due: string }) =>
      `Your manager approved this toss-up.\nNext action: ${p.action}\nDue: ${p.due}`,
    approvedNote: 'Approved: the rep’s task was created (tossup sweep)',
    rejectedNote: (reason: string) => `Rejection recorded (tossup sweep)${reason ? `: ${reason}` : ''}`,
    field: 'Toss-up approval',
  },
} as const;

export function approvalTaskKey(ep: Pick<Episode, 'key'>): string {
  return `${ep.key}.approval`;
}

/** The approving manager's task; due when the approval SLA (sla.yaml `approval.due`) ends. */
export function approvalTask(input: {
  episode: Episode;
  approver: EpisodeOwner;
  dueAt: string;
  sla: SlaConfig;
  locale: Locale;
  repName: string;
}): FollowUpTask {
  const { episode: ep, sla, locale } = input;
  const cal = calendarFor(sla);
  const text = T[locale];
  const action = NEXT_ACTION_LABELS[locale][ep.nextAction];
  return {
    key: approvalTaskKey(ep),
    leadId: ep.leadId,
    objectType: ep.objectType,
    ownerId: input.approver.id,
    subject: text.approvalSubject(action),
    body: text.approvalBody({
      action,
      rep: input.repName,
      due: zonedDateTime(input.dueAt, sla.timeZone),
      field: text.field,
    }),
    dueAt: input.dueAt,
    dueDate: cal.businessDayOnOrAfter(cal.localDate(new Date(input.dueAt))),
    priority: ep.approval?.priority ?? 'medium',
  };
}

/**
 * The rep's toss-up task, created at the approval: due on the next action's SLA counted from `now`
 * (the approval the sweep recorded), under the episode key.
 */
export function approvedTask(input: {
  episode: Episode;
  now: Date;
  sla: SlaConfig;
  locale: Locale;
}): FollowUpTask {
  const { episode: ep, now, sla, locale } = input;
  const cal = calendarFor(sla);
  const due = computeSlaDue(ep.nextAction, now.toISOString(), sla);
  const dueAt = due?.dueAt ?? now.toISOString();
  const text = T[locale];
  const action = NEXT_ACTION_LABELS[locale][ep.nextAction];
  return {
    key: ep.key,
    leadId: ep.leadId,
    objectType: ep.objectType,
    ownerId: ep.owner.id,
    subject: text.repSubject(action),
    body: text.repBody({ action, due: zonedDateTime(dueAt, sla.timeZone) }),
    dueAt,
    dueDate: due?.dueDate ?? cal.businessDateOf(now),
    priority: ep.approval?.priority ?? 'medium',
  };
}

export function approvedNote(locale: Locale): string {
  return T[locale].approvedNote;
}

export function rejectedNote(reason: string | null, locale: Locale): string {
  return T[locale].rejectedNote(reason ?? '');
}

function zonedDateTime(iso: string, timeZone: string): string {
  const p = zonedParts(new Date(iso), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
