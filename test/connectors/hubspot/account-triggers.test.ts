import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubspotConnector } from '../../../connectors/hubspot/index.ts';
import type { HubspotEmulator, HubspotEmulatorOptions } from '../../../emulators/hubspot/index.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import { enqueueChanges } from '../../../src/handlers/enqueue-changes.ts';
import { signHubspotRequest } from '../../../src/handlers/hubspot-signature.ts';
import type { HttpApiEvent, SqsRecord } from '../../../src/handlers/lambda-types.ts';
import { createHubspotWebhookHandler } from '../../../src/handlers/webhook-handler.ts';
import { createWorkerHandler } from '../../../src/handlers/worker-handler.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { LeadOutcome } from '../../../src/pipeline/process-leads.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { fixedClock } from '../../../src/ports/clock.ts';
import type { EventDedup } from '../../../src/ports/event-dedup.ts';
import type { LeadVersions } from '../../../src/ports/lead-versions.ts';
import type { OutgoingMessage } from '../../../src/ports/message-queue.ts';
import { MemoryRoutingState } from '../../../src/routing/memory-routing-state.ts';
import { MemoryStateStore } from '../../../src/state/memory-state-store.ts';
import { bundledConfig, LogCapture, lambdaContext } from '../../handlers/support/harness.ts';
import { connect, startPortal } from './harness.ts';
import { addRoutingOwners, syncOptions } from './pipeline-kit.ts';

// Account-level triggers on HubSpot (issue 14): a company becoming a customer re-decides the contacts
// whose primary company it is — in the next sync (company change search) and at once through a
// `company.propertyChange` webhook (handler → queue → worker) — through the real @hubspot/api-client
// against the emulator.

const AS_OF = '2026-09-01T01:00:00.000Z';
const HOUR = 3_600_000;
const OWNER = '90000002';

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function portal(options: HubspotEmulatorOptions = {}) {
  const world = generateWorld({ seed: 11, leads: 30, asOf: AS_OF });
  const clock = new EmulatorClock();
  clock.advance(Date.parse(world.asOf) - Date.now());
  const hs = await startPortal({ world, clock, ...options });
  addRoutingOwners(hs);
  const at = Date.parse(AS_OF) - HOUR;
  const company = hs.store.create(
    'companies',
    {
      name: 'トリガー精工株式会社',
      domain: 'trigger-seiko.example.jp',
      lifecyclestage: 'lead',
      hubspot_owner_id: OWNER,
    },
    { system: true, at, createdAt: at },
  );
  const contacts: string[] = [];
  for (let i = 0; i < 50; i++) {
    const c = hs.store.create(
      'contacts',
      {
        firstname: `c${i}`,
        lastname: 'テスト',
        jobtitle: '担当',
        email: `c${i}@trigger-seiko.example.jp`,
        hubspot_owner_id: '90000001',
        // Some behaviour (MA score 20: above an existing customer's intent floor, below the score rule's 40).
        ma_behaviour_score: '20',
      },
      {
        system: true,
        at,
        createdAt: at,
        associations: [{ toType: 'companies', toId: company.id, primary: true }],
      },
    );
    contacts.push(c.id);
  }
  return { hs, company: company.id, contacts };
}

function syncWith(hs: HubspotEmulator, state: MemoryStateStore, factsFile: string) {
  return async () => {
    const connector: HubspotConnector = await connect(hs, { factsCacheFile: factsFile });
    const outcomes = new Map<string, LeadOutcome>();
    const report = await runSync(
      syncOptions(connector, state, new Date(hs.clock.now()).toISOString(), {
        onLead: async (o) => {
          outcomes.set(o.leadId, o);
        },
      }),
    );
    await connector.close();
    expect(report.stop).toBeNull();
    const calls = connector.usage().calls;
    return { report, outcomes, calls, total: Object.values(calls).reduce((a, b) => a + b, 0) };
  };
}

function cacheFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tossup-hs-accounts-'));
  dirs.push(dir);
  return join(dir, 'hubspot-facts.json');
}

describe('account-level triggers (HubSpot)', () => {
  it('a company becoming a customer re-decides its 50 contacts in the next sync, at 3 extra calls (1 read, 2 writes)', async () => {
    const { hs, company, contacts } = await portal();
    const state = new MemoryStateStore();
    const sync = syncWith(hs, state, cacheFile());

    const first = await sync();
    for (const id of contacts) expect(first.outcomes.get(id)!.decision!.ruleId).not.toBe('existing_customer');
    hs.clock.advance(HOUR);
    await sync(); // reads back what the first run wrote
    hs.clock.advance(HOUR);
    const quiet = await sync();
    expect(quiet.report.accountTriggers).toMatchObject({ accounts: 0, leads: 0 });

    const reasons = new Map(contacts.map((id) => [id, hs.store.get('contacts', id)!.props.tossup_reason]));
    hs.store.update('companies', company, { lifecyclestage: 'customer' });
    hs.clock.advance(HOUR);
    const changed = await sync();

    expect(changed.report.accountTriggers).toMatchObject({ accounts: 1, leads: 50 });
    for (const id of contacts) {
      const o = changed.outcomes.get(id)!;
      expect(o.decision!.ruleId).toBe('existing_customer');
      expect(o.task?.ownerId).toBe(OWNER);
      expect(hs.store.get('contacts', id)!.props.tossup_reason).not.toBe(reasons.get(id));
    }
    // Beyond a quiet run: the contacts of the changed company (1 search, every property the sync
    // reads), then the writes of the 50 re-decided contacts (1 batch update, 1 task batch create).
    // The company and deal change searches are in every incremental run, the quiet one included.
    expect(changed.total - quiet.total).toBe(3);
    expect((changed.calls['contacts.search'] ?? 0) - (quiet.calls['contacts.search'] ?? 0)).toBe(1);
    expect(quiet.calls['companies.search']).toBeGreaterThanOrEqual(1);

    hs.clock.advance(HOUR);
    const after = await sync();
    expect(after.report.accountTriggers).toMatchObject({ accounts: 0, leads: 0 });

    // A run where a contact changed too: the company-facts cache reads its change feed for that
    // contact's page, and the trigger phase takes the company change from it — no search of its own.
    const other = hs.store.list('contacts').find((c) => !contacts.includes(c.id))!;
    hs.store.update('companies', company, { strategic_target: 'true' });
    hs.store.update('contacts', other.id, { jobtitle: '部長' });
    hs.clock.advance(HOUR);
    const both = await sync();
    expect(both.report.accountTriggers).toMatchObject({ accounts: 1, leads: 50 });
    expect(both.calls['companies.search']).toBe(1);
    expect(both.calls['deals.search']).toBe(1);
    hs.clock.advance(HOUR);
    const settled = await sync();
    expect(settled.report.accountTriggers).toMatchObject({ accounts: 0, leads: 0 });
  });

  it('a company.propertyChange webhook re-decides the same contacts through the queue worker', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(JSON.stringify({ headers: req.headers, body, url: req.url }));
        res.writeHead(204).end();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const clientSecret = 'account-trigger-secret';
    const { hs, company, contacts } = await portal({
      webhook: {
        targetUrl: `http://127.0.0.1:${port}/webhooks/hubspot`,
        clientSecret,
        subscriptions: ['company.propertyChange', 'deal.propertyChange'],
        accountPropertyNames: ['lifecyclestage', 'hubspot_owner_id', 'strategic_target'],
      },
    });
    const state = new MemoryStateStore();
    await syncWith(hs, state, cacheFile())();

    hs.store.update('companies', company, { lifecyclestage: 'customer', name: 'トリガー精工' });
    await hs.webhooks!.idle();
    expect(received).toHaveLength(1);
    const delivered = JSON.parse(received[0]!) as {
      headers: Record<string, string>;
      body: string;
      url: string;
    };
    const events = JSON.parse(delivered.body) as {
      subscriptionType: string;
      objectId: number;
      propertyName: string;
    }[];
    // Only the subscribed property: the name change sends nothing.
    expect(events.map((e) => [e.subscriptionType, String(e.objectId), e.propertyName])).toEqual([
      ['company.propertyChange', company, 'lifecyclestage'],
    ]);

    // The webhook Lambda, as API Gateway hands the request over (signed for the URL HubSpot called).
    const sent: OutgoingMessage[] = [];
    const log = createLogger({ destination: new LogCapture(), level: 'debug' });
    const webhook = createHubspotWebhookHandler({
      secretId: 'hs',
      secrets: {
        get: async () => ({
          text: JSON.stringify({ clientSecret }),
          versionId: '1',
          fetchedAtMs: Date.now(),
        }),
        invalidate() {},
      },
      dedup: memoryDedup(),
      queue: { sendAll: async (m: OutgoingMessage[]) => void sent.push(...m) } as never,
      clock: { now: () => new Date() },
      log,
    });
    // API Gateway serves https only, and HubSpot signs the https URL it calls; the emulator posted
    // the same body over plain http on loopback, so it is signed here as HubSpot signs it.
    const host = 'abc123.execute-api.ap-northeast-1.amazonaws.com';
    const signed = signHubspotRequest(
      { method: 'POST', uri: `https://${host}/webhooks/hubspot`, body: delivered.body },
      clientSecret,
      Date.now(),
    );
    const event = {
      version: '2.0',
      rawPath: '/webhooks/hubspot',
      rawQueryString: '',
      headers: {
        ...delivered.headers,
        host,
        'x-hubspot-signature-v3': signed.signature,
        'x-hubspot-request-timestamp': signed.timestamp,
      },
      body: delivered.body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST' }, domainName: host },
    } as unknown as HttpApiEvent;
    const answer = await webhook(event, lambdaContext());
    expect(answer.statusCode).toBe(200);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.body as string)).toMatchObject({
      kind: 'refresh',
      objectType: 'company',
      ids: [company],
    });

    // The queue worker decides the company's contacts with the connector.
    await work(hs, state, sent);
    expectCustomerToss(hs, contacts);
  });

  it('the scheduled Lambda reader enqueues the contacts of a changed company for the worker', async () => {
    const { hs, company, contacts } = await portal();
    const state = new MemoryStateStore();
    const factsFile = cacheFile();
    await syncWith(hs, state, factsFile)();
    hs.clock.advance(HOUR);
    hs.store.update('companies', company, { lifecyclestage: 'customer' });
    hs.clock.advance(HOUR);

    const sent: OutgoingMessage[] = [];
    const connector = await connect(hs, { factsCacheFile: factsFile });
    const report = await enqueueChanges({
      connector,
      state,
      queue: { sendAll: async (m: OutgoingMessage[]) => void sent.push(...m) } as never,
      scope: 'default',
      clock: fixedClock(new Date(hs.clock.now()).toISOString()),
      log: createLogger({ destination: new LogCapture(), level: 'debug' }),
      remainingMs: () => 300_000,
    });
    await connector.close();
    expect(report.stop).toEqual({ reason: 'caught_up' });
    // The world's own companies stamped in the backfill's last second come along (their contacts only).
    expect(report.accountLeads).toBeGreaterThanOrEqual(50);
    const bodies = sent.map(
      (m) => JSON.parse(m.body as string) as { trigger?: string; lead: { id: string } },
    );
    const triggered = bodies.filter((b) => b.trigger === 'account').map((b) => b.lead.id);
    expect(triggered).toEqual(expect.arrayContaining(contacts));
    expect(triggered).toHaveLength(report.accountLeads);

    await work(hs, state, sent);
    expectCustomerToss(hs, contacts);
  });
});

/** One worker invocation over the messages, with the HubSpot connector. */
async function work(hs: HubspotEmulator, state: MemoryStateStore, sent: readonly OutgoingMessage[]) {
  const connector = await connect(hs, { factsCacheFile: cacheFile() });
  const worker = createWorkerHandler({
    crm: 'hubspot',
    scope: 'default',
    config: { ...bundledConfig, routing: syncOptions(connector, state, AS_OF).routing },
    connectors: { get: async () => connector, invalidate() {} },
    state,
    routingState: new MemoryRoutingState(),
    versions: memoryVersions(),
    clock: fixedClock(new Date(hs.clock.now()).toISOString()),
    log: createLogger({ destination: new LogCapture(), level: 'debug' }),
  });
  const records: SqsRecord[] = sent.map((m, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body: m.body as string,
    attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {},
  })) as never;
  const result = await worker({ Records: records } as never, lambdaContext());
  expect(result.batchItemFailures).toEqual([]);
}

/** Every contact is a toss-up for the company owner now, with exactly one task. */
function expectCustomerToss(hs: HubspotEmulator, contacts: readonly string[]): void {
  const tasks = hs.store.list('tasks');
  for (const id of contacts) {
    expect(hs.store.get('contacts', id)!.props.tossup_next_action).toBe('field_sales_tossup');
    const own = tasks.filter((t) =>
      hs.store.associationsOf('tasks', t.id, 'contacts').some((a) => a.to === id),
    );
    expect(own).toHaveLength(1);
    expect(own[0]!.props.hubspot_owner_id).toBe(OWNER);
  }
}

function memoryDedup(): EventDedup {
  const done = new Set<string>();
  return {
    seen: async (ids) => new Set(ids.filter((id) => done.has(id))),
    remember: async (ids) => {
      for (const id of ids) done.add(id);
    },
  };
}

function memoryVersions(): LeadVersions {
  const done = new Map<string, number>();
  return {
    claim: async (key, version) => {
      const stored = done.get(key);
      if (stored !== undefined && stored >= version)
        return { status: stored === version ? 'done' : 'stale', storedVersion: stored };
      return { status: 'claimed', token: `${key}@${version}` };
    },
    complete: async (key, version) => {
      done.set(key, version);
      return true;
    },
    release: async () => undefined,
  };
}
