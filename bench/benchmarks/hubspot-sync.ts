/**
 * HubSpot incremental sync (issue: HubSpot connector): the pipeline's `runSync` over the HubSpot
 * connector against the emulator ENFORCING HubSpot's limits (190 requests per rolling 10 s, search
 * 5 per second), measuring API calls against the theoretical minimum and wall time against the
 * time those calls need at the allowed rates.
 *
 * The emulator runs in a child process (this same file with `--serve`), so its CPU does not count
 * against the sync. Sequence: seed a World of 12,000 leads; a first run (backfill, limits off, not
 * measured) decides every lead and fills the company/deal cache file; then a marketing campaign
 * touches every contact (a webinar conversion and a pricing-page view "yesterday"); the measured
 * run is the incremental sync of those changes with the cache from the first run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createHubspotConnector } from '../../connectors/hubspot/index.ts';
import { type HubspotEmulator, startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { EmulatorClock } from '../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import { runSync, type SyncOptions } from '../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { MemoryRecheckStore } from '../../src/state/memory-recheck-store.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { report } from '../figure.ts';

const LEADS = Number(process.env.BENCH_HUBSPOT_LEADS ?? 12_000);
const AS_OF = '2026-09-01T01:00:00.000Z';
const FIRST_RUN = '2026-09-01T02:00:00.000Z';
/** The measured run decides the day after (the campaign day). */
const NEXT_DAY = '2026-09-02T02:00:00.000Z';
const BURST = 190;
const INTERVAL_MS = 10_000;
const SEARCH_PER_SECOND = 5;

// ---- the emulator process -----------------------------------------------------------------------

async function serve(): Promise<void> {
  const world = generateWorld({ seed: 42, leads: LEADS, asOf: AS_OF });
  const clock = new EmulatorClock();
  // The first sync runs an hour after the World's snapshot (not in the very millisecond of it).
  clock.advance(Date.parse(world.asOf) + 3_600_000 - Date.now());
  const hs = await startHubspotEmulator({
    world,
    clock,
    // Two private apps of one portal: the backfill's and the measured run's (separate budgets).
    tokens: ['pat-na1-bench-backfill', 'pat-na1-bench-measured'],
    rateLimits: {
      enabled: false,
      tenSecondlyMax: BURST,
      intervalMs: INTERVAL_MS,
      searchPerSecond: SEARCH_PER_SECOND,
    },
  });
  addRoutingOwners(hs);
  const send = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`);
  send({ basePath: hs.basePath, contacts: hs.store.count('contacts') });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'campaign') {
      // The next day: a webinar everyone attended, a look at the pricing page afterwards, and the
      // MA tool scoring both. Written as HubSpot would record a workflow doing it — one contact
      // after another, a second apart, not all in one millisecond.
      clock.advance(86_400_000);
      const day = Date.parse(NEXT_DAY);
      const attended = new Date(day - 20 * 3_600_000).toISOString();
      const viewed = new Date(day - 19 * 3_600_000).toISOString();
      const start = day - 16 * 3_600_000;
      for (const [i, c] of hs.store.list('contacts').entries()) {
        const n = Number(c.props.num_conversion_events ?? 0) + 1;
        const ma = c.props.ma_behaviour_score;
        hs.store.update(
          'contacts',
          c.id,
          {
            num_conversion_events: String(n),
            recent_conversion_date: attended,
            recent_conversion_event_name: '秋のDXウェビナー',
            hs_analytics_last_visit_timestamp: viewed,
            tossup_pricing_page_last_view: viewed,
            ...(ma === undefined ? {} : { ma_behaviour_score: String(Number(ma) + 25) }),
          },
          { system: true, at: start + i * 1000 },
        );
      }
      send({ touched: hs.store.count('contacts') });
    } else if (line === 'limits') {
      hs.rateLimiter.configure({ enabled: true });
      hs.rateLimiter.reset();
      send({ limits: hs.rateLimiter.settings });
    } else if (line === 'stats') {
      send({ tasks: hs.store.count('tasks'), counters: Object.fromEntries(hs.app.counters) });
    } else if (line === 'quit') {
      await hs.close();
      send({ bye: true });
      process.exit(0);
    }
  }
}

function addRoutingOwners(hs: HubspotEmulator): void {
  const doc = parse(readFileSync('mappings/routing.yaml', 'utf8')) as {
    reps: { key: string; hubspotOwnerId?: string }[];
    queues: { key: string; hubspotOwnerId?: string }[];
  };
  for (const r of [...doc.reps, ...doc.queues]) {
    if (!r.hubspotOwnerId || hs.store.owners.get(r.hubspotOwnerId)) continue;
    hs.store.owners.add({
      id: r.hubspotOwnerId,
      email: `${r.key}@seller.example`,
      firstName: r.key,
      lastName: 'rep',
    });
  }
}

// ---- the sync process ---------------------------------------------------------------------------

class EmulatorProcess {
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;

  constructor() {
    this.child = spawn(
      process.execPath,
      ['--max-old-space-size=4096', fileURLToPath(import.meta.url), '--serve'],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, BENCH_HUBSPOT_LEADS: String(LEADS) },
      },
    );
    this.lines = createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  async read<T>(): Promise<T> {
    const next = await this.lines.next();
    if (next.done) throw new Error('the emulator process ended');
    return JSON.parse(next.value) as T;
  }

  async ask<T>(command: string): Promise<T> {
    this.child.stdin!.write(`${command}\n`);
    return this.read<T>();
  }
}

async function bench(): Promise<void> {
  const emulator = new EmulatorProcess();
  const portal = await emulator.read<{ basePath: string; contacts: number }>();
  const dir = mkdtempSync(join(tmpdir(), 'bench-hubspot-'));
  const factsCacheFile = join(dir, 'facts.json');
  const state = new MemoryStateStore();
  const routing = parseRoutingConfig(readFileSync('mappings/routing.yaml', 'utf8'), 'mappings/routing.yaml', {
    crm: 'hubspot',
  });
  const sla = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));
  const rules = loadCompiledRuleSet('large');
  const routingState = new MemoryRoutingState();
  // Re-checks and the decision-inputs fingerprint per contact, as `tossup sync` keeps them (in memory
  // here, like the rest of the bench's state, so the run's wall time stays the CRM's).
  const rechecks = new MemoryRecheckStore();
  const options = (
    connector: Awaited<ReturnType<typeof createHubspotConnector>>,
    now: string,
  ): SyncOptions => ({
    connector,
    rules,
    renderer: new ReasonRenderer('ja'),
    routing,
    sla,
    state,
    routingState,
    clock: fixedClock(now),
    reasonMaxLength: connector.reasonMaxLength,
    rechecks,
  });
  // 1. Backfill: decides every lead once and warms the company cache (limits off, not measured).
  const first = await createHubspotConnector({
    auth: { kind: 'private_app', accessToken: 'pat-na1-bench-backfill' },
    basePath: portal.basePath,
    limits: { burst: 100_000, searchPerSecond: 100_000 },
    portalId: '24681357',
    factsCacheFile,
  });
  const backfillStarted = performance.now();
  const backfill = await runSync(options(first, FIRST_RUN));
  const backfillSeconds = (performance.now() - backfillStarted) / 1000;
  await first.close();
  if (backfill.status !== 'completed') throw new Error(`backfill stopped: ${JSON.stringify(backfill.stop)}`);
  const backfillUsage = first.usage();

  // 2. The campaign touches every contact; HubSpot's limits go on.
  await emulator.ask('campaign');
  await emulator.ask('limits');

  // 3. The measured incremental run, with the professional tier's budget (190 / 10 s, search 5 / s).
  const measured = await createHubspotConnector({
    auth: { kind: 'private_app', accessToken: 'pat-na1-bench-measured' },
    basePath: portal.basePath,
    tier: 'professional',
    limits: { burst: BURST, intervalMs: INTERVAL_MS, searchPerSecond: SEARCH_PER_SECOND },
    portalId: '24681357',
    factsCacheFile,
  });
  const started = performance.now();
  const run = await runSync(options(measured, NEXT_DAY));
  const wallSeconds = (performance.now() - started) / 1000;
  if (run.status !== 'completed') throw new Error(`incremental run stopped: ${JSON.stringify(run.stop)}`);
  const usage = measured.usage();
  const callsAfterRun = { ...usage.calls };

  // 4. The next run with nothing changed by anyone else. HubSpot's search cannot filter by who made a
  // change, so it pages over the contacts the measured run wrote (our writes move lastmodifieddate);
  // it must decide and write nothing for them: their decision inputs are as the measured run left them.
  const second = await runSync(options(measured, NEXT_DAY));
  const redecided = second.counts.leadsRead - (second.counts.inputsUnchanged ?? 0);
  if (second.counts.written !== 0 || second.counts.tasksCreated !== 0 || redecided !== 0)
    throw new Error(`our own writes echoed: ${JSON.stringify(second.counts)}`);
  await measured.close();
  if (second.status !== 'completed') throw new Error(`second run stopped: ${JSON.stringify(second.stop)}`);
  const secondCalls = Object.entries(measured.usage().calls).map(
    ([k, v]) => [k, v - (callsAfterRun[k] ?? 0)] as const,
  );
  const stats = await emulator.ask<{ tasks: number; counters: Record<string, number> }>('stats');
  await emulator.ask('quit');
  rmSync(dir, { recursive: true, force: true });

  const calls = Object.values(usage.calls).reduce((a, b) => a + b, 0);
  const searchCalls = Object.entries(usage.calls)
    .filter(([k]) => k.endsWith('.search'))
    .reduce((a, [, v]) => a + v, 0);
  const generalCalls = calls - searchCalls;
  const lowerBound = Math.max(searchCalls / SEARCH_PER_SECOND, generalCalls / (BURST / (INTERVAL_MS / 1000)));
  const backfillCalls = Object.values(backfillUsage.calls).reduce((a, b) => a + b, 0);
  // The minimum's searches: the contact pages and the change searches of companies and deals (one
  // each here: under 200 changed records).
  const feedSearches = (usage.calls['companies.search'] ?? 0) + (usage.calls['deals.search'] ?? 0);
  const minimumSearches = Math.ceil(run.counts.leadsRead / 200) + feedSearches;
  const minimumBound = Math.max(
    minimumSearches / SEARCH_PER_SECOND,
    (usage.minimum - minimumSearches) / (BURST / (INTERVAL_MS / 1000)),
  );

  process.stderr.write(
    `hubspot-sync: backfill ${backfill.counts.leadsRead} leads in ${backfillSeconds.toFixed(1)} s, ${backfillCalls} calls ${JSON.stringify(backfillUsage.calls)}\n` +
      `hubspot-sync: incremental ${JSON.stringify(run.counts)}, ${calls} calls ${JSON.stringify(usage.calls)}, portal tasks ${stats.tasks}, failures ${JSON.stringify(run.failures)}, skips ${JSON.stringify(run.skips)}\n` +
      `hubspot-sync: backfill failures ${JSON.stringify(backfill.failures)}, skips ${JSON.stringify(backfill.skips)}\n`,
  );
  const note = `${LEADS}-lead World, incremental run after a campaign touched every contact; emulator in a child process enforcing ${BURST}/10 s and search ${SEARCH_PER_SECOND}/s`;
  report({ name: 'hubspot.leads', value: run.counts.leadsRead, unit: 'leads', target: '>= 10000', note });
  report({
    name: 'hubspot.apiCalls',
    value: calls,
    unit: 'calls',
    note: `search ${searchCalls}, other ${generalCalls}; by endpoint: ${Object.entries(usage.calls)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  });
  report({
    name: 'hubspot.minimumCalls',
    value: usage.minimum,
    unit: 'calls',
    note: `⌈${run.counts.leadsRead}/200⌉ searches + ⌈${run.counts.written}/100⌉ updates + ⌈${run.counts.tasksCreated + run.counts.tasksExisting}/100⌉ task creates + ${feedSearches} change searches (companies, deals: the only way HubSpot tells which changed, one call each per 200 records) + ${usage.calls['contacts.list.archived'] ?? 0} recycle-bin page (search never returns archived contacts) (+ a batch read per 100 companies the facts cache did not hold: none here, the backfill warmed it)`,
  });
  report({
    name: 'hubspot.callsVsMinimum',
    value: calls / usage.minimum,
    unit: '×',
    target: '<= 1.02',
    note: 'calls / minimum',
  });
  report({
    name: 'hubspot.wallSeconds',
    value: wallSeconds,
    unit: 's',
    note: 'runSync wall time, measured run',
  });
  report({
    name: 'hubspot.lowerBoundSeconds',
    value: lowerBound,
    unit: 's',
    note: `max(search calls / ${SEARCH_PER_SECOND} per s, other calls / ${BURST / (INTERVAL_MS / 1000)} per s) over the calls made; over the minimum calls it is ${minimumBound.toFixed(1)} s`,
  });
  report({
    name: 'hubspot.wallVsLowerBound',
    value: wallSeconds / lowerBound,
    unit: '×',
    target: '<= 1.10',
    note: 'wall / lower bound',
  });
  const secondTotal = secondCalls.reduce((a, [, v]) => a + v, 0);
  report({
    name: 'hubspot.secondRunCalls',
    value: secondTotal,
    unit: 'calls',
    note: `the next run with nothing changed by others: pages over the ${second.counts.leadsRead.toLocaleString('en-US')} contacts the run before wrote (search cannot exclude our own changes), ${redecided} of them decided again (their decision inputs as the run before left them), ${second.counts.written} written, ${second.counts.tasksCreated} tasks; by endpoint: ${secondCalls
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  });
  report({
    name: 'hubspot.backfillCallsVsMinimum',
    value: backfillCalls / backfillUsage.minimum,
    unit: '×',
    target: '<= 1.05',
    note: `first run, cold company cache (${backfillCalls} calls for ${backfill.counts.leadsRead} leads, minimum ${backfillUsage.minimum}: ⌈${backfill.counts.leadsRead}/200⌉ searches + ⌈${backfill.counts.written}/100⌉ updates + ⌈${backfill.counts.tasksCreated + backfill.counts.tasksExisting}/100⌉ task creates + one batch read per 100 distinct companies of the contacts read, which a cold cache cannot avoid: a contact search returns no company properties and 100 per batch read is HubSpot's fewest); by endpoint: ${Object.entries(
      backfillUsage.calls,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  });
}

if (process.argv.includes('--serve')) await serve();
else await bench();
