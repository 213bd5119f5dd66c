import { AT_LEAST_WORDS, AT_MOST_WORDS, HEDGE_WORDS } from './bound-words.ts';
import { toMatchText } from './match-text.ts';
import { EMPTY, OUT_OF_RANGE, type ParseResult, parsed, UNPARSEABLE } from './parse-result.ts';
import { parseQuantityText, type QuantityVocabulary } from './quantity-text.ts';

/** 1,000兆円: two orders of magnitude above the largest company's revenue; more is a typo. */
export const MAX_REVENUE_JPY = 1e15;

const REVENUE_VOCABULARY: QuantityVocabulary = {
  noise: [
    ...HEDGE_WORDS,
    '円',
    '¥',
    '\\',
    'yen',
    'jpy',
    '売上高',
    '売上げ',
    '売り上げ',
    '売上',
    '年商',
    '年間',
    '税込み',
    '税込',
    '税抜き',
    '税抜',
    '見込み',
    '見込',
    '実績',
    '/年',
    'per year',
    'annual',
    'revenue',
    'sales',
  ],
  atLeast: AT_LEAST_WORDS,
  atMost: AT_MOST_WORDS,
  englishMultipliers: true,
};

/** Another currency: converting would need a rate and a date, so the figure is not used. */
const FOREIGN_CURRENCY =
  /[$€£₩]|\b(?:usd|eur|gbp|cny|rmb|krw|dollars?|euros?)\b|ドル|ユーロ|ポンド|ウォン|人民元/u;

/**
 * Annual revenue in JPY from a number (taken as yen) or text ("10億円", "5,000万円", "1.5兆円",
 * "¥300,000,000", "300百万円", "3億5000万"). Ranges and bounds yield their lower bound, as for
 * employee counts. Amounts in another currency are `unparseable` rather than converted.
 *
 * @example
 * parseRevenueJpy('5,000万円'); // { value: 50000000 }
 */
export function parseRevenueJpy(raw: unknown): ParseResult<number> {
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'number' || typeof raw === 'bigint') return checkRange(Number(raw));
  if (typeof raw !== 'string') return UNPARSEABLE;
  if (FOREIGN_CURRENCY.test(toMatchText(raw))) return UNPARSEABLE;
  const reading = parseQuantityText(raw, REVENUE_VOCABULARY);
  if (reading.status === 'blank') return EMPTY;
  if (reading.status === 'unparseable') return UNPARSEABLE;
  return checkRange(reading.quantity.low);
}

function checkRange(value: number): ParseResult<number> {
  if (Number.isNaN(value)) return UNPARSEABLE;
  if (value < 0 || value > MAX_REVENUE_JPY) return OUT_OF_RANGE;
  // Yen have no fractions.
  return parsed(Math.round(value));
}
