/**
 * The review over a month of 1M decisions (issue 15):
 * - review.secondsFor1MDecisions: wall time of the monthly and weekly review over the local ledger
 *   with DuckDB — opening the reader and running every query — for a month holding 1,000,000
 *   decision rows and their toss-ups' episode events, in the real on-disk format (FileLedger's JSON
 *   Lines partitions, written by bench/support/review-ledger.ts; that generation is timed apart and
 *   not counted).
 * - review.peakRssMb: peak RSS of the process that ran the review (a child of its own).
 *
 * BENCH_REVIEW_DECISIONS changes the size; BENCH_REVIEW_STATE_DIR keeps the generated ledger there
 * (and reuses it when it already holds one) instead of a temporary directory removed at the end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from '../figure.ts';
import { type ReviewLedgerStats, writeReviewLedger } from '../support/review-ledger.ts';

const DECISIONS = Number(process.env.BENCH_REVIEW_DECISIONS ?? 1_000_000);
const MONTH = '2026-11';
const WEEK = '2026-11-09';
const kept = process.env.BENCH_REVIEW_STATE_DIR;
const stateDir = kept ?? mkdtempSync(join(tmpdir(), 'tossup-bench-review-'));
try {
  let generated: ReviewLedgerStats | undefined;
  if (!kept || !existsSync(join(stateDir, 'ledger'))) {
    generated = await writeReviewLedger(stateDir, { decisions: DECISIONS, month: MONTH, seed: 15 });
    process.stderr.write(`review: generated ${JSON.stringify(generated)}\n`);
  }
  const load = loadavg()[0]?.toFixed(1);
  const child = fileURLToPath(new URL('../support/time-review.ts', import.meta.url));
  const r = spawnSync(process.execPath, [child, stateDir, MONTH, WEEK], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`time-review.ts exited with ${r.status ?? r.signal}`);
  const timed = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    seconds: number;
    maxRssMb: number;
    rows: number;
    what: string;
  };
  const ledger = generated
    ? `${generated.decisions.toLocaleString('en')} decisions of ${MONTH} (${generated.tossups.toLocaleString('en')} toss-ups) and ${generated.events.toLocaleString('en')} episode events, ${generated.files.toLocaleString('en')} JSONL files, ${(generated.bytes / 2 ** 30).toFixed(2)} GiB, generated in ${generated.seconds.toFixed(0)} s (not counted)`
    : `the ledger kept in BENCH_REVIEW_STATE_DIR`;
  report({
    name: 'review.secondsFor1MDecisions',
    value: timed.seconds,
    unit: 's',
    target: '<= 5',
    note: `${timed.what} over ${ledger}; open the DuckDB reader + every query, one process, files in the page cache; load average ${load} at the start`,
  });
  report({
    name: 'review.peakRssMb',
    value: timed.maxRssMb,
    unit: 'MB',
    note: 'peak RSS of the process that ran the review above (Node + DuckDB)',
  });
} finally {
  if (!kept) rmSync(stateDir, { recursive: true, force: true });
}
