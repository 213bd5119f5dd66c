import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { createDeal, startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { leadsPerMessage, loadDeploySettings } from '../../scripts/deploy-settings.ts';
import { DynamoTable, num, SINGLE, str } from '../../src/aws/dynamo-table.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import { SecretsManagerCache } from '../../src/aws/secrets.ts';
import { signHubspotRequest } from '../../src/handlers/hubspot-signature.ts';
import type { HttpApiEvent, ScheduledEvent } from '../../src/handlers/lambda-types.ts';
import { FUNCTION_COUNTS } from '../../src/handlers/published-metrics.ts';
import type { SweepResult } from '../../src/handlers/sweep-handler.ts';
import {
  reportFromEnv,
  sweepFromEnv,
  syncFromEnv,
  type WiringOverrides,
  webhookFromEnv,
  workerFromEnv,
} from '../../src/handlers/wiring.ts';
import { leadVersionKey } from '../../src/ports/lead-versions.ts';
import { startLocalDynamo } from '../aws/local-dynamodb.ts';
import {
  type AwsAnswer,
  type AwsCall,
  LoopbackAws,
  loopbackClientConfig,
  sqsSendMessageBatch,
} from '../aws/loopback-aws.ts';
import { LogCapture, runningLambdaContext } from '../handlers/support/harness.ts';
import { relayedEvent, TEST_EVENT_SOURCE } from '../handlers/support/relayed-event.ts';
import { deployedQueue, type SqsSimulator } from '../handlers/support/sqs-simulator.ts';
import { sharedClock, writeWorldConfig } from '../handlers/support/world-config.ts';
import { type DynamoRequest, keyPrefix, recordDynamoRequests } from './support/dynamo-requests.ts';
import { ACCOUNT, allows, arnOf, REGION, roleStatements, secretArn } from './support/iam-policy.ts';
import { packageTemplate, type Template } from './support/package-template.ts';

/**
 * The DynamoDB requests the functions really make are allowed by the roles the packaged template gives
 * them (stack.test.ts checks the roles against a table of what each function is meant to need; this
 * checks them against what the code does). For each CRM, the sync, worker and sweep are built by their
 * production composition roots (syncFromEnv, workerFromEnv, sweepFromEnv) with the environment the
 * template sets, the real connector against the CRM emulator (so the optional capabilities that add
 * requests, such as the opportunity phase and the Salesforce write guard, are there as in production),
 * DynamoDB on dynalite and SQS, Firehose and Secrets Manager on loopback servers. Every DynamoDB
 * request each function sends (action, table or index ARN, every partition key) is recorded at its
 * client and evaluated against that function's role (./support/iam-policy.ts).
 *
 * The run makes each kind of work happen: toss-ups with tasks, episodes and toss-up notices, holds
 * with re-checks, the ledger outbox (a Firehose outage), a redelivered message, a re-check record of the earlier layout
 * (`recheck|…`) in the worker and in the sweep, the sweep's SLA steps, re-checks of due leads (one
 * gone from the CRM), opportunity outcomes and the chat drain, and the dry runs of sync and sweep.
 * Then the event paths: on HubSpot, signed webhook requests (webhookFromEnv: event-id claims, their
 * release in an SQS outage, a replay) whose refresh messages the worker decides; on Salesforce,
 * change events as Event Relay puts them on the events queue (a person's edit, an Account change, an
 * overflow). Last, the weekly report (reportFromEnv) over the outcomes the sweeps wrote.
 *
 * Each function has a loopback AWS server of its own, so its other requests (SQS, Firehose, Secrets
 * Manager, Athena; the report's S3 on a loopback of its own) are its alone, and are evaluated against
 * its role too (`serviceRequestOf`), on the resources as the template names them: the CRM's leads
 * queue, the ledger's delivery streams, the secrets.
 */

const settings = loadDeploySettings('infra/settings.yml');
const AS_OF = '2026-11-24T01:00:00.000Z';
const DAY = 86_400_000;
const QUEUE_URL = 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/tossup-test-leads';
/** The CRM's events queue (change events: webhook refreshes, Event Relay). */
const EVENTS_URL = 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/tossup-test-events';
/** The queues' ARNs as the records name them (the same names as the URLs). */
const QUEUE_ARN = 'arn:aws:sqs:ap-northeast-1:123456789012:tossup-test-leads';
const EVENTS_ARN = 'arn:aws:sqs:ap-northeast-1:123456789012:tossup-test-events';
/** `metrics.published` here: one more count of each function than the default, so the list is the template's. */
const PUBLISHED = [...settings.metrics.published, 'pages', 'messages', 'due'];
let work: string;
/** Both CRMs and both sweeps enabled: the stack in which every function here runs. */
let template: Template;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tossup-real-requests-'));
  const on = structuredClone(settings);
  for (const crm of ['salesforce', 'hubspot'] as const) {
    on.crms[crm].enabled = true;
    on.crms[crm].sweep = { enabled: true, schedule: 'rate(5 minutes)' };
  }
  // The relay's source, so the Salesforce worker's environment accepts relayed change events.
  on.crms.salesforce.eventRelay = { eventSourceName: TEST_EVENT_SOURCE };
  on.metrics = { published: PUBLISHED };
  template = packageTemplate(work, 'sweeping', on);
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CRMS = [
  { crm: 'salesforce', C: 'Salesforce' },
  { crm: 'hubspot', C: 'Hubspot' },
] as const;
type Crm = (typeof CRMS)[number]['crm'];

/**
 * What the run must have recorded (function, action, key kind), so the check cannot pass by
 * recording little: the re-check records on the lead's item and of the earlier layout above all.
 */
const MUST_SEE = (C: string, crm: Crm) => [
  `Sync${C} PutItem lease|sync|`,
  `Sync${C} UpdateItem cursor|sync|`,
  `Sync${C} PutItem cursor|accounts|`,
  `Sync${C} BatchGetItem episode|`,
  `Worker${C} UpdateItem lead|`,
  `Worker${C} GetItem lead|`,
  `Worker${C} BatchGetItem lead|`,
  `Worker${C} BatchGetItem recheck|`,
  `Worker${C} DeleteItem recheck|`,
  `Worker${C} PutItem recheckdue|`,
  `Worker${C} PutItem rkroster|`,
  `Worker${C} PutItem episode|`,
  `Worker${C} PutItem epdue|floor`,
  `Worker${C} PutItem eproster|`,
  `Worker${C} PutItem notify|`,
  // Only while Firehose fails: a decision is not staged before its write (the message is).
  `Worker${C} PutItem ledgerq|`,
  `Worker${C} Query ledgerq|`,
  `Sweep${C} PutItem lease|sweep|`,
  `Sweep${C} UpdateItem lead|`,
  `Sweep${C} BatchGetItem lead|`,
  `Sweep${C} BatchGetItem recheck|`,
  `Sweep${C} DeleteItem recheck|`,
  `Sweep${C} Query index recheck|`,
  `Sweep${C} BatchGetItem rkroster|`,
  `Sweep${C} Query index <hour>`,
  `Sweep${C} Query index outbox`,
  `Sweep${C} PutItem episode|`,
  `Sweep${C} PutItem eproster|`,
  `Sweep${C} BatchGetItem eproster|`,
  `Sweep${C} DeleteItem eproster|`,
  `Sweep${C} PutItem notify|`,
  `Sweep${C} PutItem cursor|opportunities:`,
  `Sweep${C} UpdateItem cursor|opportunities:`,
  `Sweep${C} PutItem outcomes|`,
  // No echo: Salesforce's sweep guards its lead writes from the sync's cursor (HubSpot needs no guard).
  ...(crm === 'salesforce' ? [`Sweep${C} GetItem cursor|sync|`] : []),
  // The weekly report reads the sweeps' opportunity outcomes of both CRMs.
  'WeeklyReport Query outcomes|',
];

/**
 * What the event paths alone must have recorded (they make the kinds of request the sync's messages
 * make, so the run's MUST_SEE would not notice them stop): on HubSpot the webhook's event-id reads
 * and writes, on both the worker's reads and claims of the people the events name, and the
 * routing of an account's people decided without a claim (their assignments in items of their own).
 */
const MUST_SEE_EVENTS = (C: string, crm: Crm) => [
  ...(crm === 'hubspot'
    ? [
        // Which event ids were handed off before (a batch read), each remembered with a put once enqueued.
        'WebhookHubspot BatchGetItem hook|',
        'WebhookHubspot PutItem hook|',
      ]
    : []),
  `Worker${C} BatchGetItem lead|`,
  `Worker${C} UpdateItem lead|`,
  `Worker${C} PutItem route|`,
  `Worker${C} PutItem episode|`,
];

/**
 * The other AWS requests (function, IAM action and, where it tells them apart, the resource's ARN)
 * that must have been seen, and allowed: each function's read of its secrets, the sync's send to the
 * CRM's leads queue and the webhook's to its events queue, the worker's delay of a message whose lead
 * is claimed (the redelivered copy of a sync message) on the leads queue it came from, the ledger rows of the worker and the
 * sweep on both streams, the report's.
 */
const MUST_SEE_SERVICES = (C: string, crm: Crm) => {
  const queue = arnOf(template, `LeadsQueue${C}`);
  const events = arnOf(template, `EventsQueue${C}`);
  const secret = (name: string) => `secretsmanager:GetSecretValue ${secretArn(`tossup/test/${name}`)}`;
  const ledger = ['LedgerDecisionsStream', 'LedgerEventsStream'].map(
    (stream) => `firehose:PutRecordBatch ${arnOf(template, stream)}`,
  );
  return [
    `Sync${C} ${secret(crm)}`,
    `Sync${C} sqs:SendMessage ${queue}`,
    `Worker${C} ${secret(crm)}`,
    `Worker${C} sqs:ChangeMessageVisibility ${queue}`,
    ...ledger.map((put) => `Worker${C} ${put}`),
    `Sweep${C} ${secret(crm)}`,
    `Sweep${C} ${secret('chat')}`,
    ...ledger.map((put) => `Sweep${C} ${put}`),
    ...(crm === 'hubspot'
      ? [`WebhookHubspot ${secret('hubspot-webhook')}`, `WebhookHubspot sqs:SendMessage ${events}`]
      : []),
    `WeeklyReport ${secret('chat')}`,
    'WeeklyReport athena:StartQueryExecution',
    'WeeklyReport athena:GetQueryExecution',
    'WeeklyReport athena:GetQueryResults',
    'WeeklyReport s3:PutObject',
    'WeeklyReport s3:GetObject',
  ];
};

describe('the requests the functions really make are allowed by their roles', () => {
  it.each(CRMS)(
    '$crm: sync, worker, sweep, change events (webhook or relay) and the weekly report',
    async ({ crm, C }) => {
      const run = await runFunctions(crm, C);
      expect(run.unmodelled).toEqual([]);
      expect(refused(run.requests), 'requests the function’s role refuses').toEqual([]);
      expect(refusedServices(run.services), 'other AWS requests the function’s role refuses').toEqual([]);

      const seen = new Set(run.requests.map(kindOf));
      expect(MUST_SEE(C, crm).filter((k) => !seen.has(k))).toEqual([]);
      const seenOnEvents = new Set(run.eventRequests.map(kindOf));
      expect(MUST_SEE_EVENTS(C, crm).filter((k) => !seenOnEvents.has(k))).toEqual([]);
      const seenServices = new Set(
        run.services.flatMap((r) => [`${r.fn} ${r.action}`, `${r.fn} ${r.action} ${r.resource}`]),
      );
      expect(MUST_SEE_SERVICES(C, crm).filter((k) => !seenServices.has(k))).toEqual([]);
      // The work behind them happened as meant (the CRM and chat side of it).
      expect(run.facts.rechecks).toMatchObject({ failed: 0, stop: null });
      expect(run.facts.rechecks.holdsExpired).toBeGreaterThan(0);
      expect(run.facts.rechecks.gone).toBe(1);
      expect(run.facts.outcomesWritten).toBeGreaterThan(0);
      expect(run.facts.notificationsSent).toBeGreaterThan(0);
      // The template's TOSSUP_METRICS reached each function's metrics line (settings `metrics.published`).
      expect(run.facts.published).toEqual(
        Object.fromEntries(
          (['sync', 'worker', 'sweep'] as const).map((fn) => [
            fn,
            FUNCTION_COUNTS[fn].filter((n) => PUBLISHED.includes(n)).sort(),
          ]),
        ),
      );
      expect(run.facts.ledgerRecords).toBeGreaterThan(0);
      expect(run.facts.problems).toEqual([]);
      // The events: each message decided, the named person claimed at the version of the edit.
      expect(run.facts.events).toMatchObject(
        crm === 'hubspot'
          ? {
              webhook: {
                refused: { status: 503 },
                accepted: { status: 200, body: { accepted: 2, duplicates: 0 } },
                replayed: { status: 200, body: { accepted: 0, duplicates: 2 } },
              },
              // Both refreshes on the events queue, none with the sync's packs.
              onQueues: { leads: 0, events: 2 },
              claimedAtEdit: true,
            }
          : {
              // EventBridge's target: the events queue.
              onQueues: { leads: 0, events: 3 },
              actions: ['account', 'decide', 'read_since'],
              claimedAtEdit: true,
            },
      );
      expect(run.facts.eventWork).toMatchObject({
        messages: crm === 'hubspot' ? 2 : 3,
        badMessages: 0,
        failedMessages: 0,
      });
      expect(run.facts.eventWork.written).toBeGreaterThan(0);
      expect(run.facts.reportPosted).toBe(true);
    },
    60_000,
  );
});

/** `WorkerSalesforce BatchGetItem lead|`; a query on an index says `index`. */
function kindOf(r: DynamoRequest): string {
  const kinds = [...new Set(r.keys.map(keyPrefix))].sort().join(',');
  return `${r.fn} ${r.action} ${r.resource.includes('/index/') ? 'index ' : ''}${kinds}`;
}

/** The refused requests, one line per function, action and key kind, with an example of the keys. */
function refused(requests: readonly DynamoRequest[]): string[] {
  const out = new Map<string, string>();
  for (const r of requests) {
    const role = roleOf(template, r.fn);
    const req = { action: `dynamodb:${r.action}`, resource: r.resource, leadingKeys: r.keys };
    if (allows(roleStatements(template, role), req)) continue;
    const kind = kindOf(r);
    if (!out.has(kind))
      out.set(
        kind,
        `${r.fn} (${role}): dynamodb:${r.action} on ${r.resource.replace(/^.*:table\//, 'table/')}, keys ${r.keys.slice(0, 3).join(' ')}${r.keys.length > 3 ? ` (${r.keys.length} keys)` : ''}`,
      );
  }
  return [...out.values()].sort();
}

/** The role the template gives the function. */
function roleOf(t: Template, fn: string): string {
  const role = t.Resources[`${fn}LambdaFunction`]!.Properties.Role as { 'Fn::GetAtt'?: [string, string] };
  const id = role['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`${fn}: a role that is not one of the template's (${JSON.stringify(role)})`);
  return id;
}

/** The CRM emulator as the run needs it: its leads' flags, and what a person does there. */
interface CrmSide {
  /** The Secrets Manager entry (docs/deploy.md): the same keys as a CLI profile. */
  secret: string;
  leads(): { objectType: string; id: string; flag: string | null }[];
  /** The flags of a toss-up and of a lead the rules said no to. */
  yes: string;
  no: string;
  /** A rep's opportunity for the lead (Salesforce: the Lead converted; HubSpot: a deal for the contact). */
  convert(lead: { objectType: string; id: string }): void;
  /** A person edits the lead. */
  edit(lead: { objectType: string; id: string }): void;
  /** The lead goes from the CRM. */
  remove(lead: { objectType: string; id: string }): void;
}

async function runFunctions(crm: Crm, C: string) {
  const world = generateWorld({ seed: 7, leads: 24, asOf: AS_OF });
  // One clock for the functions and the emulators: the run moves days forward without waiting.
  const { emuClock, clock } = sharedClock(AS_OF);
  // Both emulators seed the world's reps, which the routing file names in both CRMs.
  const sf = await startSalesforceEmulator({
    world,
    rateLimits: false,
    clock: emuClock,
    changeDataCapture: false,
  });
  const hs = await startHubspotEmulator({ world, rateLimits: { enabled: false }, clock: emuClock });
  const slack = await startSlackEmulator({
    rateLimitsEnabled: false,
    users: world.users.map((u, i) => ({
      id: `U${String(i).padStart(6, '0')}`,
      email: u.email,
      name: u.lastName,
    })),
  });
  const dynamo = await startLocalDynamo();
  const configDir = mkdtempSync(join(tmpdir(), 'tossup-real-requests-config-'));
  const queue = deployedQueue(clock, crm, 'leads', QUEUE_ARN);
  const events = deployedQueue(clock, crm, 'events', EVENTS_ARN);
  // Where a send lands: by the queue URL the function was given.
  const queues: Record<string, SqsSimulator> = { [QUEUE_URL]: queue, [EVENTS_URL]: events };
  const side: CrmSide =
    crm === 'salesforce'
      ? {
          secret: JSON.stringify({ loginUrl: sf.loginUrl, ...sf.credentials }),
          leads: () =>
            ['Lead', 'Contact'].flatMap((objectType) =>
              sf.store.all(objectType).map((r) => ({
                objectType,
                id: String(r.Id),
                flag: (r.TossUp_Flag__c as string | undefined) ?? null,
              })),
            ),
          yes: 'はい',
          no: 'いいえ',
          convert: (l) => {
            sf.store.convertLead(l.id, { opportunity: { stageName: 'Qualification' } });
          },
          edit: (l) => sf.store.update(l.objectType, l.id, { Title: '営業部長' }),
          remove: (l) => sf.store.delete(l.objectType, l.id),
        }
      : {
          // The portal id makes record links, which chat notices need.
          secret: JSON.stringify({
            accessToken: hs.accessToken,
            basePath: hs.basePath,
            portalId: String(hs.portalId),
          }),
          leads: () =>
            hs.store
              .list('contacts')
              .map((r) => ({ objectType: 'contact', id: r.id, flag: r.props.tossup_flag ?? null })),
          yes: 'yes',
          no: 'no',
          convert: (l) => {
            createDeal(hs.store, { contactId: l.id });
          },
          edit: (l) => {
            hs.store.update('contacts', l.id, { jobtitle: '営業部長' }, { source: 'CRM_UI' });
          },
          remove: (l) => {
            hs.store.archive('contacts', l.id);
          },
        };
  const secrets: Record<string, string> = {
    [`tossup/test/${crm}`]: side.secret,
    'tossup/test/chat': JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
    'tossup/test/hubspot-webhook': JSON.stringify({ clientSecret: WEBHOOK_CLIENT_SECRET }),
  };
  const sent: LoopbackState = {
    first: null,
    kinds: new Set(),
    ledgerRecords: 0,
    firehoseDown: false,
    sqsDown: false,
    queries: new Map(),
  };
  const recorded = { requests: [] as DynamoRequest[], unmodelled: [] as string[] };
  // A loopback AWS server for each function (and the report's S3), so each one's calls are its own.
  const fns = [
    `Sync${C}`,
    `Worker${C}`,
    `Sweep${C}`,
    ...(crm === 'hubspot' ? ['WebhookHubspot'] : []),
    'WeeklyReport',
  ];
  const ownAws: Record<string, LoopbackAws> = {};
  for (const fn of fns) ownAws[fn] = await LoopbackAws.start((call) => answer(call, secrets, queues, sent));
  const awsOf = (fn: string) => {
    const a = ownAws[fn];
    if (!a) throw new Error(`${fn}: no loopback AWS of its own`);
    return a;
  };
  const s3 = await startS3Stub();
  try {
    writeWorldConfig(configDir, crm, world, {
      salesforceUsers: sf.seeded!.users,
      salesforceQueues: sf.seeded!.queues,
      hubspotOwners: hs.seedSummary!.ids.owners,
    });
    const table = await dynamo.table(clock);
    const stateTable = {
      name: table.tableName,
      arn: arnOf(template, 'StateTable'),
      hashKeys: hashKeysOf(template),
    };
    const logs = new LogCapture();
    // The names the functions are given for the queue and the ledger's streams (logical id → name).
    const queueAndStreams = {
      [`LeadsQueue${C}`]: QUEUE_URL,
      [`EventsQueue${C}`]: EVENTS_URL,
      LedgerDecisionsStream: 'tossup-test-ledger-decisions',
      LedgerEventsStream: 'tossup-test-ledger-events',
    };
    // The ledger's other resources by their logical ids, which stand in for their names in the roles' ARNs.
    const env = (fn: string): Record<string, string> => ({
      ...envOf(template, fn, {
        StateTable: table.tableName,
        ...queueAndStreams,
        LedgerBucket: 'LedgerBucket',
        LedgerDatabase: 'LedgerDatabase',
        LedgerWorkGroup: 'LedgerWorkGroup',
      }),
      // The build stages the admin files in the bundle; here they are in a directory of their own.
      TOSSUP_CONFIG_DIR: configDir,
    });
    const build = <H>(
      fn: string,
      fromEnv: (env: Record<string, string>, url: string, o: WiringOverrides) => H,
    ) => {
      const endpoint = awsOf(fn).endpoint;
      return fromEnv(env(fn), import.meta.url, {
        clients: {
          dynamodb: recordDynamoRequests(dynamo.client(), fn, stateTable, recorded),
          sqs: new SQSClient(loopbackClientConfig(endpoint)),
          secrets: new SecretsManagerClient(loopbackClientConfig(endpoint)),
        },
        firehose: new FirehoseClient(loopbackClientConfig(endpoint)),
        clock,
        logger: { destination: logs },
      });
    };
    const sync = build(`Sync${C}`, syncFromEnv);
    const worker = build(`Worker${C}`, workerFromEnv);
    const sweep = build(`Sweep${C}`, sweepFromEnv);
    const scheduled: ScheduledEvent = { source: 'aws.events', 'detail-type': 'Scheduled Event' };
    // The event source mappings: what was sent, to the worker in each queue's deployed batch size.
    const drain = async () => {
      for (const q of [queue, events]) {
        while (q.depth > 0) {
          const r = await q.poll(worker);
          if (r.threw) throw r.threw;
          if (!r.invoked) throw new Error(`${q.depth} message(s) left, none visible`);
          if (r.failedIds.length > 0) throw new Error(`the worker failed ${r.failedIds.length} message(s)`);
        }
      }
    };
    const syncRun = async () => {
      await sync(scheduled, runningLambdaContext(settings.sync.timeoutSeconds));
      // Packed as serverless.yml sets the sync's TOSSUP_LEADS_PER_MESSAGE (infra/settings.yml).
      expect(sent.kinds.has('leads')).toBe(leadsPerMessage(settings) > 1);
      await drain();
    };
    const sweepRun = async () =>
      (await sweep(scheduled, runningLambdaContext(settings.sweep.timeoutSeconds))) as SweepResult;
    const lead = (key: string) => {
      const [objectType, id] = key.split('|') as [string, string];
      return { objectType, id };
    };
    // Salesforce converts Leads only, so the leads picked are of that object there.
    const leadsFlagged = (flag: string, atLeast: number) => {
      const found = side
        .leads()
        .filter((l) => l.flag === flag && (crm === 'hubspot' || l.objectType === 'Lead'));
      if (found.length < atLeast)
        throw new Error(`the world has fewer than ${atLeast} lead(s) flagged ${flag}`);
      return found;
    };

    /**
     * HubSpot: a person edits a contact and a company; HubSpot posts both changes, signed, to the
     * webhook function. SQS refuses the first delivery (nothing remembered, 503), HubSpot's
     * retry is enqueued, a replay of it enqueues nothing; the worker decides the refresh messages.
     */
    const webhookDeliveries = async () => {
      const webhook = build('WebhookHubspot', (e, _url, o) => webhookFromEnv(e, o));
      const [contact] = leadsFlagged(side.yes, 1);
      const editedAt = hs.store.update(
        'contacts',
        contact!.id,
        { jobtitle: '代表取締役' },
        { source: 'CRM_UI' },
      ).updatedAt;
      const company = hs.store.list('contacts').find((r) => r.props.associatedcompanyid)!.props
        .associatedcompanyid!;
      hs.store.update('companies', company, { lifecyclestage: 'customer' }, { source: 'CRM_UI' });
      const occurredAt = clock.now().getTime();
      clock.advance(60_000);
      const change = (eventId: number, subscriptionType: string, objectId: string, propertyName: string) => ({
        eventId,
        subscriptionId: 4242,
        portalId: hs.portalId,
        appId: 777,
        occurredAt,
        subscriptionType,
        attemptNumber: 0,
        objectId: Number(objectId),
        changeSource: 'CRM_UI',
        propertyName,
      });
      const body = JSON.stringify([
        change(9001, 'contact.propertyChange', contact!.id, 'jobtitle'),
        change(9002, 'company.propertyChange', company, 'lifecyclestage'),
      ]);
      const deliver = async () => {
        const r = await webhook(
          signedWebhookRequest(body, clock.now().getTime()),
          runningLambdaContext(settings.webhook.timeoutSeconds),
        );
        return { status: r.statusCode, body: JSON.parse(String(r.body)) as unknown };
      };
      sent.sqsDown = true;
      const refused = await deliver();
      sent.sqsDown = false;
      const accepted = await deliver();
      const replayed = await deliver();
      // The refreshes are on the events queue (the webhook's TOSSUP_QUEUE_URL), none on the leads queue.
      const onQueues = { leads: queue.depth, events: events.depth };
      await drain();
      const claim = await table.get(`lead|${leadVersionKey('hubspot', 'contact', contact!.id)}`);
      return {
        webhook: { refused, accepted, replayed },
        onQueues,
        // The contact was claimed at the version its edit made.
        claimedAtEdit: Number(claim?.version?.N) === editedAt,
      };
    };

    /**
     * Salesforce: change events as Event Relay → EventBridge put them on the events queue, whole: a
     * person's edit of a Lead (read by id, claimed at its version), an Account change (its people,
     * decided without a claim) and an overflow (an incremental read from its commit time).
     */
    const relayedChanges = async () => {
      const [lead] = leadsFlagged(side.yes, 1);
      const person = sf.store.defaultActorId;
      clock.advance(1_000);
      sf.store.update('Lead', lead!.id, { Title: '代表取締役社長' }, { userId: person });
      const at = clock.now().getTime();
      // An account not a customer yet (the existing-customer rule comes before the strategic one).
      const account = sf.store
        .all('Account')
        .find(
          (a) =>
            !String(a.Type ?? '').startsWith('Customer') &&
            sf.store.all('Contact').some((c) => c.AccountId === a.Id),
        )!.Id as string;
      // The account becomes a strategic target: its people are held for IS/sales planning.
      sf.store.update('Account', account, { Strategic_Target__c: true }, { userId: person });
      clock.advance(60_000);
      const update = (entityName: string, id: string, changedFields: string[]) =>
        relayedEvent({
          entityName,
          recordIds: [id],
          changeType: 'UPDATE',
          commitTimestamp: at,
          commitUser: person,
          changedFields,
        });
      // Onto the queue the template's rule targets (infra/salesforce-relay.yml), as EventBridge would.
      const [target] = template.Resources.SalesforceChangeEventsRule!.Properties.Targets;
      const ruleQueue = { [`LeadsQueue${C}`]: queue, [`EventsQueue${C}`]: events }[
        target.Arn['Fn::GetAtt'][0] as string
      ];
      if (!ruleQueue) throw new Error(`the relay rule targets ${JSON.stringify(target.Arn)}`);
      for (const event of [
        update('Lead', lead!.id, ['Title', 'LastModifiedDate']),
        update('Account', account, ['Strategic_Target__c', 'LastModifiedDate']),
        relayedEvent({ entityName: 'Lead', recordIds: [], changeType: 'GAP_OVERFLOW', commitTimestamp: at }),
      ])
        ruleQueue.sendRaw(JSON.stringify(event));
      const onQueues = { leads: queue.depth, events: events.depth };
      await drain();
      const claim = await table.get(`lead|${leadVersionKey('salesforce', 'Lead', lead!.id)}`);
      return {
        onQueues,
        actions: logs
          .records()
          .flatMap((r) => (typeof r.action === 'string' && r.eventUuid !== undefined ? [r.action] : []))
          .sort(),
        claimedAtEdit: Number(claim?.version?.N) === at,
      };
    };

    // A lead an earlier build decided: its claim done on the lead's item, its re-check record in an
    // item of its own, which the worker reads and retires.
    const [first] = side.leads();
    const firstKey = `${crm}|${first!.objectType}|${first!.id}`;
    await table.put({ pk: str(`lead|${firstKey}`), sk: str(SINGLE), version: num(1), status: str('done') });
    await writeLegacyRecheck(table, firstKey, '2026-11-20T01:00:00.000Z');
    await syncRun();
    // SQS delivers at least once: a copy of a message after its lead was decided meets the claim,
    // busy while its lease lasts, then taken and decided again (a claim is never completed).
    queue.sendRaw(sent.first!.body, sent.first!.attributes);
    const copy = await queue.poll(worker);
    expect(copy.failedIds).toHaveLength(1);
    clock.advance(settings.queue.visibilityTimeoutSeconds * 1000);
    await drain();
    // The next run reads back what the worker wrote where the CRM's reads see our writes (HubSpot),
    // and decides nothing new.
    await syncRun();

    // Three days on: strategic and missing-data holds have expired (2 days), toss-ups are overdue.
    // A rep converts a lead the rules said no to, a person edits a toss-up; the sync reads those
    // changes (past the read lag).
    clock.advance(3 * DAY);
    const [no, laterNo] = leadsFlagged(side.no, 2);
    side.convert(no!);
    side.edit(leadsFlagged(side.yes, 1)[0]!);
    clock.advance(60_000);
    // A dry run by hand first: it reads the open episode of the edited toss-up.
    await sync({ dryRun: true, limit: 20 }, runningLambdaContext(settings.sync.timeoutSeconds));
    // Firehose is down for this run: the worker keeps the decisions it wrote in the ledger outbox.
    sent.firehoseDown = true;
    await syncRun();
    sent.firehoseDown = false;
    // Of the leads due for a re-check: one was last decided by an earlier build (its record apart
    // from the lead's item), one has gone from the CRM.
    const due = await dueRechecks(table, crm, clock.now());
    if (due.length < 3) throw new Error(`only ${due.length} re-check(s) due: the run makes too few holds`);
    await toLegacyLayout(table, `${crm}|${due[0]!.key}`, due[0]!.recheckAt);
    side.remove(lead(due[1]!.key));
    await sweep({ dryRun: true, limit: 20 }, runningLambdaContext(settings.sweep.timeoutSeconds));
    const swept = await sweepRun();
    // Another opportunity: the opportunity phase moves its cursor on (an update of the one it created).
    side.convert(laterNo!);
    clock.advance(60_000);
    await syncRun();
    const again = await sweepRun();

    // The event paths make the kinds of request the sync's messages make: what they must have sent
    // is checked on their requests alone (MUST_SEE_EVENTS).
    const eventsFrom = recorded.requests.length;
    const workerLogsFrom = logs.lines.length;
    const by = crm === 'hubspot' ? await webhookDeliveries() : await relayedChanges();
    const eventRequests = recorded.requests.slice(eventsFrom);
    const eventWork = workerCounts(logs.records().slice(workerLogsFrom));

    // The weekly report, over the outcomes the sweeps wrote (the ledger on Athena answers no rows).
    const report = reportFromEnv(env('WeeklyReport'), import.meta.url, {
      dynamodb: recordDynamoRequests(dynamo.client(), 'WeeklyReport', stateTable, recorded),
      athena: new AthenaClient(loopbackClientConfig(awsOf('WeeklyReport').endpoint)),
      s3: new S3Client({ ...loopbackClientConfig(s3.endpoint), forcePathStyle: true }),
      secrets: new SecretsManagerCache({
        client: new SecretsManagerClient(loopbackClientConfig(awsOf('WeeklyReport').endpoint)),
        clock,
      }),
      clock,
      logger: { destination: logs },
    });
    const reported = await report({}, runningLambdaContext(600));

    // The queue URL and the stream names → the ARNs the template gives them.
    const arns = Object.fromEntries(
      Object.entries(queueAndStreams).map(([id, name]) => [name, arnOf(template, id)]),
    );
    const services = [
      ...Object.entries(ownAws).flatMap(([fn, a]) =>
        a.calls.map((call) => serviceRequestOf(fn, call, arns, sent.queries)),
      ),
      ...s3.requests.map((r) => s3RequestOf('WeeklyReport', r)),
      // The pre-signed link in the post is signed with the role: a GET of the report must be allowed.
      s3RequestOf('WeeklyReport', `GET /${env('WeeklyReport').TOSSUP_LEDGER_BUCKET}/${reported.key}`),
    ];
    return {
      ...recorded,
      services,
      eventRequests,
      facts: {
        events: by,
        eventWork,
        reportPosted: reported.posted,
        rechecks: swept.report.rechecks!,
        outcomesWritten:
          (swept.report.opportunities?.outcomesWritten ?? 0) +
          (again.report.opportunities?.outcomesWritten ?? 0),
        notificationsSent: swept.notifications?.sent ?? 0,
        published: publishedBy(logs.records()),
        ledgerRecords: sent.ledgerRecords,
        // Less the one the webhook logs while SQS fails (made to happen, above).
        problems: logs
          .records()
          .filter(
            (r) =>
              (r.level === 'error' || r.level === 'fatal') &&
              !(
                r.fn === 'webhook' &&
                r.msg === 'could not enqueue the webhook events; HubSpot will retry them'
              ),
          ),
      },
    };
  } finally {
    rmSync(configDir, { recursive: true, force: true });
    await s3.close();
    for (const a of Object.values(ownAws)) await a.close();
    await dynamo.close();
    await slack.close();
    await hs.close();
    await sf.close();
  }
}

/** `key`'s (`<crm>|<objectType>|<id>`) re-check record as builds before the move kept it, indexed. */
async function writeLegacyRecheck(table: DynamoTable, key: string, recheckAt: string): Promise<void> {
  const [crm, ...ref] = key.split('|');
  await table.put({
    pk: str(`recheck|${key}`),
    sk: str(SINGLE),
    recheckAt: str(recheckAt),
    holdSince: str('2026-11-18T01:00:00.000Z'),
    dueBucket: str(`recheck|${crm}|${recheckAt.slice(0, 10)}`),
    dueAt: str(`${recheckAt}#${ref.join('|')}`),
  });
}

/** The lead as an earlier build left it: the claim on the lead's item, the re-check record apart. */
async function toLegacyLayout(table: DynamoTable, key: string, recheckAt: string): Promise<void> {
  await table.update(`lead|${key}`, SINGLE, {
    expression: 'REMOVE rk, recheckAt, holdSince, inputs, dueBucket, dueAt',
  });
  await writeLegacyRecheck(table, key, recheckAt);
}

/** The re-checks due at `now` (`<objectType>|<id>`), read through the store outside the functions. */
async function dueRechecks(table: DynamoTable, crm: Crm, now: Date) {
  const found = await new DynamoLeadRecords(
    new DynamoTable({ client: table.client, tableName: table.tableName, clock: { now: () => now } }),
  ).dueBefore(crm, now, 1000);
  return found.map((d) => ({ key: `${d.objectType}|${d.leadId}`, recheckAt: d.recheckAt }));
}

/** The function's environment as the template sets it, references resolved to the stand-ins' names. */
function envOf(t: Template, fn: string, names: Record<string, string>): Record<string, string> {
  const vars = t.Resources[`${fn}LambdaFunction`]!.Properties.Environment.Variables as Record<
    string,
    unknown
  >;
  return Object.fromEntries(
    Object.entries(vars).map(([k, v]) => {
      if (typeof v === 'string') return [k, v];
      // TOSSUP_METRICS: the settings' list, joined by CloudFormation.
      const join = (v as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (join?.[1].every((x) => typeof x === 'string')) return [k, join[1].join(join[0])];
      const ref = (v as { Ref?: string }).Ref;
      if (ref !== undefined && names[ref] !== undefined) return [k, names[ref]];
      throw new Error(`${fn}: cannot resolve ${k} = ${JSON.stringify(v)}`);
    }),
  );
}

/** The partition-key attribute of the state table and of each of its indexes. */
function hashKeysOf(t: Template) {
  type Schema = { AttributeName: string; KeyType: string }[];
  const p = t.Resources.StateTable!.Properties as {
    KeySchema: Schema;
    GlobalSecondaryIndexes?: { IndexName: string; KeySchema: Schema }[];
  };
  const hash = (schema: Schema) => schema.find((k) => k.KeyType === 'HASH')!.AttributeName;
  return {
    table: hash(p.KeySchema),
    indexes: Object.fromEntries(
      (p.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, hash(i.KeySchema)]),
    ),
  };
}

interface SentMessage {
  body: string;
  attributes: Record<string, string>;
}

interface LoopbackState {
  first: SentMessage | null;
  /** The kinds of message sent (`lead`, `leads`, `refresh`): the sync packs as the template says. */
  kinds: Set<string>;
  ledgerRecords: number;
  firehoseDown: boolean;
  sqsDown: boolean;
  /** Athena: each query's workgroup, by execution id. */
  queries: Map<string, string>;
}

/**
 * SQS (into the simulated queue), Firehose, Secrets Manager and Athena (every query succeeds with
 * no rows), as the SDK clients call them.
 */
function answer(
  call: AwsCall,
  secrets: Record<string, string>,
  queues: Record<string, SqsSimulator>,
  sent: LoopbackState,
): AwsAnswer {
  const b = call.body;
  switch (call.operation) {
    case 'SendMessageBatch': {
      if (sent.sqsDown)
        return { status: 503, body: { __type: 'ServiceUnavailable', message: 'try again later' } };
      const queue = queues[String(b.QueueUrl)];
      if (!queue) return { status: 400, body: { __type: 'QueueDoesNotExist', message: String(b.QueueUrl) } };
      const { messages, answer } = sqsSendMessageBatch(b);
      for (const message of messages) {
        sent.first ??= message;
        sent.kinds.add(String((JSON.parse(message.body) as { kind?: unknown }).kind));
        queue.sendRaw(message.body, message.attributes);
      }
      return answer;
    }
    case 'ChangeMessageVisibility':
      return { body: {} };
    case 'ChangeMessageVisibilityBatch':
      return {
        body: { Successful: (b.Entries as { Id: string }[]).map((e) => ({ Id: e.Id })), Failed: [] },
      };
    case 'PutRecordBatch': {
      if (sent.firehoseDown)
        return { status: 503, body: { __type: 'ServiceUnavailableException', message: 'slow down' } };
      const records = b.Records as unknown[];
      sent.ledgerRecords += records.length;
      return {
        body: { FailedPutCount: 0, RequestResponses: records.map((_, i) => ({ RecordId: `r${i}` })) },
      };
    }
    case 'GetSecretValue': {
      const text = secrets[String(b.SecretId)];
      if (text === undefined)
        return { status: 400, body: { __type: 'ResourceNotFoundException', message: 'no such secret' } };
      return { body: { Name: b.SecretId, VersionId: 'v1', SecretString: text } };
    }
    case 'StartQueryExecution': {
      const id = `query-${sent.queries.size + 1}`;
      sent.queries.set(id, String(b.WorkGroup));
      return { body: { QueryExecutionId: id } };
    }
    case 'GetQueryExecution':
      return {
        body: { QueryExecution: { QueryExecutionId: b.QueryExecutionId, Status: { State: 'SUCCEEDED' } } },
      };
    case 'GetQueryResults':
      // The header row only: the ledger has nothing for the period.
      return { body: { ResultSet: { Rows: [{ Data: [] }], ResultSetMetadata: { ColumnInfo: [] } } } };
    default:
      return { status: 400, body: { __type: 'UnknownOperation', message: call.operation } };
  }
}

/** A request to another AWS service, as IAM authorises it. */
interface ServiceRequest {
  fn: string;
  action: string;
  resource: string;
}

/**
 * The IAM request of a loopback call: SQS by the queue URL and Firehose by the delivery stream's name
 * (`arns`: URL or name → ARN), a secret by its name, an Athena query by its workgroup (`queries`:
 * execution id → workgroup). Anything else throws, so a new kind of call cannot pass unread.
 */
function serviceRequestOf(
  fn: string,
  call: AwsCall,
  arns: Record<string, string>,
  queries: ReadonlyMap<string, string>,
): ServiceRequest {
  const b = call.body;
  const arnOfName = (name: unknown) => {
    const arn = arns[String(name)];
    if (!arn) throw new Error(`${fn}: ${call.operation} on a resource the functions are not given (${name})`);
    return arn;
  };
  const workGroup = (name: string | undefined) => {
    if (name === undefined) throw new Error(`${fn}: ${call.operation} of an unknown query`);
    return `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${name}`;
  };
  switch (call.operation) {
    // SendMessageBatch is authorised as sqs:SendMessage, ChangeMessageVisibilityBatch as
    // sqs:ChangeMessageVisibility.
    case 'SendMessageBatch':
      return { fn, action: 'sqs:SendMessage', resource: arnOfName(b.QueueUrl) };
    case 'ChangeMessageVisibility':
    case 'ChangeMessageVisibilityBatch':
      return { fn, action: 'sqs:ChangeMessageVisibility', resource: arnOfName(b.QueueUrl) };
    case 'PutRecordBatch':
      return { fn, action: 'firehose:PutRecordBatch', resource: arnOfName(b.DeliveryStreamName) };
    case 'GetSecretValue':
      return { fn, action: 'secretsmanager:GetSecretValue', resource: secretArn(String(b.SecretId)) };
    case 'StartQueryExecution':
      return { fn, action: 'athena:StartQueryExecution', resource: workGroup(String(b.WorkGroup)) };
    case 'GetQueryExecution':
    case 'GetQueryResults':
    case 'StopQueryExecution':
      return {
        fn,
        action: `athena:${call.operation}`,
        resource: workGroup(queries.get(String(b.QueryExecutionId))),
      };
    default:
      throw new Error(`${fn}: ${call.operation} is not modelled`);
  }
}

/** `PUT /<bucket>/<key>` or `GET …` (path style) as IAM authorises it. */
function s3RequestOf(fn: string, request: string): ServiceRequest {
  const [method, path] = request.split(' ') as [string, string];
  const action = { PUT: 's3:PutObject', GET: 's3:GetObject' }[method];
  if (!action) throw new Error(`${fn}: S3 ${request} is not modelled`);
  return { fn, action, resource: `arn:aws:s3:::${path.slice(1)}` };
}

/** The refused service requests, one line per function, action and resource. */
function refusedServices(requests: readonly ServiceRequest[]): string[] {
  const out = new Set<string>();
  for (const r of requests) {
    const role = roleOf(template, r.fn);
    if (!allows(roleStatements(template, role), r))
      out.add(`${r.fn} (${role}): ${r.action} on ${r.resource}`);
  }
  return [...out].sort();
}

/** A loopback S3 that takes every request (path style) and keeps `METHOD /bucket/key` of each. */
async function startS3Stub() {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push(`${req.method} ${decodeURIComponent((req.url ?? '').split('?')[0]!)}`);
      res.writeHead(200, { ETag: '"etag"' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const WEBHOOK_CLIENT_SECRET = 'tossup-test-webhook-client-secret';
const WEBHOOK_HOST = 'abc123.execute-api.ap-northeast-1.amazonaws.com';

/** An API Gateway HTTP API (payload 2.0) request, signed as HubSpot signs it (v3) at `nowMs`. */
function signedWebhookRequest(body: string, nowMs: number): HttpApiEvent {
  const path = '/webhooks/hubspot';
  const { signature, timestamp } = signHubspotRequest(
    { method: 'POST', uri: `https://${WEBHOOK_HOST}${path}`, body },
    WEBHOOK_CLIENT_SECRET,
    nowMs,
  );
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      host: WEBHOOK_HOST,
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': timestamp,
    },
    body,
    isBase64Encoded: false,
    requestContext: {
      domainName: WEBHOOK_HOST,
      http: { method: 'POST', path, sourceIp: '54.174.62.1' },
      requestId: 'req-1',
      timeEpoch: nowMs,
    },
  };
}

/** The counts each function published as metrics (the `_aws` block of its metrics lines), sorted. */
function publishedBy(records: readonly Record<string, unknown>[]): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const r of records) {
    if (r.msg !== 'metrics' || typeof r.fn !== 'string') continue;
    const aws = r._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } | undefined;
    out[r.fn] ??= new Set();
    for (const m of aws?.CloudWatchMetrics[0]?.Metrics ?? []) out[r.fn]!.add(m.Name);
  }
  return Object.fromEntries(Object.entries(out).map(([fn, names]) => [fn, [...names].sort()]));
}

/** The worker's counts (its metrics log lines) summed over `records`. */
function workerCounts(records: readonly Record<string, unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    if (r.fn !== 'worker' || r.msg !== 'metrics') continue;
    for (const [k, v] of Object.entries(r)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  }
  return out;
}
