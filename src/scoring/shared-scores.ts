import type { Decision } from '../domain/decision.ts';

/**
 * A decision's scores are a pair of small whole numbers: the same few thousand pairs recur across
 * a million leads, so each is one frozen object shared by every decision that has it — at a
 * million-lead heap every allocated byte costs the next scavenge. Pairs outside the table
 * (fractions, large or negative values) are built per decision.
 */
export function scoresOf(attribute: number, behaviour: number | null): Decision['scores'] {
  if (!small(attribute) || !(behaviour === null || small(behaviour))) return { attribute, behaviour };
  const i = attribute * ROW + (behaviour === null ? NO_BEHAVIOUR : behaviour);
  let scores = TABLE[i];
  if (scores === undefined) {
    scores = Object.freeze({ attribute, behaviour });
    TABLE[i] = scores;
  }
  return scores;
}

const LIMIT = 256;
const NO_BEHAVIOUR = LIMIT;
const ROW = LIMIT + 1;
const TABLE: Array<Decision['scores'] | undefined> = new Array(LIMIT * ROW);

/** A whole number in [0, LIMIT), not -0 (which would read back as 0). */
function small(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x < LIMIT && !Object.is(x, -0);
}
