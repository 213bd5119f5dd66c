import { BACKTEST_DECISIONS, BACKTEST_OUTCOME_EVENTS } from '../ledger/ledger-queries.ts';
import type { DecisionRecord } from '../ledger/ledger-record.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import type { OutcomeStore } from '../ports/outcome-store.ts';
import type { OutcomeEventRow } from './observed-outcomes.ts';
import type { BacktestHistory } from './run-backtest.ts';

/**
 * The period's history through the ports: decision rows and outcome events from the ledger (the same
 * SQL on DuckDB locally and on Athena), opportunities from the outcome store of both CRMs.
 */
export async function readBacktestHistory(
  reader: LedgerReader,
  outcomes: OutcomeStore,
  period: { from: string; to: string },
): Promise<BacktestHistory> {
  const rows = await reader.query(BACKTEST_DECISIONS, [period.from, period.to]);
  const decisions = rows.map(({ copy_no: _copy, ...row }) => row as unknown as DecisionRecord);
  const outcomeEvents = (await reader.query(BACKTEST_OUTCOME_EVENTS, [
    period.from,
  ])) as unknown as OutcomeEventRow[];
  const opportunities = [...(await outcomes.list('salesforce')), ...(await outcomes.list('hubspot'))];
  return { period, decisions, outcomeEvents, opportunities };
}
