import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { FirehoseLedger } from '../aws/firehose-ledger.ts';
import type { LedgerWiring } from '../ledger/flush-ledger.ts';
import { ledgeredEpisodeStore } from '../ledger/ledgered-episode-store.ts';
import type { Logger } from '../logging/logger.ts';
import type { EpisodeStore } from '../ports/episode-store.ts';
import type { LedgerOutbox } from '../ports/ledger.ts';
import type { SlaConfig } from '../sla/sla-config.ts';

/** The ledger's environment (serverless.yml sets both to infra/ledger.yml's streams). */
export interface LedgerEnv {
  TOSSUP_LEDGER_DECISIONS_STREAM?: string | undefined;
  TOSSUP_LEDGER_EVENTS_STREAM?: string | undefined;
}

/**
 * The decision ledger of a worker or sweep function (docs/deploy.md, "The decision ledger"): rows to
 * the Firehose streams named by the environment, staged through the ledger outbox on the state table
 * (the same staging and flush code the CLI runs over its file outbox). Undefined — nothing is
 * recorded — unless both streams are named. A failure to record is a warning in the function's log
 * and never fails the CRM write. `redelivered`: the function's input comes back if it dies before
 * acknowledging it (the worker's SQS messages), so its decisions are not staged before their writes
 * (`LedgerWiring.stageBeforeWrite`).
 */
export function lambdaLedger(
  env: LedgerEnv,
  make: { firehose: () => FirehoseClient; outbox: () => LedgerOutbox },
  log: Logger,
  options: { redelivered?: boolean } = {},
): LedgerWiring | undefined {
  const decision = env.TOSSUP_LEDGER_DECISIONS_STREAM;
  const event = env.TOSSUP_LEDGER_EVENTS_STREAM;
  if (!decision || !event) return undefined;
  return {
    ledger: new FirehoseLedger({ client: make.firehose(), streams: { decision, event } }),
    outbox: make.outbox(),
    ...(options.redelivered ? { stageBeforeWrite: false } : {}),
    onError(message) {
      log.warn({}, message);
    },
  };
}

/** The episode store whose recorded steps also go to the ledger (none: the store as it is). */
export function withLambdaLedger(
  store: EpisodeStore,
  ledger: LedgerWiring | undefined,
  sla: SlaConfig,
): EpisodeStore {
  return ledger ? ledgeredEpisodeStore(store, ledger, sla) : store;
}
