/** Levenshtein distance, for "did you mean" hints on typos in admin-edited files. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** Nearest candidate (case-insensitive), or null when nothing is close enough to be a typo of it. */
export function closest(value: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(value.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(value.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** The hint for an unknown key in an admin file: the likely intended key, and what is accepted there. */
export function unknownKeyHint(typo: string, accepted: readonly string[]): string {
  const close = accepted.find((k) => k.toLowerCase() === typo.toLowerCase() || editDistance(k, typo) <= 2);
  const list = `accepted here: ${accepted.join(', ')}`;
  return close ? `did you mean "${close}"? (${list})` : `remove it or fix its spelling (${list})`;
}
