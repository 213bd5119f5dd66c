/**
 * Child process of bench/benchmarks/review.ts: times the review over a ledger already on disk and
 * prints one JSON line `{seconds, maxRssMb, rows}`. A process of its own, so its peak RSS is the
 * review's (the generator's heap is not in it).
 *
 *   node bench/support/time-review.ts <state dir> <month YYYY-MM> <week start YYYY-MM-DD>
 */

import {
  OPPORTUNITY_RATE_BY_ANY_REASON,
  OPPORTUNITY_RATE_BY_REASON,
  RESPONSE_BY_NEXT_ACTION,
  RESPONSE_BY_REP,
} from '../../src/ledger/ledger-queries.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';

const [stateDir, month, weekStart] = process.argv.slice(2);
if (!stateDir || !month || !weekStart)
  throw new Error('usage: time-review.ts <state dir> <YYYY-MM> <YYYY-MM-DD>');
const monthFrom = `${month}-01T00:00:00.000Z`;
const next = new Date(monthFrom);
next.setUTCMonth(next.getUTCMonth() + 1);
const monthTo = next.toISOString();
const weekFrom = `${weekStart}T00:00:00.000Z`;
const weekTo = new Date(Date.parse(weekFrom) + 7 * 86_400_000).toISOString();

const started = performance.now();
const reader = await DuckDbLedgerReader.open(stateDir);
let rows = 0;
try {
  for (const q of [
    OPPORTUNITY_RATE_BY_REASON,
    OPPORTUNITY_RATE_BY_ANY_REASON,
    RESPONSE_BY_REP,
    RESPONSE_BY_NEXT_ACTION,
  ])
    rows += (await reader.query(q, [monthFrom, monthTo])).length;
  for (const q of [RESPONSE_BY_REP, RESPONSE_BY_NEXT_ACTION])
    rows += (await reader.query(q, [weekFrom, weekTo])).length;
} finally {
  reader.close();
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, rows, what: 'the existing ledger queries (opportunity rate by reason and by any reason for the month, response by rep and by next action for the month and a week)' })}\n`,
);
