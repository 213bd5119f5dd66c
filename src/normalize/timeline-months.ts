import { AT_MOST_WORDS, HEDGE_WORDS } from './bound-words.ts';
import { isBlankText, toMatchText } from './match-text.ts';
import { EMPTY, OUT_OF_RANGE, type ParseResult, parsed, UNPARSEABLE } from './parse-result.ts';
import { parseQuantityText, type QuantityVocabulary } from './quantity-text.ts';

/** Ten years: a hearing answer beyond that is a typo (e.g. a year typed into the months field). */
export const MAX_TIMELINE_MONTHS = 120;

const TIMELINE_VOCABULARY: QuantityVocabulary = {
  noise: [...HEDGE_WORDS, '後', '以内に', 'までに', '中', '導入', '検討', 'in'],
  atLeast: [],
  atMost: [...AT_MOST_WORDS, 'within'],
  englishMultipliers: false,
};

const UNITS: ReadonlyArray<readonly [RegExp, number]> = [
  // "3月" alone is March, not three months, so a bare 月 is not a unit.
  [/ヶ月間?|ヵ月間?|か月間?|カ月間?|ケ月間?|箇月間?|\bmonths?\b|\bmos?\b/gu, 1],
  [/年間?|\byears?\b|\byrs?\b/gu, 12],
  [/週間?|\bweeks?\b|\bwks?\b/gu, 7 / 30],
];
const NOW = /^(?:即|即時|即導入|すぐ|今すぐ|至急|immediately|asap|now)$/u;

/**
 * Adoption timeline from an IS hearing, in months: a number, or "3ヶ月", "3か月以内", "半年",
 * "1年半", "2 weeks", "すぐ" (0).
 *
 * A range keeps its UPPER end ("3-6ヶ月" → 6) and "within N" is N: rules ask for "adoption within
 * 3 months", and the data must not meet that by picking the optimistic end. "3ヶ月以上" has no
 * upper end and is `unparseable` for the same reason.
 */
export function parseTimelineMonths(raw: unknown): ParseResult<number> {
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'number') return checkRange(raw);
  if (typeof raw !== 'string') return UNPARSEABLE;
  let text = toMatchText(raw);
  if (isBlankText(text)) return EMPTY;
  text = text
    .replace(/(\d+)年半/u, (_all, years: string) => `${Number(years) * 12 + 6}ヶ月`)
    .replace('半年', '6ヶ月');
  if (NOW.test(text.replace(/\s/gu, ''))) return parsed(0);

  let scale: number | null = null;
  for (const [unit, factor] of UNITS) {
    const withoutUnit = text.replace(unit, ' ');
    if (withoutUnit === text) continue;
    // "3ヶ月～1年": mixed units are not worth guessing at.
    if (scale !== null) return UNPARSEABLE;
    scale = factor;
    text = withoutUnit;
  }
  const reading = parseQuantityText(text, TIMELINE_VOCABULARY);
  if (reading.status === 'blank') return EMPTY;
  if (reading.status === 'unparseable' || reading.quantity.high === null) return UNPARSEABLE;
  return checkRange(reading.quantity.high * (scale ?? 1));
}

function checkRange(months: number): ParseResult<number> {
  if (Number.isNaN(months)) return UNPARSEABLE;
  if (months < 0 || months > MAX_TIMELINE_MONTHS) return OUT_OF_RANGE;
  return parsed(Math.round(months * 100) / 100);
}
