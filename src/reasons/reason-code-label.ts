import { DEFAULT_MESSAGES, type Locale } from './messages.ts';

const GENERIC: Readonly<Record<Locale, Readonly<Record<string, string>>>> = {
  ja: {
    missing: '未入力の項目あり',
    invalid: '解釈できない値あり',
    data_issue: '読み取れない値で保留',
    'override.active': 'キャンペーン基準を適用',
    'quota.exceeded': '個別依頼の月間上限に到達',
    'hold.expired': '保留期限切れ',
    met: '基準を満たす',
    not_met: '基準未満',
  },
  en: {
    missing: 'Missing data',
    invalid: 'Unreadable values',
    data_issue: 'On hold for unreadable values',
    'override.active': 'Campaign thresholds applied',
    'quota.exceeded': 'Manual-request quota used up',
    'hold.expired': 'Hold expired',
    met: 'met',
    not_met: 'not met',
  },
};

/**
 * A short label for a reason code without its parameters, for charts and summaries that count
 * reasons across leads ("行動スコア: 基準を満たす"), where the per-lead numbers do not belong.
 */
export function reasonCodeLabel(code: string, locale: Locale): string {
  const m = DEFAULT_MESSAGES[locale];
  const g = GENERIC[locale];
  if (g[code] && !code.endsWith('met')) return g[code]!;
  const fact = /^(.+)\.(met|not_met)$/.exec(code);
  if (fact) {
    const [, name, outcome] = fact as unknown as [string, string, 'met' | 'not_met'];
    // Templates without placeholders are already labels ("既存顧客 → 担当営業へ").
    const fixed = Object.entries(m).find(
      ([k, v]) => k.startsWith(`${name}.`) && k.endsWith(`.${outcome}`) && !v.includes('{'),
    );
    if (fixed) return fixed[1];
    return `${m[`label.${name}`] ?? name}: ${g[outcome]}`;
  }
  const template = m[code];
  return template && !template.includes('{') ? template : code;
}
