import { DynamoLeadVersions } from '../aws/dynamodb-lead-versions.ts';
import { DynamoRecheckStore } from '../aws/dynamodb-recheck-store.ts';
import { DynamoRoutingState } from '../aws/dynamodb-routing-state.ts';
import { SqsQueue } from '../aws/sqs-queue.ts';
import { crmBase, episodesOf, type WiringOverrides } from './crm-wiring.ts';
import { CrmFunctionEnvSchema, parseEnv } from './lambda-env.ts';
import { safeInvocation } from './safe-invocation.ts';
import { createWorkerHandler } from './worker-handler.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The worker's composition root (src/handlers/lambda/worker.ts), once per container; no network I/O. */
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
    episodes: episodesOf(base),
    rechecks: new DynamoRecheckStore(base.table),
    visibility: queue,
    clock: base.clock,
    log: base.log,
    quotaBackoffSeconds: e.TOSSUP_QUOTA_BACKOFF_SECONDS,
  });
  return safeInvocation(base.log, 'worker batch', handler);
}
