import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModifiedTimeIndex } from '../../../emulators/hubspot/modified-time-index.ts';

interface Rec {
  idNum: number;
  updatedAt: number;
}

const byKey = (a: Rec, b: Rec) => a.updatedAt - b.updatedAt || a.idNum - b.idNum;

describe('ModifiedTimeIndex', () => {
  it('stays ordered and answers ranges like a sorted array, through inserts, moves and removals', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(50), fc.constantFrom('insert', 'move', 'remove'), fc.nat(60)), {
          maxLength: 400,
        }),
        fc.nat(60),
        fc.nat(60),
        (ops, a, b) => {
          const index = new ModifiedTimeIndex<Rec>(4);
          const live = new Map<number, Rec>();
          let nextId = 1;
          for (const [ts, op, pick] of ops) {
            const ids = [...live.keys()];
            if (op === 'insert' || ids.length === 0) {
              const rec = { idNum: nextId++, updatedAt: ts };
              live.set(rec.idNum, rec);
              index.insert(rec);
            } else {
              const rec = live.get(ids[pick % ids.length]!)!;
              expect(index.remove(rec)).toBe(true);
              if (op === 'move') {
                rec.updatedAt = ts;
                index.insert(rec);
              } else live.delete(rec.idNum);
            }
          }
          const sorted = [...live.values()].sort(byKey);
          expect([...index.ascending(index.start(), index.end())]).toEqual(sorted);
          expect([...index.descending(index.start(), index.end())]).toEqual([...sorted].reverse());
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const from = index.lowerBound(lo);
          const to = index.lowerBound(hi + 1);
          const inRange = sorted.filter((r) => r.updatedAt >= lo && r.updatedAt <= hi);
          expect([...index.ascending(from, to)]).toEqual(inRange);
          expect(index.rank(to) - index.rank(from)).toBe(inRange.length);
          if (inRange.length > 0) {
            const k = Math.floor(inRange.length / 2);
            expect([...index.ascending(index.positionOf(index.rank(from) + k), to)]).toEqual(
              inRange.slice(k),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('bulk-loads in one sort', () => {
    const index = new ModifiedTimeIndex<Rec>(64);
    const recs = Array.from({ length: 5000 }, (_, i) => ({ idNum: i + 1, updatedAt: (i * 7919) % 1000 }));
    index.load(recs);
    expect(index.size).toBe(5000);
    expect([...index.ascending(index.start(), index.end())]).toEqual([...recs].sort(byKey));
  });
});
