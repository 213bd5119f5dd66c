/**
 * Freshness on Salesforce through the local listener (issue 16): the time from a change in the CRM
 * to the toss-up flag written back, through Change Data Capture over the Streaming API and
 * `tossup listen --crm salesforce`.
 *
 * - freshness.salesforceP95Ms: 95th percentile over CHANGES lead changes (a person editing the title
 *   of a lead not decided before), one every INTERVAL_MS — a steady 20 changes a second, about 1.5
 *   API calls a change (a by-id read, the write guard's query and the write; tasks), well inside the
 *   daily allowance. The emulator publishes each change as a change event on /data/ChangeEvents; the
 *   listener receives it with jsforce's CometD client (long-polling), hands the batch that arrived to
 *   the Lambda worker handler (in the Event Relay shape), which reads, decides and writes flag,
 *   reasons and task, and saves the replay id. "Written" is the change event of our flag write (its
 *   commit), so the figure includes the long-poll delivery, every API call with the emulator's rate
 *   limits on, and the listener's work.
 *
 * Real jsforce (REST and streaming) against the emulator on loopback, all in this process (2 shared cores).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { routingYamlForWorld } from '../../emulators/world-routing.ts';
import { listenCommand } from '../../src/cli/commands/listen.ts';
import { report } from '../figure.ts';
import {
  apiCallsOf,
  changeTitles,
  FLAG,
  percentile,
  undecidedLeads,
  watchFlagWrites,
} from '../support/salesforce-lead-changes.ts';

for (const key of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[key];

const CHANGES = Number(process.env.FRESHNESS_CHANGES ?? 1000);
const INTERVAL_MS = 50;
const CHANNEL = '/data/ChangeEvents';

const dir = mkdtempSync(join(tmpdir(), 'tossup-freshness-sf-'));
const world = generateWorld({
  seed: 16,
  leads: Math.ceil(CHANGES * 1.6),
  asOf: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
});
const sf = await startSalesforceEmulator({ world, rateLimits: true });
const cdc = sf.changeEvents;
if (!cdc) throw new Error('the emulator has no change data capture');
const routing = join(dir, 'routing.yaml');
writeFileSync(
  routing,
  routingYamlForWorld(world, {
    salesforceUsers: sf.seeded!.users,
    salesforceQueues: sf.seeded!.queues,
    // Only Salesforce runs here; the routing file wants HubSpot owner ids too, made up.
    hubspotOwners: new Map(world.users.map((u, i) => [u.key, String(90_000_000 + i)])),
  }),
);

const stop = new AbortController();
const sink = new PassThrough();
let log = '';
const outcomes = { skipped: 0, failed: 0, batches: 0 };
sink.on('data', (d) => {
  const text = String(d);
  outcomes.skipped += text.split('lead skipped').length - 1;
  outcomes.failed += text.split('lead failed').length - 1;
  if (log.length < 200_000) log += text;
});
let ready: () => void = () => undefined;
const listening = new Promise<void>((resolve) => {
  ready = resolve;
});
const c = sf.credentials;
const done = listenCommand(
  { crm: 'salesforce', channel: CHANNEL },
  {
    env: {
      TOSSUP_SALESFORCE_LOGIN_URL: sf.loginUrl,
      TOSSUP_SALESFORCE_CLIENT_ID: c.clientId,
      TOSSUP_SALESFORCE_CLIENT_SECRET: c.clientSecret,
      TOSSUP_SALESFORCE_USERNAME: c.username,
      TOSSUP_SALESFORCE_PASSWORD: c.password,
      TOSSUP_SALESFORCE_MAPPING: 'mappings/salesforce.yaml',
      TOSSUP_ROUTING: routing,
      TOSSUP_RULES: 'large',
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
      TOSSUP_LOCALE: 'en',
    },
    stdout: sink,
    stderr: sink,
    profileFiles: [],
    signal: stop.signal,
    onListening: () => ready(),
    onChangeBatch: () => {
      outcomes.batches++;
    },
  },
);
await Promise.race([
  listening,
  done.then((code) => Promise.reject(new Error(`listener exited ${code}: ${log}`))),
]);

// Our write of the flag, as a change event of the integration user: the end of each measurement.
const { changedAt, latencies, stop: unwatch } = watchFlagWrites(sf, cdc);

const leads = undecidedLeads(sf, CHANGES);
const callsBefore = apiCallsOf(sf);
const elapsedS = await changeTitles(sf, leads, INTERVAL_MS, changedAt);
const unwritten = [...changedAt.keys()].map((id) => String(sf.store.get('Lead', id)?.[FLAG] ?? '(none)'));
const apiCalls = apiCallsOf(sf, ['sf.cometd']) - callsBefore;
const polls = sf.app.counters.get('sf.cometd') ?? 0;

unwatch();
stop.abort();
await done;
await sf.close();
rmSync(dir, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p: number) => percentile(latencies, p);
report({
  name: 'freshness.salesforceP95Ms',
  value: Math.round(pct(0.95)),
  unit: 'ms',
  target: '<= 5000',
  note: `${leads.length} lead changes in the Salesforce emulator (a person editing the title of a lead not decided before), one every ${INTERVAL_MS} ms; Change Data Capture over CometD (jsforce's streaming client) → \`tossup listen --crm salesforce\` → the worker handler, real jsforce, rate limits on; time from the change to the change event of our flag write; p50 ${Math.round(pct(0.5))} ms, max ${Math.round(pct(1))} ms; ${latencies.length} measured, ${changedAt.size} never written (their flag now: ${unwritten.join(', ') || '-'}; the listener logged ${outcomes.skipped} skipped and ${outcomes.failed} failed leads); ${outcomes.batches} worker batches, ${apiCalls} REST API calls and ${polls} CometD requests (not counted against the allowance) in ${elapsedS.toFixed(0)} s`,
});
