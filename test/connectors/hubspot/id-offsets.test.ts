import { expect, it } from 'vitest';
import { IdOffsets } from '../../../connectors/hubspot/id-offsets.ts';

/** A small deterministic generator (no time, no Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s;
  };
}

it('answers as a Map does through sets, overwrites and deletes of numeric and other ids, past several rebuilds', () => {
  const offsets = new IdOffsets();
  const expected = new Map<string, number>();
  const next = lcg(7);
  const ids = (n: number): string => {
    const kind = n % 5;
    if (kind === 0) return `x-${n % 997}`; // not numeric: kept aside
    if (kind === 1) return String(9_000_000_000_000 + (n % 20_011)); // above 2^32
    return String(1 + (n % 30_011));
  };
  for (let step = 0; step < 200_000; step++) {
    const r = next();
    const id = ids(r >>> 8);
    if (r % 7 === 0) {
      offsets.delete(id);
      expected.delete(id);
    } else {
      const value = (r % 3 === 0 ? -1 : 1) * (r % 5_000_000_000);
      offsets.set(id, value);
      expected.set(id, value);
    }
  }
  expect(offsets.size).toBe(expected.size);
  for (const [id, value] of expected) expect(offsets.get(id), id).toBe(value);
  expect(new Map(offsets.entries())).toEqual(expected);
  for (const id of ['0', '01', '12345678901234567', '-3', '']) expect(offsets.has(id)).toBe(false);
});

it('keeps ids that look numeric but would not come back the same as a number as they are', () => {
  const offsets = new IdOffsets();
  for (const id of ['007', '12345678901234567890', '1e3', ' 5']) offsets.set(id, 1);
  offsets.set('42', 2);
  expect(new Map(offsets.entries())).toEqual(
    new Map([
      ['42', 2],
      ['007', 1],
      ['12345678901234567890', 1],
      ['1e3', 1],
      [' 5', 1],
    ]),
  );
});
