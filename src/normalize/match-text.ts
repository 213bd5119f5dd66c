/**
 * The one canonical form free text is compared in: NFKC folds full-width ASCII and half-width
 * katakana into their ordinary forms ("１２００" → "1200", "ﾏﾈｰｼﾞｬｰ" → "マネージャー"), then case and
 * runs of whitespace are folded. Used only for matching; values kept in a Lead stay as typed.
 */
export function toMatchText(raw: string): string {
  return raw.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/**
 * Texts people type into CRM fields to mean "nothing here". Treated as blank (null, no issue),
 * because flagging them would bury real parse failures under noise.
 */
const BLANK_TEXTS: ReadonlySet<string> = new Set([
  '',
  '-',
  '--',
  '---',
  '–',
  '—',
  '―',
  'ー',
  '−',
  '?',
  'n/a',
  'na',
  'none',
  'null',
  'nil',
  'unknown',
  'tbd',
  '不明',
  '未定',
  '未確認',
  '不詳',
  '非公開',
  '該当なし',
  '記載なし',
  'なし',
]);

/** True when `matchText` (already passed through {@link toMatchText}) says "no value". */
export function isBlankText(matchText: string): boolean {
  return BLANK_TEXTS.has(matchText);
}
