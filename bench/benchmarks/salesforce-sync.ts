/**
 * Salesforce connector figures (issue: Salesforce connector, API efficiency):
 * - salesforce.leads: leads handed to the pipeline by one incremental sync of a seeded org.
 * - salesforce.apiCalls: calls that count against the org's daily allowance (Sforce-Limit-Info),
 *   retries and describe included; token and versions calls are not counted by Salesforce.
 * - salesforce.minimumCalls: reads N/2000 + updates N/200 + tasks K/200.
 * - salesforce.callsVsMinimum: apiCalls / minimumCalls (target ≤ 1.02, issue 17).
 * - salesforce.secondRunCalls: the next run with nothing changed by anyone else: our writes moved
 *   SystemModstamp, but incremental reads leave out what the integration user modified last
 *   (connectors/salesforce/BEHAVIOR.md "No echo"), so it reads nothing and writes nothing.
 *
 * Real jsforce against the emulator on loopback, through the pipeline's runSync (decide, route,
 * SLA, tasks before fields, cursor commits). BENCH_SF_LEADS overrides the org size, BENCH_SF_SEED the world.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import { allowanceCalls } from '../../connectors/salesforce/usage-meter.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { routingYamlForWorld } from '../../emulators/world-routing.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import { cursorKey, runSync } from '../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { report } from '../figure.ts';

for (const key of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[key];

const PEOPLE = Number(process.env.BENCH_SF_LEADS ?? 22_000);
const AS_OF = '2026-11-20T00:00:00.000Z';
const RUN_AT = '2026-11-20T01:00:00.000Z';

const world = generateWorld({ seed: Number(process.env.BENCH_SF_SEED ?? 20), leads: PEOPLE, asOf: AS_OF });
// Bulk query jobs take processing time, as a real org's do, instead of answering InProgress to a
// fixed number of status checks: 1 s plus 50 ms per 1,000 rows selected (a model — Salesforce
// publishes no processing rate; the apiCalls note states it). The connector waits its default interval
// per job before asking for results, and polls only a job that answers 412 JOB_NOT_COMPLETE.
const BULK_MIN_MS = 1_000;
const BULK_MS_PER_1000_ROWS = 50;
const sf = await startSalesforceEmulator({
  world,
  dailyApiAllowance: 1_000_000,
  bulk: { pollsUntilComplete: 0, minDurationMs: BULK_MIN_MS, msPerThousandRows: BULK_MS_PER_1000_ROWS },
});
sf.clock.pin(RUN_AT);
const routing = parseRoutingConfig(
  routingYamlForWorld(world, {
    salesforceUsers: sf.seeded!.users,
    salesforceQueues: sf.seeded!.queues,
    hubspotOwners: new Map(world.users.map((u, i) => [u.key, String(90_000_000 + i)])),
  }),
  'routing.yaml',
  { crm: 'salesforce' },
);
const clock = fixedClock(RUN_AT);
const state = new MemoryStateStore({ clock });

// An incremental run: the stored cursor sits where ~20,000 persons changed after it, so the run
// also meets campaign responses of persons that did not change (re-read by id).
const stamps = [...sf.store.all('Lead'), ...sf.store.all('Contact')]
  .map((r) => r.SystemModstamp as number)
  .sort((a, b) => a - b);
const cursorAt = stamps[Math.max(0, stamps.length - 20_000)]!;
await state.putCursor(
  cursorKey('salesforce', 'bench'),
  { modifiedAt: new Date(cursorAt).toISOString(), idsAtModifiedAt: [] },
  null,
);

const c = sf.credentials;
const connector = await createSalesforceConnector(
  {
    loginUrl: sf.loginUrl,
    auth: {
      flow: 'password',
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      username: c.username,
      password: c.password,
    },
  },
  { now: () => sf.clock.now() },
);
const options = {
  connector,
  rules: loadCompiledRuleSet('large'),
  renderer: new ReasonRenderer('ja'),
  routing,
  sla: parseSlaConfig(readFileSync(new URL('../../mappings/sla.yaml', import.meta.url), 'utf8')),
  state,
  routingState: new MemoryRoutingState(),
  clock,
  scope: 'bench',
};

const usedBefore = sf.allowance.used(sf.clock.now());
const t0 = performance.now();
const first = await runSync(options);
const seconds = (performance.now() - t0) / 1000;
const calls1 = { ...connector.usage().calls };
const apiCalls = allowanceCalls(calls1);
const orgCounted = sf.allowance.used(sf.clock.now()) - usedBefore;
const n = first.counts.leadsRead;
const k = first.counts.tasksCreated;
const minimum = n / 2000 + n / 200 + k / 200;
if (first.status !== 'completed') {
  process.stderr.write(`salesforce bench: first run ${first.status}: ${JSON.stringify(first.stop)}\n`);
  process.exitCode = 1;
}
const breakdown = Object.entries(calls1)
  .map(([e, v]) => `${e} ${v}`)
  .join(', ');

report({
  name: 'salesforce.leads',
  value: n,
  unit: 'leads',
  target: '>= 20000',
  note: `one incremental runSync over a ${PEOPLE.toLocaleString('en-US')}-person emulated org (large preset): ${first.counts.written.toLocaleString('en-US')} written, ${k.toLocaleString('en-US')} tasks, ${first.counts.pages} pages, ${seconds.toFixed(1)} s`,
});
report({
  name: 'salesforce.apiCalls',
  value: apiCalls,
  unit: 'calls',
  note: `counted against the daily allowance (the org's own count: ${orgCounted}); by endpoint: ${breakdown}; Bulk query jobs modelled as taking ${BULK_MIN_MS.toLocaleString('en-US')} ms + ${BULK_MS_PER_1000_ROWS} ms per 1,000 rows, each job asked for its results after a wait of ${connector.options.bulkPollIntervalMs.toLocaleString('en-US')} ms of its own (the connector's default interval), a status check only if it answers 412 JOB_NOT_COMPLETE`,
});
report({
  name: 'salesforce.minimumCalls',
  value: Math.round(minimum * 100) / 100,
  unit: 'calls',
  note: `reads ${n}/2000 + updates ${n}/200 + tasks ${k}/200`,
});
report({
  name: 'salesforce.callsVsMinimum',
  value: Math.round((apiCalls / minimum) * 1000) / 1000,
  unit: '×',
  target: '<= 1.02',
  note: 'apiCalls / minimumCalls for the run above',
});

// The next run, a minute later, with no change by anyone else: what the first run wrote is ours and
// left out of the incremental queries, so it reads nothing and writes nothing.
sf.clock.advance(60_000);
const usedBefore2 = sf.allowance.used(sf.clock.now());
const updatesBefore = sf.app.counters.get('sf.collections.update') ?? 0;
const second = await runSync(options);
const calls2 = allowanceCalls(connector.usage().calls) - apiCalls;
if (second.counts.leadsRead !== 0 || second.counts.written !== 0 || second.counts.tasksCreated !== 0)
  throw new Error(`our own writes echoed: ${JSON.stringify(second.counts)}`);
report({
  name: 'salesforce.secondRunCalls',
  value: calls2,
  unit: 'calls',
  target: '<= 3',
  note: `the next run with nothing changed by others, after the first wrote ${first.counts.written.toLocaleString('en-US')}: ${second.counts.leadsRead.toLocaleString('en-US')} leads read (our own writes are left out of the query) so none decided again, ${(sf.app.counters.get('sf.collections.update') ?? 0) - updatesBefore} update calls, ${second.counts.tasksCreated} tasks (org counted ${sf.allowance.used(sf.clock.now()) - usedBefore2}); by endpoint: ${Object.entries(
    connector.usage().calls,
  )
    .map(([e, v]) => [e, v - (calls1[e] ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .map(([e, v]) => `${e} ${v}`)
    .join(', ')}`,
});
await connector.close();
await sf.close();
