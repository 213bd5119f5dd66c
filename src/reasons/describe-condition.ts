import type { Condition, LeafCondition, RuleSet } from '../config/rule-set-schema.ts';
import { FACTS } from '../scoring/facts.ts';
import type { Locale } from './messages.ts';
import { DEFAULT_MESSAGES } from './messages.ts';
import { MET_SYMBOL } from './render-reasons.ts';

/**
 * Conditions as sentences for the rules page sales read ("行動スコア ≥ 100"), so the logic of the
 * automatic judgement can be checked as a list, as domain.md asks.
 */

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

export function describeCondition(c: Condition, rs: RuleSet, locale: Locale): string {
  const and = locale === 'ja' ? ' かつ ' : ' AND ';
  const or = locale === 'ja' ? ' または ' : ' OR ';
  if ('all' in c) return c.all.map((x) => wrap(x, rs, locale)).join(and);
  if ('any' in c) return c.any.map((x) => wrap(x, rs, locale)).join(or);
  if ('not' in c)
    return `${locale === 'ja' ? '次に該当しない: ' : 'NOT '}(${describeCondition(c.not, rs, locale)})`;
  return describeLeaf(c, rs, locale);
}

function wrap(c: Condition, rs: RuleSet, locale: Locale): string {
  const s = describeCondition(c, rs, locale);
  return 'all' in c || 'any' in c ? `(${s})` : s;
}

function describeLeaf(c: LeafCondition, rs: RuleSet, locale: Locale): string {
  const m = { ...DEFAULT_MESSAGES[locale], ...rs.messages[locale] };
  const type = FACTS[c.fact]?.type;
  const fmt = (v: unknown): string => {
    if (Array.isArray(v)) return v.map(fmt).join(', ');
    if (type === 'rank') return m[`rank.${String(v)}`] ?? String(v);
    if (type === 'answer' || type === 'boolean') return m[`value.${String(v)}`] ?? String(v);
    if (typeof v === 'number') return v.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US');
    return String(v);
  };
  const expected =
    c.threshold !== undefined
      ? `${fmt(rs.thresholds[c.threshold])}${locale === 'ja' ? ` (基準「${c.threshold}」)` : ` (threshold "${c.threshold}")`}`
      : fmt(c.value);
  let label = m[`label.${c.fact}`] ?? c.fact;
  if (c.fact === 'activities.count') {
    const days = c.withinDays ?? rs.behaviourScore.windowDays;
    const kinds = c.types ? c.types.map((t) => activityLabel(t, locale)).join('/') : '';
    const page = c.page ? ` ${c.page}` : '';
    label =
      locale === 'ja'
        ? `直近${days}日の${kinds || '行動'}${page}回数`
        : `number of ${kinds || 'actions'}${page} in the last ${days} days`;
  }
  return `${label} ${MET_SYMBOL[c.op] ?? c.op} ${expected}`;
}
