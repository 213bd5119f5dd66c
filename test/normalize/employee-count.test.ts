import { describe, expect, it } from 'vitest';
import { parseEmployeeCount } from '../../src/normalize/employee-count.ts';

describe('Function: parseEmployeeCount', () => {
  it.each([
    [1200, 1200],
    [0, 0],
    [1200.7, 1200],
    ['1200', 1200],
    ['1,200名', 1200],
    ['１２００人', 1200],
    ['１，２００名', 1200],
    ['1,200 employees', 1200],
    ['従業員数：1,200名', 1200],
    ['1,200名（連結）', 1200],
    ['1,200名 (2024年3月現在)', 1200],
    ['about 300', 300],
    ['approx. 250', 250],
    ['~300', 300],
    ['約300名', 300],
    ['300名程度', 300],
    ['300人前後', 300],
    ['300+', 300],
    ['5,000+ employees', 5000],
    ['1000人以上', 1000],
    ['10,000人超', 10000],
    ['300人強', 300],
    ['over 1000 employees', 1000],
    ['5千人', 5000],
    ['千二百名', 1200],
    ['三百人', 300],
    ['1.2万人', 12000],
    ['1.1万人', 11000],
    ['1万2000人', 12000],
    ['1.2k', 1200],
  ] as const)('reads %j as %d', (raw, expected) => {
    expect(parseEmployeeCount(raw)).toEqual({ value: expected });
  });

  it.each([
    ['50-99', 50],
    ['50–99', 50],
    ['10～49名', 10],
    ['10〜49名', 10],
    ['100 to 499', 100],
    ['100-499 employees', 100],
    ['1,000～4,999人', 1000],
    ['50名以上100名未満', 50],
    ['50から99名', 50],
    ['5-10万人', 50000],
    ['1000~', 1000],
    ['～49名', 0],
    ['〜49名', 0],
    ['10名未満', 0],
    ['under 50', 0],
  ] as const)('takes the lower bound of range %j: %d', (raw, expected) => {
    expect(parseEmployeeCount(raw)).toEqual({ value: expected });
  });

  it.each([null, undefined, '', '   ', '-', '—', '不明', '未定', 'N/A', '非公開'])(
    'treats %j as no value, not as a problem',
    (raw) => {
      expect(parseEmployeeCount(raw)).toEqual({ value: null });
    },
  );

  it.each([
    'many',
    'several hundred',
    '数百名',
    '300人弱',
    '99-50',
    '1,2',
    '12,00',
    '3月',
    '300 in 2019',
    '50名以上100名以上',
    'NaN',
    true,
    {},
    [1200],
    Number.NaN,
  ])('reports %j as unparseable', (raw) => {
    expect(parseEmployeeCount(raw)).toEqual({ value: null, issue: 'unparseable' });
  });

  it.each([-5, '-5', '-5名', 20_000_000, '20,000,000', '1億人', Number.POSITIVE_INFINITY])(
    'reports %j as out of range',
    (raw) => {
      expect(parseEmployeeCount(raw)).toEqual({ value: null, issue: 'out_of_range' });
    },
  );

  it('accepts the largest plausible count and rejects the next one', () => {
    expect(parseEmployeeCount(10_000_000)).toEqual({ value: 10_000_000 });
    expect(parseEmployeeCount(10_000_001)).toEqual({ value: null, issue: 'out_of_range' });
  });
});
