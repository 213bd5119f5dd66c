import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CRMS, type Crm, FaultLab } from './lab.ts';
import { runScenario, type ScenarioResult, scenarios } from './scenarios.ts';

/**
 * `npm run test:faults [-- options]`: the fault suite (docs/reliability.md). Every scenario runs
 * `tossup sync` as a child process against a fresh emulator, then a clean run, then the verifier;
 * prints one row per scenario and CRM and exits 1 when any duplicate, mismatch, unwritten lead or
 * missing task remains, or a run under fault ended in an undocumented way.
 *
 *   --crm salesforce|hubspot   one CRM only (default both)
 *   --leads N                  people in the seeded world (default 1000)
 *   --seed N                   world seed (default 1)
 *   --only a,b                 only these scenarios (baseline always runs)
 *   --quick                    the reduced set CI runs (one kill each side of the task call, one 5xx storm)
 *   --no-long                  skip the 60-second storms and the timeout scenario
 *   --long-seconds N           length of the long storms (default 60)
 *   --json FILE                also write the results as JSON
 *   --keep                     keep the work directory (state, run reports, verifier files)
 */

const { values } = parseArgs({
  options: {
    crm: { type: 'string' },
    leads: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-long': { type: 'boolean', default: false },
    'long-seconds': { type: 'string', default: '60' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const crms: readonly Crm[] = values.crm ? [values.crm as Crm] : CRMS;
if (!crms.every((c) => CRMS.includes(c))) {
  process.stderr.write(`--crm must be salesforce or hubspot\n`);
  process.exit(2);
}
const leads = Number(values.leads);
const seed = Number(values.seed);
const longSeconds = Number(values['long-seconds']);
const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : null;
const workDir = mkdtempSync(join(tmpdir(), 'tossup-faults-'));
const started = new Date();

const all = scenarios({ leads, quick: values.quick, long: !values['no-long'], longSeconds });
const chosen = all.filter((s) => s.group === 'baseline' || !only || only.has(s.name));
const lab = new FaultLab({ leads, seed, workDir });
process.stderr.write(
  `fault suite: ${leads} people per CRM (seed ${seed}), ${chosen.length} scenarios × ${crms.length} CRM(s), work dir ${workDir}\n`,
);

const results: ScenarioResult[] = [];
const baselineCalls = new Map<Crm, number>();
const report = (r: ScenarioResult) => {
  results.push(r);
  const v = r.verdict;
  process.stderr.write(
    `${r.ok ? 'ok  ' : 'FAIL'} ${r.crm.padEnd(10)} ${r.name.padEnd(24)} dup ${v.duplicates} mismatch ${v.mismatches} unwritten ${v.unwritten} missing-tasks ${v.missingTasks} calls ${r.calls} (+${r.extraCalls}) ${(r.ms / 1000).toFixed(1)} s\n`,
  );
  for (const n of r.notes) process.stderr.write(`       (${n})\n`);
  for (const f of r.failures) process.stderr.write(`       ${f}\n`);
  for (const e of r.ok ? [] : v.examples) process.stderr.write(`       e.g. ${e}\n`);
};

for (const crm of crms) {
  for (const s of chosen.filter((x) => x.group !== 'long')) {
    const r = await runScenario(lab, crm, s, baselineCalls.get(crm) ?? null);
    if (s.group === 'baseline') baselineCalls.set(crm, r.calls);
    report(r);
  }
}
// The long storms mostly wait on the clock: run them side by side.
const long = chosen.filter((x) => x.group === 'long');
if (long.length) {
  const pending = crms.flatMap((crm) =>
    long.map((s) => runScenario(lab, crm, s, baselineCalls.get(crm) ?? null)),
  );
  for (const r of await Promise.all(pending)) report(r);
}

const failed = results.filter((r) => !r.ok);
const totals = results.reduce(
  (t, r) => ({
    duplicates: t.duplicates + r.verdict.duplicates,
    mismatches: t.mismatches + r.verdict.mismatches,
    unwritten: t.unwritten + r.verdict.unwritten,
    missingTasks: t.missingTasks + r.verdict.missingTasks,
    extraCalls: t.extraCalls + r.extraCalls,
  }),
  { duplicates: 0, mismatches: 0, unwritten: 0, missingTasks: 0, extraCalls: 0 },
);
process.stdout.write(`\n${markdownTable(results)}\n`);
process.stdout.write(
  `\ntotal: duplicates ${totals.duplicates}, mismatches ${totals.mismatches}, unwritten leads ${totals.unwritten}, missing tasks ${totals.missingTasks}, extra calls ${totals.extraCalls}\n`,
);
process.stdout.write(
  `${results.length - failed.length}/${results.length} scenarios passed in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s (${started.toISOString()}, ${cpus().length} cores, node ${process.version})\n`,
);
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ startedAt: started.toISOString(), leads, seed, node: process.version, cores: cpus().length, totals, results }, null, 2)}\n`,
  );
}
if (!values.keep) rmSync(workDir, { recursive: true, force: true });
process.exitCode = failed.length ? 1 : 0;

function markdownTable(rs: readonly ScenarioResult[]): string {
  const head =
    '| scenario | CRM | runs under fault (exit) | clean run | duplicates | mismatches | unwritten | missing tasks | calls (extra) | result |';
  const sep = '|---|---|---|---|---|---|---|---|---|---|';
  const rows = rs.map((r) => {
    const v = r.verdict;
    const notes = r.notes.length ? ` (${r.notes.join('; ')})` : '';
    const why = r.ok ? `ok${notes}` : `**FAIL**: ${r.failures.join('; ').replaceAll('|', '/')}${notes}`;
    return `| ${r.name} | ${r.crm} | ${r.faultExits.join(', ') || '-'} | ${r.cleanExit} | ${v.duplicates} | ${v.mismatches} | ${v.unwritten} | ${v.missingTasks} | ${r.calls} (+${r.extraCalls}) | ${why} |`;
  });
  return [head, sep, ...rows].join('\n');
}
