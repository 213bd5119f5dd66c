import { createHash, randomUUID } from 'node:crypto';
import type { LambdaContext, SqsBatchResponse, SqsEvent } from '../handlers/lambda-types.ts';
import type { MessageQueue, OutgoingMessage } from '../ports/message-queue.ts';

export type BatchHandler = (event: SqsEvent, context: LambdaContext) => Promise<SqsBatchResponse>;

/** Raised when the worker could not finish some messages: the webhook then answers 503. */
export class DirectQueueError extends Error {
  readonly failed: number;
  constructor(failed: number) {
    super(`${failed} message(s) could not be processed now`);
    this.name = 'DirectQueueError';
    this.failed = failed;
  }
}

/**
 * A queue with no queue: `sendAll` hands the messages straight to the worker (the Lambda worker's
 * handler, as an SQS batch) and returns only when they are decided and written. So the local listener
 * answers HubSpot 2xx only for work that is done; anything the worker returns as failed makes the
 * whole request fail, and HubSpot's retry brings it back (the version claims and idempotent tasks make
 * the repeat of the part that succeeded harmless).
 */
export function directQueue(worker: BatchHandler, budgetMs: number): MessageQueue {
  return {
    async sendAll(messages: readonly OutgoingMessage[]): Promise<void> {
      if (messages.length === 0) return;
      const now = Date.now();
      const event: SqsEvent = {
        Records: messages.map((m) => ({
          messageId: m.id,
          receiptHandle: m.id,
          body: m.body,
          attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(now) },
          messageAttributes: Object.fromEntries(
            Object.entries(m.attributes ?? {}).map(([k, v]) => [k, { stringValue: v, dataType: 'String' }]),
          ),
          md5OfBody: createHash('md5').update(m.body).digest('hex'),
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:local:sqs:tossup-listen',
          awsRegion: 'local',
        })),
      };
      const result = await worker(event, {
        awsRequestId: randomUUID(),
        functionName: 'tossup-listen-worker',
        getRemainingTimeInMillis: () => Math.max(0, budgetMs - (Date.now() - now)),
      });
      if (result.batchItemFailures.length > 0) throw new DirectQueueError(result.batchItemFailures.length);
    },
  };
}
