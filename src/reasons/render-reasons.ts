import type { Reason } from '../domain/decision.ts';
import { crmLength, fitText } from '../domain/text-length.ts';
import { FACTS } from '../scoring/facts.ts';
import { DEFAULT_MESSAGES, type Locale } from './messages.ts';

/**
 * Turns reason data into the words sales read in the CRM. Rendering is separate from deciding so
 * the same decision can be written in Japanese to one org and English to another, and admins can
 * reword any message in the rule file without changing a decision.
 */

export type MessageOverrides = Partial<Record<Locale, Readonly<Record<string, string>>>>;

export const MET_SYMBOL: Readonly<Record<string, string>> = {
  eq: '=',
  neq: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: '∈',
  notIn: '∉',
  contains: '∋',
  matches: '~',
};
/** An unmet `gte 100` is shown as `< 100`: the symbol states what is true, not what was asked. */
const NOT_MET_SYMBOL: Readonly<Record<string, string>> = {
  eq: '≠',
  neq: '=',
  gt: '≤',
  gte: '<',
  lt: '≥',
  lte: '>',
  in: '∉',
  notIn: '∈',
  contains: '∌',
  matches: '≁',
};

export class ReasonRenderer {
  readonly locale: Locale;
  private readonly messages: Readonly<Record<string, string>>;

  constructor(locale: Locale, overrides: MessageOverrides = {}) {
    this.locale = locale;
    this.messages = { ...DEFAULT_MESSAGES[locale], ...(overrides[locale] ?? {}) };
  }

  render(reason: Reason): string {
    const { code, params } = reason;
    const m = /^(.+)\.(met|not_met)$/.exec(code);
    if (m) return this.renderFact(m[1]!, m[2] as 'met' | 'not_met', params);
    const field = typeof params.field === 'string' ? params.field : undefined;
    const template = (field && this.messages[`${code}.${field}`]) || this.messages[code];
    if (!template) return code;
    return fill(template, { ...params, ...(field ? { label: this.label(field) } : {}) });
  }

  /**
   * Joins reasons, most decisive first, into at most `maxLength` UTF-16 units, the length rule the
   * sinks apply too (src/domain/text-length.ts), so the CRM keeps exactly the planned text. Whole reasons are dropped from the end; if even the first does not fit
   * it is cut with an ellipsis rather than left out, so the field never looks empty.
   */
  renderCompact(reasons: readonly Reason[], maxLength: number): string {
    const sep = this.messages.separator ?? ' / ';
    let out = '';
    for (const r of reasons) {
      const text = this.render(r);
      const next = out === '' ? text : `${out}${sep}${text}`;
      if (crmLength(next) <= maxLength) {
        out = next;
        continue;
      }
      if (out === '') out = fitText(text, maxLength);
      break;
    }
    return out;
  }

  label(field: string): string {
    return this.messages[`label.${field}`] ?? field;
  }

  private renderFact(fact: string, outcome: 'met' | 'not_met', params: Reason['params']): string {
    const op = String(params.op ?? '');
    const viaThreshold = params.threshold !== undefined;
    const template =
      this.messages[`${fact}.${op}.${params.expected}.${outcome}`] ??
      this.messages[`${fact}.${op}.${outcome}`] ??
      this.messages[`${fact}.${outcome}`] ??
      this.messages[`${viaThreshold ? 'threshold' : 'fact'}.${outcome}`]!;
    const type = FACTS[fact]?.type;
    const value = this.formatValue(type, params.value);
    const expected = this.formatValue(type, params.expected);
    const hasValue = params.value !== '' && params.value !== undefined;
    return fill(template, {
      ...params,
      label: this.label(fact),
      value,
      expected,
      sym: (outcome === 'met' ? MET_SYMBOL : NOT_MET_SYMBOL)[op] ?? op,
      unit: hasValue && fact === 'hearing.timelineMonths' ? (this.messages['unit.months'] ?? '') : '',
    });
  }

  private formatValue(type: string | undefined, v: string | number | undefined): string {
    if (v === undefined || v === '') return '';
    if (type === 'rank')
      return String(v)
        .split(',')
        .map((r) => this.messages[`rank.${r}`] ?? r)
        .join(',');
    if (type === 'answer' || type === 'boolean') return this.messages[`value.${v}`] ?? String(v);
    if (typeof v === 'number') return formatNumber(v, this.locale);
    return String(v);
  }
}

function formatNumber(n: number, locale: Locale): string {
  return Number.isInteger(n) ? n.toLocaleString(locale === 'ja' ? 'ja-JP' : 'en-US') : String(n);
}

function fill(template: string, params: Readonly<Record<string, string | number | undefined>>): string {
  return template.replace(/\{(\w+)(?:\|([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
    const v = params[name];
    return v === undefined || v === '' ? (fallback ?? '') : String(v);
  });
}
