import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponse } from '../../emulators/hubspot/hubspot-errors.ts';
import { startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import type { EmulatorClock } from '../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { leadsPerMessage } from '../../scripts/deploy-settings.ts';
import type { DynamoTable } from '../../src/aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import type { SqsBatchResponse, SqsEvent } from '../../src/handlers/lambda-types.ts';
import { QueueMessageSchema } from '../../src/handlers/queue-message.ts';
import { syncFromEnv, type WiringOverrides, workerFromEnv } from '../../src/handlers/wiring.ts';
import type { LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import {
  type AwsAnswer,
  type AwsCall,
  firehoseRecordRows,
  LoopbackAws,
  loopbackClientConfig,
  sqsSendMessageBatch,
} from '../aws/loopback-aws.ts';
import { deploySettings, LogCapture, runningLambdaContext } from './support/harness.ts';
import { deployedQueue } from './support/sqs-simulator.ts';
import { sharedClock, writeWorldConfig } from './support/world-config.ts';

/**
 * The worker as deployed, killed with a real SIGKILL mid-batch, then its SQS message redelivered:
 * nothing lost, nothing twice. The worker claims each lead once decided and stages no decision
 * before its CRM write (its message is what comes back), so the redelivery — past the claim's lease
 * — decides the batch again from the same messages, and the CRM, the follow-up tasks and the
 * decisions stream must end as if the batch had run once.
 *
 * Each scenario runs for both CRMs (Salesforce leads, HubSpot contacts), the CRM's part in a `CrmSide`.
 * The sync runs in this process (CRM emulator → loopback SQS → the simulated queue); one
 * receive of the queue is handed to a child process (./support/worker-child.ts: workerFromEnv, its
 * SDK clients on the same dynalite and loopback servers), which is killed at a chosen request; the
 * redelivery goes to a worker built the same way in this process.
 */

const AS_OF = '2026-11-24T01:00:00.000Z';
const QUEUE_URL = 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/tossup-test-leads';
const STREAMS = { decision: 'tossup-test-ledger-decisions', event: 'tossup-test-ledger-events' };
const CHILD = new URL('./support/worker-child.ts', import.meta.url).pathname;
/** A small world: its leads make one batch, with toss-ups among them. */
const LEADS = 5;

let dynamo: LocalDynamo;
let root: string;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  root = mkdtempSync(join(tmpdir(), 'tossup-worker-crash-'));
});
afterAll(async () => {
  await dynamo?.close();
  rmSync(root, { recursive: true, force: true });
});

type KillPoint = 'decisions-append' | 'field-write' | 'episode-roster';
type Crm = 'salesforce' | 'hubspot';
type World = ReturnType<typeof generateWorld>;

/** A lead as its CRM shows it: the written toss-up flag and decision key, the follow-up tasks on it. */
interface CrmLead {
  id: string;
  flag: string | null;
  key: string | null;
  /** The tasks' keys, and their owners (in the same order). */
  tasks: string[];
  taskOwners: string[];
}

/** A CRM's emulator as a scenario needs it. */
interface CrmSide {
  /** The Secrets Manager entry (docs/deploy.md). */
  secret: string;
  /** The owner ids the routing file names, in both CRMs (the other CRM's are made up: it does not run). */
  ids: Parameters<typeof writeWorldConfig>[3];
  /** The flag of a toss-up. */
  yes: string;
  /** Ends the process, when `kill` says so, as the CRM receives the toss-up field write (then applied nowhere). */
  killAtFieldWrite(kill: () => boolean): void;
  leads(ids: readonly string[]): CrmLead[];
  /** The key of every task in the CRM that has one: a task made on no lead, or on another, shows here. */
  taskKeys(): string[];
  close(): Promise<void>;
}

/** Made-up ids of the world's reps in the CRM that does not run, by world key. */
const madeUpIds = <T extends { key: string }>(items: readonly T[], id: (i: number) => string) =>
  new Map(items.map((u, i) => [u.key, id(i)]));

async function startCrm(crm: Crm, world: World, clock: EmulatorClock): Promise<CrmSide> {
  if (crm === 'salesforce') {
    const sf = await startSalesforceEmulator({ world, rateLimits: false, clock, changeDataCapture: false });
    return {
      secret: JSON.stringify({ loginUrl: sf.loginUrl, ...sf.credentials }),
      ids: {
        salesforceUsers: sf.seeded!.users,
        salesforceQueues: sf.seeded!.queues,
        hubspotOwners: madeUpIds(world.users, (i) => String(90_000_000 + i)),
      },
      yes: 'はい',
      // Guards run before the route's handler: killed here, the emulator never applies the write.
      killAtFieldWrite: (kill) =>
        sf.app.guard((req) => {
          if (req.route !== 'sf.collections.update' || !kill()) return undefined;
          return { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'killed' }] };
        }),
      leads: (ids) => {
        const tasks = sf.store.all('Task');
        const records = [...sf.store.all('Lead'), ...sf.store.all('Contact')];
        return ids.map((id) => {
          const lead = records.find((r) => r.Id === id);
          const mine = tasks.filter((t) => t.WhoId === id);
          return {
            id,
            flag: (lead?.TossUp_Flag__c as string | undefined) ?? null,
            key: (lead?.TossUp_Decision_Key__c as string | undefined) ?? null,
            tasks: mine.map((t) => t.TossUp_Key__c as string),
            taskOwners: mine.map((t) => t.OwnerId as string),
          };
        });
      },
      taskKeys: () =>
        sf.store
          .all('Task')
          .map((t) => t.TossUp_Key__c as string | undefined)
          .filter((k) => k !== undefined && k !== null),
      close: () => sf.close(),
    };
  }
  const hs = await startHubspotEmulator({ world, rateLimits: { enabled: false }, clock });
  return {
    // The portal id makes record links, which the toss-up notices carry.
    secret: JSON.stringify({
      accessToken: hs.accessToken,
      basePath: hs.basePath,
      portalId: String(hs.portalId),
    }),
    ids: {
      salesforceUsers: madeUpIds(world.users, (i) => `005${String(i).padStart(12, '0')}AAA`),
      salesforceQueues: madeUpIds(world.queues, (i) => `00G${String(i).padStart(12, '0')}AAA`),
      hubspotOwners: hs.seedSummary!.ids.owners,
    },
    yes: 'yes',
    // The toss-up fields go by a batch update of contacts (connectors/hubspot/sink.ts); the sweep's
    // task updates, which do not run here, are of tasks. Guards run before the route's handler.
    killAtFieldWrite: (kill) =>
      hs.app.guard((req) => {
        if (req.route !== 'hs.contacts.batch.update' || !kill()) return undefined;
        return errorResponse(503, 'INTERNAL_ERROR', 'killed');
      }),
    // Tasks are objects of their own, associated with the contact, their key in a unique property.
    leads: (ids) =>
      ids.map((id) => {
        const props = hs.store.get('contacts', id)?.props ?? {};
        const mine = hs.store
          .associationsOf('contacts', id, 'tasks')
          .map((e) => hs.store.get('tasks', e.to)!.props);
        return {
          id,
          flag: props.tossup_flag ?? null,
          key: props.tossup_decision_key ?? null,
          tasks: mine.map((t) => t.tossup_task_key!),
          taskOwners: mine.map((t) => t.hubspot_owner_id!),
        };
      }),
    taskKeys: () =>
      hs.store
        .list('tasks')
        .map((t) => t.props.tossup_task_key)
        .filter((k) => k !== undefined),
    close: () => hs.close(),
  };
}

/** Every row Firehose took (answered), by stream: the rows of a request the kill cut off are not in. */
const recordRows = (c: AwsCall) => firehoseRecordRows<LedgerRecord>(c).flat();

/**
 * One scenario's world: the CRM's emulator, a fresh state table, the simulated queue, the
 * loopback AWS server, the bundled config, and the sync and worker as built in production.
 */
async function stand(crm: Crm, killAt: KillPoint) {
  const world = generateWorld({ seed: 7, leads: LEADS, asOf: AS_OF });
  const { emuClock, clock } = sharedClock(AS_OF);
  const side = await startCrm(crm, world, emuClock);
  const secretId = `tossup/test/${crm}`;
  const table = await dynamo.table(clock);
  const queue = deployedQueue(clock, crm);
  const dir = mkdtempSync(join(root, `${crm}-${killAt}-`));
  const taken: Record<string, LedgerRecord[]> = { [STREAMS.decision]: [], [STREAMS.event]: [] };
  /** The child invocation running now, which the kill point ends. */
  let running: ChildProcess | null = null;
  const killed: KillPoint[] = [];
  const kill = (at: KillPoint) => {
    if (killAt !== at || !running || running.exitCode !== null || running.signalCode !== null) return false;
    running.kill('SIGKILL');
    killed.push(at);
    return true;
  };

  const answer = (call: AwsCall): AwsAnswer => {
    const b = call.body;
    switch (call.operation) {
      case 'SendMessageBatch': {
        const { messages, answer } = sqsSendMessageBatch(b);
        for (const m of messages) queue.sendRaw(m.body, m.attributes);
        return answer;
      }
      case 'ChangeMessageVisibility':
        return { body: {} };
      case 'GetSecretValue':
        if (b.SecretId !== secretId)
          return { status: 400, body: { __type: 'ResourceNotFoundException', message: 'no such secret' } };
        return { body: { Name: secretId, VersionId: 'v1', SecretString: side.secret } };
      case 'PutRecordBatch': {
        const stream = String(b.DeliveryStreamName);
        // Killed before the answer: the process is gone, and Firehose took nothing of this request.
        if (stream === STREAMS.decision && kill('decisions-append'))
          return { status: 500, body: { __type: 'ServiceUnavailableException', message: 'killed' } };
        taken[stream]!.push(...recordRows(call));
        const records = b.Records as unknown[];
        return {
          body: { FailedPutCount: 0, RequestResponses: records.map((_, i) => ({ RecordId: `r${i}` })) },
        };
      }
      default:
        return { status: 400, body: { __type: 'UnknownOperation', message: call.operation } };
    }
  };
  const aws = await LoopbackAws.start(answer);
  side.killAtFieldWrite(() => kill('field-write'));
  // The child's DynamoDB requests pass through here: a hand-off's roster put is answered to nobody,
  // the process killed once DynamoDB has stored it (before the episodes it lists are written).
  const dynamoProxy = await startDynamoProxy(dynamo.endpoint, (target, body) =>
    target.endsWith('.PutItem') && body.includes('"eproster|') ? () => kill('episode-roster') : null,
  );

  writeWorldConfig(dir, crm, world, side.ids);
  const env: Record<string, string> = {
    TOSSUP_CRM: crm,
    TOSSUP_STATE_TABLE: table.tableName,
    TOSSUP_QUEUE_URL: QUEUE_URL,
    TOSSUP_SECRET_ID: secretId,
    TOSSUP_CONFIG_DIR: dir,
    TOSSUP_LEDGER_DECISIONS_STREAM: STREAMS.decision,
    TOSSUP_LEDGER_EVENTS_STREAM: STREAMS.event,
    TOSSUP_TOSS_UP_NOTICES: 'true',
    // The sync packs as deployed: a killed batch's messages come back with several leads each.
    TOSSUP_LEADS_PER_MESSAGE: String(leadsPerMessage(deploySettings)),
  };
  const logs = new LogCapture();
  const overrides = (): WiringOverrides => ({
    clients: {
      dynamodb: dynamo.client(),
      sqs: new SQSClient(loopbackClientConfig(aws.endpoint)),
      secrets: new SecretsManagerClient(loopbackClientConfig(aws.endpoint)),
    },
    firehose: new FirehoseClient(loopbackClientConfig(aws.endpoint)),
    clock,
    logger: { destination: logs },
  });

  /** The child's exit, once it has run. */
  let exit: { code: number | null; signal: NodeJS.Signals | null; stderr: string } | null = null;
  /** The Lambda runtime in a child process: the handler the simulated event source mapping invokes. */
  const childWorker = async (event: SqsEvent): Promise<SqsBatchResponse> => {
    const eventFile = join(dir, `event-${randomUUID()}.json`);
    writeFileSync(eventFile, JSON.stringify(event));
    const child = spawn(process.execPath, [CHILD], {
      env: {
        PATH: process.env.PATH,
        ...env,
        CHILD_AWS_ENDPOINT: aws.endpoint,
        CHILD_DYNAMO_ENDPOINT: dynamoProxy.endpoint,
        CHILD_NOW: clock.now().toISOString(),
        CHILD_EVENT: eventFile,
        CHILD_TIMEOUT_SECONDS: String(deploySettings.worker.timeoutSeconds),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    exit = await new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
    );
    running = null;
    if (exit!.code !== 0) throw new Error(`the worker process ended: ${exit!.signal ?? exit!.code}`);
    return JSON.parse(stdout) as SqsBatchResponse;
  };

  const ledgerOutbox = async () =>
    (
      await table.client.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `ledgerq|${crm}` } },
        }),
      )
    ).Items ?? [];

  return {
    side,
    clock,
    table,
    queue,
    taken,
    killed,
    logs,
    ledgerOutbox,
    childWorker,
    exit: () => exit,
    sync: syncFromEnv(env, import.meta.url, overrides()),
    worker: workerFromEnv(env, import.meta.url, overrides()),
    stop() {
      if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
    },
    async close() {
      this.stop();
      await dynamoProxy.close();
      await aws.close();
      await side.close();
    },
  };
}

/** Every item of the table under `prefix` (a scan: the test's table is small). */
async function itemsUnder(table: DynamoTable, prefix: string) {
  const out = await table.client.send(new ScanCommand({ TableName: table.tableName }));
  return (out.Items ?? []).filter((i) => i.pk?.S?.startsWith(prefix));
}
const rosters = (table: DynamoTable) => itemsUnder(table, 'eproster|');
const episodeItems = (table: DynamoTable) => itemsUnder(table, 'episode|');

/**
 * A pass-through HTTP proxy in front of dynalite. `watch` looks at each request (its X-Amz-Target and
 * body) and may return what to do once DynamoDB has answered it; that request's answer then never
 * reaches the caller (it is killed there).
 */
async function startDynamoProxy(
  upstream: string,
  watch: (target: string, body: string) => (() => boolean) | null,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const after = watch(target, body.toString('utf8'));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
      const answer = await fetch(`${upstream}${req.url ?? '/'}`, { method: req.method, headers, body });
      const text = Buffer.from(await answer.arrayBuffer());
      if (after?.()) {
        res.destroy();
        return;
      }
      res.writeHead(answer.status, {
        'content-type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The lead ids of an SQS event's messages. */
/** The ids of the leads queue messages carry (one each, or several packed). */
const leadIdsIn = (bodies: readonly string[]) =>
  bodies.flatMap((body) => {
    const m = QueueMessageSchema.parse(JSON.parse(body));
    return m.kind === 'lead' ? [m.lead.id] : m.kind === 'leads' ? m.leads.map((l) => l.id) : [];
  });
const leadIdsOf = (event: SqsEvent) => leadIdsIn(event.Records.map((r) => r.body));

describe.each([{ crm: 'salesforce' as const }, { crm: 'hubspot' as const }])(
  '$crm: the worker process killed mid-batch, then its message redelivered',
  ({ crm }) => {
    it.each([
      {
        killAt: 'decisions-append' as const,
        title: 'SIGKILL after the CRM field write, before the decisions reach Firehose',
      },
      {
        killAt: 'field-write' as const,
        title: 'SIGKILL after the claims, as the CRM receives the field write',
      },
      {
        killAt: 'episode-roster' as const,
        title: "SIGKILL once the hand-offs' roster is stored, before their episodes are written",
      },
    ])(
      '$title: the redelivery leaves the fields, one task per toss-up and one decision row per lead',
      async ({ killAt }) => {
        const s = await stand(crm, killAt);
        try {
          await s.sync(
            { source: 'aws.events', 'detail-type': 'Scheduled Event' },
            runningLambdaContext(deploySettings.sync.timeoutSeconds),
          );
          expect(leadIdsIn(s.queue.bodies())).toHaveLength(LEADS);
          expect(s.queue.depth).toBeLessThan(LEADS); // packed, as deployed

          // The event source mapping's first receive goes to the child, which dies: nothing is deleted.
          let sent: SqsEvent | null = null;
          const first = await s.queue.poll((event) => {
            sent = event;
            return s.childWorker(event);
          });
          expect(s.killed, s.exit()?.stderr).toEqual([killAt]);
          expect(s.exit()?.signal, s.exit()?.stderr).toBe('SIGKILL');
          expect(first.threw).toBeInstanceOf(Error);
          expect(leadIdsIn(s.queue.bodies())).toHaveLength(LEADS);
          const ids = leadIdsOf(sent!);
          expect(ids).toHaveLength(LEADS);

          const afterKill = s.side.leads(ids);
          // The killed attempt's roster, stored with no episode behind it.
          const orphans = await rosters(s.table);
          if (killAt === 'episode-roster') {
            expect(orphans.length).toBeGreaterThan(0);
            expect(await episodeItems(s.table)).toEqual([]);
          }
          if (killAt === 'decisions-append') expect(afterKill.filter((l) => l.flag).length).toBe(LEADS);
          else expect(afterKill.filter((l) => l.flag)).toEqual([]);
          // The tasks come before the field write: the redelivery meets those the first attempt created.
          expect(afterKill.filter((l) => l.tasks.length > 0)).not.toEqual([]);
          // Nothing reached the decisions stream, and nothing was staged: the message is what comes back.
          expect(s.taken[STREAMS.decision]).toEqual([]);
          expect(await s.ledgerOutbox()).toEqual([]);

          // Redelivered past the visibility timeout (which outlasts the claims' lease, the invocation's deadline).
          s.clock.advance(deploySettings.queue.visibilityTimeoutSeconds * 1000);
          let redelivered: SqsEvent | null = null;
          const again = await s.queue.poll((event, ctx) => {
            redelivered = event;
            return s.worker(event, ctx);
          });
          expect(again).toMatchObject({ invoked: true, failedIds: [], threw: null });
          expect(leadIdsOf(redelivered!).sort()).toEqual([...ids].sort());
          expect(s.queue.depth).toBe(0);

          const leads = s.side.leads(ids);
          expect(leads.filter((l) => !l.flag)).toEqual([]);
          const tossUps = leads.filter((l) => l.flag === s.side.yes);
          expect(tossUps.length).toBeGreaterThan(0);
          // One follow-up task per toss-up, keyed by its decision (an upsert on that key), none twice.
          for (const l of tossUps) expect(l.tasks).toEqual([l.key]);
          for (const l of leads) expect(l.tasks.filter((k) => k !== l.key)).toEqual([]);
          expect(leads.filter((l) => l.tasks.length > 1)).toEqual([]);
          expect(s.side.taskKeys().sort()).toEqual(leads.flatMap((l) => l.tasks).sort());
          // One decision row per written lead, the decision the CRM shows.
          const decisions = s.taken[STREAMS.decision]!;
          expect(decisions.map((d) => d.lead_id).sort()).toEqual([...ids].sort());
          expect(new Set(decisions.map((d) => d.record_id)).size).toBe(decisions.length);
          for (const l of leads) expect(decisions.find((d) => d.lead_id === l.id)?.episode_key).toBe(l.key);
          // Each toss-up's decision names the owner of the task the first attempt created.
          for (const l of tossUps)
            expect(decisions.find((d) => d.lead_id === l.id)?.owner_id).toBe(l.taskOwners[0]);
          // A hand-off appended again by the redelivery carries the same record id (the ledger's readers keep one row a record id).
          const handOffs = s.taken[STREAMS.event]!.filter(
            (r) => r.kind === 'event' && r.event_type === 'handed_off',
          );
          for (const l of tossUps)
            expect(
              new Set(handOffs.filter((r) => r.episode_key === l.key).map((r) => r.record_id)).size,
            ).toBe(1);
          // So does its first SLA status: taken at the recorded hand-off's instant, it is the same step,
          // not a second status a minute later.
          const statuses = s.taken[STREAMS.event]!.filter(
            (r) => r.kind === 'event' && r.event_type === 'sla_status',
          );
          for (const l of tossUps)
            expect(
              new Set(statuses.filter((r) => r.episode_key === l.key).map((r) => r.record_id)).size,
            ).toBe(1);
          expect(await s.ledgerOutbox()).toEqual([]);
          expect(s.logs.records().filter((r) => r.level === 'error' || r.level === 'fatal')).toEqual([]);
          // Each episode with a check pending is due once, however many rosters list it.
          const episodes = new DynamoEpisodeStore(s.table);
          const later = new Date(s.clock.now().getTime() + 30 * 86_400_000);
          const due = await episodes.dueBefore(later, 100);
          const stored = await episodes.getMany(
            (await episodeItems(s.table)).map((i) => i.pk!.S!.slice('episode|'.length)),
          );
          const pending = [...stored.values()].filter((e) => e.episode.nextCheckAt !== null);
          for (const l of tossUps) expect(stored.has(l.key!)).toBe(true);
          expect(pending.length).toBeGreaterThan(0);
          expect(due.map((d) => d.key).sort()).toEqual(pending.map((e) => e.episode.key).sort());
          // Once every episode has moved on (a sweep past the rosters' grace), no roster is left: the
          // killed attempt's one included (it lists the same episodes, or ones not due at its instant).
          s.clock.advance(20 * 60_000);
          for (const e of pending) await episodes.put({ ...e.episode, nextCheckAt: null }, e.version);
          expect(await episodes.dueBefore(later, 100)).toEqual([]);
          expect(await rosters(s.table)).toEqual([]);
        } finally {
          await s.close();
        }
      },
      60_000,
    );
  },
);
