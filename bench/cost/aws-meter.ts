import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  type AwsAnswer,
  type AwsCall,
  LoopbackAws,
  loopbackClientConfig,
  sqsSendMessageBatch,
} from '../../test/aws/loopback-aws.ts';

/** SQS bills every 64 KB chunk of a request's payload as one request. */
export const SQS_CHUNK = 64 * 1024;
/** Firehose bills each record rounded up to the next 5 KB. */
const FIREHOSE_STEP = 5 * 1024;
const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

/**
 * What the handlers ask of AWS, counted as AWS bills it: DynamoDB request units as the server reports
 * them (`ReturnConsumedCapacity` added to every request of the real client, against dynalite), SQS
 * requests in 64 KB chunks, Firehose bytes in 5 KB steps per record, Secrets Manager calls. SQS,
 * Firehose and Secrets Manager are one loopback server speaking their JSON protocol to the real SDK
 * clients (test/aws/loopback-aws.ts): the SDK signs, serialises and parses as against AWS.
 */
export interface MeterSnapshot {
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  dynamoCalls: number;
  dynamoByKind: Map<string, { read: boolean; calls: number; units: number }>;
  sqsRequests: number;
  firehoseRecords: number;
  firehoseBytes: number;
  firehoseBilledBytes: number;
}

/** What a phase used: `after` less `before`. */
export function meterDelta(before: MeterSnapshot, after: MeterSnapshot): MeterSnapshot {
  const byKind = new Map<string, { read: boolean; calls: number; units: number }>();
  for (const [k, t] of after.dynamoByKind) {
    const b = before.dynamoByKind.get(k);
    const d = { read: t.read, calls: t.calls - (b?.calls ?? 0), units: t.units - (b?.units ?? 0) };
    if (d.calls > 0) byKind.set(k, d);
  }
  return {
    dynamoReadUnits: after.dynamoReadUnits - before.dynamoReadUnits,
    dynamoWriteUnits: after.dynamoWriteUnits - before.dynamoWriteUnits,
    dynamoCalls: after.dynamoCalls - before.dynamoCalls,
    dynamoByKind: byKind,
    sqsRequests: after.sqsRequests - before.sqsRequests,
    firehoseRecords: after.firehoseRecords - before.firehoseRecords,
    firehoseBytes: after.firehoseBytes - before.firehoseBytes,
    firehoseBilledBytes: after.firehoseBilledBytes - before.firehoseBilledBytes,
  };
}

export class AwsMeter {
  readonly dynamo = { readUnits: 0, writeUnits: 0, calls: 0 };
  /** Capacity units by operation and item kind (the key's prefix), to see where the money goes. */
  readonly dynamoByKind = new Map<string, { read: boolean; calls: number; units: number }>();
  readonly sqs = { requests: 0, sent: [] as { body: string; attributes: Record<string, string> }[] };
  readonly firehose = { calls: 0, records: 0, bytes: 0, billedBytes: 0 };
  secretsCalls = 0;
  readonly #server: LoopbackAws;

  private constructor(server: LoopbackAws) {
    this.#server = server;
  }

  static async start(secret: Record<string, string>): Promise<AwsMeter> {
    let meter: AwsMeter | undefined;
    const server = await LoopbackAws.start((call) => meter!.#answer(call, secret));
    meter = new AwsMeter(server);
    return meter;
  }

  /** The counters as they stand, to take what one phase of a run used as a difference. */
  snapshot(): MeterSnapshot {
    return {
      dynamoReadUnits: this.dynamo.readUnits,
      dynamoWriteUnits: this.dynamo.writeUnits,
      dynamoCalls: this.dynamo.calls,
      dynamoByKind: new Map([...this.dynamoByKind].map(([k, t]) => [k, { ...t }])),
      sqsRequests: this.sqs.requests,
      firehoseRecords: this.firehose.records,
      firehoseBytes: this.firehose.bytes,
      firehoseBilledBytes: this.firehose.billedBytes,
    };
  }

  get sqsClient(): SQSClient {
    return new SQSClient(loopbackClientConfig(this.#server.endpoint));
  }

  get firehoseClient(): FirehoseClient {
    return new FirehoseClient(loopbackClientConfig(this.#server.endpoint));
  }

  get secretsClient(): SecretsManagerClient {
    return new SecretsManagerClient(loopbackClientConfig(this.#server.endpoint));
  }

  /** Asks DynamoDB for the capacity each request consumed and adds it up, reads and writes apart. */
  meterDynamo(client: DynamoDBClient): DynamoDBClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        const read = READS.has(String(context.commandName));
        this.dynamo.calls++;
        try {
          const out = await next(args);
          const consumed = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
          const units = [consumed ?? []]
            .flat()
            .reduce((sum: number, c) => sum + ((c as { CapacityUnits?: number }).CapacityUnits ?? 0), 0);
          if (read) this.dynamo.readUnits += units;
          else this.dynamo.writeUnits += units;
          this.#tally(String(context.commandName), read, input, units);
          return out;
        } catch (e) {
          // A failed condition still consumes the write (one unit for an item up to 1 KB).
          if ((e as Error).name === 'ConditionalCheckFailedException') this.dynamo.writeUnits += 1;
          throw e;
        }
      },
      { step: 'initialize', name: 'costMeter' },
    );
    return client;
  }

  close(): Promise<void> {
    return this.#server.close();
  }

  #tally(command: string, read: boolean, input: Record<string, unknown>, units: number): void {
    // A batch read names its keys per table: its first key says what kind of item it reads.
    const batch = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>)[0];
    const key = (input.Key ?? input.Item ?? batch?.Keys?.[0]) as { pk?: { S?: string } } | undefined;
    const values = input.ExpressionAttributeValues as Record<string, { S?: string }> | undefined;
    const pk = key?.pk?.S ?? Object.values(values ?? {}).find((v) => v.S)?.S ?? '';
    const kind = `${command.replace(/Command$/, '')} ${pk.split(/[#|:]/)[0] || '?'}`;
    const t = this.dynamoByKind.get(kind) ?? { read, calls: 0, units: 0 };
    t.calls++;
    t.units += units;
    this.dynamoByKind.set(kind, t);
  }

  #answer(call: AwsCall, secret: Record<string, string>): AwsAnswer {
    const b = call.body;
    switch (call.operation) {
      case 'SendMessageBatch': {
        this.sqs.requests += Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(b)) / SQS_CHUNK));
        const { messages, answer } = sqsSendMessageBatch(b);
        this.sqs.sent.push(...messages);
        return answer;
      }
      case 'ChangeMessageVisibility':
        this.sqs.requests++;
        return { body: {} };
      case 'PutRecordBatch': {
        const records = b.Records as { Data: string }[];
        this.firehose.calls++;
        for (const r of records) {
          const bytes = Buffer.from(r.Data, 'base64').length;
          this.firehose.records++;
          this.firehose.bytes += bytes;
          this.firehose.billedBytes += Math.ceil(bytes / FIREHOSE_STEP) * FIREHOSE_STEP;
        }
        return {
          body: { FailedPutCount: 0, RequestResponses: records.map((_, i) => ({ RecordId: `r${i}` })) },
        };
      }
      case 'GetSecretValue':
        this.secretsCalls++;
        return {
          body: { Name: b.SecretId, VersionId: 'v1', SecretString: JSON.stringify(secret) },
        };
      default:
        return { status: 400, body: { __type: 'UnknownOperation', message: call.operation } };
    }
  }
}
