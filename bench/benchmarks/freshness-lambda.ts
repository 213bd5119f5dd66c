/**
 * Freshness of the AWS path on Salesforce (issue 16): the time from a change in the CRM to the
 * toss-up flag written back, through Change Data Capture → Event Relay → EventBridge → the events
 * queue → the worker Lambda handler.
 *
 * - freshness.lambdaPathP95Ms: 95th percentile over CHANGES lead changes (a person editing the title
 *   of a lead not decided before), made one every INTERVAL_MS. The Salesforce emulator publishes a
 *   change event for each on the channel `tossup setup salesforce --realtime` writes; the emulated
 *   Event Relay (emulators/salesforce/event-relay.ts) hands it on as the EventBridge event the rule of
 *   infra/salesforce-relay.yml forwards whole to the events queue; an SQS model drains it as the
 *   events queue's event source mapping of serverless.yml does — its batch size (`eventBatchSize`),
 *   the batching window and its maximum concurrency (`eventMaximumConcurrency`) of
 *   infra/settings.yml, in real time (bench/support/sqs-event-source.ts) —
 *   into the real worker handler (src/handlers/worker-handler.ts) with the real Salesforce connector
 *   (jsforce) against the emulator, rate limits on. "Written" is the change event of our own write
 *   of the flag (its commit), so the figure includes the batching window, every API call and the
 *   worker's work. Our own writes come back through the relay too, as they would on AWS, and are
 *   acknowledged with no CRM call (counted).
 *
 * Each concurrent batch runs in a worker of its own with its own connector, as each Lambda execution
 * environment has (it logs in on its first batch, as after a cold start). Not modelled: the latency
 * of Event Relay, EventBridge and SQS themselves (each typically well under a second), the Lambda
 * runtime's own cold start, DynamoDB (the version claims are in memory here).
 */
import { readFileSync } from 'node:fs';
import { createSalesforceConnector } from '../../connectors/salesforce/index.ts';
import { REALTIME_CHANNEL } from '../../connectors/salesforce/realtime-setup.ts';
import { startEventRelay } from '../../emulators/salesforce/event-relay.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { routingYamlForWorld } from '../../emulators/world-routing.ts';
import { eventBatchSize, loadDeploySettings } from '../../scripts/deploy-settings.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import { createWorkerHandler } from '../../src/handlers/worker-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { MemoryLeadVersions } from '../../src/state/memory-lead-versions.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { report } from '../figure.ts';
import {
  apiCallsOf,
  changeTitles,
  FLAG,
  percentile,
  undecidedLeads,
  watchFlagWrites,
} from '../support/salesforce-lead-changes.ts';
import { RealtimeSqs } from '../support/sqs-event-source.ts';

for (const key of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[key];

const CHANGES = Number(process.env.FRESHNESS_CHANGES ?? 1000);
const INTERVAL_MS = 50;
const SOURCE = 'aws.partner/salesforce.com/00D5j00000BENCHAAA/0YL5j0000000BENCHA';

const settings = loadDeploySettings(new URL('../../infra/settings.yml', import.meta.url).pathname);
const world = generateWorld({
  seed: 16,
  leads: Math.ceil(CHANGES * 1.6),
  asOf: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
});
const sf = await startSalesforceEmulator({
  world,
  dailyApiAllowance: 1_000_000,
  // The channel and members `tossup setup salesforce --realtime` deploys (Opportunity enriched).
  changeDataCapture: {
    customChannel: {
      name: REALTIME_CHANNEL,
      members: { Lead: [], Contact: [], Account: [], Opportunity: ['AccountId'] },
    },
  },
});
const cdc = sf.changeEvents;
if (!cdc) throw new Error('the emulator has no change data capture');
cdc.activate();

const routing = parseRoutingConfig(
  routingYamlForWorld(world, {
    salesforceUsers: sf.seeded!.users,
    salesforceQueues: sf.seeded!.queues,
    hubspotOwners: new Map(world.users.map((u, i) => [u.key, String(90_000_000 + i)])),
  }),
  'routing.yaml',
  { crm: 'salesforce' },
);
const clock = { now: () => new Date(sf.clock.now()) };
const outcomes = { skipped: 0, failed: 0, ignored: 0 };
let firstError = '';
const skippedCodes = new Map<string, number>();
const config = {
  rules: loadCompiledRuleSet(settings.config.rules),
  renderer: new ReasonRenderer(settings.config.locale),
  routing,
  sla: parseSlaConfig(readFileSync(new URL('../../mappings/sla.yaml', import.meta.url), 'utf8')),
  queueTaskOwners: {},
  mappingFile: null,
  options: { locale: settings.config.locale, queueTaskOwners: {}, sources: {} },
};
const state = new MemoryStateStore({ clock });
const routingState = new MemoryRoutingState();
const versions = new MemoryLeadVersions(() => sf.clock.now());
const log = createLogger({
  level: 'info',
  destination: {
    write(line: string) {
      if (line.includes('lead skipped')) {
        outcomes.skipped++;
        const code = /"code":"([^"]+)"/.exec(line)?.[1] ?? '?';
        skippedCodes.set(code, (skippedCodes.get(code) ?? 0) + 1);
      }
      if (line.includes('lead failed')) outcomes.failed++;
      if (line.includes('change event ignored')) outcomes.ignored++;
      if (line.includes('"level":"error"') && firstError === '') firstError = line.slice(0, 400);
      return true;
    },
  } as never,
});
const c = sf.credentials;
const connectors: { close(): Promise<void> }[] = [];
/**
 * One worker per concurrent batch, each with its own connector (login, write guard), as each Lambda
 * execution environment has: the version claims are shared (DynamoDB on AWS, memory here).
 */
async function lambdaWorker() {
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
      bulkPollIntervalMs: 0,
    },
    { now: () => sf.clock.now() },
  );
  connectors.push(connector);
  return createWorkerHandler({
    crm: 'salesforce',
    scope: 'bench',
    config,
    connectors: { get: async () => connector, invalidate() {} },
    state,
    routingState,
    versions,
    clock,
    log,
    quotaBackoffSeconds: settings.worker.quotaBackoffSeconds,
    salesforceEventSource: SOURCE,
  });
}

// The events queue's mapping (infra/queues.yml): change events are one a message, batched apart
// from the sync's packed messages.
const queue = new RealtimeSqs({
  batchSize: eventBatchSize(settings, 'salesforce'),
  batchingWindowMs: settings.worker.maximumBatchingWindowSeconds * 1000,
  concurrency: settings.crms.salesforce.eventMaximumConcurrency,
  visibilityMs: settings.queue.visibilityTimeoutSeconds * 1000,
  workerTimeoutMs: settings.worker.timeoutSeconds * 1000,
});
const relay = startEventRelay({
  changeEvents: cdc,
  channel: `/data/${REALTIME_CHANNEL}`,
  source: SOURCE,
  deliver: (event) => queue.send(JSON.stringify(event)),
});

// Our write of the flag, as a change event of the integration user: the end of each measurement.
const { changedAt, latencies, stop: unwatch } = watchFlagWrites(sf, cdc);

const draining = queue.run(lambdaWorker);
const leads = undecidedLeads(sf, CHANGES);
const callsBefore = apiCallsOf(sf);
const elapsedS = await changeTitles(sf, leads, INTERVAL_MS, changedAt);
const deadline = performance.now();
while (queue.depth > 0 && performance.now() < deadline + 30_000) await new Promise((r) => setTimeout(r, 100));
queue.stop();
await draining;
unwatch();
relay.stop();
// What became of the changes never measured: their flag now, and whether they were converted.
const unwritten = [...changedAt.keys()].map((id) => {
  const lead = sf.store.get('Lead', id);
  return `${lead?.[FLAG] ?? '(no flag)'}${lead?.IsConverted ? ', converted' : ''}`;
});
const apiCalls = apiCallsOf(sf) - callsBefore;
await Promise.all(connectors.map((k) => k.close()));
await sf.close();

if (firstError) process.stderr.write(`freshness-lambda: the worker logged an error: ${firstError}\n`);
latencies.sort((a, b) => a - b);
const pct = (p: number) => percentile(latencies, p);
const batches = queue.batches;
const meanBatch = batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length);
report({
  name: 'freshness.lambdaPathP95Ms',
  value: Math.round(pct(0.95)),
  unit: 'ms',
  target: '<= 30000',
  note: `${leads.length} lead changes in the Salesforce emulator (a person editing the title of a lead not decided before), one every ${INTERVAL_MS} ms; each change event relayed as an EventBridge event of the Event Relay shape to an SQS model of the events queue with its event source mapping of infra/settings.yml (batch ${eventBatchSize(settings, 'salesforce')}, batching window ${settings.worker.maximumBatchingWindowSeconds} s, concurrency ${settings.crms.salesforce.eventMaximumConcurrency}) → the worker handler, real jsforce, rate limits on; time from the change to the change event of our flag write; p50 ${Math.round(pct(0.5))} ms, max ${Math.round(pct(1))} ms; ${latencies.length} measured, ${changedAt.size} never written (their flag now: ${unwritten.join('; ') || '-'}; the worker logged ${outcomes.skipped} skipped leads${skippedCodes.size ? ` — ${[...skippedCodes].map(([k, n]) => `${n} ${k}`).join(', ')}` : ''} — and ${outcomes.failed} failed); ${relay.relayed} events relayed (${outcomes.ignored} of them ignored with no CRM call: our own writes), ${batches.length} worker invocations of ${meanBatch.toFixed(0)} messages on average, ${queue.failedDeliveries} messages returned, ${apiCalls} API calls in ${elapsedS.toFixed(0)} s. one worker (own connector and login) per concurrent batch; Event Relay, EventBridge and SQS latencies and the runtime's cold start not modelled`,
});
