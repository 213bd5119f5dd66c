import { describe, expect, it } from 'vitest';
import { mapWithTurns } from '../../src/pipeline/event-loop-turns.ts';

/** A long loop over a page lets waiting callbacks (a search's answer, say) run before it ends. */
describe('mapWithTurns', () => {
  it('keeps the order and lets a waiting callback run while the loop is still working', async () => {
    let ranAt: number | null = null;
    let index = 0;
    setImmediate(() => {
      ranAt = index;
    });
    const busy = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {}
    };
    const out = await mapWithTurns(
      Array.from({ length: 40 }, (_, i) => i),
      (i) => {
        index = i;
        busy(1);
        return i * 2;
      },
    );
    expect(out).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
    // 40 items of at least 1 ms each span several 4 ms slices: the callback ran in one of the turns.
    expect(ranAt).not.toBeNull();
    expect(ranAt!).toBeLessThan(39);
  });
});
