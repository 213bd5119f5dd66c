import { AT_LEAST_WORDS, AT_MOST_WORDS, HEDGE_WORDS } from './bound-words.ts';
import { EMPTY, OUT_OF_RANGE, type ParseResult, parsed, UNPARSEABLE } from './parse-result.ts';
import { parseQuantityText, type QuantityVocabulary } from './quantity-text.ts';

/** Above this no company on earth is; such a value is a typo or a revenue figure in the wrong field. */
export const MAX_EMPLOYEES = 10_000_000;

const EMPLOYEE_VOCABULARY: QuantityVocabulary = {
  noise: [
    ...HEDGE_WORDS,
    '名',
    '人',
    '従業員数',
    '従業員',
    '社員数',
    '社員',
    '職員数',
    '職員',
    '人数',
    'グループ',
    'employees',
    'employee',
    'people',
    'persons',
    'person',
    'staff',
    'members',
    'headcount',
    'heads',
    'ppl',
    'fte',
    'emp',
  ],
  atLeast: AT_LEAST_WORDS,
  atMost: AT_MOST_WORDS,
  englishMultipliers: true,
};

/**
 * Employee count from a number or the free text CRMs hold ("1,200名", "１２００人", "50-99",
 * "1000人以上", "約300名", "300+", "5千人", "1.2万人", "10～49名").
 *
 * Ranges and bounds yield their LOWER bound ("50-99" → 50, "1000人以上" → 1000, "～49名" → 0):
 * a threshold such as "50 employees or more" must only be met by what the data actually says,
 * never by guessing inside a range. Hedged figures ("about 300") keep the figure as stated.
 * Fractions are floored for the same reason.
 *
 * @example
 * parseEmployeeCount('1.2万人'); // { value: 12000 }
 * parseEmployeeCount('many');    // { value: null, issue: 'unparseable' }
 */
export function parseEmployeeCount(raw: unknown): ParseResult<number> {
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'number' || typeof raw === 'bigint') return checkRange(Number(raw));
  if (typeof raw !== 'string') return UNPARSEABLE;
  const reading = parseQuantityText(raw, EMPLOYEE_VOCABULARY);
  if (reading.status === 'blank') return EMPTY;
  if (reading.status === 'unparseable') return UNPARSEABLE;
  return checkRange(reading.quantity.low);
}

function checkRange(value: number): ParseResult<number> {
  if (Number.isNaN(value)) return UNPARSEABLE;
  if (value < 0 || value > MAX_EMPLOYEES) return OUT_OF_RANGE;
  return parsed(Math.floor(value));
}
