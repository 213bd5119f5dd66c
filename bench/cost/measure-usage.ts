import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leadsPerMessage, loadDeploySettings } from '../../scripts/deploy-settings.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import type { ScheduledEvent } from '../../src/handlers/lambda-types.ts';
import { sweepFromEnv, syncFromEnv, workerFromEnv } from '../../src/handlers/wiring.ts';
import { startLocalDynamo } from '../../test/aws/local-dynamodb.ts';
import { FakeCrm } from '../../test/fakes/fake-crm.ts';
import { deployedQueue } from '../../test/handlers/support/sqs-simulator.ts';
import { testClock } from '../../test/state/state-store.contract.ts';
import { FakeEpisodeCrm } from '../../test/sweep/fake-episode-crm.ts';
import { generatedLeads } from '../support/generated-leads.ts';
import { AwsMeter, type MeterSnapshot, meterDelta } from './aws-meter.ts';
import { deployedAlarms, deployedArchitecture, type LambdaArchitecture } from './deployed-stack.ts';
import {
  ByteCount,
  bundleShippedConfig,
  drainToWorker,
  lambdaContext,
  meteredOverrides,
} from './lambda-run.ts';

/** One function's invocations: how many, and their in-process wall time. */
export interface Invocations {
  count: number;
  ms: number;
  /** CRM API calls made during them (each is a wait Lambda bills; see the cost model). */
  crmCalls: number;
  /** Bytes the functions logged during them (CloudWatch Logs bills them; Lambda's own lines are modelled). */
  logBytes: number;
}

export interface MeasuredUsage {
  leads: number;
  memoryMb: { sync: number; worker: number; sweep: number };
  /** The functions' architecture as serverless.yml deploys them (its GB-second price). */
  architecture: LambdaArchitecture;
  sync: Invocations;
  worker: Invocations;
  /** A sync run that finds nothing changed: what every scheduled run costs on a quiet CRM. */
  idleSync: Invocations;
  /**
   * The sweep right after the hand-offs, counted with the leads: a new toss-up would be due at once
   * if its first SLA status had not gone with its fields (a sink that does not write it).
   */
  firstSweep: Invocations;
  /** A sweep run with nothing due: the scheduled sweep's floor. */
  sweep: Invocations;
  /** What the quiet sweep used of DynamoDB (subtracted from each lifecycle sweep: the floor pays it). */
  quietSweepUnits: { read: number; write: number };
  /** What the sync that found nothing used of DynamoDB (its lease and cursor): every scheduled run's. */
  quietSyncUnits: { read: number; write: number };
  /**
   * Distinct custom metrics the functions published in the run (Embedded Metric Format lines: each
   * namespace, dimension values and name), each billed a month.
   */
  customMetrics: number;
  /** CloudWatch alarms the stack deploys with Salesforce and its sweep enabled, HubSpot not. */
  alarms: number;
  /**
   * The toss-ups' SLA tracking after the first sweep, with no rep answering (the upper bound): a sweep
   * every hour of the clock until no episode is due — the ladder's steps (reminders, the manager's
   * notice and task, the reassignment) and the first-response polls to the end of their window.
   */
  lifecycle: {
    sweeps: Invocations;
    /** Hours of clock the sweeps covered. */
    hours: number;
    usage: MeterSnapshot;
  };
  sqsRequestsSent: number;
  /**
   * SQS requests of the event source mapping: receives of 10 messages each (billed per 64 KB of what
   * they return) and deletes of 10 messages each.
   */
  sqsRequestsReceived: number;
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  dynamoCalls: number;
  /** Capacity units by operation and item kind, largest first. */
  dynamoByKind: { kind: string; read: boolean; calls: number; units: number }[];
  firehoseRecords: number;
  firehoseBytes: number;
  firehoseBilledBytes: number;
  secretsCalls: number;
  logBytes: number;
  /** Errors the functions logged (none expected). */
  logProblems: string[];
  tossUps: number;
}

const AS_OF = '2026-11-24T01:00:00.000Z';
const SECRET = {
  clientId: '3MVG9',
  username: 'tossup@example.co.jp',
  privateKey: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
};
const SCHEDULED: ScheduledEvent = { source: 'aws.events', 'detail-type': 'Scheduled Event', time: AS_OF };

/**
 * Runs the production composition roots (syncFromEnv, workerFromEnv, sweepFromEnv: the functions as
 * deployed, with the admin files of the `large` preset bundled) over `leads` changed Salesforce leads
 * from the generated sample world: the sync reads them and sends them to SQS, the worker takes them in
 * the deployed batch size, decides, writes fields and tasks, and records to the ledger through
 * Firehose; then a sync that finds nothing and a sweep. DynamoDB is dynalite (real protocol), SQS,
 * Firehose and Secrets Manager the metered loopback (aws-meter.ts), the CRM the in-memory FakeCrm with
 * its calls counted. Every invocation is timed in this process.
 */
export async function measureUsage(leads: number, seed = 17): Promise<MeasuredUsage> {
  const settings = loadDeploySettings('infra/settings.yml');
  const clock = testClock(AS_OF);
  const dynamo = await startLocalDynamo();
  const meter = await AwsMeter.start(SECRET);
  const configDir = mkdtempSync(join(tmpdir(), 'tossup-cost-config-'));
  try {
    bundleShippedConfig(configDir, 'salesforce');

    const table = await dynamo.table(clock);
    // As the deployed connectors, its sink writes a new hand-off's first SLA status with the fields.
    const crm = new FakeCrm({ pageSize: 200, writesSlaStatus: true });
    for (const lead of generatedLeads(leads, seed, AS_OF)) crm.put(lead);
    const logs = new ByteCount();
    const overrides = meteredOverrides(meter, dynamo, clock, logs, () => crm.connector());
    const env = {
      TOSSUP_CRM: 'salesforce',
      TOSSUP_STATE_TABLE: table.tableName,
      TOSSUP_QUEUE_URL: 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/tossup-cost-leads',
      TOSSUP_SECRET_ID: 'tossup/cost/salesforce',
      TOSSUP_CONFIG_DIR: configDir,
      TOSSUP_LEDGER_DECISIONS_STREAM: 'tossup-cost-ledger-decisions',
      TOSSUP_LEDGER_EVENTS_STREAM: 'tossup-cost-ledger-events',
      // As serverless.yml sets it for the sync: the deployed packing.
      TOSSUP_LEADS_PER_MESSAGE: String(leadsPerMessage(settings)),
      // The published metrics: the `_aws` block of the metrics lines counts in the log bytes.
      TOSSUP_METRICS: settings.metrics.published.join(','),
    };
    const sync = syncFromEnv(env, import.meta.url, overrides);
    const worker = workerFromEnv(env, import.meta.url, overrides);
    // The sweep's connector also reads and writes what the episodes need (tasks, activities, SLA fields).
    const episodeCrm = new FakeEpisodeCrm();
    const sweep = sweepFromEnv(env, import.meta.url, {
      ...overrides,
      createConnector: () => ({ ...crm.connector(), episodes: episodeCrm }),
    });
    const crmCalls = () =>
      crm.calls.query +
      crm.calls.update +
      crm.calls.task +
      Object.values(episodeCrm.calls).reduce((a, b) => a + b, 0);
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
    const none = (): Invocations => ({ count: 0, ms: 0, crmCalls: 0, logBytes: 0 });
    const usage = { sync: none(), worker: none(), idleSync: none(), firstSweep: none(), sweep: none() };

    await timed(() => sync(SCHEDULED, lambdaContext(settings.sync.timeoutSeconds)), usage.sync);
    const sqsSent = meter.sqs.requests;
    // The event source mapping: the sent messages, delivered in the deployed batch size.
    const queue = deployedQueue(clock, 'salesforce');
    for (const m of meter.sqs.sent.splice(0)) queue.sendRaw(m.body, m.attributes);
    const received = await drainToWorker(queue, worker, (run) => timed(run, usage.worker));
    // Every decision and event reached the ledger: nothing is left staged in the outbox.
    const left = await table.query('ledgerq|salesforce');
    if (left.length > 0) throw new Error(`${left.length} ledger outbox item(s) left after the run`);
    const beforeIdle = meter.snapshot();
    await timed(() => sync(SCHEDULED, lambdaContext(settings.sync.timeoutSeconds)), usage.idleSync);
    const idle = meterDelta(beforeIdle, meter.snapshot());
    // The sweep's CRM holds what the worker wrote: the leads it handed off and their tasks (without
    // them every episode would read as a deleted record and close).
    for (const { id, task } of crm.tasks.values()) {
      if (!episodeCrm.leads.has(task.leadId)) episodeCrm.addLead(task.leadId, task.ownerId);
      episodeCrm.addTask(task.key, task.leadId, task.ownerId, id);
    }
    const sweepNow = () => sweep(SCHEDULED, lambdaContext(settings.sweep.timeoutSeconds));
    await timed(sweepNow, usage.firstSweep);
    const decided = meter.snapshot();
    const decidedLogBytes = logs.bytes;
    await timed(sweepNow, usage.sweep);
    const quiet = meterDelta(decided, meter.snapshot());

    // The SLA lifecycle, nobody answering: the clock moves an hour at a time while an episode is due.
    const episodes = new DynamoEpisodeStore(table);
    const lifecycle = { sweeps: none(), hours: 0, usage: quiet };
    const lifecycleStart = meter.snapshot();
    const far = new Date(Date.parse(AS_OF) + 60 * 86_400_000);
    while ((await episodes.dueBefore(far, 1)).length > 0 && lifecycle.hours < 60 * 24) {
      clock.advance(3_600_000);
      lifecycle.hours++;
      await timed(sweepNow, lifecycle.sweeps);
    }
    lifecycle.usage = meterDelta(lifecycleStart, meter.snapshot());

    return {
      leads,
      memoryMb: {
        sync: settings.sync.memoryMb,
        worker: settings.worker.memoryMb,
        sweep: settings.sweep.memoryMb,
      },
      architecture: deployedArchitecture('serverless.yml'),
      ...usage,
      quietSweepUnits: { read: quiet.dynamoReadUnits, write: quiet.dynamoWriteUnits },
      quietSyncUnits: { read: idle.dynamoReadUnits, write: idle.dynamoWriteUnits },
      customMetrics: logs.metrics.size,
      // One CRM, as measured: Salesforce and its sweep on, HubSpot off.
      alarms: deployedAlarms({
        crms: {
          salesforce: { ...settings.crms.salesforce, enabled: true, sweep: { enabled: true } },
          hubspot: { ...settings.crms.hubspot, enabled: false },
        },
      }),
      lifecycle,
      sqsRequestsSent: sqsSent,
      sqsRequestsReceived: received,
      dynamoReadUnits: decided.dynamoReadUnits,
      dynamoWriteUnits: decided.dynamoWriteUnits,
      dynamoCalls: decided.dynamoCalls,
      dynamoByKind: byKindList(decided),
      firehoseRecords: decided.firehoseRecords,
      firehoseBytes: decided.firehoseBytes,
      firehoseBilledBytes: decided.firehoseBilledBytes,
      secretsCalls: meter.secretsCalls,
      logBytes: decidedLogBytes,
      logProblems: logs.problems,
      tossUps: crm.tasks.size,
    };
  } finally {
    rmSync(configDir, { recursive: true, force: true });
    await meter.close();
    await dynamo.close();
  }
}

/** Capacity units by operation and item kind, largest first. */
export function byKindList(m: MeterSnapshot): MeasuredUsage['dynamoByKind'] {
  return [...m.dynamoByKind].map(([kind, t]) => ({ kind, ...t })).sort((a, b) => b.units - a.units);
}
