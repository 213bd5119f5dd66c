import type { OutgoingMessage } from '../ports/message-queue.ts';

/** SQS limits: 10 entries per SendMessageBatch, 256 KiB per message and per batch (body + attributes). */
export const SQS_LIMITS = { maxEntries: 10, maxBatchBytes: 262_144, maxMessageBytes: 262_144 } as const;

export interface QueueLimits {
  maxEntries: number;
  maxBatchBytes: number;
  maxMessageBytes: number;
}

export class MessageTooLargeError extends Error {
  readonly messageId: string;
  readonly bytes: number;
  constructor(messageId: string, bytes: number, limit: number) {
    super(`message ${messageId} is ${bytes} bytes, over the queue's limit of ${limit} bytes`);
    this.name = 'MessageTooLargeError';
    this.messageId = messageId;
    this.bytes = bytes;
  }
}

/** Size as SQS counts it: UTF-8 body plus each attribute's name, data type and value. */
export function messageBytes(m: OutgoingMessage): number {
  let n = Buffer.byteLength(m.body, 'utf8');
  for (const [name, value] of Object.entries(m.attributes ?? {})) {
    n += Buffer.byteLength(name, 'utf8') + 'String'.length + Buffer.byteLength(value, 'utf8');
  }
  return n;
}

/**
 * Splits messages into SendMessageBatch requests: at most `maxEntries` entries and `maxBatchBytes`
 * in total each, in input order. A message over `maxMessageBytes` cannot be sent at all and throws
 * `MessageTooLargeError` before anything is sent.
 */
export function chunkMessages(
  messages: readonly OutgoingMessage[],
  limits: QueueLimits = SQS_LIMITS,
): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (size > limits.maxMessageBytes) throw new MessageTooLargeError(m.id, size, limits.maxMessageBytes);
    if (current.length > 0 && (current.length >= limits.maxEntries || bytes + size > limits.maxBatchBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
