import { terminalSafe } from '../logging/terminal-text.ts';
import type { Locale } from '../reasons/messages.ts';
import type { ReasonRenderer } from '../reasons/render-reasons.ts';
import { zonedParts } from '../sla/zoned-time.ts';
import type { LeadOutcome } from './process-leads.ts';

const L = {
  ja: {
    task: 'タスク',
    owner: '担当',
    due: '期限',
    why: '理由',
    exists: '作成済み',
    new: '新規',
    noSla: 'SLAなし',
    none: '(空)',
    episode: 'エピソード',
    pause: '保留中は SLA 時計を停止 (タスクは担当者のまま、新しいタスクなし)',
    stayPaused: '保留中 (SLA 時計は停止したまま)',
    resume: '保留解除: SLA 時計を再開 (同じタスク)',
    superseded: '置き換え: 前のエピソードを終了',
    recordOwner: '担当 (タスクなし)',
    recordOwnerKept: '担当はそのまま',
  },
  en: {
    task: 'task',
    owner: 'owner',
    due: 'due',
    why: 'why',
    exists: 'exists',
    new: 'new',
    noSla: 'no SLA',
    none: '(empty)',
    episode: 'episode',
    pause: 'on hold: the SLA clock stops (the rep keeps the task, no new task)',
    stayPaused: 'still on hold (the SLA clock stays stopped)',
    resume: 'hold ended: the SLA clock runs again (same task)',
    superseded: 'replaced: the previous episode is closed',
    recordOwner: 'owner of record (no task)',
    recordOwnerKept: 'owner left as it is',
  },
} as const;

/**
 * What a dry run would do to one lead, for a person to read: each field before → after, the task that
 * would be created (owner, how routing found them, due time in the SLA zone) and the reasons. Leads
 * that would not change give an empty string.
 */
export function renderPlan(
  o: LeadOutcome,
  options: {
    locale: Locale;
    renderer: ReasonRenderer;
    timeZone: string;
    /** The owner's name from routing.yaml, shown before the id when known. */
    ownerName?: (ownerId: string) => string | undefined;
  },
): string {
  const changes = o.changes ?? [];
  if (changes.length === 0 && !o.failure) return '';
  const t = L[options.locale];
  const lines = [
    `${o.objectType} ${o.leadId}`,
    ...changes.map((c) => `  ${c.field}: ${show(c.before, t.none)} → ${show(c.after, t.none)}`),
  ];
  if (o.task) {
    const r = o.task.route;
    const via = [r.via, r.poolId ?? r.ownerKey].filter(Boolean).join(' ');
    const due = o.task.hasSla
      ? `${localTime(o.task.dueAt, options.timeZone)} (${options.timeZone})`
      : `${o.task.dueDate} (${t.noSla})`;
    lines.push(
      `  ${t.task} [${o.taskStatus === 'existing' ? t.exists : t.new}]: ${o.task.subject} — ${t.owner} ${ownerText(o.task.ownerId, options.ownerName)} (${via}), ${t.due} ${due}`,
    );
    if (r.note) lines.push(`    ${r.note}`);
  }
  // A customer showing no intent: the account owner owns the lead without a task (owner-of-record.ts).
  const rec = o.recordOwner;
  if (rec)
    lines.push(
      'ownerId' in rec
        ? `  ${t.recordOwner}: ${ownerText(rec.ownerId, options.ownerName)} (${rec.via})`
        : `  ${t.recordOwnerKept} (${rec.skipped})`,
    );
  const episode =
    o.hold === 'pause'
      ? t.pause
      : o.hold === 'stay_paused'
        ? t.stayPaused
        : o.hold === 'resume' || o.hold === 'resumed'
          ? t.resume
          : o.supersedes
            ? `${t.superseded} ${o.supersedes}`
            : null;
  if (episode) lines.push(`  ${t.episode}: ${episode}`);
  if (o.decision)
    lines.push(`  ${t.why}: ${o.decision.reasons.map((x) => options.renderer.render(x)).join(' / ')}`);
  if (o.failure)
    lines.push(`  ! ${o.failure.stage} ${o.failure.kind}/${o.failure.code}: ${o.failure.message}`);
  // Titles, names, reasons and CRM messages are anyone's input: no control or bidi character reaches the terminal.
  return lines.map(terminalSafe).join('\n');
}

function ownerText(id: string, name: ((id: string) => string | undefined) | undefined): string {
  const known = name?.(id);
  return known ? `${known} ${id}` : id;
}

function show(v: string | number | null, none: string): string {
  if (v === null || v === '') return none;
  return typeof v === 'string' && v.length > 60
    ? JSON.stringify(`${[...v].slice(0, 59).join('')}…`)
    : JSON.stringify(v);
}

/** `2026-12-03 15:17` in the SLA zone: whole minutes, read from the zone's calendar fields. */
export function localTime(iso: string, timeZone: string): string {
  const p = zonedParts(new Date(iso), timeZone);
  const two = (v: number) => String(v).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
