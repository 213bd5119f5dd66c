import type { Condition, LeafCondition, RuleSet } from '../config/rule-set-schema.ts';
import { FACTS } from '../scoring/facts.ts';
import { activityLabel, formatFactValue } from './format-value.ts';
import type { Locale } from './messages.ts';
import { DEFAULT_MESSAGES } from './messages.ts';
import { MET_SYMBOL } from './render-reasons.ts';

/**
 * Conditions as sentences for the rules page sales read ("行動スコア ≥ 100"), so the logic of the
 * automatic judgement can be checked as a list, as domain.md asks.
 */

export { activityLabel };

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
  const label = m[`label.${c.fact}`] ?? c.fact;
  // Yes/no facts read as words: "既存顧客", "既存顧客ではない", not "company.existingCustomer = あり".
  if (type === 'boolean' && (c.op === 'eq' || c.op === 'neq') && typeof c.value === 'boolean') {
    const holds = (c.op === 'eq') === c.value;
    return holds ? label : locale === 'ja' ? `${label}ではない` : `not ${label.toLowerCase()}`;
  }
  const fmt = (v: unknown): string => {
    const text = formatFactValue(c.fact, v, m, locale);
    return locale === 'ja' && c.fact === 'company.employees' && typeof v === 'number'
      ? (m['unit.employees'] ?? '{value}').replace('{value}', text)
      : text;
  };
  // The threshold's value is what sales need; its name in the rule file is an admin's concern.
  const expected = c.threshold !== undefined ? fmt(rs.thresholds[c.threshold]) : fmt(c.value);
  if (c.fact === 'activities.count') {
    const days = c.withinDays ?? rs.behaviourScore.windowDays;
    const kinds = c.types ? c.types.map((t) => activityLabel(t, locale)).join('/') : '';
    const page = c.page ? ` ${m[`page.${c.page}`] ?? c.page}` : '';
    const what =
      locale === 'ja'
        ? `直近${days}日の${kinds || '行動'}${page}回数`
        : `number of ${kinds || 'actions'}${page} in the last ${days} days`;
    return `${what} ${MET_SYMBOL[c.op] ?? c.op} ${expected}`;
  }
  const ja = locale === 'ja';
  if (c.op === 'in') return ja ? `${label}: ${expected} のいずれか` : `${label} is one of ${expected}`;
  if (c.op === 'notIn') return ja ? `${label}: ${expected} 以外` : `${label} is none of ${expected}`;
  if (c.op === 'contains') return ja ? `${label}に「${expected}」を含む` : `${label} contains "${expected}"`;
  // A plain alternation ("情報システム|IT|DX") reads as a list of words; a real pattern stays as written.
  if (c.op === 'matches' && /^[^\\^$.*+?()[\]{}]+$/.test(expected)) {
    const words = expected.split('|');
    return ja
      ? `${label}に${words.map((w) => `「${w}」`).join('')}のいずれかを含む`
      : `${label} contains any of ${words.map((w) => `"${w}"`).join(', ')}`;
  }
  return `${label} ${MET_SYMBOL[c.op] ?? c.op} ${expected}`;
}
