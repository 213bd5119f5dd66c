import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SendMessageBatchResultEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type FailedSend,
  type MessageQueue,
  type OutgoingMessage,
  QueueSendError,
  type VisibilityControl,
} from '../ports/message-queue.ts';
import { chunkMessages, type QueueLimits, SQS_LIMITS } from './sqs-batches.ts';

export interface SqsQueueOptions {
  client: SQSClient;
  queueUrl: string;
  limits?: QueueLimits;
  /** Attempts per entry when SQS reports it failed on its side (SenderFault false). */
  maxAttempts?: number;
  /** SendMessageBatch calls in flight at once. */
  concurrency?: number;
  /** Backoff before a retry of failed entries; injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

const BASE_BACKOFF_MS = 100;
/** SQS caps a message's visibility timeout at 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * SQS behind the `MessageQueue` port. Messages go out in size-aware SendMessageBatch requests
 * (`chunkMessages`). SendMessageBatch succeeds as a call even when some entries fail, so each
 * response is read entry by entry: entries SQS failed on its side are retried with backoff and
 * jitter, entries rejected as the sender's fault are not, and whatever is left failed throws
 * `QueueSendError` so the caller does not commit a cursor past unsent leads. Whole-call failures
 * (throttling, 5xx, network) are retried by the SDK's own standard retry strategy.
 */
export class SqsQueue implements MessageQueue, VisibilityControl {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #limits: QueueLimits;
  readonly #maxAttempts: number;
  readonly #concurrency: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: SqsQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#limits = options.limits ?? SQS_LIMITS;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async sendAll(messages: readonly OutgoingMessage[]): Promise<void> {
    const chunks = chunkMessages(uniqueById(messages), this.#limits);
    const failed: FailedSend[] = [];
    let next = 0;
    const lane = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        failed.push(...(await this.#sendChunk(chunk)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, chunks.length) }, lane));
    if (failed.length > 0) throw new QueueSendError(failed);
  }

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    await this.#client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.#queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds))),
      }),
    );
  }

  /** One chunk, retrying the entries SQS failed on its side; returns what could not be sent. */
  async #sendChunk(chunk: readonly OutgoingMessage[]): Promise<FailedSend[]> {
    const permanent: FailedSend[] = [];
    let retryable: FailedSend[] = [];
    let pending = chunk;
    for (let attempt = 1; attempt <= this.#maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await this.#sleep(backoff(attempt));
      const out = await this.#client.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: pending.map(toEntry) }),
      );
      const failures = (out.Failed ?? []).map(
        (f): FailedSend => ({
          id: f.Id ?? '?',
          code: f.Code ?? 'unknown',
          senderFault: f.SenderFault === true,
        }),
      );
      assertAllAnswered(pending, out.Successful ?? [], failures);
      permanent.push(...failures.filter((f) => f.senderFault));
      retryable = failures.filter((f) => !f.senderFault);
      const again = new Set(retryable.map((f) => f.id));
      pending = pending.filter((m) => again.has(m.id));
    }
    return [...permanent, ...(pending.length > 0 ? retryable : [])];
  }
}

function toEntry(m: OutgoingMessage): SendMessageBatchRequestEntry {
  const attributes = Object.entries(m.attributes ?? {});
  return {
    Id: m.id,
    MessageBody: m.body,
    ...(attributes.length
      ? {
          MessageAttributes: Object.fromEntries(
            attributes.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
          ),
        }
      : {}),
  };
}

/** SendMessageBatch rejects repeated entry ids; the same lead version twice is one message anyway. */
function uniqueById(messages: readonly OutgoingMessage[]): OutgoingMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => !seen.has(m.id) && seen.add(m.id));
}

/** An entry SQS neither confirmed nor failed would be lost silently; treat it as failed. */
function assertAllAnswered(
  sent: readonly OutgoingMessage[],
  ok: readonly SendMessageBatchResultEntry[],
  failures: FailedSend[],
): void {
  const answered = new Set([...ok.map((s) => s.Id), ...failures.map((f) => f.id)]);
  for (const m of sent) {
    if (!answered.has(m.id)) failures.push({ id: m.id, code: 'NoResult', senderFault: false });
  }
}

/** About 100 ms, 200 ms, 400 ms…, each jittered (half to full step) so senders do not retry in step. */
function backoff(attempt: number): number {
  const cap = BASE_BACKOFF_MS * 2 ** (attempt - 2);
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

/**
 * The worker's visibility control over both queues it drains (leads and events, infra/queues.yml):
 * a delay goes to the queue the record came from, told by the queue name the record's ARN ends with
 * (a queue URL ends with the same name). A record of a queue not named here goes to `fallback`, the
 * leads queue, as when the worker drained one queue.
 */
export class SqsVisibilityByQueue implements VisibilityControl {
  readonly #byName: ReadonlyMap<string, VisibilityControl>;
  readonly #fallback: VisibilityControl;

  constructor(queues: readonly { queueUrl: string; control: VisibilityControl }[]) {
    if (queues.length === 0) throw new Error('SqsVisibilityByQueue needs at least one queue');
    this.#byName = new Map(queues.map((q) => [lastSegment(q.queueUrl, '/'), q.control]));
    this.#fallback = queues[0]!.control;
  }

  async delay(receiptHandle: string, seconds: number, queueArn?: string): Promise<void> {
    const own = queueArn === undefined ? undefined : this.#byName.get(lastSegment(queueArn, ':'));
    await (own ?? this.#fallback).delay(receiptHandle, seconds);
  }
}

function lastSegment(text: string, separator: string): string {
  return text.slice(text.lastIndexOf(separator) + 1);
}
