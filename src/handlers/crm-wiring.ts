import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { type AwsClients, createAwsClients } from '../aws/clients.ts';
import { DynamoTable } from '../aws/dynamo-table.ts';
import { DynamoEpisodeStore } from '../aws/dynamodb-episode-store.ts';
import { DynamoStateStore } from '../aws/dynamodb-state-store.ts';
import { SecretsManagerCache } from '../aws/secrets.ts';
import type { ConnectFn } from '../composition/crm-registry.ts';
import { createLogger, type LoggerOptions } from '../logging/logger.ts';
import type { PipelineEpisodes } from '../pipeline/process-leads.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import { sweepSchedule } from '../sweep/sweep-schedule.ts';
import { loadBundledConfig } from './bundled-config.ts';
import { cachedConnector } from './connector-provider.ts';
import { type CrmFunctionEnv, configDirOf } from './lambda-env.ts';

/** What tests replace; production uses the defaults. */
export interface WiringOverrides {
  clients?: AwsClients;
  /** The decision ledger's Firehose client (built only when the ledger's streams are set). */
  firehose?: FirehoseClient;
  clock?: Clock;
  logger?: LoggerOptions;
  createConnector?: ConnectFn;
}

/**
 * What the sync and the worker of a CRM share: SDK clients, logger, the bundled admin files, the
 * state table and the connector provider. Runs at module initialisation, so no network I/O.
 */
export function crmBase(
  e: Pick<CrmFunctionEnv, 'TOSSUP_CRM' | 'TOSSUP_STATE_TABLE' | 'TOSSUP_SECRET_ID' | 'TOSSUP_CONFIG_DIR'>,
  bundleUrl: string,
  overrides: WiringOverrides,
  fn: string,
) {
  const clients = overrides.clients ?? createAwsClients();
  const clock = overrides.clock ?? systemClock;
  const log = createLogger({
    ...overrides.logger,
    base: { fn, crm: e.TOSSUP_CRM, ...overrides.logger?.base },
  });
  const config = loadBundledConfig(configDirOf(e, bundleUrl), e.TOSSUP_CRM);
  const table = new DynamoTable({ client: clients.dynamodb, tableName: e.TOSSUP_STATE_TABLE, clock });
  const secrets = new SecretsManagerCache({ client: clients.secrets, clock });
  const connectors = cachedConnector({
    crm: e.TOSSUP_CRM,
    secretId: e.TOSSUP_SECRET_ID,
    secrets,
    mappingFile: config.mappingFile,
    clock,
    ...(overrides.createConnector ? { create: overrides.createConnector } : {}),
  });
  return { clients, clock, log, config, table, connectors, secrets, state: new DynamoStateStore(table) };
}

/** The toss-up episodes on the state table (its `due` index), scheduled by the bundled sla.yaml. */
export function episodesOf(base: Pick<ReturnType<typeof crmBase>, 'table' | 'config'>): PipelineEpisodes {
  const { sla } = base.config;
  return { store: new DynamoEpisodeStore(base.table), schedule: sweepSchedule(sla) };
}
