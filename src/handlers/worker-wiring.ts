import { ClaimCarriedRouting } from '../aws/claim-carried-routing.ts';
import { DynamoLeadRecords } from '../aws/dynamodb-lead-records.ts';
import { DynamoLedgerOutbox } from '../aws/dynamodb-ledger-outbox.ts';
import { DynamoOutboxStore } from '../aws/dynamodb-outbox-store.ts';
import { DynamoRoutingState } from '../aws/dynamodb-routing-state.ts';
import { createFirehoseClient } from '../aws/firehose-ledger.ts';
import { SqsQueue, SqsVisibilityByQueue } from '../aws/sqs-queue.ts';
import type { Logger } from '../logging/logger.ts';
import { notificationTargets } from '../notify/notification-targets.ts';
import type { NotificationsConfig } from '../notify/notifications-config.ts';
import type { Clock } from '../ports/clock.ts';
import type { OutboxStore } from '../ports/outbox-store.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { NotificationOutbox } from '../state/notification-outbox.ts';
import { crmBase, episodesOf, type WiringOverrides } from './crm-wiring.ts';
import { CrmFunctionEnvSchema, parseEnv } from './lambda-env.ts';
import { lambdaLedger, withLambdaLedger } from './ledger-wiring.ts';
import { safeInvocation } from './safe-invocation.ts';
import type { WorkerOptions } from './worker-handler.ts';
import { createWorkerHandler } from './worker-handler.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The worker's composition root (src/handlers/lambda/worker.ts), once per container; no network I/O. */
export function workerFromEnv(env: Env, bundleUrl: string, overrides: WiringOverrides = {}) {
  const e = parseEnv(CrmFunctionEnvSchema, env);
  const base = crmBase(e, bundleUrl, overrides, 'worker');
  const ledger = lambdaLedger(
    e,
    {
      firehose: () => overrides.firehose ?? createFirehoseClient(),
      outbox: () => new DynamoLedgerOutbox(base.table, e.TOSSUP_CRM),
    },
    base.log,
    // An SQS message comes back if the worker dies before acknowledging it: the redelivery records.
    { redelivered: true },
  );
  const episodes = episodesOf(base);
  // The worker sends nothing; it only delays failed messages, each on the queue it came from.
  const visibility = new SqsVisibilityByQueue(
    [e.TOSSUP_QUEUE_URL, ...(e.TOSSUP_EVENTS_QUEUE_URL ? [e.TOSSUP_EVENTS_QUEUE_URL] : [])].map(
      (queueUrl) => ({ queueUrl, control: new SqsQueue({ client: base.clients.sqs, queueUrl }) }),
    ),
  );
  const notify =
    e.TOSSUP_TOSS_UP_NOTICES === 'true' && base.config.notifications
      ? tossUpNoticeQueue({
          config: base.config.notifications,
          routing: base.config.routing,
          store: new DynamoOutboxStore(base.table),
          clock: base.clock,
          log: base.log,
        })
      : undefined;
  // Claims and re-check records share one item a lead (docs/cost.md).
  // Eventually consistent reads: every decision on them is claimed or confirmed before it writes.
  const leadRecords = new DynamoLeadRecords(base.table, { eventualReads: true });
  const handler = createWorkerHandler({
    crm: e.TOSSUP_CRM,
    scope: e.TOSSUP_SCOPE,
    config: base.config,
    connectors: base.connectors,
    state: base.state,
    // A lead's routing assignments ride on its claim (docs/cost.md).
    routingState: new ClaimCarriedRouting(new DynamoRoutingState(base.table), leadRecords, e.TOSSUP_CRM),
    versions: leadRecords,
    episodes: { ...episodes, store: withLambdaLedger(episodes.store, ledger, base.config.sla) },
    ...(ledger ? { ledger } : {}),
    rechecks: leadRecords,
    ...(notify ? { notify } : {}),
    visibility,
    clock: base.clock,
    log: base.log,
    quotaBackoffSeconds: e.TOSSUP_QUOTA_BACKOFF_SECONDS,
    publishedMetrics: e.TOSSUP_METRICS,
    ...(e.TOSSUP_SALESFORCE_EVENT_SOURCE ? { salesforceEventSource: e.TOSSUP_SALESFORCE_EVENT_SOURCE } : {}),
  });
  return safeInvocation(base.log, 'worker batch', handler);
}

/**
 * The worker's toss-up notices: queued into the outbox only, with no sender and no chat secret (the
 * sweep function drains the outbox; docs/notifications.md, "On AWS"), so the worker bundle carries no
 * chat client either. Undefined when notifications.yaml sends no toss-up.
 */
export function tossUpNoticeQueue(options: {
  config: NotificationsConfig;
  routing: RoutingConfig;
  store: OutboxStore;
  clock: Clock;
  log?: Logger;
}): WorkerOptions['notify'] {
  const targeting = notificationTargets(options.config, options.routing);
  if (!targeting.sends('toss-up')) return undefined;
  const outbox = new NotificationOutbox(options.store, {
    senders: [],
    clock: options.clock,
    ...(options.log ? { log: options.log } : {}),
  });
  return { notifier: outbox, language: targeting.language, targetsFor: targeting.targetsFor };
}
