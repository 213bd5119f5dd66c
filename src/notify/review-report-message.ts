import type { ChatLanguage } from '../ports/notifier.ts';
import type { ReviewModel } from '../review/review-model.ts';

/**
 * The chat post that announces the weekly or monthly review (src/handlers/report-handler.ts): the period, the
 * headline figures of the follow-up status and the link to the full report. Reps appear as routing
 * keys only when the report itself names them; this message names nobody.
 */
export function reviewReportMessage(model: ReviewModel, link: string, language: ChatLanguage): string {
  const rows = model.followUp.responseByRep;
  const onTime = sum(rows.map((r) => r.onTime));
  const due = onTime + sum(rows.map((r) => r.late + r.unansweredLate));
  const rate = due === 0 ? null : onTime / due;
  const open = sum(model.followUp.open.map((r) => r.open));
  const overdue = sum(model.followUp.open.map((r) => r.overdue));
  const ladder = sum(model.followUp.escalations.map((r) => r.steps));
  const pct = rate === null ? '–' : `${Math.round(rate * 1000) / 10}%`;
  const label = model.period.label;
  const monthly = model.period.kind === 'month';
  if (language === 'ja')
    return [
      `${monthly ? '月次' : '週次'}トスアップ・レポート ${label}`,
      `トスアップ ${model.summary.tossups} 件 · 期限内対応率 ${pct}(期限切れの未対応を含む)`,
      `未完了 ${open} 件(うち期限超過 ${overdue} 件)· エスカレーション ${ladder} 件`,
      `レポート: ${link}`,
    ].join('\n');
  return [
    `${monthly ? 'Monthly' : 'Weekly'} toss-up report ${label}`,
    `${model.summary.tossups} toss-ups · on-time rate ${pct} (unanswered past due count as late)`,
    `${open} open (${overdue} overdue) · ${ladder} escalation steps`,
    `Report: ${link}`,
  ].join('\n');
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
