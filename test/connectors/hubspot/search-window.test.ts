import { describe, expect, it } from 'vitest';
import { limitsForTier, RateBudget } from '../../../connectors/hubspot/rate-budget.ts';

/**
 * The search window (rate-budget.ts): HubSpot counts a search when it receives it, somewhere
 * between our send and its answer. Here the "server" counts each search at the LAST moment, just
 * before answering, and answers after a varying delay — the case where pacing by start times put a
 * sixth search in one of HubSpot's seconds (a send held back, then the next second's sends on time).
 * No timing is asserted: whatever the machine's speed, no window may hold more than the limit.
 */
describe('HubSpot search window', () => {
  it('never lets HubSpot count more than the limit in any second, however late each search is counted', async () => {
    const perSecond = 2;
    const budget = new RateBudget(
      limitsForTier('professional', { searchPerSecond: perSecond, searchSafetyMarginMs: 0 }),
    );
    const counted: number[] = [];
    const delays = [120, 0, 60, 0, 150, 10, 0, 90];
    const search = (delay: number) =>
      budget.schedule(
        'search',
        () =>
          new Promise<number>((answer) =>
            setTimeout(() => {
              counted.push(performance.now());
              answer(delay);
            }, delay),
          ),
      );
    // Sent all at once (a burst of searches), and one after another (keyset pages).
    const burst = await Promise.all(delays.slice(0, 4).map(search));
    const sequential: number[] = [];
    for (const d of delays.slice(4)) sequential.push(await search(d));
    expect([...burst, ...sequential]).toEqual(delays);

    counted.sort((a, b) => a - b);
    for (let i = 0; i + perSecond < counted.length; i++) {
      // The (i + limit)-th count after count i lies more than a second later.
      expect(counted[i + perSecond]! - counted[i]!).toBeGreaterThanOrEqual(1000);
    }
    expect(counted).toHaveLength(delays.length);
  });
});
