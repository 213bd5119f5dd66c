import { describe, expect, it } from 'vitest';
import { msToTokyoMidnight } from './local-midnight.ts';

describe('msToTokyoMidnight', () => {
  it('counts to 00:00 JST, which is 15:00 UTC', () => {
    expect(msToTokyoMidnight(Date.parse('2026-12-02T14:59:00Z'))).toBe(60_000);
    expect(msToTokyoMidnight(Date.parse('2026-12-02T15:00:00Z'))).toBe(86_400_000);
    expect(msToTokyoMidnight(Date.parse('2026-12-02T03:00:00Z'))).toBe(12 * 3_600_000);
  });
});
