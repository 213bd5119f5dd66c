import { describe, expect, it } from 'vitest';
import {
  lastMonthPeriod,
  monthPeriod,
  ReviewPeriodError,
  rangePeriod,
  weekPeriod,
} from '../../src/review/review-period.ts';

const TZ = 'Asia/Tokyo';

describe('review periods: local midnights in the business time zone, [from, to)', () => {
  it('an ISO week runs Monday 00:00 to the next Monday 00:00 JST', () => {
    expect(weekPeriod('2026-W48', new Date(), TZ)).toEqual({
      kind: 'week',
      label: '2026-W48',
      from: '2026-11-22T15:00:00.000Z',
      to: '2026-11-29T15:00:00.000Z',
      timeZone: TZ,
    });
    // A date names the week it is in; 2026 has 53 ISO weeks (1 January 2026 is a Thursday).
    expect(weekPeriod('2026-11-29', new Date(), TZ).label).toBe('2026-W48');
    expect(weekPeriod('2027-01-01', new Date(), TZ)).toMatchObject({
      label: '2026-W53',
      from: '2026-12-27T15:00:00.000Z',
    });
    expect(weekPeriod('2026-W53', new Date(), TZ).from).toBe('2026-12-27T15:00:00.000Z');
    expect(() => weekPeriod('2027-W53', new Date(), TZ)).toThrow(ReviewPeriodError);
  });

  it('without a value, the last complete week before the instant (in Japan time)', () => {
    // Monday 2026-11-30 08:00 JST (still Sunday in UTC): W48 has just ended. Sunday 2026-11-29
    // 23:00 JST: W48 is still running, so W47. The local date decides, not the UTC one.
    expect(weekPeriod(undefined, new Date('2026-11-29T23:00:00Z'), TZ).label).toBe('2026-W48');
    expect(weekPeriod(undefined, new Date('2026-11-29T14:00:00Z'), TZ).label).toBe('2026-W47');
  });

  it('a month, December rolling into January', () => {
    expect(monthPeriod('2026-12', TZ)).toEqual({
      kind: 'month',
      label: '2026-12',
      from: '2026-11-30T15:00:00.000Z',
      to: '2026-12-31T15:00:00.000Z',
      timeZone: TZ,
    });
  });

  it('last month: the month before the local date of the instant, January rolling back into December', () => {
    // 2026-11-30 23:00 UTC is already 1 December in Japan: November has ended.
    expect(lastMonthPeriod(new Date('2026-11-30T23:00:00Z'), TZ).label).toBe('2026-11');
    expect(lastMonthPeriod(new Date('2026-11-30T14:00:00Z'), TZ).label).toBe('2026-10');
    expect(lastMonthPeriod(new Date('2027-01-01T00:00:00Z'), TZ)).toEqual(monthPeriod('2026-12', TZ));
  });

  it('a range of days, both included', () => {
    expect(rangePeriod('2026-11-01', '2026-11-15', TZ)).toMatchObject({
      from: '2026-10-31T15:00:00.000Z',
      to: '2026-11-15T15:00:00.000Z',
    });
  });

  it('says what to write when a value is wrong', () => {
    expect(() => monthPeriod('2026-13', TZ)).toThrow('write it as YYYY-MM, e.g. 2026-11');
    expect(() => monthPeriod('Nov', TZ)).toThrow(ReviewPeriodError);
    expect(() => weekPeriod('2026-48', new Date(), TZ)).toThrow('write an ISO week such as 2026-W48');
    expect(() => rangePeriod('2026-11-31', '2026-12-01', TZ)).toThrow('--from "2026-11-31" is not a date');
    expect(() => rangePeriod('2026-11-15', '2026-11-01', TZ)).toThrow(
      '--to 2026-11-01 is before --from 2026-11-15',
    );
  });
});
