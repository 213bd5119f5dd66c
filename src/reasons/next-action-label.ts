import type { NextAction, TossUpFlag } from '../domain/lead.ts';
import type { Locale } from './messages.ts';

/** How next actions and flags read to sales, everywhere the product shows them. */
export const NEXT_ACTION_LABELS: Readonly<Record<Locale, Readonly<Record<NextAction, string>>>> = {
  ja: {
    field_sales_tossup: 'フィールドセールスへトスアップ',
    inside_sales_follow_up: 'インサイドセールスがフォロー',
    inside_sales_hearing: 'インサイドセールスがヒアリング',
    nurture: 'ナーチャリング',
    notify_is_sales_planning: 'IS/営業企画で確認',
  },
  en: {
    field_sales_tossup: 'Toss up to field sales',
    inside_sales_follow_up: 'Inside-sales follow-up',
    inside_sales_hearing: 'Inside-sales hearing',
    nurture: 'Nurture',
    notify_is_sales_planning: 'IS / sales planning review',
  },
};

export const FLAG_LABELS: Readonly<Record<Locale, Readonly<Record<TossUpFlag, string>>>> = {
  ja: { yes: 'はい', no: 'いいえ', hold: '一時保留' },
  en: { yes: 'Yes', no: 'No', hold: 'On hold' },
};
