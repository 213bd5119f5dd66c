import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventBatchSize, loadDeploySettings } from '../../scripts/deploy-settings.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { signHubspotRequest } from '../../src/handlers/hubspot-signature.ts';
import type { HttpApiEvent } from '../../src/handlers/lambda-types.ts';
import { webhookFromEnv, workerFromEnv } from '../../src/handlers/wiring.ts';
import { startLocalDynamo } from '../../test/aws/local-dynamodb.ts';
import { FakeCrm } from '../../test/fakes/fake-crm.ts';
import { deployedQueue } from '../../test/handlers/support/sqs-simulator.ts';
import { testClock } from '../../test/state/state-store.contract.ts';
import { generatedLeads } from '../support/generated-leads.ts';
import { AwsMeter, meterDelta } from './aws-meter.ts';
import { deployedArchitecture, type LambdaArchitecture } from './deployed-stack.ts';
import {
  ByteCount,
  bundleShippedConfig,
  drainToWorker,
  lambdaContext,
  meteredOverrides,
} from './lambda-run.ts';
import { byKindList, type Invocations, type MeasuredUsage } from './measure-usage.ts';

/** HubSpot's near-real-time path measured: webhook requests → events queue → worker. */
export interface MeasuredWebhookUsage {
  /** `contact.propertyChange` events sent, one per contact. */
  events: number;
  /** Signed webhook requests they came in (HubSpot sends up to 100 events a request). */
  requests: number;
  /** HTTP API requests as billed (each 512 KB of a request one more). */
  httpApiRequests: number;
  /** Average request body, bytes. */
  requestBytes: number;
  memoryMb: { webhook: number; worker: number };
  architecture: LambdaArchitecture;
  /** The deployed events-queue batch of the HubSpot worker (messages an invocation). */
  eventBatchSize: number;
  webhook: Invocations;
  worker: Invocations;
  /** Refresh messages the webhook sent to the events queue. */
  messages: number;
  /** Contacts the worker read by id (the connector's `readByIds`). */
  contactsRead: number;
  sqsRequestsSent: number;
  /** The event source mapping's receives and deletes (lambda-run.ts). */
  sqsRequestsReceived: number;
  /** DynamoDB units of the webhook (its de-duplication) and of the worker, apart. */
  webhookUnits: { read: number; write: number };
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  dynamoByKind: MeasuredUsage['dynamoByKind'];
  firehoseRecords: number;
  firehoseBytes: number;
  firehoseBilledBytes: number;
  logBytes: number;
  /** Errors the functions logged (none expected). */
  logProblems: string[];
  /** Contacts the worker wrote toss-up fields to, and the tasks it created (toss-ups). */
  written: number;
  tossUps: number;
}

const AS_OF = '2026-11-24T01:00:00.000Z';
const HOST = 'abc123.execute-api.ap-northeast-1.amazonaws.com';
const PATH = '/webhooks/hubspot';
const CLIENT_SECRET = 'a1b2c3d4-e5f6-7890-abcd-ef0123456789';
const PORTAL_ID = 62515;
const EVENTS_PER_REQUEST = 100;
/** HTTP APIs meter requests in 512 KB increments. */
const HTTP_API_CHUNK = 512 * 1024;

/**
 * Runs the production composition roots of HubSpot's webhook path (webhookFromEnv, workerFromEnv with
 * TOSSUP_CRM hubspot, the `large` preset bundled) over `events` contact changes: one
 * `contact.propertyChange` for each of as many contacts of the generated sample world, none seen
 * before, in signed HTTP API (payload 2.0) requests of 100 events as HubSpot batches them. The webhook
 * checks each signature, reads which event ids it handed off before (one batch read), sends the
 * contacts to the events queue as refresh messages and then remembers each new event id (a put) in
 * the state table; the event source mapping hands those to the worker in the deployed
 * `eventBatchSize`; the worker reads the contacts by id, decides, writes fields and tasks and
 * records to the ledger through Firehose. DynamoDB is dynalite, SQS, Firehose and Secrets Manager the
 * metered loopback, the CRM the in-memory FakeCrm (see `readByIds` below). Every invocation is timed.
 */
export async function measureWebhookUsage(events: number, seed = 17): Promise<MeasuredWebhookUsage> {
  const settings = loadDeploySettings('infra/settings.yml');
  const clock = testClock(AS_OF);
  const dynamo = await startLocalDynamo();
  // One answer for every secret: the webhook's client secret, the worker's private app token (its
  // connector is the fake's, but the secret is read and checked as deployed).
  const meter = await AwsMeter.start({
    clientSecret: CLIENT_SECRET,
    accessToken: 'pat-na1-00000000-0000-0000-0000-000000000000',
  });
  const configDir = mkdtempSync(join(tmpdir(), 'tossup-cost-webhook-config-'));
  try {
    bundleShippedConfig(configDir, 'hubspot');

    const table = await dynamo.table(clock);
    const crm = new FakeCrm({ crm: 'hubspot', pageSize: 100, writesSlaStatus: true });
    // The sample world's people as HubSpot contacts, with HubSpot's numeric ids.
    const ids: string[] = [];
    for (const lead of generatedLeads(events, seed, AS_OF)) {
      const id = String(120_000_000_001 + ids.length);
      ids.push(id);
      crm.put({ ...lead, id, objectType: 'contact' });
    }
    // What the HubSpot connector's readByIds does (a batch read of up to 100 contacts a call,
    // connectors/hubspot/source.ts): FakeCrm has no read by id, so the same records, one counted call
    // per 100. The real one also reads the contacts' company facts (cached) and events.
    let contactsRead = 0;
    const connector = () => {
      const c = crm.connector();
      const readByIds = async (wanted: readonly string[]): Promise<Lead[]> => {
        crm.calls.query += Math.ceil(wanted.length / 100);
        contactsRead += wanted.length;
        return wanted.filter((id) => crm.records.has(id)).map((id) => structuredClone(crm.lead(id)));
      };
      return { ...c, source: { ...c.source, readByIds } };
    };
    const logs = new ByteCount();
    const overrides = meteredOverrides(meter, dynamo, clock, logs, connector);
    const eventsQueueUrl = 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/tossup-cost-events-hubspot';
    const webhook = webhookFromEnv(
      {
        // As serverless.yml sets it (settings.webhook): the events queue, the webhook's secret.
        TOSSUP_STATE_TABLE: table.tableName,
        TOSSUP_QUEUE_URL: eventsQueueUrl,
        TOSSUP_SECRET_ID: 'tossup/cost/hubspot-webhook',
        TOSSUP_HUBSPOT_PORTAL_ID: String(PORTAL_ID),
        TOSSUP_WEBHOOK_DEDUP_TTL_SECONDS: String(settings.webhook.dedupTtlSeconds),
      },
      overrides,
    );
    const worker = workerFromEnv(
      {
        TOSSUP_CRM: 'hubspot',
        TOSSUP_STATE_TABLE: table.tableName,
        TOSSUP_QUEUE_URL: 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/tossup-cost-leads-hubspot',
        TOSSUP_EVENTS_QUEUE_URL: eventsQueueUrl,
        TOSSUP_SECRET_ID: 'tossup/cost/hubspot',
        TOSSUP_CONFIG_DIR: configDir,
        TOSSUP_LEDGER_DECISIONS_STREAM: 'tossup-cost-ledger-decisions',
        TOSSUP_LEDGER_EVENTS_STREAM: 'tossup-cost-ledger-events',
        TOSSUP_QUOTA_BACKOFF_SECONDS: String(settings.worker.quotaBackoffSeconds),
        TOSSUP_METRICS: settings.metrics.published.join(','),
      },
      import.meta.url,
      overrides,
    );
    const crmCalls = () => crm.calls.query + crm.calls.update + crm.calls.task;
    const none = (): Invocations => ({ count: 0, ms: 0, crmCalls: 0, logBytes: 0 });
    const usage = { webhook: none(), worker: none() };
    const timed = async (run: () => Promise<unknown>, into: Invocations) => {
      const calls = crmCalls();
      const logged = logs.bytes;
      const t0 = performance.now();
      await run();
      into.ms += performance.now() - t0;
      into.count++;
      into.crmCalls += crmCalls() - calls;
      into.logBytes += logs.bytes - logged;
    };

    const start = meter.snapshot();
    let requests = 0;
    let httpApiRequests = 0;
    let bodyBytes = 0;
    for (let i = 0; i < ids.length; i += EVENTS_PER_REQUEST) {
      const body = JSON.stringify(contactChanges(ids.slice(i, i + EVENTS_PER_REQUEST), i, clock.now()));
      const bytes = Buffer.byteLength(body);
      requests++;
      bodyBytes += bytes;
      httpApiRequests += Math.max(1, Math.ceil(bytes / HTTP_API_CHUNK));
      const request = signedRequest(body, clock.now().getTime());
      await timed(async () => {
        const r = await webhook(request, lambdaContext(settings.webhook.timeoutSeconds));
        const accepted = r.statusCode === 200 ? (JSON.parse(r.body) as { accepted: number }).accepted : -1;
        if (accepted !== Math.min(EVENTS_PER_REQUEST, ids.length - i))
          throw new Error(`webhook answered ${r.statusCode} ${r.body}`);
      }, usage.webhook);
    }
    const webhookDone = meter.snapshot();
    const sent = meter.sqs.sent.splice(0);
    const queue = deployedQueue(clock, 'hubspot', 'events');
    for (const m of sent) queue.sendRaw(m.body, m.attributes);
    const received = await drainToWorker(queue, worker, (run) => timed(run, usage.worker));
    if (contactsRead !== ids.length)
      throw new Error(`the worker read ${contactsRead} contacts by id, not the ${ids.length} changed`);
    const left = await table.query('ledgerq|hubspot');
    if (left.length > 0) throw new Error(`${left.length} ledger outbox item(s) left after the run`);
    const all = meterDelta(start, meter.snapshot());
    const ofWebhook = meterDelta(start, webhookDone);

    return {
      events: ids.length,
      requests,
      httpApiRequests,
      requestBytes: bodyBytes / requests,
      memoryMb: { webhook: settings.webhook.memoryMb, worker: settings.worker.memoryMb },
      architecture: deployedArchitecture('serverless.yml'),
      eventBatchSize: eventBatchSize(settings, 'hubspot'),
      ...usage,
      messages: sent.length,
      contactsRead,
      sqsRequestsSent: ofWebhook.sqsRequests,
      sqsRequestsReceived: received + (all.sqsRequests - ofWebhook.sqsRequests),
      webhookUnits: { read: ofWebhook.dynamoReadUnits, write: ofWebhook.dynamoWriteUnits },
      dynamoReadUnits: all.dynamoReadUnits,
      dynamoWriteUnits: all.dynamoWriteUnits,
      dynamoByKind: byKindList(all),
      firehoseRecords: all.firehoseRecords,
      firehoseBytes: all.firehoseBytes,
      firehoseBilledBytes: all.firehoseBilledBytes,
      logBytes: logs.bytes,
      logProblems: logs.problems,
      written: new Set(crm.updates.map((u) => u.leadId)).size,
      tossUps: crm.tasks.size,
    };
  } finally {
    rmSync(configDir, { recursive: true, force: true });
    await meter.close();
    await dynamo.close();
  }
}

/** One `contact.propertyChange` a contact, as HubSpot sends them (a job title changed in the UI). */
function contactChanges(ids: readonly string[], first: number, at: Date) {
  return ids.map((id, i) => ({
    eventId: 3_800_000_000 + first + i,
    subscriptionId: 4_242_001,
    portalId: PORTAL_ID,
    appId: 7_770_001,
    occurredAt: at.getTime() - 2000 + i,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: Number(id),
    changeSource: 'CRM_UI',
    propertyName: 'jobtitle',
    propertyValue: '営業部長',
  }));
}

/** An API Gateway HTTP API (payload 2.0) request, signed as HubSpot signs it (v3). */
function signedRequest(body: string, nowMs: number): HttpApiEvent {
  const { signature, timestamp } = signHubspotRequest(
    { method: 'POST', uri: `https://${HOST}${PATH}`, body },
    CLIENT_SECRET,
    nowMs,
  );
  return {
    version: '2.0',
    routeKey: `POST ${PATH}`,
    rawPath: PATH,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      host: HOST,
      'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio)',
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': timestamp,
      'x-hubspot-signature-version': 'v1',
      'x-forwarded-proto': 'https',
    },
    body,
    isBase64Encoded: false,
    requestContext: {
      domainName: HOST,
      http: { method: 'POST', path: PATH, sourceIp: '54.174.62.1' },
      requestId: `req-${nowMs}`,
      timeEpoch: nowMs,
    },
  };
}
