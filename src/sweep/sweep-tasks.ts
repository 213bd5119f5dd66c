import type { Episode, EpisodeOwner } from '../episodes/episode.ts';
import type { FollowUpTask } from '../ports/lead-sink.ts';
import type { Locale } from '../reasons/messages.ts';
import { NEXT_ACTION_LABELS } from '../reasons/next-action-label.ts';
import { calendarFor } from '../sla/due-date.ts';
import { advanceClock } from '../sla/escalation-ladder.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import { zonedParts } from '../sla/zoned-time.ts';

/**
 * The CRM tasks the ladder creates. Keys are deterministic, so `createTasks` (idempotent per key)
 * never makes a second one, whatever crashes, retries or concurrent sweeps bring:
 * - the manager's task: `<episode key>.r<round>.<step id>` (once per owner round and step);
 * - the new owner's task after a reassignment: `<episode key>.r<new round>`.
 * Texts name no personal data: the task hangs on the lead/contact, where the rep reads the rest.
 */

const T = {
  ja: {
    managerSubject: '【SLA超過】トスアップの初回対応が未記録です',
    managerBody: (p: { action: string; owner: string; handedOff: string; due: string }) =>
      `担当者 ${p.owner} の初回対応が期限（${p.due}）までに記録されていません。\n次のアクション: ${p.action}\nトスアップ: ${p.handedOff}\n担当者への確認、または担当変更をお願いします。`,
    reassignSubject: (action: string) => `【トスアップ・担当変更】${action}`,
    reassignBody: (p: { action: string; previous: string; due: string }) =>
      `前任 ${p.previous} の初回対応がSLA期限を過ぎたため、担当があなたに変更されました。\n次のアクション: ${p.action}\n期限: ${p.due}`,
    closeNote: (owner: string) => `SLA超過のため ${owner} に担当変更（tossup sweep）`,
  },
  en: {
    managerSubject: '[SLA breached] No first response logged on a toss-up',
    managerBody: (p: { action: string; owner: string; handedOff: string; due: string }) =>
      `${p.owner} logged no first response by the due time (${p.due}).\nNext action: ${p.action}\nHanded off: ${p.handedOff}\nPlease check with the owner or reassign.`,
    reassignSubject: (action: string) => `[Toss-up, reassigned] ${action}`,
    reassignBody: (p: { action: string; previous: string; due: string }) =>
      `The toss-up passed its SLA with ${p.previous} and is now yours.\nNext action: ${p.action}\nDue: ${p.due}`,
    closeNote: (owner: string) => `Reassigned to ${owner} after the SLA was breached (tossup sweep)`,
  },
} as const;

export function managerTaskKey(ep: Episode, stepId: string): string {
  return `${ep.key}.r${ep.round}.${stepId}`;
}

export function reassignTaskKey(ep: Episode): string {
  return `${ep.key}.r${ep.round + 1}`;
}

/** Who a rep is in texts: the routing file's name, else the CRM id. */
export type NameOf = (owner: EpisodeOwner) => string;

export function managerTask(input: {
  episode: Episode;
  stepId: string;
  manager: EpisodeOwner;
  breachAt: string | null;
  now: Date;
  sla: SlaConfig;
  locale: Locale;
  nameOf: NameOf;
}): FollowUpTask {
  const { episode: ep, sla, locale } = input;
  const cal = calendarFor(sla);
  // The manager gets one business day to act on it.
  const due = cal.add(input.now, { amount: 1, unit: 'businessDays' });
  const text = T[locale];
  return {
    key: managerTaskKey(ep, input.stepId),
    leadId: ep.leadId,
    objectType: ep.objectType,
    ownerId: input.manager.id,
    subject: text.managerSubject,
    body: text.managerBody({
      action: NEXT_ACTION_LABELS[locale][ep.nextAction],
      owner: input.nameOf(ep.owner),
      handedOff: zonedDateTime(ep.handedOffAt, sla.timeZone),
      due: input.breachAt ? zonedDateTime(input.breachAt, sla.timeZone) : '-',
    }),
    dueAt: due.toISOString(),
    dueDate: cal.businessDayOnOrAfter(cal.localDate(due)),
    priority: 'high',
  };
}

/** The new owner's task; its due time is the new owner's SLA, counted from `now` like a hand-off. */
export function reassignTask(input: {
  episode: Episode;
  newOwner: EpisodeOwner;
  now: Date;
  sla: SlaConfig;
  locale: Locale;
  nameOf: NameOf;
}): FollowUpTask {
  const { episode: ep, sla, locale } = input;
  const cal = calendarFor(sla);
  const entry = sla.slas[ep.nextAction];
  const due =
    (entry && advanceClock(cal, input.now, entry.due, ep.pauses)) ??
    cal.add(input.now, { amount: 1, unit: 'businessDays' });
  const text = T[locale];
  const action = NEXT_ACTION_LABELS[locale][ep.nextAction];
  return {
    key: reassignTaskKey(ep),
    leadId: ep.leadId,
    objectType: ep.objectType,
    ownerId: input.newOwner.id,
    subject: text.reassignSubject(action),
    body: text.reassignBody({
      action,
      previous: input.nameOf(ep.owner),
      due: zonedDateTime(due.toISOString(), sla.timeZone),
    }),
    dueAt: due.toISOString(),
    dueDate: cal.businessDayOnOrAfter(cal.localDate(due)),
    priority: 'high',
  };
}

export function closeNote(newOwnerName: string, locale: Locale): string {
  return T[locale].closeNote(newOwnerName);
}

/** `2026-12-02 10:00` in the SLA time zone (what the reps read; the CRM shows its own dates too). */
function zonedDateTime(iso: string, timeZone: string): string {
  const p = zonedParts(new Date(iso), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
