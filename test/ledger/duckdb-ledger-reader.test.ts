import { describe, expect, it } from 'vitest';
import { OPPORTUNITY_RATE_BY_REASON, RESPONSE_BY_REP } from '../../src/ledger/ledger-queries.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { compactLedger } from '../../src/state/ledger-compaction.ts';
import { AS_OF, PERIOD, RECORDS } from '../review/review-fixture.ts';
import { localLedgerAt } from './ledger-kit.ts';

/**
 * The reader's in-memory mode (the review's: the files read once at open) answers every query as the
 * default mode (the files read per query) does, over JSON Lines and over compacted Parquet alike; the
 * omitted columns read as NULL.
 */
async function answers(stateDir: string, options: Parameters<typeof DuckDbLedgerReader.open>[1]) {
  const reader = await DuckDbLedgerReader.open(stateDir, options);
  try {
    const all = (table: string) => ({ sql: `SELECT * FROM ${table} ORDER BY record_id`, params: [] });
    return {
      decisions: await reader.query(all('ledger_decisions'), []),
      events: await reader.query(all('ledger_events'), []),
      byReason: await reader.query(OPPORTUNITY_RATE_BY_REASON, [PERIOD.from, PERIOD.to]),
      byRep: await reader.query(RESPONSE_BY_REP, [PERIOD.from, AS_OF.toISOString()]),
    };
  } finally {
    reader.close();
  }
}

describe('DuckDbLedgerReader in memory', () => {
  it('answers as the files do, facts omitted', async () => {
    const { stateDir, ledger } = localLedgerAt();
    await ledger.append(RECORDS);
    const inMemory = { inMemory: { omit: ['facts_json'] } };
    const fromFiles = await answers(stateDir, {});
    expect(fromFiles.decisions.length).toBeGreaterThan(5);
    expect(fromFiles.byReason.length).toBeGreaterThan(0);
    const withoutFacts = {
      ...fromFiles,
      decisions: fromFiles.decisions.map((d) => ({ ...d, facts_json: null })),
    };
    expect(await answers(stateDir, inMemory)).toEqual(withoutFacts);

    await compactLedger(stateDir, { before: '2100-01-01' });
    expect(await answers(stateDir, inMemory)).toEqual(withoutFacts);
    expect(await answers(stateDir, {})).toEqual(fromFiles);
  });
});
