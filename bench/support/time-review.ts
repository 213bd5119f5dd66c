/**
 * Child process of bench/benchmarks/review.ts: times the review over a ledger already on disk and
 * prints one JSON line `{seconds, cpuSeconds, maxRssMb, what, steps, queries}`. A process of its own, so its peak
 * RSS is the review's (the generator's heap is not in it).
 *
 * The review as `tossup review` would run it for the month and for a week of it: the rule file's
 * thresholds, routing.yaml's capacities, sla.yaml's calendar and the outcome store read from the
 * state directory, then `buildReview` over the DuckDB reader for each period, each rendered to HTML.
 *
 *   node bench/support/time-review.ts <state dir> <month YYYY-MM> <week: a date of it, YYYY-MM-DD>
 */
import { readFileSync } from 'node:fs';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import * as queries from '../../src/ledger/ledger-queries.ts';
import type { LedgerReader } from '../../src/ports/ledger.ts';
import { buildReview } from '../../src/review/build-review.ts';
import { renderReviewHtml } from '../../src/review/render-review-html.ts';
import { monthPeriod, weekPeriod } from '../../src/review/review-period.ts';
import { REVIEW_UNREAD_COLUMNS } from '../../src/review/review-unread-columns.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { FileOutcomeStore } from '../../src/state/file-outcome-store.ts';

const [stateDir, month, weekDay] = process.argv.slice(2);
if (!stateDir || !month || !weekDay)
  throw new Error('usage: time-review.ts <state dir> <YYYY-MM> <YYYY-MM-DD>');
const TZ = 'Asia/Tokyo';

const started = performance.now();
const steps: Record<string, number> = {};
const step = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
  const t = performance.now();
  const r = await f();
  steps[name] = Math.round(performance.now() - t);
  return r;
};

const { thresholds, capacities, sla } = await step('config', () => {
  const routing = parseRoutingConfig(readFileSync('mappings/routing.yaml', 'utf8'));
  return {
    thresholds: loadRuleSet('large').thresholds,
    capacities: new Map(
      routing.reps.map((r) => [r.key, r.dailyCapacity ?? routing.defaults.dailyCapacity ?? null] as const),
    ),
    sla: parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8')),
  };
});
// As `tossup review` does (src/cli/commands/review.ts): DuckDB loads the ledger on its threads while
// this one reads the outcome store.
const [duck, outcomes] = await step('open reader + outcomes', async () => {
  const opening = DuckDbLedgerReader.open(stateDir, { inMemory: { omit: REVIEW_UNREAD_COLUMNS } });
  const store = new FileOutcomeStore(stateDir);
  const read = [...(await store.list('salesforce')), ...(await store.list('hubspot'))];
  return [await opening, read] as const;
});
/** Milliseconds per query (by its export name in ledger-queries.ts) and how many times it ran. */
const byQuery: Record<string, { ms: number; runs: number }> = {};
const names = new Map<unknown, string>(Object.entries(queries).map(([k, v]) => [v, k]));
const reader: LedgerReader = {
  async query(q, params) {
    const t = performance.now();
    const rows = await duck.query(q, params);
    const name = names.get(q) ?? 'other';
    const entry = byQuery[name] ?? { ms: 0, runs: 0 };
    entry.ms += performance.now() - t;
    entry.runs++;
    byQuery[name] = entry;
    return rows;
  },
  close: () => duck.close(),
};
let html = 0;
try {
  const monthly = monthPeriod(month, TZ);
  const asOfMonth = new Date(monthly.to);
  const m = await step('monthly review', () =>
    buildReview(reader, monthly, { asOf: asOfMonth, thresholds, capacities, sla, outcomes }),
  );
  const weekly = weekPeriod(weekDay, asOfMonth, TZ);
  const asOfWeek = new Date(weekly.to);
  const w = await step('weekly review', () =>
    buildReview(reader, weekly, { asOf: asOfWeek, thresholds, capacities, sla, outcomes }),
  );
  html = await step('render html', () => renderReviewHtml(m, 'ja').length + renderReviewHtml(w, 'ja').length);
} finally {
  reader.close();
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    seconds,
    // CPU time of every thread (Node and DuckDB's): what the review costs whatever else the machine runs.
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    what: `buildReview for the month and for a week of it (as of each period's end, with the outcome store's ${outcomes.length.toLocaleString('en')} opportunities), both rendered to HTML (${(html / 1024).toFixed(0)} KiB)`,
    steps,
    queries: Object.fromEntries(
      Object.entries(byQuery)
        .sort(([, a], [, b]) => b.ms - a.ms)
        .map(([k, v]) => [k, v.runs === 1 ? Math.round(v.ms) : `${Math.round(v.ms)} (${v.runs} runs)`]),
    ),
  })}\n`,
);
