import { describe, expect, it } from 'vitest';
import { atMostInFlight } from '../../src/concurrency/at-most-in-flight.ts';

/** A task that resolves when the test says so, recording how many were running at its start. */
function gate() {
  const opened: (() => void)[] = [];
  let running = 0;
  let peak = 0;
  const task = (value: number) => () =>
    new Promise<number>((resolve) => {
      running++;
      peak = Math.max(peak, running);
      let open = true;
      opened.push(() => {
        if (!open) return;
        open = false;
        running--;
        resolve(value);
      });
    });
  return { task, opened, peak: () => peak };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('atMostInFlight', () => {
  it('never has more than the limit running, and gives the results in the order of the tasks', async () => {
    const g = gate();
    const done = atMostInFlight(2, [1, 2, 3, 4, 5].map(g.task));
    await settle();
    expect(g.opened).toHaveLength(2);
    // Finish the second first: the third starts in its place, results keep the tasks' order.
    g.opened[1]!();
    await settle();
    expect(g.opened).toHaveLength(3);
    for (let i = 0; i < 5; i++) {
      g.opened[i]?.();
      await settle();
    }
    expect(await done).toEqual([1, 2, 3, 4, 5]);
    expect(g.peak()).toBe(2);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const tasks = [1, 2, 3, 4].map((n) => async () => {
      started.push(n);
      if (n === 2) throw new Error('query 2 failed');
      return n;
    });
    await expect(atMostInFlight(1, tasks)).rejects.toThrow('query 2 failed');
    expect(started).toEqual([1, 2]);
  });

  it('refuses a limit below 1, and an empty list is an empty result', async () => {
    await expect(atMostInFlight(0, [])).rejects.toThrow(RangeError);
    expect(await atMostInFlight(3, [])).toEqual([]);
  });
});
