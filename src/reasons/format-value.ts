import { FACTS } from '../scoring/facts.ts';
import { numberFormat } from './intl-formats.ts';
import type { Locale } from './messages.ts';

const ACTIVITY_LABEL: Readonly<Record<Locale, Readonly<Record<string, string>>>> = {
  ja: {
    document_request: '資料請求',
    webinar_attendance: 'ウェビナー参加',
    event_attendance: 'イベント参加',
    form_submission: 'フォーム送信',
    inquiry: '問い合わせ',
    email_open: 'メール開封',
    email_click: 'メールクリック',
    page_view: 'ページ閲覧',
  },
  en: {
    document_request: 'document request',
    webinar_attendance: 'webinar',
    event_attendance: 'event',
    form_submission: 'form',
    inquiry: 'inquiry',
    email_open: 'e-mail open',
    email_click: 'e-mail click',
    page_view: 'page view',
  },
};

export function activityLabel(type: string, locale: Locale): string {
  return ACTIVITY_LABEL[locale][type] ?? type;
}

/**
 * A fact's value as sales read it, the same on every surface (reason, task, rules page): ranks and
 * answers by their label, industries in the reader's language, yen in 億/万 (¥bn/¥m), other numbers
 * with separators. Unknown codes pass through unchanged.
 */
export function formatFactValue(
  fact: string,
  v: unknown,
  messages: Readonly<Record<string, string>>,
  locale: Locale,
): string {
  if (v === undefined || v === null || v === '') return '';
  if (Array.isArray(v)) return v.map((x) => formatFactValue(fact, x, messages, locale)).join(', ');
  const type = FACTS[fact]?.type;
  if (type === 'rank')
    return String(v)
      .split(',')
      .map((r) => messages[`rank.${r}`] ?? r)
      .join(',');
  if (type === 'answer' || type === 'boolean') return messages[`value.${String(v)}`] ?? String(v);
  if (fact === 'company.industry') return industryLabel(String(v), messages);
  if (fact === 'company.revenueJpy' && typeof v === 'number') return formatYen(v, locale);
  if (typeof v === 'number') return formatNumber(v, locale);
  return String(v);
}

export function industryLabel(code: string, messages: Readonly<Record<string, string>>): string {
  return messages[`industry.${code}`] ?? code;
}

export function formatNumber(n: number, locale: Locale): string {
  return Number.isInteger(n) ? numberFormat(locale === 'ja' ? 'ja-JP' : 'en-US').format(n) : String(n);
}

/** 10,000,000,000 → 100億円 / ¥10bn; amounts that are not round in those units keep all digits. */
export function formatYen(n: number, locale: Locale): string {
  const units: ReadonlyArray<readonly [number, string]> = [
    [1e12, '兆円'],
    [1e8, '億円'],
    [1e4, '万円'],
  ];
  if (locale === 'ja') {
    for (const [size, unit] of units) {
      if (n >= size && Number.isInteger((n / size) * 10))
        return `${numberFormat('ja-JP', { maximumFractionDigits: 1 }).format(n / size)}${unit}`;
    }
    return `${numberFormat('ja-JP').format(n)}円`;
  }
  const en: ReadonlyArray<readonly [number, string]> = [
    [1e12, 'tn'],
    [1e9, 'bn'],
    [1e6, 'm'],
  ];
  for (const [size, unit] of en) {
    if (n >= size && Number.isInteger((n / size) * 10))
      return `¥${numberFormat('en-US', { maximumFractionDigits: 1 }).format(n / size)}${unit}`;
  }
  return `¥${numberFormat('en-US').format(n)}`;
}
