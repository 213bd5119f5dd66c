import { createHash, randomUUID } from 'node:crypto';
import { eventBatchSize, loadDeploySettings, workerBatchSize } from '../../../scripts/deploy-settings.ts';
import { chunkMessages } from '../../../src/aws/sqs-batches.ts';
import type {
  LambdaContext,
  SqsBatchResponse,
  SqsEvent,
  SqsRecord,
} from '../../../src/handlers/lambda-types.ts';
import type { MessageQueue, OutgoingMessage, VisibilityControl } from '../../../src/ports/message-queue.ts';
import type { TestClock } from '../../state/state-store.contract.ts';

/** The queue settings the template gets from infra/settings.yml. */
export interface QueueModel {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  batchSize: number;
  workerTimeoutSeconds: number;
}

interface Stored {
  messageId: string;
  body: string;
  attributes: Readonly<Record<string, string>>;
  sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receiptHandle: string | null;
  firstReceivedAt: number | null;
}

/**
 * A standard SQS queue with a dead-letter queue, modelled closely enough to drive the real worker:
 * - a received message is invisible for the visibility timeout and then comes back unless deleted;
 * - each receive counts; a message received more than `maxReceiveCount` times moves to the DLQ on
 *   its next receive attempt (SQS's redrive rule);
 * - `ChangeMessageVisibility` moves one received message's return;
 * - the event source mapping deletes a batch's messages after the handler returns, except the
 *   `batchItemFailures`; if the handler throws, it deletes nothing.
 * It is also the `MessageQueue` the sync handler sends to, so a test can run sync → queue → worker.
 */
export class SqsSimulator implements MessageQueue, VisibilityControl {
  readonly model: QueueModel;
  readonly clock: TestClock;
  readonly dlq: Stored[] = [];
  /** Every SendMessageBatch-sized request made by a sender (ids per request). */
  readonly sendRequests: string[][] = [];
  /** Messages as handed to the handler, invocation by invocation. */
  readonly deliveries: string[][] = [];
  #messages: Stored[] = [];
  #failNextSends = 0;
  /** The records' `eventSourceARN`: the worker delays a record on the queue it names. */
  readonly arn: string;

  constructor(
    model: QueueModel,
    clock: TestClock,
    arn = 'arn:aws:sqs:ap-northeast-1:123456789012:tossup-dev-leads',
  ) {
    this.model = model;
    this.clock = clock;
    this.arn = arn;
  }

  /** The next `n` sendAll calls fail as a whole (SQS unavailable). */
  failNextSends(n: number): void {
    this.#failNextSends = n;
  }

  async sendAll(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.#failNextSends > 0) {
      this.#failNextSends--;
      throw new Error('simulated SQS outage');
    }
    for (const chunk of chunkMessages(messages)) {
      this.sendRequests.push(chunk.map((m) => m.id));
      for (const m of chunk) this.sendRaw(m.body, m.attributes ?? {});
    }
  }

  /** Enqueues a body as is (a poisoned message, or a second copy of one: at-least-once delivery). */
  sendRaw(body: string, attributes: Readonly<Record<string, string>> = {}): string {
    const messageId = randomUUID();
    const now = this.clock.now().getTime();
    this.#messages.push({
      messageId,
      body,
      attributes,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now,
      receiptHandle: null,
      firstReceivedAt: null,
    });
    return messageId;
  }

  /** `_queueArn`: this queue's (the worker names the record's queue); one queue here. */
  async delay(receiptHandle: string, seconds: number, _queueArn?: string): Promise<void> {
    const m = this.#messages.find((x) => x.receiptHandle === receiptHandle);
    if (!m) throw new Error(`ReceiptHandleIsInvalid: ${receiptHandle}`);
    m.visibleAt = this.clock.now().getTime() + seconds * 1000;
  }

  get depth(): number {
    return this.#messages.length;
  }

  get visible(): number {
    const now = this.clock.now().getTime();
    return this.#messages.filter((m) => m.visibleAt <= now).length;
  }

  bodies(): string[] {
    return this.#messages.map((m) => m.body);
  }

  /** One poll of the event source mapping: receive a batch, invoke, delete what succeeded. */
  async poll(
    handler: (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse>,
    options: {
      /** The invocation's remaining time in real milliseconds, when a test needs real time to pass. */
      remainingMs?: () => number;
    } = {},
  ): Promise<{ invoked: boolean; failedIds: string[]; threw: unknown }> {
    const batch = this.#receive();
    if (batch.length === 0) return { invoked: false, failedIds: [], threw: null };
    this.deliveries.push(batch.map((m) => m.messageId));
    const event: SqsEvent = { Records: batch.map((m) => this.#record(m)) };
    const deadline = this.clock.now().getTime() + this.model.workerTimeoutSeconds * 1000;
    const context: LambdaContext = {
      awsRequestId: randomUUID(),
      functionName: 'tossup-test-worker',
      getRemainingTimeInMillis:
        options.remainingMs ?? (() => Math.max(0, deadline - this.clock.now().getTime())),
    };
    let response: SqsBatchResponse;
    try {
      response = await handler(event, context);
    } catch (threw) {
      return { invoked: true, failedIds: batch.map((m) => m.messageId), threw };
    }
    const failedIds = response.batchItemFailures.map((f) => f.itemIdentifier);
    const unknown = failedIds.filter((id) => !batch.some((m) => m.messageId === id));
    // Lambda treats an unknown id in the response as a failure of the whole batch.
    if (unknown.length)
      throw new Error(`batchItemFailures names messages not in the batch: ${unknown.join(', ')}`);
    const keep = new Set(failedIds);
    this.#messages = this.#messages.filter((m) => !batch.includes(m) || keep.has(m.messageId));
    return { invoked: true, failedIds, threw: null };
  }

  /**
   * Polls until the queue is empty or `maxPolls` is reached, moving the clock past the visibility
   * timeout whenever nothing is visible (time passing between redeliveries).
   */
  async drain(
    handler: (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse>,
    maxPolls = 100,
  ): Promise<number> {
    let polls = 0;
    while (this.#messages.length > 0 && polls < maxPolls) {
      const r = await this.poll(handler);
      polls++;
      if (!r.invoked) this.advanceToNextVisible();
    }
    return polls;
  }

  /**
   * A DLQ redrive (StartMessageMoveTask back to this queue): every dead-lettered message returns as
   * sent, its receive count starting again from zero.
   */
  redriveDlq(): number {
    const now = this.clock.now().getTime();
    const moved = this.dlq.splice(0);
    for (const m of moved) {
      this.#messages.push({
        ...m,
        receiveCount: 0,
        visibleAt: now,
        receiptHandle: null,
        firstReceivedAt: null,
      });
    }
    return moved.length;
  }

  advanceToNextVisible(): void {
    // The last messages may just have moved to the DLQ: then there is nothing to wait for.
    if (this.#messages.length === 0) return;
    const next = Math.min(...this.#messages.map((m) => m.visibleAt));
    const now = this.clock.now().getTime();
    if (next > now) this.clock.advance(next - now);
  }

  #receive(): Stored[] {
    const now = this.clock.now().getTime();
    const out: Stored[] = [];
    for (const m of [...this.#messages]) {
      if (out.length >= this.model.batchSize) break;
      if (m.visibleAt > now) continue;
      if (m.receiveCount >= this.model.maxReceiveCount) {
        // Redrive: received maxReceiveCount times without being deleted → the DLQ.
        this.#messages = this.#messages.filter((x) => x !== m);
        this.dlq.push(m);
        continue;
      }
      m.receiveCount++;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + this.model.visibilityTimeoutSeconds * 1000;
      m.receiptHandle = randomUUID();
      out.push(m);
    }
    return out;
  }

  #record(m: Stored): SqsRecord {
    return {
      messageId: m.messageId,
      receiptHandle: m.receiptHandle!,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'AROAEXAMPLE:tossup-dev-syncHubspot',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(m.attributes).map(([k, v]) => [k, { stringValue: v, dataType: 'String' }]),
      ),
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.arn,
      awsRegion: 'ap-northeast-1',
    };
  }
}

/**
 * The SQS simulator with the template's visibility timeout, receive count, batch size and worker
 * timeout: of the CRM's leads queue (the sync's), or of its events queue (change events, batched by
 * its own mapping's size); `arn` names it in the records.
 */
export function deployedQueue(
  clock: TestClock,
  crm: 'salesforce' | 'hubspot',
  queue: 'leads' | 'events' = 'leads',
  arn?: string,
): SqsSimulator {
  const settings = loadDeploySettings('infra/settings.yml');
  return new SqsSimulator(
    {
      visibilityTimeoutSeconds: settings.queue.visibilityTimeoutSeconds,
      maxReceiveCount: settings.queue.maxReceiveCount,
      batchSize: queue === 'events' ? eventBatchSize(settings, crm) : workerBatchSize(settings, crm),
      workerTimeoutSeconds: settings.worker.timeoutSeconds,
    },
    clock,
    arn,
  );
}
