/**
 * A text predicate (a `matches` regex, a `contains` needle) remembered per distinct text. The same
 * few hundred departments, industries and titles recur across a million leads, and a Map lookup
 * costs a fraction of a case-insensitive Unicode regex run or a lower-cased copy. Bounded: past
 * `MAX_TEXTS` distinct texts it starts over, so free text cannot grow memory without limit.
 */
export function rememberedTextTest(test: (text: string) => boolean): (text: string) => boolean {
  const seen = new Map<string, boolean>();
  return (text) => {
    let result = seen.get(text);
    if (result === undefined) {
      result = test(text);
      if (seen.size >= MAX_TEXTS) seen.clear();
      seen.set(text, result);
    }
    return result;
  };
}

const MAX_TEXTS = 8192;
