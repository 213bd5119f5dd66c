import { describe, expect, it } from 'vitest';
import { parseTimelineMonths } from '../../src/normalize/timeline-months.ts';

describe('Function: parseTimelineMonths', () => {
  it.each([
    [3, 3],
    [0, 0],
    ['3', 3],
    ['３', 3],
    ['3ヶ月', 3],
    ['3か月', 3],
    ['3カ月', 3],
    ['3ヵ月', 3],
    ['3ヶ月以内', 3],
    ['3か月以内に導入', 3],
    ['3ヶ月後', 3],
    ['約6ヶ月', 6],
    ['半年', 6],
    ['半年以内', 6],
    ['1年', 12],
    ['１年以内', 12],
    ['1年半', 18],
    ['6 months', 6],
    ['within 3 months', 3],
    ['2 years', 24],
    ['2 weeks', 0.47],
    ['すぐ', 0],
    ['即導入', 0],
    ['ASAP', 0],
  ] as const)('reads %j as %d months', (raw, expected) => {
    expect(parseTimelineMonths(raw)).toEqual({ value: expected });
  });

  it('keeps the LATER end of a range, so "within 3 months" is not met by optimism', () => {
    expect(parseTimelineMonths('3-6ヶ月')).toEqual({ value: 6 });
    expect(parseTimelineMonths('3～6 months')).toEqual({ value: 6 });
  });

  it.each([null, undefined, '', '未定', '不明', '-'])('treats %j as no timeline', (raw) => {
    expect(parseTimelineMonths(raw)).toEqual({ value: null });
  });

  it.each(['3ヶ月以上', '3月', 'soon', '3ヶ月～1年', 'next fiscal year', true])(
    'reports %j as unparseable',
    (raw) => {
      expect(parseTimelineMonths(raw)).toEqual({ value: null, issue: 'unparseable' });
    },
  );

  it.each([-1, 121, '20年'])('reports %j as out of range', (raw) => {
    expect(parseTimelineMonths(raw)).toEqual({ value: null, issue: 'out_of_range' });
  });
});
