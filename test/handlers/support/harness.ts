import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadDeploySettings } from '../../../scripts/deploy-settings.ts';
import { DynamoLeadRecords } from '../../../src/aws/dynamodb-lead-records.ts';
import { DynamoRoutingState } from '../../../src/aws/dynamodb-routing-state.ts';
import { DynamoStateStore } from '../../../src/aws/dynamodb-state-store.ts';
import type { BundledConfig } from '../../../src/handlers/bundled-config.ts';
import type { ConnectorProvider } from '../../../src/handlers/connector-provider.ts';
import type { LambdaContext } from '../../../src/handlers/lambda-types.ts';
import { createSyncHandler } from '../../../src/handlers/sync-handler.ts';
import { createWorkerHandler, type WorkerOptions } from '../../../src/handlers/worker-handler.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { CrmConnector } from '../../../src/ports/crm-connector.ts';
import type { LocalDynamo } from '../../aws/local-dynamodb.ts';
import { FakeCrm } from '../../fakes/fake-crm.ts';
import { NOW, renderer, routing, rules, sla } from '../../pipeline/pipeline-fixtures.ts';
import { testClock } from '../../state/state-store.contract.ts';
import { deployedQueue } from './sqs-simulator.ts';

export { deployedQueue };

/** The deployed settings: the simulator's visibility timeout and receive count are the template's. */
export const deploySettings = loadDeploySettings('infra/settings.yml');

export const bundledConfig: BundledConfig = {
  rules,
  renderer,
  routing,
  sla,
  queueTaskOwners: {},
  mappingFile: null,
  options: { locale: 'ja', queueTaskOwners: {}, sources: {} },
};

/** JSON log lines written by the handlers, for assertions and the redaction scan. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export function fakeProvider(connector: CrmConnector): ConnectorProvider & { invalidations: number } {
  return {
    invalidations: 0,
    get: async () => connector,
    invalidate() {
      this.invalidations++;
    },
  };
}

/** A context whose remaining time runs down in real time from `timeoutSeconds`, as Lambda's does. */
export function runningLambdaContext(timeoutSeconds: number): LambdaContext {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    awsRequestId: randomUUID(),
    functionName: 'tossup-test',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

export function lambdaContext(remainingMs = 60_000): LambdaContext {
  return {
    awsRequestId: randomUUID(),
    functionName: 'tossup-test',
    getRemainingTimeInMillis: () => remainingMs,
  };
}

/** What every handler of a harness is given: its CRM and scope, the bundled config and its stores. */
export function handlerWiring(
  h: Pick<Awaited<ReturnType<typeof harness>>, 'provider' | 'state' | 'routingState'>,
) {
  return {
    crm: 'salesforce' as const,
    scope: 'default',
    config: bundledConfig,
    connectors: h.provider,
    state: h.state,
    routingState: h.routingState,
  };
}

/**
 * A worker and a sync reader wired like production (DynamoDB adapters on a real DynamoDB-protocol
 * server, the real handlers), with a FakeCrm behind the connector port and the SQS simulator.
 */
export async function harness(
  dynamo: LocalDynamo,
  options: { pageSize?: number; workerOver?: Partial<WorkerOptions> } = {},
) {
  const clock = testClock(NOW);
  const table = await dynamo.table(clock);
  const crm = new FakeCrm({ pageSize: options.pageSize ?? 3 });
  const connector = crm.connector();
  const provider = fakeProvider(connector);
  const logs = new LogCapture();
  const log = createLogger({ destination: logs, level: 'debug' });
  const state = new DynamoStateStore(table);
  const routingState = new DynamoRoutingState(table);
  // As the worker is wired (src/handlers/worker-wiring.ts): reads eventually consistent.
  const versions = new DynamoLeadRecords(table, { eventualReads: true });
  const queue = deployedQueue(clock, 'salesforce');
  const worker = createWorkerHandler({
    crm: 'salesforce',
    scope: 'default',
    config: bundledConfig,
    connectors: provider,
    state,
    routingState,
    versions,
    // As deployed (worker-wiring.ts): the claim item carries the re-check record.
    rechecks: versions,
    visibility: queue,
    clock,
    log: log.child({ fn: 'worker' }),
    quotaBackoffSeconds: deploySettings.worker.quotaBackoffSeconds,
    ...options.workerOver,
  });
  const sync = createSyncHandler({
    crm: 'salesforce',
    scope: 'default',
    config: bundledConfig,
    connectors: provider,
    state,
    routingState,
    queue,
    clock,
    log: log.child({ fn: 'sync' }),
  });
  return { clock, table, crm, connector, provider, logs, state, routingState, versions, queue, worker, sync };
}
