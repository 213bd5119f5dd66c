import { describe, expect, it } from 'vitest';
import { PRICES_AP_NORTHEAST_1, type PriceList } from '../../bench/cost/aws-prices-ap-northeast-1.ts';
import {
  costPer1kLeads,
  costPer1kTossUps,
  costPer1kWebhookEvents,
  fixedPerMonth,
  gbSeconds,
  LAMBDA_PLATFORM_LOG_BYTES,
  total,
  usdPerMonth,
} from '../../bench/cost/cost-model.ts';
import type { MeasuredUsage } from '../../bench/cost/measure-usage.ts';
import type { MeasuredWebhookUsage } from '../../bench/cost/measure-webhook.ts';

const G = 1024 ** 3;

/**
 * The cost model on made-up usage and made-up prices (each price a different whole number), every
 * total worked out by hand below. 2,000 leads, so per 1,000 leads is half of everything. Log bytes in
 * GB (the worker's less Lambda's own 300 bytes for each of its 20 invocations, so 1 GB in all).
 */
const usage: MeasuredUsage = {
  leads: 2000,
  // A different memory each, so a function priced at another's memory shows.
  memoryMb: { sync: 512, worker: 1024, sweep: 2048 },
  architecture: 'x86_64',
  worker: { count: 20, ms: 10_000, crmCalls: 40, logBytes: G - 20 * LAMBDA_PLATFORM_LOG_BYTES },
  sync: { count: 1, ms: 3000, crmCalls: 12, logBytes: 0.5 * G },
  idleSync: { count: 1, ms: 1000, crmCalls: 2, logBytes: 0.25 * G },
  firstSweep: { count: 1, ms: 1500, crmCalls: 3, logBytes: 0.5 * G },
  sweep: { count: 1, ms: 500, crmCalls: 1, logBytes: 0.25 * G },
  quietSweepUnits: { read: 2, write: 1 },
  quietSyncUnits: { read: 1, write: 3 },
  customMetrics: 9,
  alarms: 15,
  lifecycle: {
    sweeps: { count: 10, ms: 10_000, crmCalls: 30, logBytes: 3 * G },
    hours: 10,
    usage: {
      dynamoReadUnits: 120,
      dynamoWriteUnits: 510,
      dynamoCalls: 0,
      dynamoByKind: new Map(),
      sqsRequests: 0,
      firehoseRecords: 0,
      firehoseBytes: 0,
      firehoseBilledBytes: 1024 ** 3,
    },
  },
  sqsRequestsSent: 200,
  sqsRequestsReceived: 400,
  dynamoReadUnits: 1000,
  dynamoWriteUnits: 4000,
  dynamoCalls: 0,
  dynamoByKind: [],
  firehoseRecords: 0,
  firehoseBytes: 0,
  firehoseBilledBytes: 1024 ** 3,
  secretsCalls: 0,
  logBytes: 0,
  logProblems: [],
  tossUps: 500,
};
const order: (keyof PriceList)[] = [
  'lambdaRequest',
  'lambdaGbSecondX86',
  'sqsRequest',
  'dynamoWriteRequestUnit',
  'dynamoReadRequestUnit',
  'firehoseIngestedGb',
  'firehoseFormatConversionGb',
  'firehoseDynamicPartitioningGb',
  'secretsManagerSecretMonth',
  'secretsManagerApiCall',
  's3PutRequest',
  'firehoseDynamicPartitioningObject',
  's3StorageGbMonth',
  'lambdaGbSecondArm64',
  'cloudwatchLogsIngestedGb',
  'cloudwatchCustomMetricMonth',
  'cloudwatchAlarmMonth',
  'apiGatewayHttpRequest',
];
/**
 * 2,000 webhook events (per 1,000: half of everything) in 20 requests, 22 of them as billed (two of
 * more than 512 KB); the worker at 2 GB, the webhook at 256 MB, so one priced at the other's shows.
 * Log bytes: 0.5 GB each with Lambda's own 300 bytes an invocation.
 */
const webhookUsage: MeasuredWebhookUsage = {
  events: 2000,
  requests: 20,
  httpApiRequests: 22,
  requestBytes: 0,
  memoryMb: { webhook: 256, worker: 2048 },
  architecture: 'x86_64',
  eventBatchSize: 100,
  webhook: { count: 20, ms: 4000, crmCalls: 0, logBytes: 0.5 * G - 20 * LAMBDA_PLATFORM_LOG_BYTES },
  worker: { count: 2, ms: 6000, crmCalls: 10, logBytes: 0.5 * G - 2 * LAMBDA_PLATFORM_LOG_BYTES },
  messages: 20,
  contactsRead: 2000,
  sqsRequestsSent: 20,
  sqsRequestsReceived: 6,
  webhookUnits: { read: 0, write: 4000 },
  dynamoReadUnits: 1500,
  dynamoWriteUnits: 4400,
  dynamoByKind: [],
  firehoseRecords: 0,
  firehoseBytes: 0,
  firehoseBilledBytes: G,
  logBytes: 0,
  logProblems: [],
  written: 2000,
  tossUps: 500,
};
const prices = Object.fromEntries(
  order.map((k, i) => [k, { ...PRICES_AP_NORTHEAST_1[k], usd: i + 1 }]),
) as unknown as PriceList;

describe('the AWS cost model', () => {
  it('bills wall time plus 0.4 s a CRM call at the configured memory', () => {
    expect(gbSeconds({ count: 3, ms: 2500, crmCalls: 5, logBytes: 0 }, 512)).toBeCloseTo((2.5 + 2) / 2);
  });

  it('prices the per-lead work of 1,000 leads: the sync and the first sweep counted beyond their quiet runs', () => {
    const lines = costPer1kLeads(usage, prices);
    // Lambda: 10 requests; the worker 10 s + 40 x 0.4 s at 1 GB = 26, the sync (2 s + 10 x 0.4 s) at
    // 0.5 GB = 3, the first sweep (1 s + 2 x 0.4 s) at 2 GB = 3.6: 32.6 GB-s, halved: 16.3. SQS (200 + 400) / 2 = 300; WRU 2000; RRU 500; Firehose 0.5 GB at 6 + 7 + 8.
    // Logs: the worker's 1 GB, the sync's 0.5 - 0.25 and the first sweep's 0.5 - 0.25 (the runs and
    // Lambda's lines for them are the floor's): 1.5 GB, halved.
    expect(lines.map((l) => l.quantity)).toEqual([10, 16.3, 300, 2000, 500, 0.5, 0.75]);
    expect(total(lines)).toBeCloseTo(10 * 1 + 16.3 * 2 + 300 * 3 + 2000 * 4 + 500 * 5 + 0.5 * 21 + 0.75 * 15);
  });

  it('prices GB-seconds at the rate of the architecture the functions deploy with', () => {
    const arm = costPer1kLeads({ ...usage, architecture: 'arm64' }, prices);
    expect(arm[1]).toEqual({
      item: 'Lambda GB-seconds (worker, sync, first sweep)',
      quantity: 16.3,
      usd: 16.3 * 14,
    });
    expect(costPer1kTossUps({ ...usage, architecture: 'arm64' }, prices)[0]!.usd).toBeCloseTo(52 * 14);
    expect(fixedPerMonth({ ...usage, architecture: 'arm64' }, prices)[1]!.usd).toBeCloseTo(2.7 * 8640 * 14);
  });

  it("prices 1,000 toss-ups' SLA tracking beyond what as many quiet sweeps take", () => {
    const lines = costPer1kTossUps(usage, prices);
    // 500 toss-ups, so twice everything. Lambda (10 s - 10 x 0.5 s) + (30 - 10 x 1) x 0.4 s = 13 s at 2 GB, 26 GB-s;
    // WRU 510 - 10 x 1 = 500; RRU 120 - 10 x 2 = 100; Firehose 1 GB; logs 3 - 10 x 0.25 = 0.5 GB.
    expect(lines.map((l) => l.quantity)).toEqual([52, 1000, 200, 2, 1]);
    expect(total(lines)).toBeCloseTo(52 * 2 + 1000 * 4 + 200 * 5 + 2 * 21 + 1 * 15);
  });

  it('prices the monthly floor and adds the leads of 30 days', () => {
    // 8,640 runs of each schedule; the quiet sync (1 s + 2 x 0.4 s) at 0.5 GB = 0.9, the sweep (0.5 s + 0.4 s) at 2 GB = 1.8: 2.7 GB-s a run.
    const fixed = fixedPerMonth(usage, prices);
    // Two event source mappings (leads and events queue), each 5 idle pollers. Two secrets, read by
    // every sync run (1) and sweep run (2) and the worker hourly: 3 x 8,640 + 720. Logs: the quiet
    // runs' 0.25 GB each and Lambda's 300 bytes for each of them. DynamoDB: the quiet sync's 3 WRU
    // and 1 RRU and the quiet sweep's 1 and 2 each run. The run's 9 custom metrics, 15 alarms.
    const logs = (0.5 + (2 * LAMBDA_PLATFORM_LOG_BYTES) / G) * 8640;
    expect(fixed.slice(0, 6).map((l) => l.quantity)).toEqual([
      17_280,
      2.7 * 8640,
      1_296_000,
      2,
      26_640,
      17_280,
    ]);
    expect(fixed[6]!.quantity).toBeCloseTo(logs, 9);
    expect(fixed.slice(7).map((l) => l.quantity)).toEqual([4 * 8640, 3 * 8640, 9, 15]);
    const floor =
      17_280 * 1 +
      23_328 * 2 +
      1_296_000 * 3 +
      2 * 9 +
      26_640 * 10 +
      17_280 * (11 + 12) +
      logs * 15 +
      4 * 8640 * 4 +
      3 * 8640 * 5 +
      9 * 16 +
      15 * 17;
    expect(total(fixed)).toBeCloseTo(floor);
    // 2,500 leads a day: 2.5 times the per-1,000 cost (10 + 32.6 + 900 + 8,000 + 2,500 + 10.5 + 11.25) a day.
    expect(usdPerMonth(usage, prices, 2500)).toBeCloseTo(floor + 11_464.35 * 2.5 * 30);
  });

  it('prices 1,000 HubSpot webhook events through the webhook, the events queue and the worker', () => {
    const lines = costPer1kWebhookEvents(webhookUsage, prices);
    // Halved: HTTP API 22 → 11; Lambda 20 + 2 requests → 11; the webhook 4 s at 0.25 GB = 1 and the
    // worker 6 s + 10 x 0.4 s at 2 GB = 20: 21 GB-s → 10.5; SQS 20 + 6 → 13; WRU 2,200; RRU 750;
    // Firehose 0.5 GB; logs (0.5 + 0.5 GB with Lambda's lines) → 0.5 GB.
    expect(lines.map((l) => l.quantity)).toEqual([11, 11, 10.5, 13, 2200, 750, 0.5, 0.5]);
    expect(total(lines)).toBeCloseTo(
      11 * 18 + 11 * 1 + 10.5 * 2 + 13 * 3 + 2200 * 4 + 750 * 5 + 0.5 * 21 + 0.5 * 15,
    );
    expect(total(lines)).toBeCloseTo(12_837);
    const arm = costPer1kWebhookEvents({ ...webhookUsage, architecture: 'arm64' }, prices);
    expect(arm[2]!.usd).toBeCloseTo(10.5 * 14);
  });
});
