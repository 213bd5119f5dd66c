/**
 * Reads one number written the way Japanese business data writes numbers: Arabic digits with
 * thousands commas ("1,200"), decimals combined with myriad units ("1.2万", "1.5兆"), stacked
 * units ("5千万", "300百万" as in 百万円 accounting tables, "3億5000万"), kanji numerals
 * ("千二百", "二〇二六") and, when allowed, English multipliers ("1.2k", "300m", "1.5 billion").
 *
 * Input must already be in match form (NFKC, lower case; see `toMatchText`). Returns `null` for
 * anything that is not exactly one number, so callers never read a value out of surrounding text.
 */

const KANJI_DIGITS: Readonly<Record<string, number>> = {
  〇: 0,
  零: 0,
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const SMALL_UNITS: Readonly<Record<string, number>> = { 十: 10, 百: 100, 千: 1000 };
const LARGE_UNITS: Readonly<Record<string, number>> = { 万: 1e4, 億: 1e8, 兆: 1e12 };

/** Suffix words; `m` is million because only money and head counts use this path, never lengths. */
const ENGLISH_MULTIPLIERS: Readonly<Record<string, number>> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mn: 1e6,
  mm: 1e6,
  mil: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
  t: 1e12,
  tn: 1e12,
  trillion: 1e12,
};

/** Arabic number with either no commas or correct 3-digit groups ("1,2" is rejected: decimal comma?). */
const ARABIC = /^(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$|^\.\d+$/u;
const TOKEN = /[\d.,]+|[〇零一二三四五六七八九]+|[十百千]|[万億兆]|\s+/gu;
const ENGLISH_SUFFIX = /^(.*?\d)\s*([a-z]+)$/u;

export interface JapaneseNumber {
  value: number;
  /** Unit character or English multiplier the expression ended with (`億`, `k`), for range propagation. */
  trailingUnit: string | null;
  /** Whether any unit or multiplier appeared at all ("1万2000" has units but no trailing one). */
  hasUnit: boolean;
}

export interface JapaneseNumberOptions {
  /** Accept "1.2k", "300m", "1.5 billion". */
  englishMultipliers?: boolean;
}

export function parseJapaneseNumber(
  text: string,
  options: JapaneseNumberOptions = {},
): JapaneseNumber | null {
  let body = text.trim();
  let multiplier = 1;
  let englishUnit: string | null = null;
  const suffix = ENGLISH_SUFFIX.exec(body);
  if (suffix) {
    const factor = ENGLISH_MULTIPLIERS[suffix[2]!];
    if (!options.englishMultipliers || factor === undefined) return null;
    body = suffix[1]!;
    multiplier = factor;
    englishUnit = suffix[2]!;
  }
  const kanji = readKanjiAndArabic(body);
  if (kanji === null) return null;
  return {
    value: cleanFloat(kanji.value * multiplier),
    trailingUnit: englishUnit ?? kanji.trailingUnit,
    hasUnit: englishUnit !== null || kanji.hasUnit,
  };
}

/** Multiplier a trailing unit stands for, so "1～10億" can read the bare "1" as 1億. */
export function unitMultiplier(unit: string): number {
  return SMALL_UNITS[unit] ?? LARGE_UNITS[unit] ?? ENGLISH_MULTIPLIERS[unit] ?? 1;
}

function readKanjiAndArabic(body: string): JapaneseNumber | null {
  if (body === '') return null;
  let consumed = 0;
  let total = 0;
  let section = 0;
  let current: number | null = null;
  let lastLarge = Number.POSITIVE_INFINITY;
  let trailingUnit: string | null = null;
  let sawDigit = false;
  let hasUnit = false;
  for (const match of body.matchAll(TOKEN)) {
    if (match.index !== consumed) return null;
    consumed += match[0].length;
    const token = match[0];
    if (/^\s+$/u.test(token)) continue;
    trailingUnit = null;
    if (/^[\d.,]/u.test(token)) {
      if (current !== null || !ARABIC.test(token)) return null;
      current = Number(token.replaceAll(',', ''));
      sawDigit = true;
    } else if (token in SMALL_UNITS) {
      section += (current ?? 1) * SMALL_UNITS[token]!;
      current = null;
      trailingUnit = token;
      hasUnit = true;
    } else if (token in LARGE_UNITS) {
      const unit = LARGE_UNITS[token]!;
      // "1万2億" is not a number; units must descend.
      if (unit >= lastLarge) return null;
      lastLarge = unit;
      // A bare unit ("万") counts one of it; "0万" is zero.
      const bare = current === null && section === 0;
      section += current ?? 0;
      total += (bare ? 1 : section) * unit;
      section = 0;
      current = null;
      trailingUnit = token;
      hasUnit = true;
    } else {
      if (current !== null) return null;
      current = Number([...token].map((c) => KANJI_DIGITS[c]).join(''));
      sawDigit = true;
    }
  }
  if (consumed !== body.length) return null;
  // Only whitespace was read.
  if (!sawDigit && total === 0 && section === 0) return null;
  total += section + (current ?? 0);
  return Number.isFinite(total) ? { value: total, trailingUnit, hasUnit } : null;
}

/** 1.1 × 10000 is 11000.000000000002 in binary floating point; people meant 11000. */
function cleanFloat(value: number): number {
  return Number.parseFloat(value.toPrecision(15));
}
