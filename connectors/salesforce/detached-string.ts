/**
 * A copy of `s` that does not point into the text it was cut from. V8 keeps a slice of 13 characters
 * or more as a view of its parent string, so one cell kept from a Bulk results page (up to 100,000
 * rows of CSV) keeps that whole page's text alive; `JSON.parse` builds a fresh string.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
