import { describe, expect, it } from 'vitest';
import { parseCrmDate, parseCrmDateTime } from '../../src/normalize/crm-date.ts';

describe('Function: parseCrmDateTime', () => {
  it.each([
    ['2026-11-20T01:00:00.000+0000', '2026-11-20T01:00:00.000Z'],
    ['2026-11-20T10:00:00.000+0900', '2026-11-20T01:00:00.000Z'],
    ['2026-11-20T01:00:00Z', '2026-11-20T01:00:00.000Z'],
    ['2026-11-20T01:00:00.000Z', '2026-11-20T01:00:00.000Z'],
    ['2026-11-20T01:00:00.123456Z', '2026-11-20T01:00:00.123Z'],
    ['2026-11-20T01:00Z', '2026-11-20T01:00:00.000Z'],
    ['2026-11-20T10:00:00+09:00', '2026-11-20T01:00:00.000Z'],
    ['2026-11-20T10:00:00+09', '2026-11-20T01:00:00.000Z'],
    ['2026-11-19T20:00:00-05:00', '2026-11-20T01:00:00.000Z'],
    ['2026-11-20t01:00:00z', '2026-11-20T01:00:00.000Z'],
  ])('reads CRM ISO form %j', (raw, expected) => {
    expect(parseCrmDateTime(raw)).toEqual({ value: expected });
  });

  it('reads HubSpot epoch milliseconds as a number or as text', () => {
    expect(parseCrmDateTime(1763600000000)).toEqual({ value: '2025-11-20T00:53:20.000Z' });
    expect(parseCrmDateTime('1763600000000')).toEqual({ value: '2025-11-20T00:53:20.000Z' });
  });

  it('reads Date objects (the HubSpot SDK converts createdAt/updatedAt)', () => {
    expect(parseCrmDateTime(new Date('2026-11-20T01:00:00Z'))).toEqual({ value: '2026-11-20T01:00:00.000Z' });
    expect(parseCrmDateTime(new Date('not a date'))).toEqual({ value: null, issue: 'unparseable' });
  });

  it.each([
    ['2026/11/20 10:00', '2026-11-20T01:00:00.000Z'],
    ['2026/11/20 10:00:30', '2026-11-20T01:00:30.000Z'],
    ['2026/1/5 9:05', '2026-01-05T00:05:00.000Z'],
    ['２０２６／１１／２０ １０：００', '2026-11-20T01:00:00.000Z'],
    ['2026/11/20(金) 10:00', '2026-11-20T01:00:00.000Z'],
    ['2026年11月20日 10時', '2026-11-20T01:00:00.000Z'],
    ['2026年11月20日 10時30分', '2026-11-20T01:30:00.000Z'],
    ['2026-11-20 10:00:00', '2026-11-20T01:00:00.000Z'],
    ['2026.11.20 10:00', '2026-11-20T01:00:00.000Z'],
  ])('reads %j without an offset as Asia/Tokyo wall-clock time', (raw, expected) => {
    expect(parseCrmDateTime(raw)).toEqual({ value: expected });
  });

  it.each([
    ['2026-11-20', '2026-11-19T15:00:00.000Z'],
    ['2026/11/20', '2026-11-19T15:00:00.000Z'],
    ['2026年11月20日', '2026-11-19T15:00:00.000Z'],
  ])('reads date-only %j as the start of that business day in Tokyo', (raw, expected) => {
    expect(parseCrmDateTime(raw)).toEqual({ value: expected });
  });

  it.each([null, undefined, '', '  ', '-', '不明'])('treats %j as no value', (raw) => {
    expect(parseCrmDateTime(raw)).toEqual({ value: null });
  });

  it.each(['yesterday', '11/20/2026', '20/11/2026', '2026-11', 'R8.11.20', true, {}, []])(
    'reports %j as unparseable',
    (raw) => {
      expect(parseCrmDateTime(raw)).toEqual({ value: null, issue: 'unparseable' });
    },
  );

  it.each([
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-11-31',
    '2026-11-20 24:00',
    '2026-11-20T10:60:00Z',
    '2026-11-20T10:00:00+1500',
    '1763600000',
    1763600000,
    '1900-01-01',
    '2200-01-01T00:00:00Z',
  ])('reports %j as out of range (impossible dates and epoch seconds are never rolled over)', (raw) => {
    expect(parseCrmDateTime(raw)).toEqual({ value: null, issue: 'out_of_range' });
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseCrmDateTime('2028-02-29T00:00:00Z')).toEqual({ value: '2028-02-29T00:00:00.000Z' });
  });
});

describe('Function: parseCrmDate', () => {
  it.each([
    ['2026-11-20', '2026-11-20'],
    ['2026/11/20', '2026-11-20'],
    ['2026/1/5', '2026-01-05'],
    ['2026年11月20日', '2026-11-20'],
  ])('keeps date-only %j as written, with no time-zone shift', (raw, expected) => {
    expect(parseCrmDate(raw)).toEqual({ value: expected });
  });

  it.each([
    ['2026-11-20T00:00:00.000+0000', '2026-11-20'],
    ['2026-11-20T14:59:59Z', '2026-11-20'],
    ['2026-11-20T15:00:00Z', '2026-11-21'],
    ['2026/11/20 23:30', '2026-11-20'],
    [Date.UTC(2026, 10, 20), '2026-11-20'],
  ] as const)('takes the Tokyo calendar day of date-time %j', (raw, expected) => {
    expect(parseCrmDate(raw)).toEqual({ value: expected });
  });

  it('reports impossible and unreadable dates', () => {
    expect(parseCrmDate('2026-02-30')).toEqual({ value: null, issue: 'out_of_range' });
    expect(parseCrmDate('next week')).toEqual({ value: null, issue: 'unparseable' });
    expect(parseCrmDate('')).toEqual({ value: null });
  });
});
