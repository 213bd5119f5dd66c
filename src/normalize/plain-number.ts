import { isBlankText, toMatchText } from './match-text.ts';
import { EMPTY, type ParseResult, parsed, UNPARSEABLE } from './parse-result.ts';

const PLAIN = /^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$/u;
const SCORE_UNIT = /\s*(?:点|pts?|points?)$/u;

/**
 * A score or similar plain figure: a number, or text like "120", "１２０", "1,200", "85点".
 * No units or ranges: scores come from systems, so anything fancier is a data problem.
 */
export function parsePlainNumber(raw: unknown): ParseResult<number, 'unparseable'> {
  if (raw === null || raw === undefined) return EMPTY;
  if (typeof raw === 'number') return Number.isFinite(raw) ? parsed(raw) : UNPARSEABLE;
  if (typeof raw !== 'string') return UNPARSEABLE;
  const text = toMatchText(raw);
  if (isBlankText(text)) return EMPTY;
  const digits = text.replace(SCORE_UNIT, '');
  if (!PLAIN.test(digits)) return UNPARSEABLE;
  const value = Number(digits.replaceAll(',', ''));
  return Number.isFinite(value) ? parsed(value) : UNPARSEABLE;
}
