import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoLocalDay, isoToEpochMs, localDay } from '../../src/scoring/time.ts';

describe('isoToEpochMs (hand-rolled hot-path parser)', () => {
  it('agrees with Date for every instant, in UTC and with any offset', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (d, off) => {
          expect(isoToEpochMs(d.toISOString())).toBe(d.getTime());
          const a = Math.abs(off);
          const zone = `${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
          const local = `${new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19)}${zone}`;
          expect(isoToEpochMs(local)).toBe(Math.floor(d.getTime() / 1000) * 1000);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('falls back to Date.parse for other shapes and yields NaN for garbage', () => {
    expect(isoToEpochMs('2026-11-20')).toBe(Date.parse('2026-11-20'));
    expect(isoToEpochMs('2026-11-20T01:00:00.123456Z')).toBe(Date.parse('2026-11-20T01:00:00.123Z'));
    expect(isoToEpochMs('yesterday')).toBeNaN();
    expect(isoToEpochMs('2026-13-01T00:00:00Z')).toBeNaN();
  });

  it('counts local days in the zone: 23:59 and 00:00 JST fall on different days', () => {
    const jst = 9 * 3_600_000;
    expect(localDay(isoToEpochMs('2026-11-20T23:59:59+09:00'), jst) + 1).toBe(
      localDay(isoToEpochMs('2026-11-21T00:00:00+09:00'), jst),
    );
  });
});

describe('isoLocalDay (the hot path’s activity day, no epoch milliseconds handed out)', () => {
  /** What it stands for: the local day of the instant when it is not after now. */
  const reference = (s: string, offsetMs: number, nowMs: number) => {
    const t = isoToEpochMs(s);
    return t <= nowMs ? localDay(t, offsetMs) : Number.NaN;
  };

  it('agrees with isoToEpochMs + localDay for every instant, shape, zone and now', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }),
        fc.constantFrom('ms', 's', 'offset'),
        (d, off, nowDelta, shape) => {
          const iso = d.toISOString();
          const s =
            shape === 'ms' ? iso : shape === 's' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}+09:00`;
          const nowMs = d.getTime() + nowDelta;
          expect(isoLocalDay(s, off * 60_000, nowMs)).toBe(reference(s, off * 60_000, nowMs));
          // The instant itself counts (not after now); one millisecond later it does not.
          const at = isoToEpochMs(s);
          expect(isoLocalDay(s, off * 60_000, at)).toBe(localDay(at, off * 60_000));
          expect(isoLocalDay(s, off * 60_000, at - 1)).toBeNaN();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('garbage and odd shapes come out as the reference says', () => {
    const now = Date.parse('2026-11-20T09:00:00Z');
    for (const s of [
      '2026-13-01T00:00:00Z',
      '2026-11-20T01:00:00.1x3Z',
      '2026-11-20T01:00:00.123456Z',
      '2026-11-20',
      'yesterday',
      '2026-11-20T24:00:00.000Z',
      '',
    ]) {
      expect(Object.is(isoLocalDay(s, 9 * 3_600_000, now), reference(s, 9 * 3_600_000, now))).toBe(true);
    }
  });
});
