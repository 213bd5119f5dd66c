import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECISION_COLUMNS, EVENT_COLUMNS } from '../../src/ledger/ledger-columns.ts';
import type { LedgerReader } from '../../src/ports/ledger.ts';
import { buildReview, type ReviewOptions } from '../../src/review/build-review.ts';
import { REVIEW_UNREAD_COLUMNS } from '../../src/review/review-unread-columns.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { localLedgerAt } from '../ledger/ledger-kit.ts';
import { AS_OF, OUTCOMES, PERIOD, RECORDS } from './review-fixture.ts';

/** `tossup review` loads the ledger without REVIEW_UNREAD_COLUMNS: the review must not need them. */
let stateDir: string;
let full: DuckDbLedgerReader;
let lean: DuckDbLedgerReader;
const options: ReviewOptions = {
  asOf: AS_OF,
  outcomes: OUTCOMES,
  thresholds: { attribute: 60, behaviour: 40 },
  capacities: new Map([['u001', 15]]),
  sla: defaultSlaConfig(),
};
beforeAll(async () => {
  const l = localLedgerAt();
  await l.ledger.append(RECORDS);
  stateDir = l.stateDir;
  full = await DuckDbLedgerReader.open(stateDir);
  lean = await DuckDbLedgerReader.open(stateDir, { inMemory: { omit: REVIEW_UNREAD_COLUMNS } });
});
afterAll(() => {
  full?.close();
  lean?.close();
});

describe('the columns the review leaves unloaded', () => {
  it('are ledger columns', () => {
    const known = new Set([...Object.keys(DECISION_COLUMNS), ...Object.keys(EVENT_COLUMNS)]);
    expect(REVIEW_UNREAD_COLUMNS.filter((c) => !known.has(c))).toEqual([]);
  });

  it('appear in none of the SQL the review runs', async () => {
    const sql: string[] = [];
    const recording: LedgerReader = {
      query: (q, params) => {
        sql.push(q.sql);
        return full.query(q, params);
      },
      close: () => {},
    };
    await buildReview(recording, PERIOD, options);
    // The review's 9 queries and the "missed" list's lookups.
    expect(sql.length).toBeGreaterThanOrEqual(10);
    // A name given to a computed column (MISSED_FROM_LEDGER's `AS kind`) reads nothing.
    const read = REVIEW_UNREAD_COLUMNS.filter((c) =>
      sql.some((s) => new RegExp(`(?<!\\bAS\\s+)\\b${c}\\b`, 'i').test(s)),
    );
    expect(read).toEqual([]);
  });

  it('change nothing in the review when left out', async () => {
    expect(await buildReview(lean, PERIOD, options)).toEqual(await buildReview(full, PERIOD, options));
  });
});
