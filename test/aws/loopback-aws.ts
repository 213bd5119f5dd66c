import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One JSON-protocol call as the fake received it: the operation (from `x-amz-target`) and its body. */
export interface AwsCall {
  operation: string;
  body: Record<string, unknown>;
}

export type AwsAnswer = { status?: number; body: unknown };

/**
 * A loopback HTTP server that speaks the AWS JSON protocol (Firehose, Athena): the real SDK client
 * is pointed at it with `endpoint`, so requests are signed, serialised and parsed by the SDK as
 * against AWS. `answer(call)` decides each response; every call is kept in `calls`.
 */
export class LoopbackAws {
  readonly calls: AwsCall[] = [];
  readonly #server: Server;
  #answer: (call: AwsCall) => AwsAnswer;

  private constructor(server: Server, answer: (call: AwsCall) => AwsAnswer) {
    this.#server = server;
    this.#answer = answer;
  }

  static async start(answer: (call: AwsCall) => AwsAnswer): Promise<LoopbackAws> {
    let self: LoopbackAws | undefined;
    const server = createServer(async (req, res) => {
      const call: AwsCall = {
        operation:
          String(req.headers['x-amz-target'] ?? '')
            .split('.')
            .pop() ?? '',
        body: JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>,
      };
      self!.calls.push(call);
      let out: AwsAnswer;
      try {
        out = self!.#answer(call);
      } catch (e) {
        out = { status: 500, body: { __type: 'InternalFailure', message: String(e) } };
      }
      res.writeHead(out.status ?? 200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(out.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new LoopbackAws(server, answer);
    return self;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  answerWith(answer: (call: AwsCall) => AwsAnswer): void {
    this.#answer = answer;
    this.calls.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Client settings that reach the loopback server with dummy credentials and no SDK retries. */
export function loopbackClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  };
}

/** The messages of an SQS `SendMessageBatch` call, and its answer (every entry accepted). */
export function sqsSendMessageBatch(body: Record<string, unknown>): {
  messages: { body: string; attributes: Record<string, string> }[];
  answer: AwsAnswer;
} {
  const entries = body.Entries as {
    Id: string;
    MessageBody: string;
    MessageAttributes?: Record<string, { StringValue: string }>;
  }[];
  return {
    messages: entries.map((e) => ({
      body: e.MessageBody,
      attributes: Object.fromEntries(
        Object.entries(e.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]),
      ),
    })),
    answer: {
      body: {
        Successful: entries.map((e) => ({
          Id: e.Id,
          MessageId: randomUUID(),
          MD5OfMessageBody: createHash('md5').update(e.MessageBody).digest('hex'),
        })),
        Failed: [],
      },
    },
  };
}

/**
 * The rows of each record of a Firehose `PutRecordBatch` call: JSON lines, as the stream's
 * de-aggregation splits a packed record.
 */
export function firehoseRecordRows<T = unknown>(call: AwsCall): T[][] {
  return (call.body.Records as { Data: string }[]).map((r) =>
    Buffer.from(r.Data, 'base64')
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as T),
  );
}
