/**
 * AWS prices in Asia Pacific (Tokyo), ap-northeast-1, on-demand, USD, without the free tier: the one
 * place the cost model (cost-model.ts) takes prices from. Each price says where it comes from and
 * when it was read:
 * - `reference`: the project's reference note `reliability-limits-costs.md` (section C5, read
 *   2026-12-02) gives the price, and Tokyo's public price page lists the same figure;
 * - `price-list`: the public AWS price page for ap-northeast-1 as we know it (no stored copy of the
 *   Tokyo page was available on 2026-12-02) — check it against the live page before relying on it.
 */
export interface Price {
  usd: number;
  per: string;
  source: 'reference' | 'price-list';
  url: string;
  /** When the figure was read (ISO date). */
  asOf: string;
}

const READ = '2026-12-02';

export const PRICES_AP_NORTHEAST_1 = {
  lambdaRequest: {
    usd: 0.2 / 1e6,
    per: 'request',
    source: 'reference',
    url: 'https://aws.amazon.com/lambda/pricing/',
    asOf: READ,
  },
  /** x86_64. The model takes the price of the architecture serverless.yml deploys (`lambdaArchitecture`). */
  lambdaGbSecondX86: {
    usd: 0.0000166667,
    per: 'GB-second',
    source: 'reference',
    url: 'https://aws.amazon.com/lambda/pricing/',
    asOf: READ,
  },
  /** arm64 (Graviton), what serverless.yml deploys since the stack's first commit. */
  lambdaGbSecondArm64: {
    usd: 0.0000133334,
    per: 'GB-second',
    source: 'reference',
    url: 'https://aws.amazon.com/lambda/pricing/',
    asOf: READ,
  },
  /** Standard queue; every 64 KB chunk of a request is billed as one request, empty receives too. */
  sqsRequest: {
    usd: 0.4 / 1e6,
    per: 'request (64 KB chunk)',
    source: 'reference',
    url: 'https://aws.amazon.com/sqs/pricing/',
    asOf: READ,
  },
  /** On-demand, after the November 2024 price cut (us-east-1: $0.625 in the reference note). */
  dynamoWriteRequestUnit: {
    usd: 0.7135 / 1e6,
    per: 'write request unit',
    source: 'price-list',
    url: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    asOf: READ,
  },
  /** On-demand (us-east-1: $0.125 in the reference note). */
  dynamoReadRequestUnit: {
    usd: 0.1425 / 1e6,
    per: 'read request unit',
    source: 'price-list',
    url: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    asOf: READ,
  },
  /** Direct PUT ingestion, first 500 TB a month; each record is rounded up to the next 5 KB. */
  firehoseIngestedGb: {
    usd: 0.036,
    per: 'GB ingested (5 KB steps per record)',
    source: 'price-list',
    url: 'https://aws.amazon.com/firehose/pricing/',
    asOf: READ,
  },
  /** Record format conversion (JSON → Parquet, infra/ledger.yml), billed on the same 5 KB steps. */
  firehoseFormatConversionGb: {
    usd: 0.022,
    per: 'GB converted',
    source: 'price-list',
    url: 'https://aws.amazon.com/firehose/pricing/',
    asOf: READ,
  },
  /** Dynamic partitioning by `dt` (infra/ledger.yml): per GB partitioned. */
  firehoseDynamicPartitioningGb: {
    usd: 0.02,
    per: 'GB partitioned',
    source: 'price-list',
    url: 'https://aws.amazon.com/firehose/pricing/',
    asOf: READ,
  },
  /** Dynamic partitioning: per S3 object delivered. */
  firehoseDynamicPartitioningObject: {
    usd: 0.005 / 1000,
    per: 'S3 object delivered',
    source: 'price-list',
    url: 'https://aws.amazon.com/firehose/pricing/',
    asOf: READ,
  },
  /** PUT, COPY, POST, LIST requests, S3 Standard. */
  s3PutRequest: {
    usd: 0.0047 / 1000,
    per: 'PUT request',
    source: 'price-list',
    url: 'https://aws.amazon.com/s3/pricing/',
    asOf: READ,
  },
  s3StorageGbMonth: {
    usd: 0.025,
    per: 'GB-month (S3 Standard, first 50 TB)',
    source: 'price-list',
    url: 'https://aws.amazon.com/s3/pricing/',
    asOf: READ,
  },
  /**
   * CloudWatch Logs ingestion (Standard class; Lambda's logs are "vended" and tiered since May 2025, the
   * first 10 TB a month at this rate). The reference note gives $0.50, which is us-east-1's.
   */
  cloudwatchLogsIngestedGb: {
    usd: 0.76,
    per: 'GB ingested',
    source: 'price-list',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
    asOf: '2026-12-05',
  },
  /** A custom metric (each name and set of dimension values) a month, the first 10,000; prorated hourly. */
  cloudwatchCustomMetricMonth: {
    usd: 0.3,
    per: 'custom metric-month',
    source: 'price-list',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
    asOf: '2026-12-05',
  },
  /** A standard-resolution alarm on one metric, a month. */
  cloudwatchAlarmMonth: {
    usd: 0.1,
    per: 'alarm-month',
    source: 'price-list',
    url: 'https://aws.amazon.com/cloudwatch/pricing/',
    asOf: '2026-12-05',
  },
  /**
   * HTTP API (the HubSpot webhook's endpoint), the first 300 million requests a month; each 512 KB of a
   * request is metered as one more. us-east-1's rate: Tokyo's may be higher — check the live page.
   */
  apiGatewayHttpRequest: {
    usd: 1.0 / 1e6,
    per: 'HTTP API request (512 KB increments)',
    source: 'price-list',
    url: 'https://aws.amazon.com/api-gateway/pricing/',
    asOf: '2026-12-05',
  },
  secretsManagerSecretMonth: {
    usd: 0.4,
    per: 'secret-month',
    source: 'reference',
    url: 'https://aws.amazon.com/secrets-manager/pricing/',
    asOf: READ,
  },
  secretsManagerApiCall: {
    usd: 0.05 / 10_000,
    per: 'API call',
    source: 'reference',
    url: 'https://aws.amazon.com/secrets-manager/pricing/',
    asOf: READ,
  },
} as const satisfies Record<string, Price>;

export type PriceList = Record<keyof typeof PRICES_AP_NORTHEAST_1, Price>;
