/**
 * CLI start-up figures (issue 11, commands load lazily):
 * - cli.scoreHelpStartupMs: wall time of `node src/cli/main.ts score --help` in a fresh process,
 *   median of several runs (Node start-up included: it is what the admin waits for).
 * - cli.scoreHelpModulesLoaded: files (not `node:` built-ins) that process loads, counted by the
 *   scripts/count-modules.ts preload; the emulators or a CRM SDK showing up here would be a regression.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { report } from '../figure.ts';

const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const HOOK = join(ROOT, 'scripts/count-modules.ts');
const ARGS = ['score', '--help'];

function run(extra: string[] = [], env: Record<string, string> = {}): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...extra, MAIN, ...ARGS], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`tossup ${ARGS.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return ms;
}

run(); // warm the file-system cache: the first run measures the disk, not the CLI
const times = Array.from({ length: RUNS }, () => run());
report({
  name: 'cli.scoreHelpStartupMs',
  value: median(times),
  unit: 'ms',
  note: `\`node src/cli/main.ts ${ARGS.join(' ')}\` in a fresh Node ${process.version} process, spawn to exit, median of ${RUNS} (min ${Math.min(...times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms)`,
});

const dir = mkdtempSync(join(tmpdir(), 'tossup-bench-cli-'));
try {
  const out = join(dir, 'modules.json');
  run(['--import', HOOK], { TOSSUP_MODULES_OUT: out });
  const files = (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((u) => u.startsWith('file:'));
  const count = (re: RegExp) => files.filter((u) => re.test(u)).length;
  report({
    name: 'cli.scoreHelpModulesLoaded',
    value: files.length,
    unit: 'modules',
    note: `files loaded by the same command (src ${count(/\/src\//)}, node_modules ${count(/\/node_modules\//)}, emulators ${count(/\/emulators\//)}, connectors ${count(/\/connectors\//)})`,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
