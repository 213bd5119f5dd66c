/**
 * The sync process of the scale curve (bench/scale.ts): one `runSync` against the emulator process,
 * composed as `tossup sync` composes it — file-backed state (cursors, routing, re-checks, episodes),
 * the local decision ledger and the HubSpot facts cache all under SCALE_STATE_DIR — with the
 * connector's own throttle at the emulator's scaled limits. A process of its own per phase, so its
 * peak RSS is the sync's alone. Prints one JSON line: the run's counts, calls, minimum, wall time and
 * peak RSS. Its process has the settings `tossup sync` gives its own (sync-process.ts).
 */
// First: the process takes `tossup sync`'s process settings (it re-executes itself) before anything loads.
import './sync-process.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allowanceCalls } from '../../connectors/salesforce/usage-meter.ts';
import { localLedger, withLedger } from '../../src/cli/local-ledger.ts';
import { limitSyncHeapGrowth } from '../../src/cli/sync-heap-growth.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import { runSync } from '../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { CrmConnector } from '../../src/ports/crm-connector.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { FileRecheckStore } from '../../src/state/file-recheck-store.ts';
import { FileRoutingState } from '../../src/state/file-routing-state.ts';
import { FileStateStore } from '../../src/state/file-state-store.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { startMemorySampler } from './memory-sampler.ts';
import { REAL_LIMITS } from './scale-limits.ts';

for (const key of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[key];

const crm = process.env.SCALE_CRM as 'hubspot' | 'salesforce';
const factor = Number(process.env.SCALE_FACTOR ?? 1);
const stateDir = process.env.SCALE_STATE_DIR!;
const connection = JSON.parse(process.env.SCALE_CONNECTION!) as Record<string, string>;
const offsetMs = Number(process.env.SCALE_CLOCK_OFFSET_MS);
const routingFile = process.env.SCALE_ROUTING_FILE!;

/** The emulator's clock (shifted to the World's time, running at real speed). */
const emulatorNow = () => Date.now() + offsetMs;
const decidedAt = new Date(emulatorNow()).toISOString();
const clock = fixedClock(decidedAt);

/**
 * An experiment knob: persons per hand-off page (the connectors' `pageSize`; default Salesforce
 * 10,000, HubSpot 5,000), which sets a page's working set — and the partial batches per page.
 */
const pageSize = process.env.SCALE_PAGE_SIZE ? { pageSize: Number(process.env.SCALE_PAGE_SIZE) } : {};

/** Only the CRM's own connector (and SDK) is loaded, as `tossup sync` loads it (crm-registry.ts). */
async function connect(): Promise<CrmConnector> {
  if (crm === 'hubspot') {
    const { createHubspotConnector } = await import('../../connectors/hubspot/index.ts');
    const l = REAL_LIMITS.hubspot;
    return createHubspotConnector({
      auth: { kind: 'private_app', accessToken: connection.accessToken! },
      basePath: connection.basePath!,
      tier: 'professional',
      limits: {
        burst: l.burst * factor,
        intervalMs: l.intervalMs,
        searchPerSecond: l.searchPerSecond * factor,
        daily: l.daily * factor,
      },
      portalId: String(connection.portalId),
      factsCacheFile: join(stateDir, 'hubspot-facts.json'),
      ...pageSize,
    });
  }
  const { createSalesforceConnector } = await import('../../connectors/salesforce/index.ts');
  return createSalesforceConnector(
    {
      loginUrl: connection.loginUrl!,
      auth: {
        flow: 'password',
        clientId: connection.clientId!,
        clientSecret: connection.clientSecret!,
        username: connection.username!,
        password: connection.password!,
      },
      bulkPollIntervalMs: 0,
      // An experiment knob: the Bulk result page size (default 10,000 rows, settings.ts), which sets what a Bulk
      // read holds in memory.
      ...(process.env.SCALE_SF_BULK_PAGE_SIZE
        ? { bulkPageSize: Number(process.env.SCALE_SF_BULK_PAGE_SIZE) }
        : {}),
      // The no-echo read, as the other Salesforce benches run it (BEHAVIOR.md "No echo").
      excludeOwnWrites: true,
      ...pageSize,
    },
    { now: emulatorNow },
  );
}

// SCALE_SYNC_SAMPLE_MS: sample the process's memory (bench/scale/memory-sampler.ts) and report the
// sample at its RSS peak (`memoryAtPeak`); SCALE_SYNC_SAMPLE_FILE: also write every sample there.
const sampler = process.env.SCALE_SYNC_SAMPLE_MS
  ? startMemorySampler(Number(process.env.SCALE_SYNC_SAMPLE_MS), process.env.SCALE_SYNC_SAMPLE_FILE)
  : undefined;
// The heap growth `tossup sync` sets for its process (src/cli/commands/sync.ts), set the same way.
limitSyncHeapGrowth();
const connector = await connect();
const sla = parseSlaConfig(readFileSync(new URL('../../mappings/sla.yaml', import.meta.url), 'utf8'));
const ledger = localLedger(stateDir, process.stderr);
const options = { clock };
const started = performance.now();
const run = await runSync({
  connector,
  rules: loadCompiledRuleSet('large'),
  renderer: new ReasonRenderer('ja'),
  routing: parseRoutingConfig(readFileSync(routingFile, 'utf8'), routingFile, { crm }),
  sla,
  state: new FileStateStore(stateDir, options),
  routingState: new FileRoutingState(stateDir, options),
  rechecks: new FileRecheckStore(stateDir, options),
  episodes: {
    store: withLedger(new FileEpisodeStore(stateDir, options), ledger, sla),
    schedule: sweepSchedule(sla),
  },
  ledger,
  clock,
  scope: 'scale',
  reasonMaxLength: connector.reasonMaxLength,
});
const wallSeconds = (performance.now() - started) / 1000;
const usage = connector.usage();
await connector.close();
const calls =
  crm === 'salesforce' ? allowanceCalls(usage.calls) : Object.values(usage.calls).reduce((a, b) => a + b, 0);
const searchCalls = Object.entries(usage.calls)
  .filter(([k]) => k.endsWith('.search'))
  .reduce((a, [, v]) => a + v, 0);
process.stdout.write(
  `${JSON.stringify({
    status: run.status,
    stop: run.stop,
    counts: run.counts,
    failures: run.failures.count,
    skips: run.skips.count,
    calls,
    searchCalls,
    byEndpoint: usage.calls,
    minimum: usage.minimum,
    wallSeconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    ...(sampler ? { memoryAtPeak: sampler.stop() } : {}),
  })}\n`,
);
