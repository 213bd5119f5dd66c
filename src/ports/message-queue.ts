/** One message to enqueue. `id` is deterministic (traceable in logs) and unique within a send. */
export interface OutgoingMessage {
  id: string;
  body: string;
  /** String message attributes (counted in the message size, as SQS does). */
  attributes?: Readonly<Record<string, string>>;
}

/** Where the sync reader and the webhook hand work to the worker (SQS in AWS, a simulator in tests). */
export interface MessageQueue {
  /** Sends every message, or throws `QueueSendError` naming the ones that could not be sent. */
  sendAll(messages: readonly OutgoingMessage[]): Promise<void>;
}

/** Lets the worker push a received message's next delivery further out (rate limits, spent quota). */
export interface VisibilityControl {
  /** `queueArn`: the record's `eventSourceARN`, for a control over more than one queue. */
  delay(receiptHandle: string, seconds: number, queueArn?: string): Promise<void>;
}

export interface FailedSend {
  id: string;
  code: string;
  /** True when retrying cannot help (the request was wrong), false for a service-side failure. */
  senderFault: boolean;
}

export class QueueSendError extends Error {
  readonly failed: readonly FailedSend[];
  constructor(failed: readonly FailedSend[], options?: ErrorOptions) {
    super(
      `${failed.length} message(s) could not be enqueued: ${failed
        .slice(0, 5)
        .map((f) => `${f.id} (${f.code}${f.senderFault ? ', sender fault' : ''})`)
        .join(', ')}${failed.length > 5 ? ', …' : ''}`,
      options,
    );
    this.name = 'QueueSendError';
    this.failed = failed;
  }
}
