import { describe, expect, it } from 'vitest';
import { createBusinessCalendar } from '../../src/sla/business-calendar.ts';
import { defaultSlaConfig, type SlaConfig } from '../../src/sla/sla-config.ts';

const base = defaultSlaConfig();
const withYearEnd: SlaConfig = {
  ...base,
  companyHolidays: [{ name: '年末年始', from: '12-29', to: '01-03' }],
};
const cal = createBusinessCalendar(withYearEnd);
const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('business days', () => {
  it('treats Saturday and Sunday as non-business days', () => {
    expect(cal.isBusinessDay('2026-03-06')).toBe(true); // Friday
    expect(cal.isBusinessDay('2026-03-07')).toBe(false); // Saturday
    expect(cal.isBusinessDay('2026-03-08')).toBe(false); // Sunday
    expect(cal.addBusinessDays('2026-03-06', 1)).toBe('2026-03-09');
    expect(cal.addBusinessDays('2026-03-07', 0)).toBe('2026-03-09');
  });

  it('uses the holiday_jp data for a national holiday that falls on a weekday', () => {
    // 2026-03-20 (Friday) is 春分の日; nothing in the config names it.
    expect(cal.holidayName('2026-03-20')).toBe('春分の日');
    expect(cal.isBusinessDay('2026-03-20')).toBe(false);
    expect(cal.addBusinessDays('2026-03-19', 1)).toBe('2026-03-23');
    const noNational = createBusinessCalendar({ ...withYearEnd, nationalHolidays: false });
    expect(noNational.isBusinessDay('2026-03-20')).toBe(true);
  });

  it('skips Golden Week 2026 including the substitute holiday on 05-06', () => {
    expect(cal.isBusinessDay('2026-04-29')).toBe(false); // 昭和の日 (Wednesday)
    expect(cal.isBusinessDay('2026-04-30')).toBe(true);
    expect(cal.isBusinessDay('2026-05-01')).toBe(true);
    for (const d of ['2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05', '2026-05-06']) {
      expect(cal.isBusinessDay(d), d).toBe(false);
    }
    expect(cal.holidayName('2026-05-06')).toContain('振替休日');
    expect(cal.addBusinessDays('2026-05-01', 1)).toBe('2026-05-07');
    expect(cal.addBusinessDays('2026-04-28', 1)).toBe('2026-04-30');
  });

  it('applies a recurring year-end company holiday across New Year', () => {
    for (const d of ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-02', '2027-01-03']) {
      expect(cal.isBusinessDay(d), d).toBe(false);
      expect(cal.holidayName(d), d).toBe('年末年始');
    }
    expect(cal.holidayName('2027-01-01')).toBe('元日'); // national name wins where both apply
    expect(cal.isBusinessDay('2026-12-28')).toBe(true);
    expect(cal.addBusinessDays('2026-12-28', 1)).toBe('2027-01-04');
    // Without the company rule 12-29 is an ordinary Tuesday.
    expect(createBusinessCalendar(base).addBusinessDays('2026-12-28', 1)).toBe('2026-12-29');
  });

  it('handles one-off company holiday ranges and single dates', () => {
    const c = createBusinessCalendar({
      ...base,
      companyHolidays: [
        { name: '夏季休暇', from: '2026-08-12', to: '2026-08-14' },
        { name: '創立記念日', date: '10-01' },
      ],
    });
    // 08-11 is 山の日, 08-12..14 the company's summer break.
    expect(c.addBusinessDays('2026-08-10', 1)).toBe('2026-08-17');
    expect(c.isBusinessDay('2027-08-12')).toBe(true); // one-off: not repeated next year
    expect(c.isBusinessDay('2026-10-01')).toBe(false);
    expect(c.isBusinessDay('2027-10-01')).toBe(false); // MM-DD repeats
  });

  it('counts the leap day as an ordinary business day', () => {
    expect(cal.isBusinessDay('2028-02-29')).toBe(true); // Tuesday
    expect(cal.addBusinessDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(cal.addBusinessDays('2028-02-29', 1)).toBe('2028-03-01');
    const leapHoliday = createBusinessCalendar({ ...base, companyHolidays: [{ date: '02-29' }] });
    expect(leapHoliday.addBusinessDays('2028-02-28', 1)).toBe('2028-03-01');
    expect(leapHoliday.addBusinessDays('2027-02-26', 1)).toBe('2027-03-01');
  });
});

describe('business hours', () => {
  it('puts opening inside and closing outside the window', () => {
    expect(cal.isWithinBusinessHours(at('2026-03-09T09:00:00+09:00'))).toBe(true);
    expect(cal.isWithinBusinessHours(at('2026-03-09T08:59:59.999+09:00'))).toBe(false);
    expect(cal.isWithinBusinessHours(at('2026-03-09T17:59:59.999+09:00'))).toBe(true);
    expect(cal.isWithinBusinessHours(at('2026-03-09T18:00:00+09:00'))).toBe(false);
  });

  it('counts exactly from 09:00 and stops exactly at 18:00', () => {
    expect(iso(cal.addBusinessHours(at('2026-03-09T09:00:00+09:00'), 9))).toBe('2026-03-09T09:00:00.000Z');
    expect(iso(cal.addBusinessHours(at('2026-03-09T09:00:00+09:00'), 1))).toBe('2026-03-09T01:00:00.000Z');
    // At closing nothing is left that day: one hour lands at 10:00 the next business day.
    expect(iso(cal.addBusinessHours(at('2026-03-09T18:00:00+09:00'), 1))).toBe('2026-03-10T01:00:00.000Z');
    expect(iso(cal.nextOpening(at('2026-03-09T18:00:00+09:00')))).toBe('2026-03-10T00:00:00.000Z');
    expect(iso(cal.nextOpening(at('2026-03-09T09:00:00+09:00')))).toBe('2026-03-09T00:00:00.000Z');
  });

  it('lands a Friday 17:30 toss-up with 24 business hours on Wednesday 14:30', () => {
    // 0.5 h Friday + 9 h Monday + 9 h Tuesday + 5.5 h Wednesday = 24 h.
    const due = cal.addBusinessHours(at('2026-03-06T17:30:00+09:00'), 24);
    expect(iso(due)).toBe('2026-03-11T05:30:00.000Z');
    expect(cal.localDate(due)).toBe('2026-03-11');
  });

  it('starts counting at the next opening for a toss-up on Sunday night', () => {
    const sunday = at('2026-03-08T22:00:00+09:00');
    expect(iso(cal.nextOpening(sunday))).toBe('2026-03-09T00:00:00.000Z');
    expect(iso(cal.addBusinessHours(sunday, 2))).toBe('2026-03-09T02:00:00.000Z');
    expect(cal.businessDateOf(sunday)).toBe('2026-03-09');
  });

  it('moves the business date after closing to the next business day', () => {
    expect(cal.businessDateOf(at('2026-03-09T17:59:00+09:00'))).toBe('2026-03-09');
    expect(cal.businessDateOf(at('2026-03-09T18:00:00+09:00'))).toBe('2026-03-10');
    expect(cal.businessDateOf(at('2026-03-09T07:00:00+09:00'))).toBe('2026-03-09');
    expect(cal.businessDateOf(at('2026-04-28T19:00:00+09:00'))).toBe('2026-04-30');
  });

  it('treats one businessDay as one full window: same time on the next business day', () => {
    const oneDay = { amount: 1, unit: 'businessDays' } as const;
    expect(iso(cal.add(at('2026-03-09T10:00:00+09:00'), oneDay))).toBe('2026-03-10T01:00:00.000Z');
    expect(iso(cal.add(at('2026-03-06T17:30:00+09:00'), oneDay))).toBe('2026-03-09T08:30:00.000Z');
    // Sunday night: a whole Monday, i.e. Monday's closing.
    expect(iso(cal.add(at('2026-03-08T22:00:00+09:00'), oneDay))).toBe('2026-03-09T09:00:00.000Z');
  });

  it('skips Golden Week when counting business hours', () => {
    // Thu 04-30 10:00 + 3 business days → Fri 05-01, Thu 05-07, Fri 05-08 10:00.
    const due = cal.add(at('2026-04-30T10:00:00+09:00'), { amount: 3, unit: 'businessDays' });
    expect(iso(due)).toBe('2026-05-08T01:00:00.000Z');
  });

  it('keeps clock units literal', () => {
    const fri = at('2026-03-06T17:30:00+09:00');
    expect(iso(cal.add(fri, { amount: 24, unit: 'hours' }))).toBe('2026-03-07T08:30:00.000Z');
    expect(iso(cal.add(at('2028-02-28T10:00:00+09:00'), { amount: 2, unit: 'days' }))).toBe(
      '2028-03-01T01:00:00.000Z',
    );
  });

  it('returns the start unchanged for zero business hours, even outside hours', () => {
    const night = at('2026-03-09T20:00:00+09:00');
    expect(iso(cal.addBusinessHours(night, 0))).toBe(iso(night));
  });

  it('rejects negative amounts', () => {
    expect(() => cal.addBusinessHours(at('2026-03-09T10:00:00+09:00'), -1)).toThrow(RangeError);
    expect(() => cal.addBusinessDays('2026-03-09', -1)).toThrow(RangeError);
  });
});

describe('time zones other than Asia/Tokyo', () => {
  const plain: SlaConfig = { ...base, nationalHolidays: false };

  it('gives the same results for the fixed offset +09:00 as for Asia/Tokyo', () => {
    const fixed = createBusinessCalendar({ ...withYearEnd, timeZone: '+09:00' });
    const start = at('2026-03-06T17:30:00+09:00');
    expect(iso(fixed.addBusinessHours(start, 24))).toBe(iso(cal.addBusinessHours(start, 24)));
  });

  it('handles a fixed offset west of UTC, where the local date differs from the UTC date', () => {
    const la = createBusinessCalendar({ ...plain, timeZone: '-08:00' });
    // 17:30 local Friday is 01:30Z Saturday.
    const due = la.add(at('2026-03-06T17:30:00-08:00'), { amount: 1, unit: 'businessDays' });
    expect(iso(due)).toBe('2026-03-10T01:30:00.000Z');
    expect(la.localDate(due)).toBe('2026-03-09');
  });

  it('keeps local business hours across a DST change (America/New_York, 2026-03-08)', () => {
    const ny = createBusinessCalendar({ ...plain, timeZone: 'America/New_York' });
    // Friday 17:30 EST (-05:00) + 1 business day = Monday 17:30 EDT (-04:00).
    const due = ny.add(at('2026-03-06T17:30:00-05:00'), { amount: 1, unit: 'businessDays' });
    expect(iso(due)).toBe('2026-03-09T21:30:00.000Z');
  });
});
