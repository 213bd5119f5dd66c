import { describe, expect, it } from 'vitest';
import { daysOfWeek, isoWeek } from '../../src/backtest/weekly-load.ts';

describe('ISO weeks', () => {
  it('the week a date falls in, with its Monday; years turn over on the Thursday', () => {
    expect(isoWeek('2026-12-01')).toEqual({ week: '2026-W49', monday: '2026-11-30' });
    expect(isoWeek('2026-01-01')).toEqual({ week: '2026-W01', monday: '2025-12-29' });
    expect(isoWeek('2025-12-29').week).toBe('2026-W01');
    expect(isoWeek('2027-01-03')).toEqual({ week: '2026-W53', monday: '2026-12-28' });
    expect(isoWeek('2021-01-03').week).toBe('2020-W53');
  });

  it('the seven dates of a week, Monday first', () => {
    expect(daysOfWeek('2026-W48')).toEqual([
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
    ]);
    expect(daysOfWeek('2026-W01')[0]).toBe('2025-12-29');
    expect(daysOfWeek('2026-W53')[6]).toBe('2027-01-03');
  });
});
