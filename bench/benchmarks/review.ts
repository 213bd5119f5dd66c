/**
 * The review over a month of 1M decisions (issue 15):
 * - review.secondsFor1MDecisions: wall time of the monthly and weekly review over the local ledger
 *   with DuckDB — opening the reader and running every query — for a month holding 1,000,000
 *   decision rows and their toss-ups' episode events, after `tossup ledger compact` turned the day
 *   partitions into Parquet (docs/ledger.md, "Compaction").
 * - review.secondsFor1MDecisionsJsonl: the same over the JSON Lines as appended (no compaction).
 * - ledger.compactSecondsFor1MDecisions: `tossup ledger compact` over that month (every partition).
 * - ledger.parquetBytesPerDecision: bytes on disk per decision row once compacted (facts included).
 * - review.peakRssMb: peak RSS of the process that ran the review over the compacted ledger.
 * The ledger is written in the real on-disk format (FileLedger's JSON Lines partitions) by
 * bench/support/review-ledger.ts; that generation is timed apart and not counted. Each measured step
 * runs in a child process of its own (clean heap, honest RSS); the two reviews run BENCH_REVIEW_RUNS
 * times (default 3) in turn and their medians are the figures (the bench machine is shared).
 *
 * BENCH_REVIEW_DECISIONS changes the size; BENCH_REVIEW_STATE_DIR keeps the generated ledger there
 * (and reuses it when it already holds one) instead of a temporary directory removed at the end.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from '../figure.ts';
import { type ReviewLedgerStats, writeReviewLedger } from '../support/review-ledger.ts';

const DECISIONS = Number(process.env.BENCH_REVIEW_DECISIONS ?? 1_000_000);
const MONTH = '2026-11';
const WEEK = '2026-11-09';
const kept = process.env.BENCH_REVIEW_STATE_DIR;
const jsonlDir = kept ?? mkdtempSync(join(tmpdir(), 'tossup-bench-review-'));
const compactDir = mkdtempSync(join(tmpdir(), 'tossup-bench-review-compact-'));
const load = () => loadavg()[0]?.toFixed(1);
const RUNS = Number(process.env.BENCH_REVIEW_RUNS ?? 3);

interface Timed {
  seconds: number;
  /** CPU time of all the child's threads: comparable across loads, unlike the wall time. */
  cpuSeconds: number;
  maxRssMb: number;
  what: string;
  /** Milliseconds per step. */
  steps: Record<string, number>;
}

try {
  // What the generator wrote, kept next to a kept ledger so a rerun can say it.
  const statsFile = join(jsonlDir, 'bench-ledger.json');
  let generated: ReviewLedgerStats | undefined;
  if (!kept || !existsSync(join(jsonlDir, 'ledger'))) {
    generated = await writeReviewLedger(jsonlDir, { decisions: DECISIONS, month: MONTH, seed: 15 });
    writeFileSync(statsFile, JSON.stringify(generated));
    process.stderr.write(`review: generated ${JSON.stringify(generated)}\n`);
  } else if (existsSync(statsFile)) {
    generated = JSON.parse(readFileSync(statsFile, 'utf8')) as ReviewLedgerStats;
  }
  const ledger = generated
    ? `${generated.decisions.toLocaleString('en')} decisions of ${MONTH} (${generated.tossups.toLocaleString('en')} toss-ups) and ${generated.events.toLocaleString('en')} episode events (outcome store: ${generated.outcomes.toLocaleString('en')} opportunities, ${generated.outcomesWithoutTossUp.toLocaleString('en')} without toss-up), ${generated.files.toLocaleString('en')} JSONL files, ${(generated.bytes / 2 ** 30).toFixed(2)} GiB, generated in ${generated.seconds.toFixed(0)} s (not counted)`
    : 'the ledger kept in BENCH_REVIEW_STATE_DIR';

  for (const sub of ['ledger', 'outcomes'])
    cpSync(join(jsonlDir, sub), join(compactDir, sub), { recursive: true });
  const compactLoad = load();
  const started = performance.now();
  node(['src/cli/main.ts', 'ledger', 'compact', '--state-dir', compactDir, '--before', '2100-01-01']);
  const compactSeconds = (performance.now() - started) / 1000;
  const decisionParquet = bytesUnder(join(compactDir, 'ledger', 'decisions'));

  // The machine is shared: each review runs RUNS times, the two kinds in turn, and the median counts.
  const runs: { jsonl: Timed[]; compacted: Timed[]; loads: string[] } = {
    jsonl: [],
    compacted: [],
    loads: [],
  };
  for (let i = 0; i < RUNS; i++) {
    runs.loads.push(load() ?? '?');
    runs.jsonl.push(timeReview(jsonlDir));
    runs.loads.push(load() ?? '?');
    runs.compacted.push(timeReview(compactDir));
  }
  runs.loads.push(load() ?? '?');
  const jsonl = median(runs.jsonl);
  const compacted = median(runs.compacted);
  const spread = (list: Timed[]) =>
    `median of ${list.length} (${list.map((t) => t.seconds.toFixed(1)).join(', ')} s; CPU time of all threads ${list.map((t) => t.cpuSeconds.toFixed(1)).join(', ')} s)`;

  report({
    name: 'review.secondsFor1MDecisions',
    value: compacted.seconds,
    unit: 's',
    target: '<= 5',
    note: `${compacted.what} over ${ledger}, compacted into Parquet (\`tossup ledger compact\`); one process, files in the page cache; ${spread(runs.compacted)}, the median run's steps in ms ${JSON.stringify(compacted.steps)}; load averages ${runs.loads.join(', ')} around the runs`,
  });
  report({
    name: 'review.secondsFor1MDecisionsJsonl',
    value: jsonl.seconds,
    unit: 's',
    note: `the same over the JSON Lines as appended, no compaction (the reader parses the month's lines, facts included, once); ${spread(runs.jsonl)}, the median run's steps in ms ${JSON.stringify(jsonl.steps)}`,
  });
  report({
    name: 'ledger.compactSecondsFor1MDecisions',
    value: compactSeconds,
    unit: 's',
    note: `\`tossup ledger compact\` over every partition of that ledger (a child process, DuckDB); run daily it rewrites one day at a time; load average ${compactLoad}`,
  });
  report({
    name: 'ledger.parquetBytesPerDecision',
    value: Math.round(decisionParquet / (generated?.decisions ?? DECISIONS)),
    unit: 'bytes',
    note: `decision rows once compacted (Parquet, zstd, facts included): ${(decisionParquet / 2 ** 20).toFixed(0)} MiB for the month`,
  });
  report({
    name: 'review.peakRssMb',
    value: compacted.maxRssMb,
    unit: 'MB',
    note: `peak RSS of the process that ran the median review over the compacted ledger (Node + DuckDB); over the JSON Lines ${jsonl.maxRssMb.toFixed(0)} MB`,
  });
} finally {
  if (!kept) rmSync(jsonlDir, { recursive: true, force: true });
  rmSync(compactDir, { recursive: true, force: true });
}

function median(list: Timed[]): Timed {
  const sorted = [...list].sort((a, b) => a.seconds - b.seconds);
  const m = sorted[Math.floor(sorted.length / 2)];
  if (!m) throw new Error('no run timed');
  return m;
}

function timeReview(stateDir: string): Timed {
  const out = node([
    fileURLToPath(new URL('../support/time-review.ts', import.meta.url)),
    stateDir,
    MONTH,
    WEEK,
  ]);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Timed;
}

function node(args: string[]): string {
  const r = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
  });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

function bytesUnder(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}
