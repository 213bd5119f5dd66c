import { randomUUID } from 'node:crypto';
import type {
  LambdaContext,
  SqsBatchResponse,
  SqsEvent,
  SqsRecord,
} from '../../src/handlers/lambda-types.ts';

/**
 * An SQS queue and the Lambda event source mapping that drains it, in real time, as the freshness
 * benchmark needs: each poller waits for a message, then gathers a batch until it holds `batchSize`
 * messages or `batchingWindowMs` has passed since it started gathering (Lambda's
 * MaximumBatchingWindowInSeconds), invokes the handler, and deletes all but the reported
 * `batchItemFailures`, which come back after `visibilityMs`. Up to `concurrency` batches are in
 * flight at once (the mapping's maximumConcurrency), each poller with a handler of its own, as each
 * concurrent batch runs in a Lambda execution environment of its own (`handlerFor(poller)`, called
 * once per poller, when its first batch comes). Nothing of SQS's own latency is modelled.
 */
export interface EventSourceModel {
  batchSize: number;
  batchingWindowMs: number;
  concurrency: number;
  visibilityMs: number;
  workerTimeoutMs: number;
}

interface Message {
  messageId: string;
  body: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
}

type Handler = (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse>;

export class RealtimeSqs {
  readonly model: EventSourceModel;
  readonly batches: number[] = [];
  failedDeliveries = 0;
  thrown = 0;
  #messages: Message[] = [];
  #stopped = false;
  #wake: (() => void) | null = null;

  constructor(model: EventSourceModel) {
    this.model = model;
  }

  send(body: string): void {
    this.#messages.push({ messageId: randomUUID(), body, sentAt: Date.now(), visibleAt: 0, receiveCount: 0 });
    this.#wake?.();
  }

  get depth(): number {
    return this.#messages.length;
  }

  /** Runs the pollers until `stop()`; resolves once every in-flight batch has returned. */
  async run(handlerFor: (poller: number) => Promise<Handler>): Promise<void> {
    await Promise.all(
      Array.from({ length: this.model.concurrency }, (_, i) => this.#poller(() => handlerFor(i))),
    );
  }

  stop(): void {
    this.#stopped = true;
    this.#wake?.();
  }

  #visible(now: number): Message[] {
    return this.#messages.filter((m) => m.visibleAt <= now);
  }

  async #poller(makeHandler: () => Promise<Handler>): Promise<void> {
    let handler: Handler | null = null;
    while (!this.#stopped) {
      if (this.#visible(Date.now()).length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      const windowEnd = Date.now() + this.model.batchingWindowMs;
      while (
        !this.#stopped &&
        Date.now() < windowEnd &&
        this.#visible(Date.now()).length < this.model.batchSize
      ) {
        await new Promise((r) => setTimeout(r, Math.min(20, Math.max(1, windowEnd - Date.now()))));
      }
      const now = Date.now();
      const batch = this.#visible(now).slice(0, this.model.batchSize);
      if (batch.length === 0) continue;
      for (const m of batch) {
        m.visibleAt = now + this.model.visibilityMs;
        m.receiveCount++;
      }
      this.batches.push(batch.length);
      const deadline = now + this.model.workerTimeoutMs;
      const records: SqsRecord[] = batch.map((m) => ({
        messageId: m.messageId,
        receiptHandle: `${m.messageId}:${m.receiveCount}`,
        body: m.body,
        attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:ap-northeast-1:123456789012:bench-leads',
        awsRegion: 'ap-northeast-1',
      }));
      const context: LambdaContext = {
        awsRequestId: randomUUID(),
        functionName: 'bench-worker',
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      let failed: Set<string>;
      try {
        handler ??= await makeHandler();
        const response = await handler({ Records: records }, context);
        failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      } catch {
        this.thrown++;
        failed = new Set(batch.map((m) => m.messageId));
      }
      this.failedDeliveries += failed.size;
      this.#messages = this.#messages.filter((m) => !batch.includes(m) || failed.has(m.messageId));
    }
  }
}
