import { describe, expect, it } from 'vitest';
import { parseJapaneseNumber } from '../../src/normalize/japanese-number.ts';

describe('Function: parseJapaneseNumber', () => {
  it.each([
    ['1200', 1200],
    ['1,200', 1200],
    ['1,234,567.5', 1234567.5],
    ['.5', 0.5],
    ['1.2万', 12000],
    ['1.1万', 11000],
    ['5千', 5000],
    ['5千万', 50_000_000],
    ['300百万', 300_000_000],
    ['3億5000万', 350_000_000],
    ['1兆2000億', 1_200_000_000_000],
    ['千二百', 1200],
    ['二十三', 23],
    ['百二十', 120],
    ['二〇二六', 2026],
    ['一万二千', 12000],
    ['千', 1000],
    ['3 億', 300_000_000],
    ['1億0万', 100_000_000],
    ['万', 10_000],
  ] as const)('reads %j as %d', (text, expected) => {
    expect(parseJapaneseNumber(text)?.value).toBe(expected);
  });

  it('reads English multipliers only when asked to', () => {
    expect(parseJapaneseNumber('1.2k', { englishMultipliers: true })?.value).toBe(1200);
    expect(parseJapaneseNumber('1.5 billion', { englishMultipliers: true })?.value).toBe(1_500_000_000);
    expect(parseJapaneseNumber('1.2k')).toBeNull();
  });

  it.each(['', ' ', 'abc', '1,2', '12,00', '1.2.3', '1万2億', '50 100', '1 2', '1-2', '万円', '3x'])(
    'rejects %j: never reads a number out of something that is not exactly one',
    (text) => {
      expect(parseJapaneseNumber(text, { englishMultipliers: true })).toBeNull();
    },
  );

  it('tells which unit a figure ended in, so a bare lower bound can borrow it', () => {
    expect(parseJapaneseNumber('10億')).toEqual({ value: 1_000_000_000, trailingUnit: '億', hasUnit: true });
    expect(parseJapaneseNumber('1万2000')).toEqual({ value: 12000, trailingUnit: null, hasUnit: true });
    expect(parseJapaneseNumber('10')).toEqual({ value: 10, trailingUnit: null, hasUnit: false });
  });
});
