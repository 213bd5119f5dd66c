import type { NextAction } from '../../domain/lead.ts';
import { terminalSafe } from '../../logging/terminal-text.ts';
import type { AfterHandoffReport, AfterHandoffStep } from '../../pipeline/after-handoff-report.ts';
import { type OutcomeTally, onTimeRate } from '../../pipeline/handoff-outcomes.ts';
import { localTime } from '../../pipeline/render-plan.ts';
import type { Locale } from '../../reasons/messages.ts';
import { NEXT_ACTION_LABELS } from '../../reasons/next-action-label.ts';
import { pad } from '../output.ts';
import { verdictLines } from './demo-verdict-summary.ts';

/** The demo's "After the hand-off" lines: the summary section and one progress line per step. */

const STYLE: Record<Locale, Record<string, string>> = {
  ja: { prompt: '早い', steady: '普通', late: '遅れがち', never: '対応しない' },
  en: { prompt: 'prompt', steady: 'steady', late: 'often late', never: 'never answers' },
};
const VIA: Record<Locale, Record<string, string>> = {
  ja: { task: 'タスク完了', call: '架電を記録', meeting: '商談を記録' },
  en: { task: 'task completed', call: 'call logged', meeting: 'meeting logged' },
};
const EVENT: Record<Locale, Record<string, string>> = {
  ja: {
    'toss-up': 'トスアップ',
    reminder: 'リマインド',
    escalation: 'エスカレーション',
    reassignment: '再割り当て',
  },
  en: { 'toss-up': 'toss-up', reminder: 'reminder', escalation: 'escalation', reassignment: 'reassignment' },
};
const ZONE = 'Asia/Tokyo';

function num(locale: Locale): (v: number) => string {
  return (v) => v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
}

function rate(t: OutcomeTally): string {
  const r = onTimeRate(t);
  return r === null ? '–' : `${Math.round(r * 100)}%`;
}

function judged(t: OutcomeTally): number {
  return t.onTime + t.late + t.missed + t.overdue;
}

export function stepLine(s: AfterHandoffStep, locale: Locale): string {
  const n = num(locale);
  const at = localTime(s.at, ZONE).slice(5);
  const failed =
    (s.synced ? (locale === 'ja' ? '  同期' : '  synced') : '') +
    (s.failed > 0 ? (locale === 'ja' ? `  ⚠ 失敗 ${n(s.failed)}` : `  ⚠ failed ${n(s.failed)}`) : '');
  return locale === 'ja'
    ? `  ${at}  対応 ${pad(n(s.acted), 4)} 判定 ${pad(n(s.judged ?? 0), 4)} リマインド ${pad(n(s.reminders), 4)} エスカレーション ${pad(n(s.escalations), 4)} 再割り当て ${pad(n(s.reassignments), 4)} 投稿 ${n(s.messages)}${failed}`
    : `  ${at}  acted ${pad(n(s.acted), 4)} judged ${pad(n(s.judged ?? 0), 4)} reminders ${pad(n(s.reminders), 4)} escalations ${pad(n(s.escalations), 4)} reassigned ${pad(n(s.reassignments), 4)} posted ${n(s.messages)}${failed}`;
}

export function afterHandoffLines(a: AfterHandoffReport, locale: Locale): string[] {
  const ja = locale === 'ja';
  const n = num(locale);
  const from = localTime(a.from, ZONE);
  const to = localTime(a.to, ZONE);
  const out: string[] = [
    ja
      ? `■ トスアップ後 (${from} → ${to} JST、${n(a.stepHours)} 営業時間ごとに ${n(a.steps.length)} 回)`
      : `■ After the hand-off (${from} → ${to} JST, ${n(a.steps.length)} steps of ${n(a.stepHours)} business hours)`,
  ];
  const via = Object.entries(a.repActions.byVia)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${VIA[locale][k] ?? k} ${n(v)}`)
    .join(' / ');
  out.push(
    ja
      ? `  担当者の対応: ${n(a.repActions.total)} 件${via ? ` (${via})` : ''}`
      : `  rep actions: ${n(a.repActions.total)}${via ? ` (${via})` : ''}`,
    ja
      ? `  期限内の初回対応: ${rate(a.total)} (${n(a.total.onTime)}/${n(judged(a.total))})  リマインド ${n(a.ladder.reminders)}  エスカレーション ${n(a.ladder.escalations)}  マネージャータスク ${n(a.ladder.managerTasks)}  再割り当て ${n(a.ladder.reassignments)}`
      : `  first responses on time: ${rate(a.total)} (${n(a.total.onTime)}/${n(judged(a.total))})  reminders ${n(a.ladder.reminders)}  escalations ${n(a.ladder.escalations)}  manager tasks ${n(a.ladder.managerTasks)}  reassignments ${n(a.ladder.reassignments)}`,
  );
  const failed = a.steps.reduce((sum, x) => sum + x.failed, 0);
  if (failed > 0)
    out.push(
      ja
        ? `  ⚠ スイープで失敗した書き込み・通知: ${n(failed)} 件 (次のスイープで再試行。詳細は out/sweeps/ の JSON レポート)`
        : `  ⚠ sweep writes or notices that failed: ${n(failed)} (retried by the next sweep; see the JSON reports in out/sweeps/)`,
    );
  if (a.ladder.skipped > 0)
    out.push(
      ja
        ? `  実行できなかった段階: ${n(a.ladder.skipped)} 件 (空きのある担当者・マネージャーが見つからない)`
        : `  steps not carried out: ${n(a.ladder.skipped)} (no rep with capacity or no manager known)`,
    );
  out.push(ja ? '  担当者別 期限内率:' : '  on-time rate per rep:');
  for (const r of a.reps.slice(0, 12)) {
    const style = r.style ? `(${STYLE[locale][r.style] ?? r.style})` : '';
    const t = r.tally;
    out.push(
      ja
        ? `    ${pad(r.name, 12)} ${pad(style, 14)} 受 ${pad(n(t.turns), 5)} 期限内 ${pad(n(t.onTime), 5)} 遅れ ${pad(n(t.late), 5)} 未対応 ${pad(n(t.missed + t.overdue), 5)} ${pad(rate(t), 5)} エスカレーション ${n(r.ladder.escalations)}`
        : `    ${pad(r.name, 12)} ${pad(style, 15)} got ${pad(n(t.turns), 5)} on time ${pad(n(t.onTime), 5)} late ${pad(n(t.late), 5)} missed ${pad(n(t.missed + t.overdue), 5)} ${pad(rate(t), 5)} escalations ${n(r.ladder.escalations)}`,
    );
  }
  if (a.reps.length > 12)
    out.push(
      ja
        ? `    … 他 ${n(a.reps.length - 12)} 名 (HTML レポート)`
        : `    … ${n(a.reps.length - 12)} more (HTML report)`,
    );
  out.push(ja ? '  次のアクション別 期限内率:' : '  on-time rate per next action:');
  for (const x of a.nextActions) {
    const label = NEXT_ACTION_LABELS[locale][x.action as NextAction] ?? x.action;
    out.push(`    ${pad(label, 32)} ${pad(rate(x.tally), 5)} (${n(x.tally.onTime)}/${n(judged(x.tally))})`);
  }
  out.push(...verdictLines(a, locale));
  const channels = Object.entries(a.messages.byChannel)
    .sort((x, y) => y[1] - x[1])
    .map(([c, v]) => `${c} ${n(v)}`)
    .join(', ');
  const events = Object.entries(a.messages.byEvent)
    .sort((x, y) => y[1] - x[1])
    .map(([e, v]) => `${EVENT[locale][e] ?? e} ${n(v)}`)
    .join(', ');
  out.push(
    ja
      ? `  Slack に投稿されたメッセージ: ${n(a.messages.total)} 件${events ? ` (${events})` : ''}${channels ? ` — ${channels}` : ''}`
      : `  messages posted to Slack: ${n(a.messages.total)}${events ? ` (${events})` : ''}${channels ? ` — ${channels}` : ''}`,
  );
  // As Slack received them (the lead's name and company only, as every message).
  for (const m of a.messages.samples.slice(0, 3)) out.push(`    [${m.channel}] ${terminalSafe(m.text)}`);
  return out;
}
