import type { AthenaClient } from '@aws-sdk/client-athena';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { AthenaLedgerReader } from '../aws/athena-ledger-reader.ts';
import { DynamoTable } from '../aws/dynamo-table.ts';
import { DynamoOutcomeStore } from '../aws/dynamodb-outcome-store.ts';
import { createReportClients } from '../aws/report-clients.ts';
import { S3ReportStore } from '../aws/s3-report-store.ts';
import { SecretsManagerCache } from '../aws/secrets.ts';
import { createLogger, type LoggerOptions } from '../logging/logger.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import type { SecretSource } from '../ports/secret-source.ts';
import { loadBundledConfig } from './bundled-config.ts';
import { configDirOf, parseEnv, ReportEnvSchema } from './lambda-env.ts';
import { reportChannel } from './report-channel.ts';
import { createReportHandler } from './report-handler.ts';
import { safeInvocation } from './safe-invocation.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** What tests replace; production builds the SDK clients from the Lambda environment. */
export interface ReportOverrides {
  athena?: AthenaClient;
  s3?: S3Client;
  secrets?: SecretSource;
  /** Any LedgerReader instead of Athena (tests run the review over a local ledger). */
  reader?: LedgerReader;
  dynamodb?: DynamoDBClient;
  clock?: Clock;
  logger?: LoggerOptions;
  fetch?: typeof globalThis.fetch;
}

/**
 * The weekly report's composition root (src/handlers/lambda/report.ts), once per container; no
 * network I/O. The bundled admin files give the thresholds drawn on the heat map (rules), the reps'
 * capacities (routing), the business calendar (SLA) and the team channel (notifications).
 */
export function reportFromEnv(env: Env, bundleUrl: string, overrides: ReportOverrides = {}) {
  const e = parseEnv(ReportEnvSchema, env);
  const clock = overrides.clock ?? systemClock;
  const log = createLogger({ ...overrides.logger, base: { fn: 'report', ...overrides.logger?.base } });
  // The rule, routing, SLA and notification files are the same for both CRMs; the bundle carries them
  // as staged for Salesforce (the mapping in it is not read here).
  const config = loadBundledConfig(configDirOf(e, bundleUrl), 'salesforce');
  // Built on first use of each, so a test that replaces them all builds none.
  let clients: ReturnType<typeof createReportClients> | undefined;
  const sdk = () => {
    clients ??= createReportClients();
    return clients;
  };
  const reader =
    overrides.reader ??
    new AthenaLedgerReader({
      client: overrides.athena ?? sdk().athena,
      workGroup: e.TOSSUP_LEDGER_WORKGROUP,
      database: e.TOSSUP_LEDGER_DATABASE,
    });
  const secrets = overrides.secrets ?? new SecretsManagerCache({ client: sdk().secrets, clock });
  const outcomeStore = new DynamoOutcomeStore(
    new DynamoTable({
      client: overrides.dynamodb ?? sdk().dynamodb,
      tableName: e.TOSSUP_STATE_TABLE,
      clock,
    }),
  );
  const handler = createReportHandler({
    reader,
    outcomes: {
      list: async () => [...(await outcomeStore.list('salesforce')), ...(await outcomeStore.list('hubspot'))],
    },
    store: new S3ReportStore({
      client: overrides.s3 ?? sdk().s3,
      bucket: e.TOSSUP_LEDGER_BUCKET,
    }),
    channel: reportChannel({
      secretId: e.TOSSUP_CHAT_SECRET_ID,
      secrets,
      config: config.notifications,
      log,
      ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    }),
    config,
    locale: e.TOSSUP_REPORT_LOCALE,
    timeZone: e.TOSSUP_REPORT_TIME_ZONE,
    clock,
    log,
  });
  return safeInvocation(log, 'weekly report', handler);
}
