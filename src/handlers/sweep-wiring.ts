import { DynamoEpisodeStore } from '../aws/dynamodb-episode-store.ts';
import { DynamoLeadRecords } from '../aws/dynamodb-lead-records.ts';
import { DynamoLedgerOutbox } from '../aws/dynamodb-ledger-outbox.ts';
import { DynamoOutboxStore } from '../aws/dynamodb-outbox-store.ts';
import { DynamoOutcomeStore } from '../aws/dynamodb-outcome-store.ts';
import { DynamoRoutingState } from '../aws/dynamodb-routing-state.ts';
import { createFirehoseClient } from '../aws/firehose-ledger.ts';
import { disabledNotificationsConfig } from '../notify/notifications-config.ts';
import { chatProvider } from './chat-provider.ts';
import { crmBase, type WiringOverrides } from './crm-wiring.ts';
import { parseEnv, SweepEnvSchema } from './lambda-env.ts';
import { lambdaLedger, withLambdaLedger } from './ledger-wiring.ts';
import { safeInvocation } from './safe-invocation.ts';
import { createSweepHandler } from './sweep-handler.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** A claim older than this was left by an invocation that no longer runs (the Lambda maximum is 15 min). */
const CLAIM_TIMEOUT_MS = 16 * 60_000;

/** The sweep's composition root (src/handlers/lambda/sweep.ts), once per container; no network I/O. */
export function sweepFromEnv(env: Env, bundleUrl: string, overrides: WiringOverrides = {}) {
  const e = parseEnv(SweepEnvSchema, env);
  const base = crmBase(e, bundleUrl, overrides, 'sweep');
  const ledger = lambdaLedger(
    e,
    {
      firehose: () => overrides.firehose ?? createFirehoseClient(),
      outbox: () => new DynamoLedgerOutbox(base.table, e.TOSSUP_CRM),
    },
    base.log,
  );
  const chat = chatProvider({
    secretId: e.TOSSUP_CHAT_SECRET_ID,
    secrets: base.secrets,
    config: base.config.notifications ?? disabledNotificationsConfig(),
    routing: base.config.routing,
    store: new DynamoOutboxStore(base.table),
    clock: base.clock,
    log: base.log,
    claimTimeoutMs: CLAIM_TIMEOUT_MS,
  });
  const handler = createSweepHandler({
    crm: e.TOSSUP_CRM,
    scope: e.TOSSUP_SCOPE,
    config: base.config,
    connectors: base.connectors,
    episodes: withLambdaLedger(new DynamoEpisodeStore(base.table), ledger, base.config.sla),
    ...(ledger ? { ledger } : {}),
    state: base.state,
    rechecks: new DynamoLeadRecords(base.table),
    outcomes: new DynamoOutcomeStore(base.table),
    routingState: new DynamoRoutingState(base.table),
    chat,
    clock: base.clock,
    log: base.log,
    publishedMetrics: e.TOSSUP_METRICS,
    ...(e.TOSSUP_SWEEP_LIMIT !== undefined ? { limit: e.TOSSUP_SWEEP_LIMIT } : {}),
  });
  return safeInvocation(base.log, 'sweep run', handler);
}
