import type { PriceList } from './aws-prices-ap-northeast-1.ts';
import type { LambdaArchitecture } from './deployed-stack.ts';
import type { Invocations, MeasuredUsage } from './measure-usage.ts';
import type { MeasuredWebhookUsage } from './measure-webhook.ts';

/**
 * The AWS cost model (docs/cost.md): measured usage (measure-usage.ts) and prices
 * (aws-prices-ap-northeast-1.ts) → what changed leads cost, per lead and per month. Pure.
 *
 * Declared assumptions, each a constant here:
 * - a CRM API call keeps the function waiting CRM_CALL_SECONDS (Lambda bills the wait; the in-process
 *   run against an in-memory CRM has none) — the reference note's 0.4 s;
 * - schedules as deployed: the sync and the sweep every 5 minutes, one CRM;
 * - the SQS event source mappings' idle long polls: two mappings (the leads and the events queue,
 *   infra/queues.yml), 5 pollers each, one 20 s receive each at a time;
 * - two secrets (the CRM's and the chat secret the sweep's notifications read); the secrets cache
 *   (src/aws/secrets.ts) keeps a value 5 minutes, the schedules' period, so every scheduled run reads
 *   its secrets again (the sync one, the sweep two) and the worker reads its one at least hourly (a
 *   cold start); Firehose delivers one object per stream every 300 s (its buffer interval);
 * - the custom metrics the run published and the stack's alarms are billed every month;
 * - Lambda writes LAMBDA_PLATFORM_LOG_BYTES of its own lines an invocation (START, END, REPORT in the
 *   default text format, which serverless.yml keeps) beside what the functions log, which is measured.
 */
export const CRM_CALL_SECONDS = 0.4;
export const DAYS_PER_MONTH = 30;
const RUNS_PER_MONTH = (DAYS_PER_MONTH * 24 * 60) / 5;
const IDLE_SQS_RECEIVES_PER_MONTH = 2 * 5 * 3 * DAYS_PER_MONTH * 24 * 60;
const SECRETS = 2;
const SECRET_READS_PER_MONTH = (1 + 2) * RUNS_PER_MONTH + 24 * DAYS_PER_MONTH;
const FIREHOSE_OBJECTS_PER_MONTH = (2 * (DAYS_PER_MONTH * 24 * 3600)) / 300;
const GB = 1024 ** 3;
export const LAMBDA_PLATFORM_LOG_BYTES = 300;

/** One line of a bill: what, how much of it, and its price in USD. */
export interface CostLine {
  item: string;
  quantity: number;
  usd: number;
}

/** Billed GB-seconds of invocations: their wall time plus the modelled CRM waits, at the memory given. */
export function gbSeconds(inv: Invocations, memoryMb: number): number {
  return (inv.ms / 1000 + inv.crmCalls * CRM_CALL_SECONDS) * (memoryMb / 1024);
}

/** The GB-second price of the architecture the functions deploy with. */
function gbSecondUsd(u: { architecture: LambdaArchitecture }, p: PriceList): number {
  return (u.architecture === 'arm64' ? p.lambdaGbSecondArm64 : p.lambdaGbSecondX86).usd;
}

/** Log bytes CloudWatch ingests for invocations: what they logged and Lambda's own lines for each. */
function logBytes(inv: Invocations): number {
  return inv.logBytes + inv.count * LAMBDA_PLATFORM_LOG_BYTES;
}

/** What the work of `u.leads` changed leads costs beyond the schedules' floor, scaled to 1,000 leads. */
export function costPer1kLeads(u: MeasuredUsage, p: PriceList): CostLine[] {
  const per1k = 1000 / u.leads;
  // The sync's share of the leads: its run over them less a run that finds nothing.
  const syncWork: Invocations = {
    count: 0,
    ms: Math.max(0, u.sync.ms - u.idleSync.ms),
    crmCalls: Math.max(0, u.sync.crmCalls - u.idleSync.crmCalls),
    logBytes: Math.max(0, u.sync.logBytes - u.idleSync.logBytes),
  };
  // The first sweep, right after the hand-offs: its run less a quiet one is the leads' too.
  const sweepWork = beyondQuiet(u.firstSweep, u.sweep);
  const gbs =
    (gbSeconds(u.worker, u.memoryMb.worker) +
      gbSeconds(syncWork, u.memoryMb.sync) +
      gbSeconds(sweepWork, u.memoryMb.sweep)) *
    per1k;
  const firehoseGb = (u.firehoseBilledBytes * per1k) / GB;
  const logsGb = ((logBytes(u.worker) + logBytes(syncWork) + logBytes(sweepWork)) * per1k) / GB;
  const lines: CostLine[] = [
    { item: 'Lambda requests (worker)', quantity: u.worker.count * per1k, usd: 0 },
    { item: 'Lambda GB-seconds (worker, sync, first sweep)', quantity: gbs, usd: 0 },
    { item: 'SQS requests', quantity: (u.sqsRequestsSent + u.sqsRequestsReceived) * per1k, usd: 0 },
    { item: 'DynamoDB write request units', quantity: u.dynamoWriteUnits * per1k, usd: 0 },
    { item: 'DynamoDB read request units', quantity: u.dynamoReadUnits * per1k, usd: 0 },
    { item: 'Firehose GB (ingest + Parquet + partitioning)', quantity: firehoseGb, usd: 0 },
    { item: 'CloudWatch Logs GB', quantity: logsGb, usd: 0 },
  ];
  const price = [
    p.lambdaRequest.usd,
    gbSecondUsd(u, p),
    p.sqsRequest.usd,
    p.dynamoWriteRequestUnit.usd,
    p.dynamoReadRequestUnit.usd,
    p.firehoseIngestedGb.usd + p.firehoseFormatConversionGb.usd + p.firehoseDynamicPartitioningGb.usd,
    p.cloudwatchLogsIngestedGb.usd,
  ];
  return lines.map((l, i) => ({ ...l, usd: l.quantity * (price[i] ?? 0) }));
}

/**
 * What `w.events` HubSpot contact changes cost through the webhook (HTTP API, the function, its
 * de-duplication), the events queue and the worker's first decisions, scaled to 1,000 events. Beyond
 * the floor: every invocation here is the events' own (no schedule runs it).
 */
export function costPer1kWebhookEvents(w: MeasuredWebhookUsage, p: PriceList): CostLine[] {
  const per1k = 1000 / w.events;
  const gbs = (gbSeconds(w.webhook, w.memoryMb.webhook) + gbSeconds(w.worker, w.memoryMb.worker)) * per1k;
  const firehoseGb = (w.firehoseBilledBytes * per1k) / GB;
  const logsGb = ((logBytes(w.webhook) + logBytes(w.worker)) * per1k) / GB;
  const lines: [CostLine, number][] = [
    [
      { item: 'HTTP API requests (webhook)', quantity: w.httpApiRequests * per1k, usd: 0 },
      p.apiGatewayHttpRequest.usd,
    ],
    [
      {
        item: 'Lambda requests (webhook, worker)',
        quantity: (w.webhook.count + w.worker.count) * per1k,
        usd: 0,
      },
      p.lambdaRequest.usd,
    ],
    [{ item: 'Lambda GB-seconds (webhook, worker)', quantity: gbs, usd: 0 }, gbSecondUsd(w, p)],
    [
      { item: 'SQS requests', quantity: (w.sqsRequestsSent + w.sqsRequestsReceived) * per1k, usd: 0 },
      p.sqsRequest.usd,
    ],
    [
      { item: 'DynamoDB write request units', quantity: w.dynamoWriteUnits * per1k, usd: 0 },
      p.dynamoWriteRequestUnit.usd,
    ],
    [
      { item: 'DynamoDB read request units', quantity: w.dynamoReadUnits * per1k, usd: 0 },
      p.dynamoReadRequestUnit.usd,
    ],
    [
      { item: 'Firehose GB (ingest + Parquet + partitioning)', quantity: firehoseGb, usd: 0 },
      p.firehoseIngestedGb.usd + p.firehoseFormatConversionGb.usd + p.firehoseDynamicPartitioningGb.usd,
    ],
    [{ item: 'CloudWatch Logs GB', quantity: logsGb, usd: 0 }, p.cloudwatchLogsIngestedGb.usd],
  ];
  return lines.map(([l, price]) => ({ ...l, usd: l.quantity * price }));
}

/** Invocations less what as many quiet ones take (the floor pays those, and the runs themselves). */
function beyondQuiet(inv: Invocations, quiet: Invocations): Invocations {
  const perQuiet = quiet.count > 0 ? quiet.ms / quiet.count : 0;
  const callsPerQuiet = quiet.count > 0 ? quiet.crmCalls / quiet.count : 0;
  return {
    count: 0,
    ms: Math.max(0, inv.ms - inv.count * perQuiet),
    crmCalls: Math.max(0, inv.crmCalls - inv.count * callsPerQuiet),
    // The quiet runs' log lines are the floor's, as their time is.
    logBytes: Math.max(0, inv.logBytes - (quiet.count > 0 ? (inv.count * quiet.logBytes) / quiet.count : 0)),
  };
}

/**
 * The SLA tracking of 1,000 toss-ups after their first sweep, no rep answering (the upper bound: an
 * answer ends the polls and the ladder): the lifecycle sweeps beyond what quiet sweeps cost, which the
 * floor already pays (the schedule runs them either way).
 */
export function costPer1kTossUps(u: MeasuredUsage, p: PriceList): CostLine[] {
  const per1k = u.tossUps > 0 ? 1000 / u.tossUps : 0;
  const l = u.lifecycle;
  const runs = l.sweeps.count;
  const gbs = gbSeconds(beyondQuiet(l.sweeps, u.sweep), u.memoryMb.sweep) * per1k;
  const writes = Math.max(0, l.usage.dynamoWriteUnits - runs * u.quietSweepUnits.write) * per1k;
  const reads = Math.max(0, l.usage.dynamoReadUnits - runs * u.quietSweepUnits.read) * per1k;
  const firehoseGb = (l.usage.firehoseBilledBytes * per1k) / GB;
  const logsGb = (beyondQuiet(l.sweeps, u.sweep).logBytes * per1k) / GB;
  return [
    { item: 'Lambda GB-seconds (sweeps)', quantity: gbs, usd: gbs * gbSecondUsd(u, p) },
    { item: 'DynamoDB write request units', quantity: writes, usd: writes * p.dynamoWriteRequestUnit.usd },
    { item: 'DynamoDB read request units', quantity: reads, usd: reads * p.dynamoReadRequestUnit.usd },
    {
      item: 'Firehose GB (ingest + Parquet + partitioning)',
      quantity: firehoseGb,
      usd:
        firehoseGb *
        (p.firehoseIngestedGb.usd + p.firehoseFormatConversionGb.usd + p.firehoseDynamicPartitioningGb.usd),
    },
    { item: 'CloudWatch Logs GB', quantity: logsGb, usd: logsGb * p.cloudwatchLogsIngestedGb.usd },
  ];
}

/**
 * What a month costs with nothing changed: the schedules' runs (time, logs, DynamoDB), idle queue polls,
 * the secrets, Firehose deliveries, custom metrics and alarms.
 */
export function fixedPerMonth(u: MeasuredUsage, p: PriceList): CostLine[] {
  const gbs =
    (gbSeconds(u.idleSync, u.memoryMb.sync) + gbSeconds(u.sweep, u.memoryMb.sweep)) * RUNS_PER_MONTH;
  const logsGb = ((logBytes(u.idleSync) + logBytes(u.sweep)) * RUNS_PER_MONTH) / GB;
  return [
    { item: 'Lambda requests (sync, sweep schedules)', quantity: 2 * RUNS_PER_MONTH, usd: 0 },
    { item: 'Lambda GB-seconds (quiet sync, sweep)', quantity: gbs, usd: 0 },
    { item: 'SQS idle receives (event source mappings)', quantity: IDLE_SQS_RECEIVES_PER_MONTH, usd: 0 },
    { item: 'Secrets Manager secrets (CRM, chat)', quantity: SECRETS, usd: 0 },
    {
      item: 'Secrets Manager reads (every scheduled run, worker hourly)',
      quantity: SECRET_READS_PER_MONTH,
      usd: 0,
    },
    { item: 'Firehose S3 objects (PUT, partitioning)', quantity: FIREHOSE_OBJECTS_PER_MONTH, usd: 0 },
    { item: 'CloudWatch Logs GB (quiet runs)', quantity: logsGb, usd: 0 },
    {
      item: 'DynamoDB write request units (quiet sync, sweep)',
      quantity: (u.quietSyncUnits.write + u.quietSweepUnits.write) * RUNS_PER_MONTH,
      usd: 0,
    },
    {
      item: 'DynamoDB read request units (quiet sync, sweep)',
      quantity: (u.quietSyncUnits.read + u.quietSweepUnits.read) * RUNS_PER_MONTH,
      usd: 0,
    },
    { item: 'CloudWatch custom metrics', quantity: u.customMetrics, usd: 0 },
    { item: 'CloudWatch alarms', quantity: u.alarms, usd: 0 },
  ].map((l, i) => ({
    ...l,
    usd:
      l.quantity *
      [
        p.lambdaRequest.usd,
        gbSecondUsd(u, p),
        p.sqsRequest.usd,
        p.secretsManagerSecretMonth.usd,
        p.secretsManagerApiCall.usd,
        p.s3PutRequest.usd + p.firehoseDynamicPartitioningObject.usd,
        p.cloudwatchLogsIngestedGb.usd,
        p.dynamoWriteRequestUnit.usd,
        p.dynamoReadRequestUnit.usd,
        p.cloudwatchCustomMetricMonth.usd,
        p.cloudwatchAlarmMonth.usd,
      ][i]!,
  }));
}

export function total(lines: readonly CostLine[]): number {
  return lines.reduce((s, l) => s + l.usd, 0);
}

/** A month at `leadsPerDay` changed leads a day: the fixed floor plus the per-lead work. */
export function usdPerMonth(u: MeasuredUsage, p: PriceList, leadsPerDay: number): number {
  return total(fixedPerMonth(u, p)) + (total(costPer1kLeads(u, p)) * leadsPerDay * DAYS_PER_MONTH) / 1000;
}
