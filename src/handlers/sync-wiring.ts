import { DynamoRoutingState } from '../aws/dynamodb-routing-state.ts';
import { SqsQueue } from '../aws/sqs-queue.ts';
import { crmBase, episodesOf, type WiringOverrides } from './crm-wiring.ts';
import { CrmFunctionEnvSchema, parseEnv } from './lambda-env.ts';
import { safeInvocation } from './safe-invocation.ts';
import { createSyncHandler } from './sync-handler.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The sync's composition root (src/handlers/lambda/sync.ts), once per container; no network I/O. */
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
    episodes: episodesOf(base),
    queue: new SqsQueue({ client: base.clients.sqs, queueUrl: e.TOSSUP_QUEUE_URL }),
    leadsPerMessage: e.TOSSUP_LEADS_PER_MESSAGE,
    publishedMetrics: e.TOSSUP_METRICS,
    clock: base.clock,
    log: base.log,
  });
  return safeInvocation(base.log, 'sync run', handler);
}
