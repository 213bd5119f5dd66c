import type { VerdictValue } from '../episodes/episode.ts';
import { SENT_BACK_REASON_LABELS, TOSSUP_RESULT_LABELS } from './feedback-label.ts';
import type { Locale } from './messages.ts';

/**
 * The reason written while a rep's sent-back or lost verdict stands (docs/sales-in-the-loop.md): it
 * replaces the rules' reason, so whoever opens the record sees why the engine leaves the lead alone
 * and what hands it back. Labels as the CRM shows them (src/reasons/feedback-label.ts).
 */
export function verdictReason(
  verdict: VerdictValue,
  until: 'cleared' | 'cleared_or_intent',
  locale: Locale,
): string {
  const result = TOSSUP_RESULT_LABELS[locale][verdict.result];
  const reason = verdict.sentBackReason ? SENT_BACK_REASON_LABELS[locale][verdict.sentBackReason] : null;
  if (locale === 'ja') {
    const what = reason ? `${result}（${reason}）` : result;
    const back =
      until === 'cleared'
        ? '結果がクリアされるまで再判定しません'
        : '結果がクリアされるか、新たな行動（資料請求・問い合わせ・フォーム送信・セミナー/イベント参加）があるまで再判定しません';
    return `営業判断: ${what}。${back}`;
  }
  const what = reason ? `${result} (${reason})` : result;
  const back =
    until === 'cleared'
      ? 'Not decided again until the result is cleared'
      : 'Not decided again until the result is cleared or new intent arrives (document request, inquiry, form, webinar or event)';
  return `Sales verdict: ${what}. ${back}`;
}
