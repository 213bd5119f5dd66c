import { describe, expect, it } from 'vitest';
import { pickWeightedIndexes, SeededRandom, WeightedChoice } from '../../emulators/world/seeded-random.ts';

describe('SeededRandom', () => {
  it('repeats a sequence for the same seed and stream, and differs otherwise', () => {
    const draw = (seed: number, stream: string) => {
      const r = new SeededRandom(seed, stream);
      return Array.from({ length: 5 }, () => r.nextUint32());
    };
    expect(draw(1, 'a')).toEqual(draw(1, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(2, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(1, 'b'));
    // Seeds beyond 32 bits are not truncated to the same sequence.
    expect(draw(2 ** 32 + 1, 'a')).not.toEqual(draw(1, 'a'));
  });

  it('draws uniform values in range', () => {
    const r = new SeededRandom(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) {
      const v = r.int(1, 6);
      expect(v >= 1 && v <= 6).toBe(true);
      counts[v - 1]++;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const f = r.next();
    expect(f >= 0 && f < 1).toBe(true);
  });

  it('samples weighted tables in proportion', () => {
    const r = new SeededRandom(4);
    const table = new WeightedChoice([
      ['a', 1],
      ['b', 3],
      ['c', 0],
    ] as const);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 40_000; i++) counts[table.pick(r)]++;
    expect(counts.c).toBe(0);
    expect(counts.b / counts.a).toBeGreaterThan(2.7);
    expect(counts.b / counts.a).toBeLessThan(3.3);
  });

  it('picks distinct weighted indexes, favouring heavy ones, honouring eligibility', () => {
    const r = new SeededRandom(5);
    const weights = [1, 1, 1, 1, 100, 100];
    const picks = pickWeightedIndexes(r, weights, 3, (i) => i !== 5);
    expect(new Set(picks).size).toBe(3);
    expect(picks).toContain(4);
    expect(picks).not.toContain(5);
  });
});
