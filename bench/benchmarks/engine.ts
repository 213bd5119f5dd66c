/**
 * Engine figures (issue: decision engine):
 * - engine.decisionsPerSec: `decide` over 1M generated leads with the large preset, one thread;
 *   decisions per second of the process's CPU time (every thread, GC helpers included), so other
 *   work on a shared machine does not count; the wall-clock rate and the load average are in the note.
 * - engine.vsJsonRulesEngine: our speed / json-rules-engine's on the same leads and the same rules
 *   (CPU time of each, the same way).
 * - engine.peakRssMb1M: peak RSS of `tossup score` streaming a 1M-lead file.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide } from '../../src/scoring/decide.ts';
import { report } from '../figure.ts';
import { generatedLeadInputs, generatedLeads } from '../support/generated-leads.ts';
import { buildJsonRulesEngine } from '../support/json-rules-engine-large.ts';

const N = Number(process.env.BENCH_ENGINE_LEADS ?? 1_000_000);
const SEED = 11;
const AS_OF = '2026-11-20T09:00:00.000Z';
const NOW = Date.parse('2026-11-20T18:00:00+09:00');

const rs = loadRuleSet('large');
const rules = compileRuleSet(rs);

// 1) Throughput over N distinct leads held in memory.
const leads: Lead[] = [];
for (const lead of generatedLeads(N, SEED, AS_OF)) leads.push(lead);
for (let i = 0; i < Math.min(100_000, leads.length); i++) decide(leads[i]!, rules, NOW); // warm-up (JIT)
/** CPU seconds of this process (all threads) since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};
let yes = 0;
const load = loadavg()[0]!;
const t0 = performance.now();
const c0 = process.cpuUsage();
for (const lead of leads) if (decide(lead, rules, NOW).flag === 'yes') yes++;
const cpuSeconds = cpuSince(c0);
const seconds = (performance.now() - t0) / 1000;
report({
  name: 'engine.decisionsPerSec',
  value: leads.length / cpuSeconds,
  unit: 'decisions/s',
  target: '>= 1000000',
  note: `decide() with the large preset over ${leads.length.toLocaleString('en-US')} distinct generated leads in one thread (${yes.toLocaleString('en-US')} toss-ups), per CPU second of the process; wall clock ${Math.round(leads.length / seconds).toLocaleString('en-US')}/s at load average ${load.toFixed(1)}`,
});

// 2) Side by side with json-rules-engine on the same leads and rules.
const SAMPLE = Math.min(100_000, leads.length);
const jre = buildJsonRulesEngine(rs, NOW);
for (let i = 0; i < 5_000; i++) await jre.run(leads[i]!);
const j0 = process.cpuUsage();
let agree = 0;
for (let i = 0; i < SAMPLE; i++) {
  const flag = await jre.run(leads[i]!);
  if (flag === decide(leads[i]!, rules, NOW).flag) agree++;
}
const jreBoth = cpuSince(j0);
const o0 = process.cpuUsage();
for (let i = 0; i < SAMPLE; i++) decide(leads[i]!, rules, NOW);
const ours = cpuSince(o0);
const jreSeconds = jreBoth - ours;
report({
  name: 'engine.vsJsonRulesEngine',
  value: jreSeconds / ours,
  unit: '×',
  target: '>= 20',
  note: `same ${SAMPLE.toLocaleString('en-US')} leads and large-preset rules; json-rules-engine ${Math.round(SAMPLE / jreSeconds).toLocaleString('en-US')} leads/s vs ours ${Math.round(SAMPLE / ours).toLocaleString('en-US')}/s; flags agree on ${((agree / SAMPLE) * 100).toFixed(1)}% (differences: our three-valued hold for missing data)`,
});
leads.length = 0;

// 3) Peak RSS of the CLI streaming a 1M-lead file.
const dir = mkdtempSync(join(tmpdir(), 'tossup-bench-'));
const file = join(dir, 'leads.jsonl');
const out = createWriteStream(file);
for (const input of generatedLeadInputs(N, SEED, AS_OF)) {
  if (!out.write(`${JSON.stringify(input)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
}
await new Promise<void>((r) => out.end(() => r()));
const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const preload = fileURLToPath(new URL('../support/report-max-rss.ts', import.meta.url));
const started = performance.now();
const { rssKb, lines } = await new Promise<{ rssKb: number; lines: number }>((resolve, reject) => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      preload,
      cli,
      'score',
      '--rules',
      'large',
      '--input',
      file,
      '--at',
      new Date(NOW).toISOString(),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let count = 0;
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    for (const c of b) if (c === 10) count++;
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  child.on('error', reject);
  child.on('close', (code) => {
    const m = /MAX_RSS_KB (\d+)/.exec(err);
    if (code !== 0 || !m) reject(new Error(`tossup score failed (${code}): ${err.slice(-500)}`));
    else resolve({ rssKb: Number(m[1]), lines: count });
  });
});
rmSync(dir, { recursive: true, force: true });
report({
  name: 'engine.peakRssMb1M',
  value: rssKb / 1024,
  unit: 'MB',
  target: '<= 200',
  note: `\`tossup score --rules large\` streaming ${lines.toLocaleString('en-US')} leads from JSONL to stdout in ${((performance.now() - started) / 1000).toFixed(0)} s`,
});
