/**
 * The emulator process of the scale curve (bench/scale.ts): one CRM emulator seeded with a World of
 * SCALE_LEADS people, its rate limits multiplied by SCALE_FACTOR, in a process of its own so its
 * memory and CPU are measured apart from the sync's. Talks over stdin/stdout, one JSON line per
 * answer:
 *
 *   (start)  → { ready, crm, people, connection, routingFile, clockOffsetMs, seedSeconds }
 *   day      → the clock moves a day on and SCALE_DAY_SHARE of the people change (an MA score raised,
 *              and on HubSpot a conversion and a pricing-page view): a normal day's changes by
 *              others, spread over the business day
 *   stats    → { maxRssMb, counters }
 *   quit
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { EmulatorClock } from '../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { routingYamlForWorld } from '../../emulators/world-routing.ts';
import { REAL_LIMITS, SCALE_AS_OF } from './scale-limits.ts';

for (const key of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[key];

const crm = process.env.SCALE_CRM as 'hubspot' | 'salesforce';
const leads = Number(process.env.SCALE_LEADS);
const factor = Number(process.env.SCALE_FACTOR ?? 1);
const dayShare = Number(process.env.SCALE_DAY_SHARE ?? 0.1);
const workDir = process.env.SCALE_WORK_DIR!;

const send = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const started = performance.now();
const world = generateWorld({ seed: 42, leads, asOf: SCALE_AS_OF });
const clock = new EmulatorClock();
// Shifted, not pinned: rate-limit windows move with real time. The backfill runs an hour after the
// World's snapshot.
clock.advance(Date.parse(world.asOf) + 3_600_000 - Date.now());
// The other CRM's ids, which routing.yaml also names (15 characters, as Salesforce ids have).
const fakeIds = (keys: readonly { key: string }[], prefix: string) =>
  new Map(keys.map((u, i) => [u.key, `${prefix}${String(i).padStart(15 - prefix.length, '0')}`]));

if (crm === 'hubspot') {
  const hs = await startHubspotEmulator({
    world,
    clock,
    tokens: ['pat-na1-scale-bench'],
    rateLimits: {
      enabled: true,
      tenSecondlyMax: REAL_LIMITS.hubspot.burst * factor,
      intervalMs: REAL_LIMITS.hubspot.intervalMs,
      searchPerSecond: REAL_LIMITS.hubspot.searchPerSecond * factor,
      dailyMax: REAL_LIMITS.hubspot.daily * factor,
    },
  });
  const routingFile = join(workDir, 'routing.yaml');
  writeFileSync(
    routingFile,
    routingYamlForWorld(world, {
      salesforceUsers: fakeIds(world.users, '005'),
      salesforceQueues: fakeIds(world.queues, '00G'),
      hubspotOwners: hs.seedSummary!.ids.owners,
    }),
  );
  ready({ basePath: hs.basePath, accessToken: 'pat-na1-scale-bench', portalId: hs.portalId }, routingFile);
  await serve({
    day: () => {
      clock.advance(86_400_000);
      const day = clock.now();
      const attended = new Date(day - 20 * 3_600_000).toISOString();
      const viewed = new Date(day - 19 * 3_600_000).toISOString();
      const changed = chosen(hs.store.list('contacts'));
      const start = day - 16 * 3_600_000;
      const step = Math.max(1, Math.floor((10 * 3_600_000) / Math.max(1, changed.length)));
      for (const [i, c] of changed.entries()) {
        const ma = c.props.ma_behaviour_score;
        hs.store.update(
          'contacts',
          c.id,
          {
            num_conversion_events: String(Number(c.props.num_conversion_events ?? 0) + 1),
            recent_conversion_date: attended,
            recent_conversion_event_name: '秋のDXウェビナー',
            hs_analytics_last_visit_timestamp: viewed,
            tossup_pricing_page_last_view: viewed,
            ...(ma === undefined ? {} : { ma_behaviour_score: String(Number(ma) + 25) }),
          },
          { system: true, at: start + i * step },
        );
      }
      return changed.length;
    },
    counters: () => Object.fromEntries(hs.app.counters),
    close: () => hs.close(),
  });
} else {
  const sf = await startSalesforceEmulator({
    world,
    clock,
    dailyApiAllowance: REAL_LIMITS.salesforce.dailyApiAllowance * factor,
    rateLimits: true,
  });
  const routingFile = join(workDir, 'routing.yaml');
  writeFileSync(
    routingFile,
    routingYamlForWorld(world, {
      salesforceUsers: sf.seeded!.users,
      salesforceQueues: sf.seeded!.queues,
      hubspotOwners: fakeIds(world.users, '9'),
    }),
  );
  const c = sf.credentials;
  ready(
    {
      loginUrl: sf.loginUrl,
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      username: c.username,
      password: c.password,
    },
    routingFile,
  );
  await serve({
    day: () => {
      clock.advance(86_400_000);
      const start = clock.now() - 16 * 3_600_000;
      const changed = [
        ...chosen(sf.store.all('Lead')).map((r) => ['Lead', r] as const),
        ...chosen(sf.store.all('Contact')).map((r) => ['Contact', r] as const),
      ];
      const step = Math.max(1, Math.floor((10 * 3_600_000) / Math.max(1, changed.length)));
      // As the org's admin (the store's default actor): a change by someone else, not our own write.
      for (const [i, [type, r]] of changed.entries())
        sf.store.update(
          type,
          r.Id as string,
          { pi__score__c: Number(r.pi__score__c ?? 0) + 25 },
          { at: start + i * step },
        );
      return changed.length;
    },
    counters: () => Object.fromEntries(sf.app.counters),
    close: () => sf.close(),
  });
}

function ready(connection: Record<string, unknown>, routingFile: string): void {
  send({
    ready: true,
    crm,
    people: world.people.length,
    companies: world.companies.length,
    connection,
    routingFile,
    clockOffsetMs: clock.now() - Date.now(),
    seedSeconds: (performance.now() - started) / 1000,
  });
}

/** Every ⌈1/share⌉-th record: the same people on every run of a size. */
function chosen<T>(records: readonly T[]): T[] {
  const every = Math.max(1, Math.round(1 / dayShare));
  return records.filter((_, i) => i % every === 0);
}

async function serve(h: {
  day(): number;
  counters(): Record<string, number>;
  close(): Promise<void>;
}): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'day') {
      const changed = h.day();
      send({ changed, clockOffsetMs: clock.now() - Date.now() });
    } else if (line === 'stats') {
      send({ maxRssMb: process.resourceUsage().maxRSS / 1024, counters: h.counters() });
    } else if (line === 'quit') {
      await h.close();
      send({ bye: true });
      process.exit(0);
    }
  }
}
