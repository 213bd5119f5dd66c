import { describe, expect, it } from 'vitest';
import { parseRevenueJpy } from '../../src/normalize/revenue.ts';

describe('Function: parseRevenueJpy', () => {
  it.each([
    [1_000_000_000, 1_000_000_000],
    ['1000000000', 1_000_000_000],
    ['10億円', 1_000_000_000],
    ['１０億円', 1_000_000_000],
    ['10 億円', 1_000_000_000],
    ['5,000万円', 50_000_000],
    ['5千万円', 50_000_000],
    ['1.5兆円', 1_500_000_000_000],
    ['¥300,000,000', 300_000_000],
    ['￥300,000,000', 300_000_000],
    ['\\300,000,000', 300_000_000],
    ['300,000,000円', 300_000_000],
    ['JPY 300,000,000', 300_000_000],
    ['3億', 300_000_000],
    ['3億5000万円', 350_000_000],
    ['300百万円', 300_000_000],
    ['1,234千円', 1_234_000],
    ['約10億円', 1_000_000_000],
    ['年商 10億円', 1_000_000_000],
    ['売上高：12.5億円（連結）', 1_250_000_000],
    ['10億円以上', 1_000_000_000],
    ['1.5 billion yen', 1_500_000_000],
    ['300m', 300_000_000],
    ['JPY 1.2bn', 1_200_000_000],
    ['十億円', 1_000_000_000],
  ] as const)('reads %j as %d yen', (raw, expected) => {
    expect(parseRevenueJpy(raw)).toEqual({ value: expected });
  });

  it.each([
    ['10億～50億円', 1_000_000_000],
    ['1～10億円', 100_000_000],
    ['1,000万～5,000万円', 10_000_000],
    ['300-1,200万円', 3_000_000],
    ['1億円未満', 0],
  ] as const)('takes the lower bound of range %j: %d', (raw, expected) => {
    expect(parseRevenueJpy(raw)).toEqual({ value: expected });
  });

  it.each([null, undefined, '', '-', '不明', '非公開'])('treats %j as no value', (raw) => {
    expect(parseRevenueJpy(raw)).toEqual({ value: null });
  });

  it.each(['$1M', 'USD 3,000,000', '300万ドル', '€2m', 'large', '10億円くらい?', '1万2億', false, {}])(
    'reports %j as unparseable (foreign currency is never converted)',
    (raw) => {
      expect(parseRevenueJpy(raw)).toEqual({ value: null, issue: 'unparseable' });
    },
  );

  it.each([-1, '▲300万円', '-5億円', '2000兆円', 1e16])('reports %j as out of range', (raw) => {
    expect(parseRevenueJpy(raw)).toEqual({ value: null, issue: 'out_of_range' });
  });

  it('rounds fractions of a yen', () => {
    expect(parseRevenueJpy(1234.6)).toEqual({ value: 1235 });
  });
});
