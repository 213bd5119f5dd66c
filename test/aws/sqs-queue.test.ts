import { createHash } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chunkMessages, MessageTooLargeError, messageBytes, SQS_LIMITS } from '../../src/aws/sqs-batches.ts';
import { SqsQueue, SqsVisibilityByQueue } from '../../src/aws/sqs-queue.ts';
import { type OutgoingMessage, QueueSendError } from '../../src/ports/message-queue.ts';

const ENDPOINT = 'https://sqs.ap-northeast-1.amazonaws.com';
const QUEUE_URL = `${ENDPOINT}/123456789012/tossup-dev-leads-hubspot`;

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  // Every interceptor a test set up was used: a bypassed mock cannot pass silently.
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const msg = (id: string, bytes = 10): OutgoingMessage => ({
  id,
  body: 'x'.repeat(bytes),
  attributes: { tossupId: id },
});

function queue(over: Partial<ConstructorParameters<typeof SqsQueue>[0]> = {}) {
  const client = new SQSClient({
    region: 'ap-northeast-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  const sleeps: number[] = [];
  const q = new SqsQueue({
    client,
    queueUrl: QUEUE_URL,
    concurrency: 1,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
  return { q, sleeps };
}

interface BatchRequest {
  QueueUrl: string;
  Entries: {
    Id: string;
    MessageBody: string;
    MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
  }[];
}

/** One expected SendMessageBatch call: asserts the exact request, answers with `outcome(entryId)`. */
function expectBatch(
  ids: string[],
  outcome: (id: string) => 'ok' | { code: string; senderFault: boolean } = () => 'ok',
  seen: BatchRequest[] = [],
) {
  return nock(ENDPOINT)
    .matchHeader('x-amz-target', 'AmazonSQS.SendMessageBatch')
    .matchHeader('content-type', 'application/x-amz-json-1.0')
    .post(
      '/',
      (body: BatchRequest) =>
        body.QueueUrl === QUEUE_URL && JSON.stringify(body.Entries.map((e) => e.Id)) === JSON.stringify(ids),
    )
    .reply(
      200,
      async (req: Request) => {
        const body = (await req.json()) as BatchRequest;
        seen.push(body);
        const Successful = [];
        const Failed = [];
        for (const e of body.Entries) {
          const o = outcome(e.Id);
          if (o === 'ok')
            Successful.push({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: md5(e.MessageBody) });
          else Failed.push({ Id: e.Id, SenderFault: o.senderFault, Code: o.code, Message: 'failed' });
        }
        return { Successful, Failed };
      },
      { 'content-type': 'application/x-amz-json-1.0' },
    );
}

describe('chunkMessages', () => {
  it('puts at most 10 entries in a batch, in order', () => {
    const chunks = chunkMessages(Array.from({ length: 23 }, (_, i) => msg(`m${i}`)));
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(chunks.flat().map((m) => m.id)).toEqual(Array.from({ length: 23 }, (_, i) => `m${i}`));
  });

  it('starts a new batch before the batch would pass 256 KiB, counting attributes as SQS does', () => {
    // 100 KiB bodies: two fit (plus attributes), a third would not.
    const big = Array.from({ length: 5 }, (_, i) => msg(`b${i}`, 100 * 1024));
    const chunks = chunkMessages(big);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 1]);
    for (const c of chunks)
      expect(c.reduce((n, m) => n + messageBytes(m), 0)).toBeLessThanOrEqual(SQS_LIMITS.maxBatchBytes);
    expect(messageBytes(msg('ab', 3))).toBe(3 + 'tossupId'.length + 'String'.length + 2);
  });

  it('fills a batch to exactly the byte limit but not past it', () => {
    const attr = 'tossupId'.length + 'String'.length + 2;
    const half = SQS_LIMITS.maxBatchBytes / 2 - attr;
    expect(chunkMessages([msg('m1', half), msg('m2', half), msg('m3', 1)]).map((c) => c.length)).toEqual([
      2, 1,
    ]);
  });

  it('refuses a single message over the limit before anything is sent', () => {
    expect(() => chunkMessages([msg('ok'), msg('huge', SQS_LIMITS.maxMessageBytes)])).toThrow(
      MessageTooLargeError,
    );
  });
});

describe('SqsQueue.sendAll (wire)', () => {
  it('sends 12 messages as two SendMessageBatch requests with the exact JSON-protocol bodies', async () => {
    // Prepare
    const seen: BatchRequest[] = [];
    const messages = Array.from({ length: 12 }, (_, i) => msg(`h-contact-${i}-1763715600000`));
    expectBatch(
      messages.slice(0, 10).map((m) => m.id),
      undefined,
      seen,
    );
    expectBatch(
      messages.slice(10).map((m) => m.id),
      undefined,
      seen,
    );
    const { q } = queue();

    // Act
    await q.sendAll(messages);

    // Assess
    expect(seen[0]).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: messages.slice(0, 10).map((m) => ({
        Id: m.id,
        MessageBody: m.body,
        MessageAttributes: { tossupId: { DataType: 'String', StringValue: m.id } },
      })),
    });
    expect(seen[1]?.Entries).toHaveLength(2);
  });

  it('retries only the entries SQS failed on its side, with backoff, until they are sent', async () => {
    const ids = ['a', 'b', 'c'];
    expectBatch(ids, (id) => (id === 'b' ? { code: 'InternalError', senderFault: false } : 'ok'));
    expectBatch(['b'], () => ({ code: 'ServiceUnavailable', senderFault: false }));
    expectBatch(['b']);
    const { q, sleeps } = queue();
    await q.sendAll(ids.map((id) => msg(id)));
    // Exponential with jitter: about 100 ms, then about 200 ms (each between half and all of its step).
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('does not retry an entry rejected as the sender’s fault, and names it in the error', async () => {
    expectBatch(['a', 'b'], (id) =>
      id === 'a' ? { code: 'InvalidMessageContents', senderFault: true } : 'ok',
    );
    const { q, sleeps } = queue();
    const err = await q.sendAll([msg('a'), msg('b')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueSendError);
    expect((err as QueueSendError).failed).toEqual([
      { id: 'a', code: 'InvalidMessageContents', senderFault: true },
    ]);
    expect(sleeps).toEqual([]);
  });

  it('gives up after maxAttempts and reports what is still unsent', async () => {
    const failing = () => ({ code: 'InternalError', senderFault: false });
    expectBatch(['a'], failing);
    expectBatch(['a'], failing);
    const { q } = queue({ maxAttempts: 2 });
    const err = (await q.sendAll([msg('a')]).catch((e: unknown) => e)) as QueueSendError;
    expect(err.failed).toEqual([{ id: 'a', code: 'InternalError', senderFault: false }]);
    expect(err.message).toMatch(/1 message\(s\) could not be enqueued: a \(InternalError\)/);
  });

  it('sends a repeated lead version once (entry ids must be unique in a batch)', async () => {
    expectBatch(['a', 'b']);
    const { q } = queue();
    await q.sendAll([msg('a'), msg('b'), msg('a')]);
  });

  it('rejects a response whose body checksum does not match (the SDK verifies MD5)', async () => {
    nock(ENDPOINT)
      .post('/')
      .reply(
        200,
        { Successful: [{ Id: 'a', MessageId: 'm', MD5OfMessageBody: 'not-the-md5' }], Failed: [] },
        {
          'content-type': 'application/x-amz-json-1.0',
        },
      );
    const { q } = queue();
    await expect(q.sendAll([msg('a')])).rejects.toThrow(/MD5/);
  });
});

describe('SqsQueue.delay (wire)', () => {
  it('changes the visibility of one received message, capped at 12 hours', async () => {
    const bodies: unknown[] = [];
    nock(ENDPOINT)
      .matchHeader('x-amz-target', 'AmazonSQS.ChangeMessageVisibility')
      .post('/', (b) => {
        bodies.push(b);
        return true;
      })
      .times(2)
      .reply(200, {}, { 'content-type': 'application/x-amz-json-1.0' });
    const { q } = queue();
    await q.delay('rh-1', 3600);
    await q.delay('rh-2', 100_000);
    expect(bodies).toEqual([
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-1', VisibilityTimeout: 3600 },
      { QueueUrl: QUEUE_URL, ReceiptHandle: 'rh-2', VisibilityTimeout: 43_200 },
    ]);
  });
});

describe('SqsVisibilityByQueue (the worker drains a leads and an events queue)', () => {
  it('delays a record on the queue its eventSourceARN names; an unknown or absent ARN on the leads queue', async () => {
    const EVENTS_URL = `${ENDPOINT}/123456789012/tossup-dev-events-hubspot`;
    const bodies: { QueueUrl: string; ReceiptHandle: string }[] = [];
    nock(ENDPOINT)
      .matchHeader('x-amz-target', 'AmazonSQS.ChangeMessageVisibility')
      .post('/', (b) => {
        bodies.push(b);
        return true;
      })
      .times(4)
      .reply(200, {}, { 'content-type': 'application/x-amz-json-1.0' });
    const leads = queue().q;
    const events = queue({ queueUrl: EVENTS_URL }).q;
    const v = new SqsVisibilityByQueue([
      { queueUrl: QUEUE_URL, control: leads },
      { queueUrl: EVENTS_URL, control: events },
    ]);
    const arn = (name: string) => `arn:aws:sqs:ap-northeast-1:123456789012:${name}`;
    await v.delay('rh-event', 60, arn('tossup-dev-events-hubspot'));
    await v.delay('rh-lead', 60, arn('tossup-dev-leads-hubspot'));
    await v.delay('rh-other', 60, arn('some-other-queue'));
    await v.delay('rh-none', 60);
    expect(bodies.map((b) => [b.ReceiptHandle, b.QueueUrl])).toEqual([
      ['rh-event', EVENTS_URL],
      ['rh-lead', QUEUE_URL],
      ['rh-other', QUEUE_URL],
      ['rh-none', QUEUE_URL],
    ]);
  });
});
