import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeSlaDue, dueAt } from '../../src/sla/due-date.ts';
import { defaultSlaConfig, parseSlaConfig, type SlaConfig } from '../../src/sla/sla-config.ts';

const shipped = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'), 'mappings/sla.yaml');

describe('dueAt with the shipped sla.yaml', () => {
  it('gives field sales one business day and escalates one business day later (the 48 h contact case)', () => {
    const due = computeSlaDue('field_sales_tossup', '2026-03-06T08:30:00Z', shipped); // Fri 17:30 JST
    expect(due).toMatchObject({
      dueAt: '2026-03-09T08:30:00.000Z', // Mon 17:30 JST
      dueDate: '2026-03-09',
      escalateAt: '2026-03-10T08:30:00.000Z', // Tue 17:30 JST
      sla: { amount: 1, unit: 'businessDays' },
    });
  });

  it('gives inside sales three business days, skipping Golden Week', () => {
    // Tue 04-28 15:00 JST → Thu 04-30, Fri 05-01, Thu 05-07 15:00.
    expect(dueAt('inside_sales_follow_up', '2026-04-28T06:00:00Z', shipped)).toBe('2026-05-07T06:00:00.000Z');
    expect(dueAt('inside_sales_hearing', '2026-04-28T06:00:00Z', shipped)).toBe('2026-05-07T06:00:00.000Z');
  });

  it('escalates the IS / sales planning review as soon as it is late', () => {
    const due = computeSlaDue('notify_is_sales_planning', '2026-03-09T01:00:00Z', shipped);
    expect(due?.dueAt).toBe('2026-03-12T01:00:00.000Z');
    expect(due?.escalateAt).toBe(due?.dueAt);
  });

  it('has no SLA for nurture', () => {
    expect(computeSlaDue('nurture', '2026-03-09T01:00:00Z', shipped)).toBeNull();
    expect(dueAt('nurture', '2026-03-09T01:00:00Z', shipped)).toBeNull();
  });

  it('carries the year-end company holidays from the file', () => {
    // Mon 12-28 17:00 JST + 1 business day: 12-29..01-03 are off → Mon 2027-01-04 17:00.
    const due = computeSlaDue('field_sales_tossup', '2026-12-28T08:00:00Z', shipped);
    expect(due?.dueAt).toBe('2027-01-04T08:00:00.000Z');
    expect(due?.dueDate).toBe('2027-01-04');
  });

  it('counts a Sunday-night toss-up from Monday opening', () => {
    // Sun 22:00 JST + 3 business days = Wed 18:00 JST.
    const due = computeSlaDue('inside_sales_follow_up', '2026-03-08T13:00:00Z', shipped);
    expect(due?.dueAt).toBe('2026-03-11T09:00:00.000Z');
    expect(due?.dueDate).toBe('2026-03-11');
  });

  it('accepts a Date as well as an ISO string, and rejects garbage', () => {
    expect(dueAt('field_sales_tossup', new Date('2026-03-09T01:00:00Z'), shipped)).toBe(
      '2026-03-10T01:00:00.000Z',
    );
    expect(() => dueAt('field_sales_tossup', 'yesterday', shipped)).toThrow(/decidedAt/);
  });
});

describe('dueDate for date-only CRM fields', () => {
  const clock: SlaConfig = {
    ...defaultSlaConfig(),
    slas: { ...defaultSlaConfig().slas, field_sales_tossup: { due: { amount: 24, unit: 'hours' } } },
  };

  it('moves a clock deadline that lands on a weekend to the next business day', () => {
    const due = computeSlaDue('field_sales_tossup', '2026-03-06T08:30:00Z', clock); // Fri 17:30 JST
    expect(due?.dueAt).toBe('2026-03-07T08:30:00.000Z'); // Saturday
    expect(due?.dueDate).toBe('2026-03-09');
  });

  it('uses the local (JST) date, not the UTC date', () => {
    // Tue 01:30 JST (still Monday in UTC) + 24 h = Wed 01:30 JST, which is Tuesday 16:30 in UTC.
    const due = computeSlaDue('field_sales_tossup', '2026-03-09T16:30:00Z', clock);
    expect(due?.dueAt).toBe('2026-03-10T16:30:00.000Z');
    expect(due?.dueDate).toBe('2026-03-11');
  });
});

describe('default config', () => {
  it('matches the shipped file', () => {
    expect({ ...shipped, companyHolidays: [] }).toEqual(defaultSlaConfig());
    expect(shipped.companyHolidays).toEqual([{ name: '年末年始', from: '12-29', to: '01-03' }]);
  });
});
