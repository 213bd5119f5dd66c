import type { HearingAnswer, NextAction, TossUpFlag } from '../domain/lead.ts';
import type { SentBackReason, TossUpResult } from '../domain/rep-feedback.ts';
import { SENT_BACK_REASON_LABELS, TOSSUP_RESULT_LABELS } from '../reasons/feedback-label.ts';
import { type ChoiceParser, choiceParser } from './choice-text.ts';

/**
 * The closed vocabularies a lead file or CRM field may spell in Japanese or English. Kept in one
 * place so a new spelling seen in the field is a one-line change.
 */

const YES = [
  'yes',
  'y',
  'true',
  't',
  '1',
  'on',
  'はい',
  'あり',
  '有',
  '有り',
  'ある',
  '○',
  '◯',
  '〇',
  '✓',
  '✔',
  '☑',
  'ok',
];
const NO = ['no', 'n', 'false', 'f', '0', 'off', 'いいえ', 'なし', '無', '無し', 'ない', '×', '✗', '✕', '☐'];

/** Checkbox-like fields. Blank is `null`; the caller decides what absence means. */
const parseBooleanText: ChoiceParser<'true' | 'false'> = choiceParser({
  true: [...YES, 'checked', '済', '済み', true, 1],
  false: [...NO, 'unchecked', false, 0],
});

export function parseBoolean(raw: unknown): {
  value: boolean | null;
  issue?: 'unparseable' | 'unknown_value';
} {
  const result = parseBooleanText(raw);
  return result.value === null
    ? { value: null, ...(result.issue && { issue: result.issue }) }
    : { value: result.value === 'true' };
}

/** IS hearing answers, as the picklists (あり/なし/不明) and hand-made files spell them. */
export const parseHearingAnswer: ChoiceParser<HearingAnswer> = choiceParser<HearingAnswer>({
  yes: [...YES, '確認済', '確認済み', '済', '済み', 'confirmed', true, 1],
  no: [...NO, 'none', false, 0],
  unknown: [
    '不明',
    '未確認',
    '確認中',
    '要確認',
    '未定',
    'わからない',
    '分からない',
    '不明確',
    '?',
    '？',
    'n/a',
    'tbd',
    'unconfirmed',
    'not sure',
    "don't know",
  ],
});

export const parseTossUpFlag: ChoiceParser<TossUpFlag> = choiceParser<TossUpFlag>({
  yes: ['はい', 'トスアップ', 'true', true],
  no: ['いいえ', 'false', false],
  hold: ['一時保留', '保留', 'on hold', 'pending'],
});

export const parseNextAction: ChoiceParser<NextAction> = choiceParser<NextAction>({
  field_sales_tossup: ['フィールドセールスへトスアップ', 'fs', 'field sales'],
  inside_sales_follow_up: ['インサイドセールスフォロー', 'is follow up'],
  inside_sales_hearing: ['インサイドセールスヒアリング', 'ヒアリング', 'is hearing'],
  nurture: ['ナーチャリング', 'nurturing'],
  notify_is_sales_planning: ['営業企画へ通知', 'notify sales planning'],
});

/** The rep's verdict: the codes, and the labels a CRM shows (an export may carry either). */
export const parseTossUpResult: ChoiceParser<TossUpResult> = choiceParser<TossUpResult>(
  labelSpellings(TOSSUP_RESULT_LABELS),
);

export const parseSentBackReason: ChoiceParser<SentBackReason> = choiceParser<SentBackReason>(
  labelSpellings(SENT_BACK_REASON_LABELS),
);

function labelSpellings<T extends string>(
  labels: Readonly<Record<'ja' | 'en', Readonly<Record<T, string>>>>,
): Record<T, string[]> {
  return Object.fromEntries(
    Object.keys(labels.ja).map((code) => [code, [labels.ja[code as T], labels.en[code as T]]]),
  ) as Record<T, string[]>;
}
