/**
 * SLA sweep figures (issue 13), on both CRM emulators through the real connectors (jsforce,
 * @hubspot/api-client) and the file episode store `tossup sweep` uses:
 * - sweep.callsPer1000Episodes.<crm>: API calls of one `runSweep` checking 1,000 due episodes
 *   (Salesforce: calls against the daily allowance; HubSpot: every request).
 * - sweep.secondsPer10kEpisodes.<crm>: wall seconds of sweeping 10,000 due episodes.
 *
 * How the episodes come about, per CRM: a seeded world in six slices; on Mon 10:00, 13:00, 16:00 and
 * Tue 10:00, 12:15, 16:00 JST one real `runSync` with the episode store hands a slice's toss-ups off
 * (tasks created, episodes recorded, as `tossup sync` does) and a sweep follows; the emulated reps
 * (emulators/shared/rep-actor.ts, the world's response profiles) act every business hour in the
 * emulators' stores. The measured sweeps run on Wed 10:00, when every unanswered episode is due (a
 * first-response poll) and the slices stand at different rungs of the ladder: first one with `limit`
 * 1,000 (the calls figure), then one with `limit` 9,000 at the same instant (the two together: the
 * seconds figure, scaled to 10,000 when fewer were due). Each sweep builds a fresh connector, as a
 * `tossup sweep` run does. No chat notifier is wired (notices cost no CRM call) and no re-check phase.
 * Calls are counted as the CRM counts them (the org's allowance counter, the requests the portal
 * received); the connector's usage meter is shown beside them.
 *
 * BENCH_SWEEP_PEOPLE overrides the world size (default 7,200: ~2,300 toss-ups, ~1,250 due on Wednesday;
 * about 60,000 give 10,000 due, at the price of a long run); BENCH_SWEEP_CRMS=hubspot runs one CRM.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import { createHubspotConnector, type HubspotConnector } from '../../connectors/hubspot/index.ts';
import { createSalesforceConnector, type SalesforceConnector } from '../../connectors/salesforce/index.ts';
import { allowanceCalls } from '../../connectors/salesforce/usage-meter.ts';
import { startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { EmulatorClock } from '../../emulators/shared/emulator-clock.ts';
import { RepActor, type RepActorOptions } from '../../emulators/shared/rep-actor.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import type { World } from '../../emulators/world/world.ts';
import { routingYamlForWorld } from '../../emulators/world-routing.ts';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import type { CrmName } from '../../src/domain/lead.ts';
import { runSync } from '../../src/pipeline/run-sync.ts';
import type { Clock } from '../../src/ports/clock.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { CrmConnector } from '../../src/ports/crm-connector.ts';
import type { EpisodeCrm } from '../../src/ports/episode-crm.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { MemoryRoutingState } from '../../src/routing/memory-routing-state.ts';
import { parseRoutingConfig, type RoutingConfig } from '../../src/routing/routing-config.ts';
import { calendarFor } from '../../src/sla/due-date.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { FileEpisodeStore } from '../../src/state/file-episode-store.ts';
import { MemoryStateStore } from '../../src/state/memory-state-store.ts';
import { guardUnsyncedChanges } from '../../src/sweep/guard-unsynced-changes.ts';
import { runSweep, type SweepReport } from '../../src/sweep/run-sweep.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { report } from '../figure.ts';

for (const key of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[key];

const PEOPLE = Number(process.env.BENCH_SWEEP_PEOPLE ?? 7_200);
const SEED = Number(process.env.BENCH_SWEEP_SEED ?? 13);
/** The week of Monday 2026-11-30 (no holiday), JST. */
const AS_OF = '2026-11-30T00:30:00.000Z'; // Mon 09:30
/**
 * One sync per slice of the world, each followed by a sweep. Relative to Wed 10:00 (the measured
 * sweep), field sales' ladder puts the slices at: escalation (18 business hours), poll (15, 12),
 * breach (9), the 75 % reminder (6.75) and poll (3).
 */
const SYNCS = [
  '2026-11-30T01:00:00.000Z', // Mon 10:00
  '2026-11-30T04:00:00.000Z', // Mon 13:00
  '2026-11-30T07:00:00.000Z', // Mon 16:00
  '2026-12-01T01:00:00.000Z', // Tue 10:00
  '2026-12-01T03:15:00.000Z', // Tue 12:15
  '2026-12-01T07:00:00.000Z', // Tue 16:00
];
const MEASURE_AT = '2026-12-02T01:00:00.000Z'; // Wed 10:00
const FIRST = 1_000;
const REST = 9_000;
/** Persons per sync: the world in as many slices as there are syncs (HubSpot pages are multiples of 200). */
const SLICE = Math.ceil(PEOPLE / SYNCS.length / 200) * 200;

const sla = parseSlaConfig(readFileSync(new URL('../../mappings/sla.yaml', import.meta.url), 'utf8'));
const calendar = calendarFor(sla);
const rules = loadCompiledRuleSet('large');

interface Crm<C extends CrmConnector & { episodes: EpisodeCrm }> {
  name: CrmName;
  world: World;
  emulatorClock: EmulatorClock;
  routing: RoutingConfig;
  actor: RepActor;
  /** A connector for the sync (`sync: true`) or for one sweep, as a fresh `tossup` run builds it. */
  connect(opts: { sync: boolean }): Promise<C>;
  /** Calls as the connector's usage meter counts them against the CRM's budget. */
  counted(calls: Readonly<Record<string, number>>): number;
  /** Calls so far as the CRM itself counts them (Salesforce: the org's daily allowance; HubSpot: requests). */
  crmCount(): number;
  /** Requests the emulator answered so far, per route (a cross-check of the connector's count). */
  served(): Record<string, number>;
  close(): Promise<void>;
}

interface Measured {
  checked1k: number;
  /** As the CRM counts them. */
  calls1k: number;
  /** As the connector's usage meter counts them (attempts, including any that never reached the CRM). */
  meterCalls1k: number;
  byEndpoint: Record<string, number>;
  first: SweepReport;
  checkedAll: number;
  seconds: number;
  rest: SweepReport;
  episodes: number;
  syncSeconds: number;
  due: number;
  /** HubSpot: requests of the 1,000-episode sweep the emulator refused with a 429 (retried, counted). */
  refused1k: number;
}

async function measure<C extends CrmConnector & { episodes: EpisodeCrm }>(crm: Crm<C>): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), `bench-sweep-${crm.name}-`));
  const clock: Clock = { now: () => new Date(crm.emulatorClock.now()) };
  const episodes = new FileEpisodeStore(dir, { clock });
  const routingState = new MemoryRoutingState();
  const at = (iso: string) => crm.emulatorClock.pin(iso);

  // One state store across the syncs: each goes on from the cursor the previous one committed.
  const state = new MemoryStateStore({ clock });
  const sweep = async (iso: string, limit: number) => {
    at(iso);
    const connector = await crm.connect({ sync: false });
    try {
      // As `tossup sweep` does: lead writes leave alone what others changed since the sync's cursor.
      await guardUnsyncedChanges(connector, state, 'bench');
      const r = await runSweep({
        crmName: crm.name,
        episodes,
        crm: connector.episodes,
        sla,
        routing: crm.routing,
        routingState,
        clock,
        limit,
        scope: 'bench',
        usage: () => connector.usage(),
      });
      if (r.status !== 'completed') throw new Error(`${crm.name} sweep stopped: ${JSON.stringify(r.stop)}`);
      return r;
    } finally {
      await connector.close();
    }
  };
  let syncSeconds = 0;
  let tossUps = 0;
  const handOff = async (iso: string) => {
    at(iso);
    const connector = await crm.connect({ sync: true });
    const started = performance.now();
    const sync = await runSync({
      connector,
      rules,
      renderer: new ReasonRenderer('ja'),
      routing: crm.routing,
      sla,
      state,
      routingState,
      clock: fixedClock(iso),
      scope: 'bench',
      limit: SLICE,
      episodes: { store: episodes, schedule: sweepSchedule(sla) },
    });
    syncSeconds += (performance.now() - started) / 1000;
    tossUps += sync.counts.tasksCreated;
    await connector.close();
    if (sync.status !== 'completed')
      throw new Error(`${crm.name} sync stopped: ${JSON.stringify(sync.stop)}`);
    process.stderr.write(
      `sweep bench ${crm.name}: sync ${iso}: ${sync.counts.leadsRead} leads, ${sync.counts.tasksCreated} tasks\n`,
    );
  };

  // Business hours go by: the reps act every hour; at each sync instant a slice is handed off and
  // swept (SLA status written, reminders, breaches, escalations, responses recorded).
  const instants = new Set<string>([...SYNCS, MEASURE_AT]);
  for (
    let t = new Date(SYNCS[0]!);
    t.getTime() <= Date.parse(MEASURE_AT);
    t = calendar.addBusinessHours(t, 1)
  )
    instants.add(t.toISOString());
  let acted = 0;
  for (const instant of [...instants].sort()) {
    at(instant);
    acted += crm.actor.act(Date.parse(instant)).length;
    if (!SYNCS.includes(instant)) continue;
    await handOff(instant);
    const started = performance.now();
    const r = await sweep(instant, 1_000_000);
    process.stderr.write(
      `sweep bench ${crm.name}: sweep ${instant}: ${JSON.stringify(r.counts)} ${JSON.stringify(r.slaStatuses)} in ${((performance.now() - started) / 1000).toFixed(1)} s, calls ${JSON.stringify(r.api.calls)}\n`,
    );
  }
  at(MEASURE_AT);
  const due = (await episodes.dueBefore(new Date(MEASURE_AT), 1_000_000)).length;
  process.stderr.write(
    `sweep bench ${crm.name}: ${tossUps} toss-ups handed off, reps acted ${acted} times; ${due} episodes due at ${MEASURE_AT}\n`,
  );

  // 3. The measured sweeps, at the same instant: 1,000, then 9,000 more.
  const started = performance.now();
  const refusedBefore = hubspot429s;
  const servedBefore = crm.served();
  const crmCountBefore = crm.crmCount();
  const first = await sweep(MEASURE_AT, FIRST);
  const refused1k = hubspot429s - refusedBefore;
  const crmCalls1k = crm.crmCount() - crmCountBefore;
  const served = Object.entries(crm.served())
    .map(([route, n]) => [route, n - (servedBefore[route] ?? 0)] as const)
    .filter(([, n]) => n > 0);
  process.stderr.write(
    `sweep bench ${crm.name}: the emulator served ${JSON.stringify(Object.fromEntries(served))}\n`,
  );
  const rest = await sweep(MEASURE_AT, REST);
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  for (const r of [first, rest])
    process.stderr.write(
      `sweep bench ${crm.name}: measured sweep: ${JSON.stringify(r.counts)} ${JSON.stringify(r.slaStatuses)} steps ${JSON.stringify(r.steps)}, calls ${JSON.stringify(r.api.calls)}, failures ${JSON.stringify(r.failures.byCode)}\n`,
    );
  return {
    checked1k: first.counts.checked,
    calls1k: crmCalls1k,
    meterCalls1k: crm.counted(first.api.calls),
    byEndpoint: first.api.calls,
    first,
    checkedAll: first.counts.checked + rest.counts.checked,
    seconds,
    rest,
    episodes: tossUps,
    syncSeconds,
    due,
    refused1k,
  };
}

// ---- the two CRMs -------------------------------------------------------------------------------

async function salesforce(): Promise<Crm<SalesforceConnector>> {
  const world = generateWorld({ seed: SEED, leads: PEOPLE, asOf: AS_OF });
  const sf = await startSalesforceEmulator({ world, dailyApiAllowance: 10_000_000 });
  const routing = routingFor(world, 'salesforce', {
    salesforceUsers: sf.seeded!.users,
    salesforceQueues: sf.seeded!.queues,
    hubspotOwners: otherCrmIds(world).hubspotOwners,
  });
  const c = sf.credentials;
  return {
    name: 'salesforce',
    world,
    emulatorClock: sf.clock,
    routing,
    actor: new RepActor({
      world,
      businessHoursBetween: (a, b) => calendar.businessHoursBetween(a, b),
      salesforce: { store: sf.store, users: sf.seeded!.users, keyField: 'TossUp_Key__c' },
    } satisfies RepActorOptions),
    connect: () =>
      createSalesforceConnector(
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
          pageSize: SLICE,
        },
        { now: () => sf.clock.now() },
      ),
    counted: allowanceCalls,
    served: () => Object.fromEntries(sf.app.counters),
    crmCount: () => sf.allowance.used(sf.clock.now()),
    close: () => sf.close(),
  };
}

let hubspot429s = 0;

async function hubspot(): Promise<Crm<HubspotConnector>> {
  const world = generateWorld({ seed: SEED, leads: PEOPLE, asOf: AS_OF });
  const clock = new EmulatorClock();
  const hs = await startHubspotEmulator({ world, clock, rateLimits: { enabled: false } });
  // How many requests the emulator refused with a 429 (the connector retries them; each attempt counts).
  const check = hs.rateLimiter.check.bind(hs.rateLimiter);
  hs.rateLimiter.check = (...args) => {
    const decision = check(...args);
    if (!decision.allowed) hubspot429s++;
    return decision;
  };
  const owners = hs.seedSummary!.ids.owners;
  const routing = routingFor(world, 'hubspot', { ...otherCrmIds(world), hubspotOwners: owners });
  const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-hs-cache-'));
  return {
    name: 'hubspot',
    world,
    emulatorClock: clock,
    routing,
    actor: new RepActor({
      world,
      businessHoursBetween: (a, b) => calendar.businessHoursBetween(a, b),
      hubspot: { store: hs.store, owners, keyProperty: 'tossup_task_key' },
    }),
    connect: async ({ sync }) => {
      // The sync is the backfill (HubSpot's limits off, as in hubspot-sync.ts); the sweeps run
      // under the professional tier's limits, which the emulator then enforces too.
      hs.rateLimiter.configure({ enabled: !sync });
      hs.rateLimiter.reset();
      return createHubspotConnector(
        {
          auth: { kind: 'private_app', accessToken: hs.accessToken },
          basePath: hs.basePath,
          portalId: '24681357',
          factsCacheFile: join(dir, 'facts.json'),
          pageSize: SLICE,
          ...(sync ? { limits: { burst: 100_000, searchPerSecond: 100_000 } } : {}),
        },
        { now: () => clock.now() },
      );
    },
    counted: (calls) => Object.values(calls).reduce((a, b) => a + b, 0),
    served: () => Object.fromEntries(hs.app.counters),
    crmCount: () =>
      [...hs.app.counters].filter(([route]) => route !== 'admin').reduce((a, [, n]) => a + n, 0),
    close: async () => {
      await hs.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls that wrote (SLA fields, tasks, owners): the rest read facts, managers or owners. */
function crmWrites(calls: Readonly<Record<string, number>>): number {
  return Object.entries(calls)
    .filter(([e]) => /update|create|upsert/.test(e))
    .reduce((a, [, n]) => a + n, 0);
}

/**
 * The world's routing file, with a daily capacity no rep reaches: one sync hands off a week's worth
 * of toss-ups here, and the benchmark wants them owned by the reps (who act), not by the overflow.
 */
function routingFor(
  world: World,
  crm: CrmName,
  ids: Parameters<typeof routingYamlForWorld>[1],
): RoutingConfig {
  const doc = parse(routingYamlForWorld(world, ids)) as { defaults?: { dailyCapacity?: number } };
  doc.defaults = { ...doc.defaults, dailyCapacity: 100_000 };
  return parseRoutingConfig(stringify(doc), 'routing.yaml', { crm });
}

/** Ids for the CRM not under test (the routing file names both). */
function otherCrmIds(world: World): Parameters<typeof routingYamlForWorld>[1] {
  const sfId = (prefix: string, i: number) => `${prefix}${String(i + 1).padStart(12, '0')}AAA`;
  return {
    salesforceUsers: new Map(world.users.map((u, i) => [u.key, sfId('005', i)])),
    salesforceQueues: new Map(world.queues.map((q, i) => [q.key, sfId('00G', i)])),
    hubspotOwners: new Map(world.users.map((u, i) => [u.key, String(90_000_000 + i)])),
  };
}

async function run<C extends CrmConnector & { episodes: EpisodeCrm }>(make: () => Promise<Crm<C>>) {
  const crm = await make();
  try {
    results.set(crm.name, await measure(crm));
  } finally {
    await crm.close();
  }
}

const results = new Map<CrmName, Measured>();
const only = process.env.BENCH_SWEEP_CRMS?.split(',');
if (!only || only.includes('salesforce')) await run(salesforce);
if (!only || only.includes('hubspot')) await run(hubspot);

const fmt = (n: number) => n.toLocaleString('en-US');
const TARGET: Record<string, string> = { salesforce: '<= 15', hubspot: '<= 25' };
for (const [name, m] of results) {
  const c = m.first.counts;
  const mix =
    `of the ${fmt(m.checked1k)} checked: ${c.responded} first responses found (${c.completed} of them the toss-up task completed, the rest a logged call, meeting or other task), ` +
    `${c.reminders} reminders, ${c.escalations} manager notices, ${c.managerTasks} manager tasks, ${c.closed} closed, ` +
    `${c.slaFieldsWritten} SLA-field writes (${Object.entries(m.first.slaStatuses)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ')}), the rest a first-response poll that found nothing`;
  const endpoints = Object.entries(m.byEndpoint)
    .map(([e, n]) => `${e} ${n}`)
    .join(', ');
  const writes = crmWrites(m.byEndpoint);
  report({
    name: `sweep.callsPer1000Episodes.${name}`,
    value: Math.round((m.calls1k * 1000) / Math.max(1, m.checked1k)),
    unit: 'calls',
    target: TARGET[name]!,
    note: `one runSweep (limit 1,000) on the emulator at Wed 10:00 JST after six syncs (Mon 10:00, 13:00, 16:00, Tue 10:00, 12:15, 16:00) handed off ${fmt(m.episodes)} toss-ups of a ${fmt(PEOPLE)}-person world, each followed by a sweep, the world's emulated reps acting hourly; ${m.due.toLocaleString('en-US')} due; ${mix}; ${fmt(m.calls1k)} calls ${name === 'salesforce' ? 'counted against the org’s daily allowance' : 'as requests the portal received'} (the connector’s usage meter: ${m.meterCalls1k}${m.meterCalls1k === m.calls1k ? '' : ', it counts attempts, also one that never reached the CRM'}); by endpoint as the meter counts them (${writes} writes${m.refused1k ? `, ${m.refused1k} refused with a 429 and retried` : ''}): ${endpoints}`,
  });
  report({
    name: `sweep.secondsPer10kEpisodes.${name}`,
    value: Math.round(((m.seconds * 10_000) / Math.max(1, m.checkedAll)) * 100) / 100,
    unit: 's',
    note: `wall time of the measured sweep above plus one more (limit 9,000) at the same instant: ${fmt(m.checkedAll)} due episodes checked${m.checkedAll === 10_000 ? '' : ', scaled to 10,000'}; includes building a connector per sweep, facts reads, writes, the file episode store (state dir on local disk) and the emulator serving in the same process${name === 'hubspot' ? ' (under the connector’s professional-tier budget, 190 requests per 10 s)' : ''}, no chat notifier, no re-checks; the machine was shared with other jobs, so pessimistic`,
  });
}
