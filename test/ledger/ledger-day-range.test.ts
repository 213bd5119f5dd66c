import { describe, expect, it } from 'vitest';
import { dayFilter, withTables } from '../../src/ledger/ledger-day-range.ts';
import { DECISION_AT, TOSSUP_RATES_AND_NOISE } from '../../src/ledger/ledger-queries.ts';

const FROM = '2026-10-31T15:00:00.000Z';
const TO = '2026-11-30T15:00:00.000Z';

describe('dayFilter: the day partitions a query reads, from its parameters', () => {
  it('bounds a table by the UTC dates of the declared parameters, both days included', () => {
    expect(dayFilter(TOSSUP_RATES_AND_NOISE, 'decisions', [FROM, TO])).toBe(
      "dt >= '2026-10-31' AND dt <= '2026-11-30'",
    );
    // The events that follow the toss-ups: from the period's first day on, no end.
    expect(dayFilter(TOSSUP_RATES_AND_NOISE, 'events', [FROM, TO])).toBe("dt >= '2026-10-31'");
    expect(dayFilter(DECISION_AT, 'decisions', ['L1', TO])).toBe("dt <= '2026-11-30'");
  });

  it('is empty for an undeclared table or without parameters, and refuses a bound that is no instant', () => {
    expect(dayFilter(DECISION_AT, 'events', ['L1', TO])).toBe('');
    expect(dayFilter(TOSSUP_RATES_AND_NOISE, 'decisions', [])).toBe('');
    expect(() => dayFilter(TOSSUP_RATES_AND_NOISE, 'decisions', ["2026-11-01' OR 1=1 --", TO, FROM])).toThrow(
      RangeError,
    );
  });
});

describe('withTables', () => {
  it("puts the tables' CTEs first, joining a query's own WITH list", () => {
    expect(withTables('SELECT 1 FROM t', ['t AS (SELECT 1)'])).toBe('WITH t AS (SELECT 1)\nSELECT 1 FROM t');
    expect(
      withTables('\nWITH x AS (SELECT * FROM t) SELECT * FROM x', ['t AS (SELECT 1)', 'u AS (SELECT 2)']),
    ).toBe('WITH t AS (SELECT 1),\nu AS (SELECT 2),\nx AS (SELECT * FROM t) SELECT * FROM x');
  });
});
