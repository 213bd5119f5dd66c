import { createHash } from 'node:crypto';

/**
 * Weighted rendezvous (highest-random-weight) hashing. Every (lead, rep) pair gets a pseudo-random
 * score from a stable hash; the lead's preference order is the reps sorted by score. Because a pair's
 * score does not depend on who else is in the pool:
 * - adding a rep moves only the leads that now rank it first (about its weight share);
 * - removing a rep moves only the leads that ranked it first;
 * - a rep back from leave gets its normal share, not a catch-up flood (unlike a resetting counter).
 * With score = weight / -ln(u), u uniform in (0, 1), a rep ranks first with probability weight / Σweights.
 */

export interface WeightedKey {
  key: string;
  weight: number;
}

const TWO_POW_53 = 2 ** 53;

/** Uniform in the open interval (0, 1), stable across processes, platforms and versions. */
export function stableUnitHash(input: string): number {
  const digest = createHash('sha256').update(input, 'utf8').digest();
  // 53 bits is all a double holds exactly; +0.5 keeps the value off 0 and 1 so ln() stays finite.
  const high = digest.readUIntBE(0, 6) * 32; // 48 bits shifted left by 5
  const low = (digest[6] ?? 0) >>> 3; // 5 more bits
  return (high + low + 0.5) / TWO_POW_53;
}

/** Score of `key` for `itemId`; higher wins. */
export function rendezvousScore(itemId: string, key: string, weight: number): number {
  // NUL separator: ids and keys cannot run into each other ("a"+"bc" vs "ab"+"c").
  return weight / -Math.log(stableUnitHash(`${itemId}\u0000${key}`));
}

/** Keys in `itemId`'s preference order (first = owner when nobody is full). */
export function rendezvousOrder(itemId: string, members: readonly WeightedKey[]): string[] {
  return members
    .filter((m) => m.weight > 0)
    .map((m) => ({ key: m.key, score: rendezvousScore(itemId, m.key, m.weight) }))
    .sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((m) => m.key);
}
