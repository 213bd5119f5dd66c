import type { SentBackReason, TossUpResult } from '../domain/rep-feedback.ts';
import { SENT_BACK_REASON_LABELS, TOSSUP_RESULT_LABELS } from '../reasons/feedback-label.ts';
import type { Locale } from '../reasons/messages.ts';
import { reasonCodeLabel } from '../reasons/reason-code-label.ts';
import { UNKNOWN_REASON } from './toss-up-rates.ts';

/** Labels of the acceptance and opportunity rates, shared by the demo summary and out/report.html. */

export function percent(r: number | null): string {
  return r === null ? '–' : `${Math.round(r * 100)}%`;
}

/** The toss-up reason as sales read it; `unknown` for episodes recorded before the reason was. */
export function rateReasonLabel(code: string, locale: Locale): string {
  if (code === UNKNOWN_REASON) return locale === 'ja' ? '(理由の記録なし)' : '(reason not recorded)';
  return reasonCodeLabel(code, locale);
}

export function sentBackLabel(code: string, locale: Locale): string {
  if (code === 'unspecified') return locale === 'ja' ? '(理由なし)' : '(no reason)';
  return SENT_BACK_REASON_LABELS[locale][code as SentBackReason] ?? code;
}

export function resultLabel(code: string, locale: Locale): string {
  return TOSSUP_RESULT_LABELS[locale][code as TossUpResult] ?? code;
}
