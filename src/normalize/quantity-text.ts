import { type JapaneseNumber, parseJapaneseNumber, unitMultiplier } from './japanese-number.ts';
import { isBlankText, toMatchText } from './match-text.ts';

/**
 * Reads a quantity phrase as people type it into CRM free-text fields: one number, a range
 * ("50-99", "10～49名", "50名以上100名未満"), or a one-sided bound ("1000人以上", "300+", "～49名"),
 * surrounded by units, labels and hedges that the caller's vocabulary declares harmless.
 * Anything else left over makes the phrase unparseable: a value is never fished out of prose.
 */

export interface QuantityVocabulary {
  /** Words that carry nothing for the value: units, labels, hedges ("名", "約", "employees"). */
  noise: readonly string[];
  /** Words meaning "this many or more" ("以上", "+"). */
  atLeast: readonly string[];
  /** Words meaning "at most this many" ("未満", "up to"). */
  atMost: readonly string[];
  /** Accept "1.2k", "300m", "1.5 billion". */
  englishMultipliers: boolean;
}

/** `low`/`high` bound the quantity; `null` is an open end. `at_most` starts at 0. */
export type Quantity =
  | { kind: 'exact'; low: number; high: number }
  | { kind: 'range'; low: number; high: number }
  | { kind: 'at_least'; low: number; high: null }
  | { kind: 'at_most'; low: number; high: number };

export type QuantityReading =
  | { status: 'ok'; quantity: Quantity }
  | { status: 'blank' }
  | { status: 'unparseable' };

/** Marker for a leading Japanese wave dash: "～49名" is "up to 49", while ASCII "~300" is "about 300". */
const UP_TO_MARKER = 'upto';
const LEADING_WAVE_DASH = /^\s*[～〜]/u;
const BRACKETED = /\([^()]*\)|\[[^\]]*\]|【[^】]*】|「[^」]*」/gu;
const HAS_NUMERAL = /[\d〇零一二三四五六七八九十百千万億兆]/u;
const RANGE = /^(.+?)\s*(?:~|〜|-|–|—|−|‐|ー|\bto\b|から)\s*(.*)$/u;
const NEGATIVE = /^[-−▲△]\s*(.+)$/u;
const TWO_NUMBERS = /^(\S+)\s+(\S+)$/u;

type WordRole = 'noise' | 'atLeast' | 'atMost';

interface CompiledVocabulary {
  pattern: RegExp;
  roles: ReadonlyMap<string, WordRole>;
  englishMultipliers: boolean;
}

const compiled = new WeakMap<QuantityVocabulary, CompiledVocabulary>();

export function parseQuantityText(raw: string, vocabulary: QuantityVocabulary): QuantityReading {
  const vocab = compile(vocabulary);
  let text = toMatchText(raw.replace(LEADING_WAVE_DASH, ` ${UP_TO_MARKER} `));
  if (isBlankText(text)) return { status: 'blank' };
  // Bracketed notes ("1,200名（連結）", "10億円 (2024年度)") qualify the figure; drop them unless
  // the figure itself is in brackets.
  const unbracketed = text.replace(BRACKETED, ' ');
  if (HAS_NUMERAL.test(unbracketed)) text = unbracketed;
  // Leading ASCII "~" is the English "about".
  text = text.replace(/^~\s*/u, '');

  let atLeast = false;
  let atMost = false;
  text = text.replace(vocab.pattern, (word) => {
    const role = vocab.roles.get(word);
    if (role === 'atLeast') atLeast = true;
    if (role === 'atMost') atMost = true;
    return ' ';
  });
  text = text.replace(/\s+/gu, ' ').trim();
  if (text === '') return { status: 'unparseable' };
  const options = { englishMultipliers: vocab.englishMultipliers };

  const negative = NEGATIVE.exec(text);
  if (negative) {
    const n = parseJapaneseNumber(negative[1]!, options);
    if (n === null || atLeast || atMost) return { status: 'unparseable' };
    return ok({ kind: 'exact', low: -n.value, high: -n.value });
  }

  // "50名以上100名未満": both bounds given as words.
  const two = atLeast && atMost ? TWO_NUMBERS.exec(text) : null;
  if (two) return range(parseJapaneseNumber(two[1]!, options), parseJapaneseNumber(two[2]!, options));

  const single = parseJapaneseNumber(text, options);
  if (single !== null) {
    if (atLeast && atMost) return { status: 'unparseable' };
    if (atLeast) return ok({ kind: 'at_least', low: single.value, high: null });
    if (atMost) return ok({ kind: 'at_most', low: 0, high: single.value });
    return ok({ kind: 'exact', low: single.value, high: single.value });
  }

  const split = RANGE.exec(text);
  if (!split) return { status: 'unparseable' };
  const low = parseJapaneseNumber(split[1]!, options);
  if (split[2] === '') {
    // "1000~", "50名～": open upper end.
    return low === null || atMost
      ? { status: 'unparseable' }
      : ok({ kind: 'at_least', low: low.value, high: null });
  }
  return range(low, parseJapaneseNumber(split[2]!, options));
}

function range(low: JapaneseNumber | null, high: JapaneseNumber | null): QuantityReading {
  if (low === null || high === null) return { status: 'unparseable' };
  // "1～10億円" means 1億 to 10億: a bare lower figure borrows the upper figure's unit.
  const lowValue =
    !low.hasUnit && high.trailingUnit !== null ? low.value * unitMultiplier(high.trailingUnit) : low.value;
  if (lowValue > high.value) return { status: 'unparseable' };
  return ok({ kind: 'range', low: lowValue, high: high.value });
}

function ok(quantity: Quantity): QuantityReading {
  return { status: 'ok', quantity };
}

function compile(vocabulary: QuantityVocabulary): CompiledVocabulary {
  const cached = compiled.get(vocabulary);
  if (cached) return cached;
  const roles = new Map<string, WordRole>();
  for (const word of vocabulary.noise) roles.set(toMatchText(word), 'noise');
  for (const word of vocabulary.atLeast) roles.set(toMatchText(word), 'atLeast');
  for (const word of [...vocabulary.atMost, UP_TO_MARKER]) roles.set(toMatchText(word), 'atMost');
  const alternatives = [...roles.keys()]
    .sort((a, b) => b.length - a.length)
    .map((word) => {
      const escaped = word.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');
      // Latin words only match whole words ("m" must not eat the "m" of "employees").
      return /[a-z]/u.test(word) ? `(?<![a-z])${escaped}(?![a-z])` : escaped;
    });
  const result: CompiledVocabulary = {
    pattern: new RegExp(alternatives.join('|'), 'gu'),
    roles,
    englishMultipliers: vocabulary.englishMultipliers,
  };
  compiled.set(vocabulary, result);
  return result;
}
