import { describe, expect, it } from 'vitest';
import { PRICES_AP_NORTHEAST_1, type PriceList } from '../../bench/cost/aws-prices-ap-northeast-1.ts';
import {
  costPer1kLeads,
  costPer1kTossUps,
  fixedPerMonth,
  gbSeconds,
  LAMBDA_PLATFORM_LOG_BYTES,
  total,
  usdPerMonth,
} from '../../bench/cost/cost-model.ts';
import type { MeasuredUsage } from '../../bench/cost/measure-usage.ts';

const G = 1024 ** 3;

/**
 * The cost model on made-up usage and made-up prices (each price a different whole number), every
 * total worked out by hand below. 2,000 leads, so per 1,000 leads is half of everything. Log bytes in
 * GB (the worker's less Lambda's own 300 bytes for each of its 20 invocations, so 1 GB in all).
 */
const usage: MeasuredUsage = {
  leads: 2000,
  memoryMb: { sync: 1024, worker: 1024, sweep: 1024 },
  architecture: 'x86_64',
  worker: { count: 20, ms: 10_000, crmCalls: 40, logBytes: G - 20 * LAMBDA_PLATFORM_LOG_BYTES },
  sync: { count: 1, ms: 3000, crmCalls: 12, logBytes: 0.5 * G },
  idleSync: { count: 1, ms: 1000, crmCalls: 2, logBytes: 0.25 * G },
  firstSweep: { count: 1, ms: 1500, crmCalls: 3, logBytes: 0.5 * G },
  sweep: { count: 1, ms: 500, crmCalls: 1, logBytes: 0.25 * G },
  quietSweepUnits: { read: 2, write: 1 },
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
];
const prices = Object.fromEntries(
  order.map((k, i) => [k, { ...PRICES_AP_NORTHEAST_1[k], usd: i + 1 }]),
) as unknown as PriceList;

describe('the AWS cost model', () => {
  it('bills wall time plus 0.4 s a CRM call at the configured memory', () => {
    expect(gbSeconds({ count: 3, ms: 2500, crmCalls: 5, logBytes: 0 }, 512)).toBeCloseTo((2.5 + 2) / 2);
  });

  it('prices the per-lead work of 1,000 leads: the sync and the first sweep counted beyond their quiet runs', () => {
    const lines = costPer1kLeads(usage, prices);
    // Lambda: 10 requests; (10 s + 40 x 0.4 s) + (2 s + 10 x 0.4 s) + (1 s + 2 x 0.4 s) = 33.8 GB-s at
    // 1 GB, halved: 16.9. SQS (200 + 400) / 2 = 300; WRU 2000; RRU 500; Firehose 0.5 GB at 6 + 7 + 8.
    // Logs: the worker's 1 GB, the sync's 0.5 - 0.25 and the first sweep's 0.5 - 0.25 (the runs and
    // Lambda's lines for them are the floor's): 1.5 GB, halved.
    expect(lines.map((l) => l.quantity)).toEqual([10, 16.9, 300, 2000, 500, 0.5, 0.75]);
    expect(total(lines)).toBeCloseTo(10 * 1 + 16.9 * 2 + 300 * 3 + 2000 * 4 + 500 * 5 + 0.5 * 21 + 0.75 * 15);
  });

  it('prices GB-seconds at the rate of the architecture the functions deploy with', () => {
    const arm = costPer1kLeads({ ...usage, architecture: 'arm64' }, prices);
    expect(arm[1]).toEqual({
      item: 'Lambda GB-seconds (worker, sync, first sweep)',
      quantity: 16.9,
      usd: 16.9 * 14,
    });
    expect(costPer1kTossUps({ ...usage, architecture: 'arm64' }, prices)[0]!.usd).toBeCloseTo(26 * 14);
    expect(fixedPerMonth({ ...usage, architecture: 'arm64' }, prices)[1]!.usd).toBeCloseTo(2.7 * 8640 * 14);
  });

  it("prices 1,000 toss-ups' SLA tracking beyond what as many quiet sweeps take", () => {
    const lines = costPer1kTossUps(usage, prices);
    // 500 toss-ups, so twice everything. Lambda (10 s - 10 x 0.5 s) + (30 - 10 x 1) x 0.4 s = 13 GB-s;
    // WRU 510 - 10 x 1 = 500; RRU 120 - 10 x 2 = 100; Firehose 1 GB; logs 3 - 10 x 0.25 = 0.5 GB.
    expect(lines.map((l) => l.quantity)).toEqual([26, 1000, 200, 2, 1]);
    expect(total(lines)).toBeCloseTo(26 * 2 + 1000 * 4 + 200 * 5 + 2 * 21 + 1 * 15);
  });

  it('prices the monthly floor and adds the leads of 30 days', () => {
    // 8,640 runs of each schedule; quiet sync 1 s + 2 x 0.4 s, sweep 0.5 s + 0.4 s: 2.7 GB-s a run.
    const fixed = fixedPerMonth(usage, prices);
    // Two event source mappings (leads and events queue), each 5 idle pollers. Logs: the quiet runs'
    // 0.25 GB each and Lambda's 300 bytes for each of them.
    const logs = (0.5 + (2 * LAMBDA_PLATFORM_LOG_BYTES) / G) * 8640;
    expect(fixed.slice(0, 6).map((l) => l.quantity)).toEqual([
      17_280,
      2.7 * 8640,
      1_296_000,
      1,
      2160,
      17_280,
    ]);
    expect(fixed[6]!.quantity).toBeCloseTo(logs, 9);
    const floor =
      17_280 * 1 + 23_328 * 2 + 1_296_000 * 3 + 1 * 9 + 2160 * 10 + 17_280 * (11 + 12) + logs * 15;
    expect(total(fixed)).toBeCloseTo(floor);
    expect(usdPerMonth(usage, prices, 1000)).toBeCloseTo(floor + 11_465.55 * 30);
  });
});
