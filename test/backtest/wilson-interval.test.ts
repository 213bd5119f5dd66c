import { describe, expect, it } from 'vitest';
import { wilson } from '../../src/backtest/wilson-interval.ts';

describe('the Wilson 95% interval', () => {
  it('5 of 10: [0.2366, 0.7634], worked out by hand from the formula', () => {
    // centre (0.5 + 1.96²/20) / (1 + 1.96²/10) = 0.5; half 1.96·√(0.025 + 1.96²/400) / 1.38415 = 0.2634
    const p = wilson(5, 10);
    expect(p.rate).toBe(0.5);
    expect(p.low).toBeCloseTo(0.2366, 4);
    expect(p.high).toBeCloseTo(0.7634, 4);
  });

  it('0 of 10 starts at 0 and reaches z²/(n+z²) = 0.2775, not 0 wide as the normal approximation would be', () => {
    const p = wilson(0, 10);
    expect(p.low).toBe(0);
    expect(p.high).toBeCloseTo(3.8415 / 13.8415, 4);
    const all = wilson(10, 10);
    expect(all.high).toBeCloseTo(1, 12);
    expect(all.low).toBeCloseTo(1 - 3.8415 / 13.8415, 4);
  });

  it('no trials: no rate and no interval', () => {
    expect(wilson(0, 0)).toEqual({ successes: 0, trials: 0, rate: null, low: null, high: null });
  });
});
