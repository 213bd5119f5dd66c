import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { messageBytes } from '../../src/aws/sqs-batches.ts';
import { compileBundledConfig } from '../../src/handlers/bundled-config.ts';
import type { LambdaContext, SqsBatchResponse, SqsEvent } from '../../src/handlers/lambda-types.ts';
import type { Clock } from '../../src/ports/clock.ts';
import type { LocalDynamo } from '../../test/aws/local-dynamodb.ts';
import type { SqsSimulator } from '../../test/handlers/support/sqs-simulator.ts';
import { type AwsMeter, SQS_CHUNK } from './aws-meter.ts';

/**
 * What a measured run of the deployed functions needs around them (measure-usage.ts,
 * measure-webhook.ts): a Lambda context, the functions' logs counted, and the event source mapping
 * delivering a queue to the worker with its SQS requests counted as billed.
 */

export function lambdaContext(timeoutSeconds: number): LambdaContext {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    awsRequestId: `cost-${Date.now()}`,
    functionName: 'tossup-cost',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

/** A JSON log line, with the Embedded Metric Format block where it publishes metrics. */
type EmfLine = {
  level?: string;
  msg?: string;
  _aws?: { CloudWatchMetrics?: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [field: string]: unknown;
};

/** The functions' JSON logs, counted (CloudWatch Logs bills their bytes). */
export class ByteCount extends Writable {
  bytes = 0;
  /** `namespace|dimension values|name` of every metric an Embedded Metric Format line published. */
  readonly metrics = new Set<string>();
  /** Errors logged: a run that should have none says so. */
  readonly problems: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.bytes += chunk.length;
    for (const line of String(chunk).split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as EmfLine;
      if (entry.level === 'error' || entry.level === 'fatal')
        this.problems.push(`${entry.level}: ${entry.msg}`);
      for (const m of entry._aws?.CloudWatchMetrics ?? [])
        for (const dims of m.Dimensions)
          for (const { Name } of m.Metrics)
            this.metrics.add(
              `${m.Namespace}|${dims.map((d) => `${d}=${String(entry[d])}`).join(',')}|${Name}`,
            );
    }
    done();
  }
}

/**
 * The event source mapping: delivers `queue` to `worker` in the queue's batch size until it is empty,
 * each invocation through `invoke` (which times it). A message the worker fails fails the run.
 * Returns the SQS requests the mapping makes: receives of 10 messages each, billed per 64 KB of what
 * they return (body and attributes, as the sender's), and deletes of 10 messages each.
 */
export async function drainToWorker(
  queue: SqsSimulator,
  worker: (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse>,
  invoke: (run: () => Promise<unknown>) => Promise<void>,
): Promise<number> {
  let received = 0;
  while (queue.depth > 0) {
    let batch = 0;
    let billed = 0;
    let threw: unknown = null;
    await invoke(async () => {
      ({ threw } = await queue.poll(async (event, ctx) => {
        batch = event.Records.length;
        billed = receiveRequests(
          event.Records.map((r) =>
            messageBytes({
              id: r.messageId,
              body: r.body,
              attributes: Object.fromEntries(
                Object.entries(r.messageAttributes ?? {}).map(([k, v]) => [k, v.stringValue ?? '']),
              ),
            }),
          ),
        );
        const out = await worker(event, ctx);
        if (out.batchItemFailures.length)
          throw new Error(`worker failed ${out.batchItemFailures.length} messages`);
        return out;
      }));
    });
    if (threw) throw threw;
    if (batch === 0) throw new Error('queue not empty but nothing delivered');
    // Lambda receives at most 10 messages a call and deletes them in batches of 10.
    received += billed + Math.ceil(batch / 10);
  }
  return received;
}

/**
 * Billed requests of receiving messages of `sizes` bytes (body and attributes) 10 at a time (the
 * event source mapping's receives).
 */
function receiveRequests(sizes: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < sizes.length; i += 10) {
    const bytes = sizes.slice(i, i + 10).reduce((a, b) => a + b, 0);
    n += Math.max(1, Math.ceil(bytes / SQS_CHUNK));
  }
  return n;
}

/**
 * The admin files a function bundles, as infra/settings.yml ships them (the `large` preset, Japanese),
 * written into `configDir` and compiled for `crm` as the build does.
 */
export function bundleShippedConfig(configDir: string, crm: 'salesforce' | 'hubspot'): void {
  for (const f of ['routing', 'sla', 'notifications'])
    copyFileSync(`mappings/${f}.yaml`, join(configDir, `${f}.yaml`));
  copyFileSync('mappings/rules/large.yaml', join(configDir, 'rules.yaml'));
  writeFileSync(
    join(configDir, 'options.json'),
    JSON.stringify({ locale: 'ja', queueTaskOwners: {}, sources: {} }),
  );
  if (!compileBundledConfig(configDir, crm)) throw new Error('bundled config did not compile');
}

/**
 * The composition roots' overrides for a measured run: the AWS clients metered (DynamoDB on
 * dynalite, SQS, Secrets Manager, Firehose on the meter), the run's clock, its logs counted, its CRM.
 */
export function meteredOverrides<C>(
  meter: AwsMeter,
  dynamo: LocalDynamo,
  clock: Clock,
  logs: ByteCount,
  createConnector: C,
) {
  return {
    clients: {
      dynamodb: meter.meterDynamo(dynamo.client()),
      sqs: meter.sqsClient,
      secrets: meter.secretsClient,
    },
    firehose: meter.firehoseClient,
    clock,
    logger: { destination: logs },
    createConnector,
  };
}
