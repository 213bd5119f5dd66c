import { type AwsClients, createAwsClients } from '../aws/clients.ts';
import { DynamoTable } from '../aws/dynamo-table.ts';
import { DynamoEventDedup } from '../aws/dynamodb-event-dedup.ts';
import { DynamoLeadVersions } from '../aws/dynamodb-lead-versions.ts';
import { DynamoRoutingState } from '../aws/dynamodb-routing-state.ts';
import { DynamoStateStore } from '../aws/dynamodb-state-store.ts';
import { SecretsManagerCache } from '../aws/secrets.ts';
import { SqsQueue } from '../aws/sqs-queue.ts';
import { createLogger, type LoggerOptions } from '../logging/logger.ts';
import type { ConnectorFactory } from '../pipeline/connector-registry.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { loadBundledConfig } from './bundled-config.ts';
import { cachedConnector } from './connector-provider.ts';
import {
  type CrmFunctionEnv,
  CrmFunctionEnvSchema,
  configDirOf,
  parseEnv,
  WebhookEnvSchema,
} from './lambda-env.ts';
import { safeInvocation } from './safe-invocation.ts';
import { createSyncHandler } from './sync-handler.ts';
import { createHubspotWebhookHandler } from './webhook-handler.ts';
import { createWorkerHandler } from './worker-handler.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** What tests replace; production uses the defaults. */
export interface WiringOverrides {
  clients?: AwsClients;
  clock?: Clock;
  logger?: LoggerOptions;
  createConnector?: ConnectorFactory;
}

/**
 * The composition root of each Lambda entry (src/handlers/lambda/*.ts): environment → SDK clients
 * → adapters → handler, once per container. Everything here runs at module initialisation, so it
 * does no network I/O; secrets and the CRM connection are fetched on the first invocation.
 */
export function workerFromEnv(env: Env, bundleUrl: string, overrides: WiringOverrides = {}) {
  const e = parseEnv(CrmFunctionEnvSchema, env);
  const base = crmBase(e, bundleUrl, overrides, 'worker');
  const queue = new SqsQueue({ client: base.clients.sqs, queueUrl: e.TOSSUP_QUEUE_URL });
  const handler = createWorkerHandler({
    crm: e.TOSSUP_CRM,
    scope: e.TOSSUP_SCOPE,
    config: base.config,
    connectors: base.connectors,
    state: base.state,
    routingState: new DynamoRoutingState(base.table),
    versions: new DynamoLeadVersions(base.table),
    visibility: queue,
    clock: base.clock,
    log: base.log,
    quotaBackoffSeconds: e.TOSSUP_QUOTA_BACKOFF_SECONDS,
  });
  return safeInvocation(base.log, 'worker batch', handler);
}

export function syncFromEnv(env: Env, bundleUrl: string, overrides: WiringOverrides = {}) {
  const e = parseEnv(CrmFunctionEnvSchema, env);
  const base = crmBase(e, bundleUrl, overrides, 'sync');
  const handler = createSyncHandler({
    crm: e.TOSSUP_CRM,
    scope: e.TOSSUP_SCOPE,
    config: base.config,
    connectors: base.connectors,
    state: base.state,
    routingState: new DynamoRoutingState(base.table),
    queue: new SqsQueue({ client: base.clients.sqs, queueUrl: e.TOSSUP_QUEUE_URL }),
    clock: base.clock,
    log: base.log,
  });
  return safeInvocation(base.log, 'sync run', handler);
}

export function webhookFromEnv(env: Env, overrides: WiringOverrides = {}) {
  const e = parseEnv(WebhookEnvSchema, env);
  const clients = overrides.clients ?? createAwsClients();
  const clock = overrides.clock ?? systemClock;
  const log = createLogger({
    ...overrides.logger,
    base: { fn: 'webhook', crm: 'hubspot', ...overrides.logger?.base },
  });
  const table = new DynamoTable({ client: clients.dynamodb, tableName: e.TOSSUP_STATE_TABLE, clock });
  const handler = createHubspotWebhookHandler({
    secretId: e.TOSSUP_SECRET_ID,
    secrets: new SecretsManagerCache({ client: clients.secrets, clock }),
    dedup: new DynamoEventDedup(table, 'hubspot'),
    queue: new SqsQueue({ client: clients.sqs, queueUrl: e.TOSSUP_QUEUE_URL }),
    clock,
    log,
    portalId: e.TOSSUP_HUBSPOT_PORTAL_ID ?? null,
    dedupTtlSeconds: e.TOSSUP_WEBHOOK_DEDUP_TTL_SECONDS,
  });
  return safeInvocation(log, 'webhook request', handler);
}

function crmBase(e: CrmFunctionEnv, bundleUrl: string, overrides: WiringOverrides, fn: string) {
  const clients = overrides.clients ?? createAwsClients();
  const clock = overrides.clock ?? systemClock;
  const log = createLogger({
    ...overrides.logger,
    base: { fn, crm: e.TOSSUP_CRM, ...overrides.logger?.base },
  });
  const config = loadBundledConfig(configDirOf(e, bundleUrl), e.TOSSUP_CRM);
  const table = new DynamoTable({ client: clients.dynamodb, tableName: e.TOSSUP_STATE_TABLE, clock });
  const connectors = cachedConnector({
    crm: e.TOSSUP_CRM,
    secretId: e.TOSSUP_SECRET_ID,
    secrets: new SecretsManagerCache({ client: clients.secrets, clock }),
    mappingFile: config.mappingFile,
    clock,
    ...(overrides.createConnector ? { create: overrides.createConnector } : {}),
  });
  return { clients, clock, log, config, table, connectors, state: new DynamoStateStore(table) };
}
