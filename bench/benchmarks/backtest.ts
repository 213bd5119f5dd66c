/**
 * `tossup backtest` over the demo's history (issue 15):
 * - backtest.secondsFor30kDecisions: wall time of `tossup backtest --rules <candidate> --since 90d`
 *   as a user runs it (a child process: start, open the ledger with DuckDB, read the 90 days'
 *   decisions with their facts and the outcome events, replay every decision through the current and
 *   the candidate rules at its own time, flips, load, precision/recall with intervals, the threshold
 *   sweeps, the text report) over 90 days of history built by the generator `npm start` uses
 *   (src/cli/commands/demo-history.ts), for 5,600 people: about 30,000 decisions (the demo's own
 *   3,000 people give ~16,000). The candidate is the `large` rule file
 *   with the behaviour threshold lowered from 40 to 30. Building the history is timed apart and not
 *   counted; the backtest runs BENCH_BACKTEST_RUNS times (default 3) and the median counts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulators } from '../../emulators/start-emulators.ts';
import { DEMO_AT } from '../../src/cli/commands/demo.ts';
import { buildDemoHistory } from '../../src/cli/commands/demo-history.ts';
import { loadCrmRunConfig } from '../../src/cli/crm-run-config.ts';
import { resolveSyncSettings } from '../../src/cli/settings.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { report } from '../figure.ts';

/** People in the generated world: the demo's history generator gives ~5.4 decisions a person over 90 days. */
const PEOPLE = Number(process.env.BENCH_BACKTEST_PEOPLE ?? 5600);
const RUNS = Number(process.env.BENCH_BACKTEST_RUNS ?? 3);
const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tossup-bench-backtest-'));
const load = () => loadavg()[0]?.toFixed(1) ?? '?';

try {
  const built = performance.now();
  // The demo's world and history, as `npm start` builds them (seed 1, its instant), for PEOPLE people.
  const emulators = await startEmulators({
    leads: PEOPLE,
    seed: 1,
    asOf: DEMO_AT,
    workDir: join(dir, 'work'),
  });
  let decisions = 0;
  let rows = 0;
  try {
    const config = loadCrmRunConfig(
      resolveSyncSettings({
        flags: { crm: 'salesforce' },
        env: { ...emulators.info.env, TOSSUP_RULES: 'large' },
        profileFiles: [],
      }),
    );
    const seeded = emulators.salesforce.seeded;
    if (!seeded) throw new Error('the Salesforce emulator seeded no world');
    const history = await buildDemoHistory({
      world: emulators.world,
      ids: { users: seeded.users, leads: seeded.leads, contacts: seeded.contacts },
      config,
      endMs: Date.parse(DEMO_AT),
    });
    await new FileLedger(join(dir, 'state')).append(history.records);
    decisions = history.decided;
    rows = history.records.length;
  } finally {
    await emulators.close();
  }
  const buildSeconds = (performance.now() - built) / 1000;

  const candidate = join(dir, 'candidate.yaml');
  const large = readFileSync(join(root, 'mappings/rules/large.yaml'), 'utf8');
  const lowered = large.replace(/^( {2}behaviour: )40$/m, '$130');
  if (lowered === large)
    throw new Error('mappings/rules/large.yaml has no top-level behaviour threshold of 40');
  writeFileSync(candidate, lowered);

  const seconds: number[] = [];
  const loads: string[] = [];
  let lines = 0;
  for (let i = 0; i < RUNS; i++) {
    loads.push(load());
    const started = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        'src/cli/main.ts',
        'backtest',
        '--rules',
        candidate,
        '--current',
        'large',
        '--since',
        '90d',
        '--until',
        DEMO_AT,
        '--state-dir',
        join(dir, 'state'),
        '--locale',
        'en',
      ],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
    );
    seconds.push((performance.now() - started) / 1000);
    if (r.status !== 0) throw new Error(`tossup backtest exited with ${r.status ?? r.signal}`);
    lines = r.stdout.split('\n').length;
  }
  loads.push(load());
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  report({
    name: 'backtest.secondsFor30kDecisions',
    value: median,
    unit: 's',
    note: `\`tossup backtest --rules <large with behaviour 30> --current large --since 90d\` as a child process (Node start, DuckDB open and read, replay of every decision through both rule sets at its own time, flips, load, precision/recall, threshold sweeps, a ${lines}-line text report) over the demo's 90-day history for ${PEOPLE.toLocaleString('en')} people: ${decisions.toLocaleString('en')} decisions, ${rows.toLocaleString('en')} ledger rows (built in ${buildSeconds.toFixed(0)} s, not counted); median of ${RUNS} (${seconds.map((s) => s.toFixed(1)).join(', ')} s); load averages ${loads.join(', ')}`,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
