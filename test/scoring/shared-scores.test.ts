import { describe, expect, it } from 'vitest';
import { scoresOf } from '../../src/scoring/shared-scores.ts';

describe('scoresOf: one frozen scores pair per (attribute, behaviour) of small whole numbers', () => {
  it('the same pair is the same read-only object', () => {
    const a = scoresOf(60, 12);
    expect(scoresOf(60, 12)).toBe(a);
    expect(a).toEqual({ attribute: 60, behaviour: 12 });
    expect(Object.isFrozen(a)).toBe(true);
    expect(scoresOf(60, null)).toEqual({ attribute: 60, behaviour: null });
    expect(scoresOf(60, null)).not.toBe(scoresOf(60, 0));
    expect(scoresOf(12, 60)).not.toBe(a);
  });

  it('values outside the table are kept exactly as they are (fractions, -0, large, negative)', () => {
    // 0 first: a shared (0, 3) must not stand in for (-0, 3).
    expect(Object.is(scoresOf(0, 3).attribute, 0)).toBe(true);
    expect(Object.is(scoresOf(3, 0).behaviour, 0)).toBe(true);
    for (const [attribute, behaviour] of [
      [12.5, 3],
      [-0, 3],
      [3, -0],
      [256, 0],
      [0, 1000],
      [-1, 5],
    ] as const) {
      const s = scoresOf(attribute, behaviour);
      expect(Object.is(s.attribute, attribute)).toBe(true);
      expect(Object.is(s.behaviour, behaviour)).toBe(true);
    }
  });
});
