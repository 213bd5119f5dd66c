/**
 * The scale curve (issue 17), `npm run bench -- --scale [--sizes 10000,100000,1000000] [--crm hubspot]
 * [--emulator-only]`:
 * per CRM and size, a full backfill and then an incremental day (SCALE_DAY_SHARE of the people
 * changed by others) against the emulator, the emulator in one process (bench/scale/scale-emulator.ts)
 * and each sync in another (bench/scale/scale-sync.ts), so each one's peak RSS is its own. The
 * emulator enforces the CRM's real limits × FACTOR (declared in every figure) so a 1M-lead run
 * fits on the bench machine while every call is still made and counted; the rate bound is stated at
 * the real limits. Per size: calls against the minimum, wall time against the rate bound, peak RSS
 * of the sync and of the emulator, the state directory's size. Writes docs/scale-curve.svg (the
 * chart) and docs/scale-curve.md (the table), and prints the figures for bench/run.ts.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { report } from './figure.ts';
import { cliNodeFlags } from './scale/cli-node-flags.ts';
import { renderScaleChart } from './scale/scale-chart.ts';
import { REAL_LIMITS } from './scale/scale-limits.ts';
import {
  baseOf,
  mergeScaleEntries,
  readScaleEntries,
  type ScaleEntry,
  writeScaleEntries,
} from './scale/scale-results.ts';
import { type PhaseFigures, type ScaleRow, scaleTable } from './scale/scale-table.ts';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const SIZES = (arg('--sizes') ?? '10000,100000,1000000').split(',').map(Number);
const CRMS = (arg('--crm') ?? 'hubspot,salesforce').split(',') as ('hubspot' | 'salesforce')[];
/** The emulators' limits are the real ones × FACTOR (and so is the connector's own throttle). */
const FACTOR = Number(process.env.SCALE_FACTOR ?? 20);
const DAY_SHARE = 0.1;
/**
 * The sync process's V8 heap cap: the sync function's memory (infra/settings.yml `sync.memoryMb`,
 * 512 MB), so a sync that needs more heap than that fails here, visibly. The cap also sets how much
 * garbage V8 lets pile up: under a 2 GB cap (before 2026-12-03) it grew the old generation to ~4×
 * the live heap between full collections, which was most of the peak RSS (docs/benchmarks.md).
 */
const SYNC_HEAP_MB = Number(process.env.SCALE_SYNC_HEAP_MB ?? 512);
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

class Child {
  readonly process: ChildProcess;
  private readonly lines: AsyncIterator<string>;

  constructor(file: string, env: Record<string, string>, heapMb: number, nodeArgs: string[] = []) {
    this.process = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, ...nodeArgs, here(file)], {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    this.lines = createInterface({ input: this.process.stdout! })[Symbol.asyncIterator]();
  }

  async read<T>(): Promise<T> {
    for (;;) {
      const next = await this.lines.next();
      if (next.done) throw new Error('a scale child process ended without answering');
      // Node's own diagnostics (e.g. `--trace-gc` in SCALE_SYNC_NODE_ARGS) print to stdout too.
      if (!next.value.startsWith('{')) {
        process.stderr.write(`child: ${next.value}\n`);
        continue;
      }
      return JSON.parse(next.value) as T;
    }
  }

  async ask<T>(command: string): Promise<T> {
    this.process.stdin!.write(`${command}\n`);
    return this.read<T>();
  }
}

interface SyncResult {
  status: string;
  stop: unknown;
  counts: { leadsRead: number; written: number; tasksCreated: number; pages: number };
  failures: number;
  skips: number;
  calls: number;
  searchCalls: number;
  byEndpoint: Record<string, number>;
  minimum: number;
  wallSeconds: number;
  maxRssMb: number;
  memoryAtPeak?: unknown;
}

async function syncOnce(
  crm: string,
  env: Record<string, string>,
  offsetMs: number,
  phase: string,
): Promise<SyncResult> {
  // The Node flags `tossup sync` starts with (package.json's `tossup` script), then
  // SCALE_SYNC_NODE_ARGS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the sync alone, or
  // "--trace-gc" (each collection's heap before and after, on stderr) to see what its memory is.
  const nodeArgs = [
    ...cliNodeFlags(),
    ...(process.env.SCALE_SYNC_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const child = new Child(
    './scale/scale-sync.ts',
    {
      ...env,
      SCALE_CLOCK_OFFSET_MS: String(offsetMs),
      // One series file per sync process (bench/scale/memory-sampler.ts).
      ...(process.env.SCALE_SYNC_SAMPLE_FILE
        ? {
            SCALE_SYNC_SAMPLE_FILE: `${process.env.SCALE_SYNC_SAMPLE_FILE}.${crm}.${phase}.${Date.now()}.jsonl`,
          }
        : {}),
    },
    SYNC_HEAP_MB,
    nodeArgs,
  );
  const r = await child.read<SyncResult>();
  if (r.status !== 'completed') throw new Error(`${crm} ${phase} stopped: ${JSON.stringify(r.stop)}`);
  process.stderr.write(
    `scale: ${crm} ${phase}: ${JSON.stringify({ ...r.counts, failures: r.failures, skips: r.skips })} ${r.calls} calls (min ${r.minimum.toFixed(1)}) ${r.wallSeconds.toFixed(1)} s, RSS ${r.maxRssMb.toFixed(0)} MB ${JSON.stringify(r.byEndpoint)}${r.memoryAtPeak ? ` at the sampled peak ${JSON.stringify(r.memoryAtPeak)}` : ''}\n`,
  );
  return r;
}

/** Seconds the calls need at the CRM's real limits (HubSpot); Salesforce sets no per-second rate. */
function rateBoundSeconds(crm: string, r: SyncResult): number {
  if (crm !== 'hubspot') return 0;
  const l = REAL_LIMITS.hubspot;
  return Math.max(
    r.searchCalls / l.searchPerSecond,
    (r.calls - r.searchCalls) / (l.burst / (l.intervalMs / 1000)),
  );
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    // A file gone since the listing counts nothing: the sync, having answered, closes its databases
    // as it exits, which removes their WALs while this reads the directory.
    n += e.isDirectory() ? dirBytes(p) : (statSync(p, { throwIfNoEntry: false })?.size ?? 0);
  }
  return n;
}

async function measure(crm: 'hubspot' | 'salesforce', leads: number): Promise<ScaleRow> {
  const work = mkdtempSync(join(workRoot(), `scale-${crm}-${leads}-`));
  const stateDir = join(work, 'state');
  const emulator = new Child(
    './scale/scale-emulator.ts',
    {
      SCALE_CRM: crm,
      SCALE_LEADS: String(leads),
      SCALE_FACTOR: String(FACTOR),
      SCALE_DAY_SHARE: String(DAY_SHARE),
      SCALE_WORK_DIR: work,
    },
    16_384,
  );
  try {
    const ready = await emulator.read<{
      people: number;
      connection: unknown;
      routingFile: string;
      clockOffsetMs: number;
      seedSeconds: number;
    }>();
    process.stderr.write(`scale: ${crm} ${leads}: emulator seeded in ${ready.seedSeconds.toFixed(1)} s\n`);
    const env = {
      SCALE_CRM: crm,
      SCALE_FACTOR: String(FACTOR),
      SCALE_STATE_DIR: stateDir,
      SCALE_CONNECTION: JSON.stringify(ready.connection),
      SCALE_ROUTING_FILE: ready.routingFile,
    };
    const backfill = await syncOnce(crm, env, ready.clockOffsetMs, 'backfill');
    const day = await emulator.ask<{ changed: number; clockOffsetMs: number }>('day');
    const incremental = await syncOnce(crm, env, day.clockOffsetMs, `day (${day.changed} changed)`);
    const stats = await emulator.ask<{ maxRssMb: number }>('stats');
    const ledgerBytes = dirBytes(join(stateDir, 'ledger'));
    const stateBytes = dirBytes(stateDir) - ledgerBytes;
    return {
      crm,
      leads: ready.people,
      changed: day.changed,
      backfill: { ...backfill, rateBoundSeconds: rateBoundSeconds(crm, backfill) },
      day: { ...incremental, rateBoundSeconds: rateBoundSeconds(crm, incremental) },
      syncPeakRssMb: Math.max(backfill.maxRssMb, incremental.maxRssMb),
      emulatorPeakRssMb: stats.maxRssMb,
      stateMb: stateBytes / 2 ** 20,
      ledgerMb: ledgerBytes / 2 ** 20,
    };
  } finally {
    await emulator.ask('quit').catch(() => undefined);
    emulator.process.kill();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Where the state directories go: tmpfs when there is one. This machine's disk is a virtual disk
 * mounted with online discard, where every rename over a file (the state stores' atomic write) costs
 * a TRIM and the disk, not the sync, sets the pace; SCALE_WORK_ROOT overrides.
 */
function workRoot(): string {
  if (process.env.SCALE_WORK_ROOT) return process.env.SCALE_WORK_ROOT;
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

async function measureEmulator(crm: 'hubspot' | 'salesforce', leads: number): Promise<void> {
  const work = mkdtempSync(join(workRoot(), `scale-${crm}-${leads}-`));
  const emulator = new Child(
    './scale/scale-emulator.ts',
    { SCALE_CRM: crm, SCALE_LEADS: String(leads), SCALE_FACTOR: String(FACTOR), SCALE_WORK_DIR: work },
    16_384,
  );
  try {
    const ready = await emulator.read<{ people: number; seedSeconds: number }>();
    const stats = await emulator.ask<{ maxRssMb: number }>('stats');
    const key = `scale.${crm}${label(leads)}`;
    report({
      name: `${key}.emulatorPeakRssMb`,
      value: Math.round(stats.maxRssMb),
      unit: 'MB',
      note: `emulator only (--emulator-only): World of ${ready.people.toLocaleString('en-US')} people generated and seeded`,
    });
    report({
      name: `${key}.emulatorSeedSeconds`,
      value: round(ready.seedSeconds, 1),
      unit: 's',
      note: 'World generation and seeding, in the emulator process',
    });
  } finally {
    await emulator.ask('quit').catch(() => undefined);
    emulator.process.kill();
    rmSync(work, { recursive: true, force: true });
  }
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
const started = performance.now();
const loadAtStart = os.loadavg()[0]!;
if (args.includes('--emulator-only')) {
  // Only the emulators: World generation and seeding at each size, their time and peak RSS.
  for (const crm of CRMS) for (const leads of SIZES) await measureEmulator(crm, leads);
  process.exit(0);
}
const rows: ScaleRow[] = [];
for (const crm of CRMS) for (const leads of SIZES) rows.push(await measure(crm, leads));
const totalSeconds = (performance.now() - started) / 1000;

const ROWS_FILE = new URL('../docs/scale-rows.json', import.meta.url);
const thisRun = {
  command: `npm run bench -- --scale${args.length ? ` ${args.join(' ')}` : ''}`,
  date: new Date().toISOString().slice(0, 10),
  commit: gitCommit(),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}`,
  factor: FACTOR,
  dayShare: DAY_SHARE,
  syncHeapMb: SYNC_HEAP_MB,
  totalSeconds,
  load: [loadAtStart, os.loadavg()[0]!] as const,
};
const entries = mergeScaleEntries(
  readScaleEntries(ROWS_FILE),
  rows.map((row): ScaleEntry => ({ row, run: thisRun })),
);

for (const r of rows) {
  const key = `scale.${r.crm}${label(r.leads)}`;
  const is1M = r.leads >= 1_000_000;
  // Flat: against the smallest size of the CRM measured, in this run or kept from an earlier one.
  const base = baseOf(entries, r);
  const flat = base ? r.syncPeakRssMb / base.row.syncPeakRssMb : 1;
  const baseWhen = base && base.run !== thisRun ? ` (measured ${base.run.date})` : '';
  report({
    name: `${key}.callsVsMinimum`,
    value: round(r.day.calls / r.day.minimum, 3),
    unit: '×',
    ...(is1M ? { target: '<= 1.05' } : {}),
    note: `incremental day (${r.changed.toLocaleString('en-US')} of ${r.leads.toLocaleString('en-US')} people changed): ${r.day.calls} calls / minimum ${r.day.minimum.toFixed(1)}`,
  });
  report({
    name: `${key}.backfillCallsVsMinimum`,
    value: round(r.backfill.calls / r.backfill.minimum, 3),
    unit: '×',
    note: `full backfill: ${r.backfill.calls} calls / minimum ${r.backfill.minimum.toFixed(1)}`,
  });
  report({
    name: `${key}.syncPeakRssMb`,
    value: Math.round(r.syncPeakRssMb),
    unit: 'MB',
    ...(is1M ? { target: '<= 300' } : {}),
    note: `peak RSS of the sync process (backfill or day, the larger; V8 heap capped at ${SYNC_HEAP_MB} MB); ${flat.toFixed(2)}× the ${base ? label(base.row.leads) : label(r.leads)} figure${baseWhen}`,
  });
  report({
    name: `${key}.emulatorPeakRssMb`,
    value: Math.round(r.emulatorPeakRssMb),
    unit: 'MB',
    note: 'peak RSS of the emulator process (World generation and seeding included)',
  });
  report({
    name: `${key}.stateMb`,
    value: round(r.stateMb, 1),
    unit: 'MB',
    note: `state directory after both runs, ledger apart (${r.ledgerMb.toFixed(1)} MB of JSON Lines)`,
  });
  report({
    name: `${key}.backfillWallSeconds`,
    value: round(r.backfill.wallSeconds, 1),
    unit: 's',
    note: boundNote(r.crm, r.backfill),
  });
  report({
    name: `${key}.dayWallSeconds`,
    value: round(r.day.wallSeconds, 1),
    unit: 's',
    note: boundNote(r.crm, r.day),
  });
}
report({
  name: 'scale.runSeconds',
  value: Math.round(totalSeconds),
  unit: 's',
  note: `the whole --scale run (sizes ${SIZES.join(', ')}; ${CRMS.join(', ')}), limits × ${FACTOR}`,
});

writeScaleEntries(ROWS_FILE, entries);
writeFileSync(
  new URL('../docs/scale-curve.svg', import.meta.url),
  renderScaleChart(entries.map((e) => e.row)),
);
writeFileSync(new URL('../docs/scale-curve.md', import.meta.url), scaleTable(entries));

function gitCommit(): string | null {
  const out = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : null;
}

function boundNote(crm: string, r: PhaseFigures): string {
  if (crm === 'hubspot')
    return `rate bound at the real limits (search ${REAL_LIMITS.hubspot.searchPerSecond}/s, ${REAL_LIMITS.hubspot.burst}/10 s) ${r.rateBoundSeconds.toFixed(0)} s; at the run's limits × ${FACTOR} ${(r.rateBoundSeconds / FACTOR).toFixed(1)} s`;
  return `no per-second limit on Salesforce: ${r.calls} calls are ${((100 * r.calls) / REAL_LIMITS.salesforce.dailyApiAllowance).toFixed(2)}% of a ${REAL_LIMITS.salesforce.dailyApiAllowance.toLocaleString('en-US')}-call daily allowance`;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
