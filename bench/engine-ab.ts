/**
 * A/B of the engine's two decide paths in one process, interleaved: the generic interpreter
 * (`decideGeneric`) and the rule set's specialised function (`decide`), over the engine bench's
 * leads (large preset, seed 11), in chunks of 50,000 leads, each chunk decided by A then B or B then
 * A (alternating), for a number of rounds; decisions per CPU second of the process for each. Not a
 * figure of `npm run bench` (that is `engine.decisionsPerSec`): the comparison behind a change.
 *
 *   node bench/engine-ab.ts [leads=1000000] [rounds=2]
 */
import { loadavg } from 'node:os';
import { loadRuleSet } from '../src/config/load-rule-set.ts';
import type { Lead } from '../src/domain/lead.ts';
import { compileRuleSet } from '../src/scoring/compile-rule-set.ts';
import { decide, decideGeneric } from '../src/scoring/decide.ts';
import { generatedLeads } from './support/generated-leads.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const CHUNK = 50_000;
const NOW = Date.parse('2026-11-20T18:00:00+09:00');

const rules = compileRuleSet(loadRuleSet('large'));
const leads: Lead[] = [];
for (const lead of generatedLeads(N, 11, '2026-11-20T09:00:00.000Z')) leads.push(lead);

const paths = { generic: decideGeneric, specialised: decide } as const;
const cpu = { generic: 0, specialised: 0 };
const yes = { generic: 0, specialised: 0 };

for (const name of ['generic', 'specialised'] as const) {
  for (let i = 0; i < Math.min(100_000, leads.length); i++) paths[name](leads[i]!, rules, NOW); // JIT warm-up
}
const load = loadavg()[0]!;
let turn = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (let from = 0; from < leads.length; from += CHUNK) {
    const order =
      turn++ % 2 === 0 ? (['generic', 'specialised'] as const) : (['specialised', 'generic'] as const);
    for (const name of order) {
      const fn = paths[name];
      const to = Math.min(leads.length, from + CHUNK);
      const c0 = process.cpuUsage();
      let y = 0;
      for (let i = from; i < to; i++) if (fn(leads[i]!, rules, NOW).flag === 'yes') y++;
      const d = process.cpuUsage(c0);
      cpu[name] += (d.user + d.system) / 1e6;
      yes[name] += y;
    }
  }
}
const rate = (name: keyof typeof cpu) => Math.round((leads.length * ROUNDS) / cpu[name]);
console.log(
  JSON.stringify({
    leads: leads.length,
    rounds: ROUNDS,
    loadAverage: Number(load.toFixed(1)),
    genericPerCpuSecond: rate('generic'),
    specialisedPerCpuSecond: rate('specialised'),
    ratio: Number((rate('specialised') / rate('generic')).toFixed(3)),
    toss: yes,
  }),
);
