import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zonedParts } from '../../src/sla/zoned-time.ts';

/** What `Intl` itself says, the reference the cached offsets must agree with. */
function reference(instant: Date, timeZone: string) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(instant)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

// Zones with DST, half-hour DST (Lord Howe), 45-minute offsets, no DST, and a fixed offset.
const ZONES = [
  'Asia/Tokyo',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'America/Sao_Paulo',
  '+09:00',
];

describe('zonedParts (offsets cached per quarter hour)', () => {
  it('agrees with Intl at any instant from 1980 to 2050, DST changes included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1980, 0, 1), max: Date.UTC(2050, 0, 1) }),
        fc.constantFrom(...ZONES),
        (t, zone) => {
          expect(zonedParts(new Date(t), zone)).toEqual(reference(new Date(t), zone));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees with Intl a second before, at and after each 2026 DST change in New York and London', () => {
    const changes = [
      ['America/New_York', Date.UTC(2026, 2, 8, 7)],
      ['America/New_York', Date.UTC(2026, 10, 1, 6)],
      ['Europe/London', Date.UTC(2026, 2, 29, 1)],
      ['Europe/London', Date.UTC(2026, 9, 25, 1)],
    ] as const;
    for (const [zone, at] of changes)
      for (const t of [at - 1000, at - 1, at, at + 1, at + 1000])
        expect(zonedParts(new Date(t), zone), `${zone} ${new Date(t).toISOString()}`).toEqual(
          reference(new Date(t), zone),
        );
  });

  it('throws for an invalid date, as Intl does', () => {
    expect(() => zonedParts(new Date(Number.NaN), 'Asia/Tokyo')).toThrow(RangeError);
  });
});
