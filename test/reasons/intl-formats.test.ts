import { describe, expect, it } from 'vitest';
import { dateTimeFormat, numberFormat } from '../../src/reasons/intl-formats.ts';

describe('Intl formatters kept per locale and options', () => {
  it('format as toLocaleString does, one formatter per locale and options', () => {
    for (const n of [0, 7, 1200, 1234567.891, -42.5, 1e12]) {
      expect(numberFormat('ja-JP').format(n)).toBe(n.toLocaleString('ja-JP'));
      expect(numberFormat('en-US', { maximumFractionDigits: 1 }).format(n)).toBe(
        n.toLocaleString('en-US', { maximumFractionDigits: 1 }),
      );
    }
    expect(numberFormat('ja-JP')).toBe(numberFormat('ja-JP'));
    expect(numberFormat('ja-JP')).not.toBe(numberFormat('en-US'));
    expect(numberFormat('en-US', { maximumFractionDigits: 1 })).not.toBe(numberFormat('en-US'));
    const at = new Date('2026-12-03T15:30:00Z');
    const options = { timeZone: 'Asia/Tokyo', dateStyle: 'medium', timeStyle: 'short' } as const;
    expect(dateTimeFormat('ja-JP', options).format(at)).toBe(
      new Intl.DateTimeFormat('ja-JP', options).format(at),
    );
    expect(dateTimeFormat('ja-JP', { ...options })).toBe(dateTimeFormat('ja-JP', options));
    expect(dateTimeFormat('ja-JP', { ...options, timeZone: 'UTC' })).not.toBe(
      dateTimeFormat('ja-JP', options),
    );
  });
});
