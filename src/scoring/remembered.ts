/**
 * A pure function of a text (or another small value) remembered per distinct input: a `matches`
 * regex, a `contains` needle, the points of an attribute group. The same few hundred departments,
 * industries, regions and titles recur across a million leads, and one Map lookup costs a fraction
 * of a case-insensitive Unicode regex run, a lower-cased copy or a walk through the tiers. Bounded:
 * past `MAX_INPUTS` distinct inputs it starts over, so free text cannot grow memory without limit.
 */
export function remembered<K, V>(compute: (input: K) => V): (input: K) => V {
  const seen = new Map<K, V>();
  return (input) => {
    let result = seen.get(input);
    if (result === undefined) {
      result = compute(input);
      if (seen.size >= MAX_INPUTS) seen.clear();
      seen.set(input, result);
    }
    return result;
  };
}

const MAX_INPUTS = 8192;
