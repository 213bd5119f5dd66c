import type { Reason } from '../domain/decision.ts';
import { crmLength, fitText } from '../domain/text-length.ts';
import { activityLabel, formatFactValue } from './format-value.ts';
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

  /**
   * One reason as text. A score reason also says what made the score ("(料金ページ閲覧 3回・資料請求)")
   * unless `detail` is false, the short form compaction falls back to.
   */
  render(reason: Reason, detail = true): string {
    const { code, params } = reason;
    const m = /^(.+)\.(met|not_met)$/.exec(code);
    if (m) {
      const text = this.renderFact(m[1]!, m[2] as 'met' | 'not_met', params);
      const extra =
        detail && typeof params.detail === 'string' ? this.renderDetail(m[1]!, params.detail) : '';
      return extra ? fill(this.messages['detail.wrap']!, { text, detail: extra }) : text;
    }
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
      // Without what made the score, a score reason may still fit: the number beats no reason at all.
      const short = this.render(r, false);
      const shorter = out === '' ? short : `${out}${sep}${short}`;
      if (short !== text && crmLength(shorter) <= maxLength) {
        out = shorter;
        continue;
      }
      if (out === '') out = fitText(short, maxLength);
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
    const value = this.formatValue(fact, params.value);
    const expected = this.formatValue(fact, params.expected);
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

  private formatValue(fact: string, v: string | number | undefined): string {
    return formatFactValue(fact, v, this.messages, this.locale);
  }

  /** `[[type, page, count]]` (behaviour) or `[[fact, value]]` (fit) → "料金ページ閲覧 3回・資料請求". */
  private renderDetail(fact: string, json: string): string {
    let parts: unknown;
    try {
      parts = JSON.parse(json);
    } catch {
      return '';
    }
    if (!Array.isArray(parts)) return '';
    const m = this.messages;
    const words = parts.map((p): string => {
      if (!Array.isArray(p)) return '';
      if (fact === 'score.behaviour') {
        const [type, page, count] = p as [string, string, number];
        const act = activityLabel(type, this.locale);
        const where = m[`page.${page}`] ?? page;
        const label = !page
          ? act
          : fill(m[type === 'page_view' ? 'detail.pageView' : 'detail.page']!, {
              page: where,
              activity: act,
            });
        return count > 1 ? fill(m['detail.count']!, { label, count }) : label;
      }
      const [f, value] = p as [string, string | number];
      const shown = this.formatValue(f, value);
      if (f === 'company.employees') return fill(m['unit.employees']!, { value: shown });
      // Ranks, industries, regions and departments read on their own ("部長", "製造", "東京都").
      if (['person.titleRank', 'company.industry', 'company.region', 'person.department'].includes(f))
        return shown;
      return `${this.label(f)} ${shown}`;
    });
    return words.filter(Boolean).join(m['detail.separator'] ?? ' / ');
  }
}

function fill(template: string, params: Readonly<Record<string, string | number | undefined>>): string {
  return template.replace(/\{(\w+)(?:\|([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
    const v = params[name];
    return v === undefined || v === '' ? (fallback ?? '') : String(v);
  });
}
