import { describe, expect, it } from 'vitest';
import { PRICES_AP_NORTHEAST_1, type PriceList } from '../../bench/cost/aws-prices-ap-northeast-1.ts';
import {
  costPer1kLeads,
  costPer1kTossUps,
  fixedPerMonth,
  gbSeconds,
  total,
  usdPerMonth,
} from '../../bench/cost/cost-model.ts';
import type { MeasuredUsage } from '../../bench/cost/measure-usage.ts';

/**
 * The cost model on made-up usage and made-up prices (each price a different whole number), every
 * total worked out by hand below. 2,000 leads, so per 1,000 leads is half of everything.
 */
const usage: MeasuredUsage = {
  leads: 2000,
  memoryMb: { sync: 1024, worker: 1024, sweep: 1024 },
  worker: { count: 20, ms: 10_000, crmCalls: 40 },
  sync: { count: 1, ms: 3000, crmCalls: 12 },
  idleSync: { count: 1, ms: 1000, crmCalls: 2 },
  firstSweep: { count: 1, ms: 1500, crmCalls: 3 },
  sweep: { count: 1, ms: 500, crmCalls: 1 },
  quietSweepUnits: { read: 2, write: 1 },
  lifecycle: {
    sweeps: { count: 10, ms: 10_000, crmCalls: 30 },
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
];
const prices = Object.fromEntries(
  order.map((k, i) => [k, { ...PRICES_AP_NORTHEAST_1[k], usd: i + 1 }]),
) as unknown as PriceList;

describe('the AWS cost model', () => {
  it('bills wall time plus 0.4 s a CRM call at the configured memory', () => {
    expect(gbSeconds({ count: 3, ms: 2500, crmCalls: 5 }, 512)).toBeCloseTo((2.5 + 2) / 2);
  });

  it('prices the per-lead work of 1,000 leads: the sync and the first sweep counted beyond their quiet runs', () => {
    const lines = costPer1kLeads(usage, prices);
    // Lambda: 10 requests; (10 s + 40 x 0.4 s) + (2 s + 10 x 0.4 s) + (1 s + 2 x 0.4 s) = 33.8 GB-s at
    // 1 GB, halved: 16.9. SQS (200 + 400) / 2 = 300; WRU 2000; RRU 500; Firehose 0.5 GB at 6 + 7 + 8.
    expect(lines.map((l) => l.quantity)).toEqual([10, 16.9, 300, 2000, 500, 0.5]);
    expect(total(lines)).toBeCloseTo(10 * 1 + 16.9 * 2 + 300 * 3 + 2000 * 4 + 500 * 5 + 0.5 * 21);
  });

  it("prices 1,000 toss-ups' SLA tracking beyond what as many quiet sweeps take", () => {
    const lines = costPer1kTossUps(usage, prices);
    // 500 toss-ups, so twice everything. Lambda (10 s - 10 x 0.5 s) + (30 - 10 x 1) x 0.4 s = 13 GB-s;
    // WRU 510 - 10 x 1 = 500; RRU 120 - 10 x 2 = 100; Firehose 1 GB.
    expect(lines.map((l) => l.quantity)).toEqual([26, 1000, 200, 2]);
    expect(total(lines)).toBeCloseTo(26 * 2 + 1000 * 4 + 200 * 5 + 2 * 21);
  });

  it('prices the monthly floor and adds the leads of 30 days', () => {
    // 8,640 runs of each schedule; quiet sync 1 s + 2 x 0.4 s, sweep 0.5 s + 0.4 s: 2.7 GB-s a run.
    const fixed = fixedPerMonth(usage, prices);
    // Two event source mappings (leads and events queue), each 5 idle pollers.
    expect(fixed.map((l) => l.quantity)).toEqual([17_280, 2.7 * 8640, 1_296_000, 1, 2160, 17_280]);
    const floor = 17_280 * 1 + 23_328 * 2 + 1_296_000 * 3 + 1 * 9 + 2160 * 10 + 17_280 * (11 + 12);
    expect(total(fixed)).toBeCloseTo(floor);
    expect(usdPerMonth(usage, prices, 1000)).toBeCloseTo(floor + 11_454.3 * 30);
  });
});
