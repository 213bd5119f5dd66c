/**
 * Runs every benchmark, each in its own Node process (clean heap, honest RSS), and writes
 * docs/benchmarks.md with the figures, their targets, the command and the machine.
 *
 *   npm run bench                 all benchmarks, writes docs/benchmarks.md
 *   npm run bench -- --json       same, and prints one JSON object of named figures as the last line
 *   npm run bench -- --only engine   benchmarks whose name starts with "engine"
 *   npm run bench -- --scale      only the scale curve (bench/scale.ts: 10k, 100k, 1M leads on each CRM;
 *                                 long), writes docs/scale-curve.md and .svg; `--sizes 10000,100000`, `--crm hubspot`
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Figure, parseFigures } from './figure.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
const scale = args.includes('--scale');

const dir = fileURLToPath(new URL('./benchmarks/', import.meta.url));
// The scale curve runs alone: it is not part of the default run (it takes long).
const files = scale
  ? [fileURLToPath(new URL('./scale.ts', import.meta.url))]
  : readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .filter((f) => !only || f.startsWith(only))
      .map((f) => `${dir}${f}`);
const childArgs = scale ? args.filter((a) => a !== '--scale' && a !== '--json') : [];

const figures: Figure[] = [];
const failures: string[] = [];
for (const file of files) {
  const name = file.slice(file.lastIndexOf('/') + 1);
  process.stderr.write(`bench: ${name} ...\n`);
  const started = Date.now();
  // A generous heap: the 1M-lead benchmarks hold the whole data set on purpose.
  const r = spawnSync(process.execPath, ['--max-old-space-size=12288', file, ...childArgs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    failures.push(`${name} exited with ${r.status ?? r.signal}`);
    continue;
  }
  const got = parseFigures(r.stdout);
  figures.push(...got);
  process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const cmd = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}, Node ${process.version}`;
const row = (f: Figure) =>
  `| \`${f.name}\` | ${fmt(f.value)} ${f.unit} | ${f.target ?? ''} | ${f.target ? (f.met ? 'yes' : '**no**') : ''} | ${f.note ?? ''} |`;
const md = [
  '# Benchmarks',
  '',
  `Produced by \`${cmd}\` on ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `Machine: ${machine}.`,
  '',
  'Each benchmark runs in its own process. Targets come from the issues; "met" compares the figure with the target.',
  '',
  '| figure | value | target | met | how it is measured |',
  '|---|---|---|---|---|',
  ...figures.map(row),
  '',
  ...(failures.length ? ['## Failed benchmarks', '', ...failures.map((f) => `- ${f}`), ''] : []),
].join('\n');
if (!only && !scale) writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), md);
else process.stderr.write('bench: --only or --scale given, docs/benchmarks.md left as it was\n');
process.stdout.write(`${md}\n`);
if (json)
  process.stdout.write(`${JSON.stringify(Object.fromEntries(figures.map((f) => [f.name, f.value])))}\n`);
if (failures.length) process.exitCode = 1;

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100);
}
