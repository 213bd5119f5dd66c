import { isBlankText, toMatchText } from './match-text.ts';
import { EMPTY, type ParseResult, parsed, UNKNOWN_VALUE, UNPARSEABLE } from './parse-result.ts';

/**
 * A parser for a closed set of values typed in many ways ("はい", "Yes", "✓"). Each value lists
 * its spellings; matching is width-, case- and space-insensitive, and `_`/`-`/space are
 * interchangeable ("document-request" = "Document Request" = "document_request").
 * A spelling that matches nothing is `unknown_value`; a non-text, non-listed value `unparseable`.
 */
export type ChoiceParser<T extends string> = (
  raw: unknown,
) => ParseResult<T, 'unparseable' | 'unknown_value'>;

export function choiceParser<T extends string>(
  spellings: Readonly<Record<T, readonly (string | number | boolean)[]>>,
): ChoiceParser<T> {
  const byText = new Map<string, T>();
  const byPrimitive = new Map<number | boolean, T>();
  for (const [value, list] of Object.entries(spellings) as [T, readonly (string | number | boolean)[]][]) {
    byText.set(choiceKey(value), value);
    for (const spelling of list) {
      if (typeof spelling === 'string') byText.set(choiceKey(spelling), value);
      else byPrimitive.set(spelling, value);
    }
  }
  return (raw) => {
    if (raw === null || raw === undefined) return EMPTY;
    if (typeof raw === 'number' || typeof raw === 'boolean') {
      const found = byPrimitive.get(raw) ?? byText.get(choiceKey(String(raw)));
      return found === undefined ? UNKNOWN_VALUE : parsed(found);
    }
    if (typeof raw !== 'string') return UNPARSEABLE;
    const found = byText.get(choiceKey(raw));
    if (found !== undefined) return parsed(found);
    return isBlankText(toMatchText(raw)) ? EMPTY : UNKNOWN_VALUE;
  };
}

function choiceKey(text: string): string {
  return toMatchText(text).replace(/[\s_-]+/gu, '_');
}
