import { createAwsClients } from '../aws/clients.ts';
import { DynamoTable } from '../aws/dynamo-table.ts';
import { DynamoEventDedup } from '../aws/dynamodb-event-dedup.ts';
import { SecretsManagerCache } from '../aws/secrets.ts';
import { SqsQueue } from '../aws/sqs-queue.ts';
import { createLogger } from '../logging/logger.ts';
import { systemClock } from '../ports/clock.ts';
import type { WiringOverrides } from './crm-wiring.ts';
import { parseEnv, WebhookEnvSchema } from './lambda-env.ts';
import { safeInvocation } from './safe-invocation.ts';
import { createHubspotWebhookHandler } from './webhook-handler.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The HubSpot webhook's composition root (src/handlers/lambda/webhook.ts), once per container; no
 * network I/O. It needs no admin files and no connector, so its bundle carries neither.
 */
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
    // TOSSUP_QUEUE_URL is the CRM's events queue (serverless.yml): one change a message, batched
    // by the worker apart from the sync's packed leads.
    queue: new SqsQueue({ client: clients.sqs, queueUrl: e.TOSSUP_QUEUE_URL }),
    clock,
    log,
    portalId: e.TOSSUP_HUBSPOT_PORTAL_ID ?? null,
    ownAppId: e.TOSSUP_HUBSPOT_APP_ID ?? null,
    dedupTtlSeconds: e.TOSSUP_WEBHOOK_DEDUP_TTL_SECONDS,
  });
  return safeInvocation(log, 'webhook request', handler);
}
