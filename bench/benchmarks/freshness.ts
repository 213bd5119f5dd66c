/**
 * Freshness on HubSpot (issue 16): the time from a change in the CRM to the toss-up flag written
 * back, through the local listener (`tossup listen --crm hubspot`).
 *
 * - freshness.hubspotP95Ms: 95th percentile over CHANGES contact changes (a rep editing the MA score
 *   of a contact not decided before), made one every INTERVAL_MS — a steady rate the API budget
 *   (190 calls per 10 s) carries. The emulator's webhook sender batches events for BATCH_DELAY_MS as
 *   HubSpot does and posts them, signed, to the listener, which verifies, reads the contacts, decides
 *   and writes flag, reasons and task. "Written" is the moment the emulator applies our write of
 *   the flag (its change feed), so the figure includes the batching delay, every API call with the
 *   emulator's rate limits on, and the listener's work.
 *
 * Real @hubspot/api-client against the emulator on loopback, all in this process (2 shared cores).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { WebhookSender } from '../../emulators/hubspot/webhook-sender.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { routingYamlForWorld } from '../../emulators/world-routing.ts';
import { LISTEN_ENV, listenCommand } from '../../src/cli/commands/listen.ts';
import { report } from '../figure.ts';

for (const key of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY']) delete process.env[key];

const CHANGES = Number(process.env.FRESHNESS_CHANGES ?? 1000);
const INTERVAL_MS = 50;
const BATCH_DELAY_MS = 500;
const SECRET = 'bench-client-secret';
const APP_ID = 5150;

const dir = mkdtempSync(join(tmpdir(), 'tossup-freshness-'));
const world = generateWorld({
  seed: 16,
  leads: Math.ceil(CHANGES * 1.6),
  asOf: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
});
const hs = await startHubspotEmulator({ world, appId: APP_ID, rateLimits: { enabled: true } });
const routing = join(dir, 'routing.yaml');
writeFileSync(
  routing,
  routingYamlForWorld(world, {
    // Only HubSpot runs here; the routing file wants Salesforce ids too, made up in their shape.
    salesforceUsers: new Map(world.users.map((u, i) => [u.key, `005${String(i).padStart(12, '0')}AAA`])),
    salesforceQueues: new Map(world.queues.map((q, i) => [q.key, `00G${String(i).padStart(12, '0')}AAA`])),
    hubspotOwners: hs.seedSummary?.ids.owners ?? new Map(),
  }),
);

const stop = new AbortController();
const sink = new PassThrough();
let log = '';
// The listener's log: kept to explain contacts that got no flag write (skipped or failed leads).
const outcomes = { skipped: 0, failed: 0 };
sink.on('data', (d) => {
  const text = String(d);
  outcomes.skipped += text.split('lead skipped').length - 1;
  outcomes.failed += text.split('lead failed').length - 1;
  if (log.length < 200_000) log += text;
});
let ready: (url: string) => void = () => undefined;
const listening = new Promise<string>((resolve) => {
  ready = resolve;
});
const done = listenCommand(
  { crm: 'hubspot', port: 0 },
  {
    env: {
      TOSSUP_HUBSPOT_BASE_PATH: hs.basePath,
      TOSSUP_HUBSPOT_ACCESS_TOKEN: hs.accessToken,
      TOSSUP_HUBSPOT_MAPPING: 'mappings/hubspot.yaml',
      TOSSUP_HUBSPOT_PORTAL_ID: String(hs.portalId),
      TOSSUP_ROUTING: routing,
      TOSSUP_RULES: 'large',
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
      TOSSUP_LOCALE: 'en',
      [LISTEN_ENV.clientSecret]: SECRET,
      [LISTEN_ENV.appId]: String(APP_ID),
    },
    stdout: sink,
    stderr: sink,
    profileFiles: [],
    signal: stop.signal,
    onListening: ready,
  },
);
const url = await Promise.race([
  listening,
  done.then((code) => Promise.reject(new Error(`listener exited ${code}: ${log}`))),
]);

const sender = new WebhookSender({
  targetUrl: `${url}/webhooks/hubspot`,
  clientSecret: SECRET,
  portalId: hs.portalId,
  appId: APP_ID,
  clock: hs.clock,
  flushDelayMs: BATCH_DELAY_MS,
});
const detach = sender.attach(hs.store);

// Our write of the flag, as the emulator applies it: the end of each measurement.
const changedAt = new Map<string, number>();
const latencies: number[] = [];
const unwatch = hs.store.onChange((c) => {
  if (c.type !== 'contacts' || c.source !== 'INTEGRATION') return;
  if (!c.changes.some((p) => p.name === 'tossup_flag')) return;
  const at = changedAt.get(c.id);
  if (at === undefined) return;
  changedAt.delete(c.id);
  latencies.push(performance.now() - at);
});

const contacts = hs.store
  .list('contacts')
  .slice(0, CHANGES)
  .map((c) => c.id);
const started = performance.now();
for (let i = 0; i < contacts.length; i++) {
  const due = started + i * INTERVAL_MS;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const id = contacts[i]!;
  changedAt.set(id, performance.now());
  // A value other than the current one: an unchanged value makes no change and no event.
  const current = hs.store.get('contacts', id)?.props.ma_behaviour_score;
  const score = String(40 + (i % 60));
  hs.store.update('contacts', id, { ma_behaviour_score: score === current ? String(39 - (i % 30)) : score });
}
// Everything sent; wait for the last writes (bounded).
const deadline = performance.now() + 60_000;
while (changedAt.size > 0 && performance.now() < deadline) {
  await sender.idle();
  await new Promise((r) => setTimeout(r, 50));
}
const elapsedS = (performance.now() - started) / 1000;
const unwritten = [...changedAt.keys()].map(
  (id) => hs.store.get('contacts', id)?.props.tossup_flag ?? '(none)',
);

unwatch();
detach();
await sender.close();
stop.abort();
await done;
await hs.close();
rmSync(dir, { recursive: true, force: true });

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? NaN;
const failed = sender.deliveries.filter((d) => !d.delivered).length;
const apiCalls = [...hs.app.counters].filter(([r]) => r !== 'admin').reduce((n, [, c]) => n + c, 0);
report({
  name: 'freshness.hubspotP95Ms',
  value: Math.round(pct(0.95)),
  unit: 'ms',
  target: '<= 5000',
  note: `${contacts.length} contact changes, one every ${INTERVAL_MS} ms, webhook batches of ${BATCH_DELAY_MS} ms, emulator rate limits on; change → flag written through \`tossup listen\`; p50 ${Math.round(pct(0.5))} ms, max ${Math.round(pct(1))} ms; ${latencies.length} measured, ${unwritten.length} never written (their flag now: ${unwritten.join(', ') || '-'}; the listener logged ${outcomes.skipped} skipped and ${outcomes.failed} failed leads); ${failed} delivery attempts refused or failed; ${apiCalls} API calls in ${elapsedS.toFixed(0)} s`,
});
