import { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chunkLines,
  FIREHOSE_LIMITS,
  FirehoseLedger,
  LedgerDeliveryError,
  LedgerRecordTooLargeError,
} from '../../src/aws/firehose-ledger.ts';
import type { LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { filledDecisionRow, filledEventRow } from '../support/ledger-rows.ts';
import { type AwsCall, LoopbackAws, loopbackClientConfig } from './loopback-aws.ts';

const STREAMS = { decision: 'tossup-test-ledger-decisions', event: 'tossup-test-ledger-events' };

let aws: LoopbackAws;
beforeAll(async () => {
  aws = await LoopbackAws.start(() => ({ body: {} }));
});
afterAll(() => aws.close());

interface PutBody {
  DeliveryStreamName: string;
  Records: { Data: string }[];
}
const body = (c: AwsCall) => c.body as unknown as PutBody;
/** The rows a call carried, decoded as Firehose would store them. */
const rows = (c: AwsCall) =>
  body(c).Records.map((r) => JSON.parse(Buffer.from(r.Data, 'base64').toString('utf8')) as LedgerRecord);
const ids = (c: AwsCall) => rows(c).map((r) => r.record_id);

/** Answers PutRecordBatch like Firehose: a RecordId per record, or an error code where `fails` says. */
function firehose(fails: (recordId: string, callNo: number) => string | null = () => null) {
  let n = 0;
  return (c: AwsCall) => {
    n++;
    const answers = rows(c).map((r) => {
      const code = fails(r.record_id, n);
      return code ? { ErrorCode: code, ErrorMessage: 'try again' } : { RecordId: `fh-${r.record_id}` };
    });
    return {
      body: {
        FailedPutCount: answers.filter((a) => 'ErrorCode' in a).length,
        Encrypted: true,
        RequestResponses: answers,
      },
    };
  };
}

function ledger(over: { maxAttempts?: number } = {}) {
  const sleeps: number[] = [];
  const l = new FirehoseLedger({
    client: new FirehoseClient(loopbackClientConfig(aws.endpoint)),
    streams: STREAMS,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
  return { l, sleeps };
}

describe('FirehoseLedger (real SDK client against a loopback Firehose)', () => {
  it('puts decisions and events to their own streams as newline-terminated JSON rows', async () => {
    aws.answerWith(firehose());
    const records = [
      filledDecisionRow(),
      filledEventRow(),
      filledDecisionRow({ record_id: 'd_2', lead_id: 'L2' }),
    ];
    const { l } = ledger();

    const out = await l.append(records);

    expect(out).toEqual({ appended: 3 });
    expect(aws.calls.map((c) => [c.operation, body(c).DeliveryStreamName, ids(c)])).toEqual([
      ['PutRecordBatch', STREAMS.decision, ['d_1', 'd_2']],
      ['PutRecordBatch', STREAMS.event, ['e_1']],
    ]);
    const data = Buffer.from(body(aws.calls[0]!).Records[0]!.Data, 'base64').toString('utf8');
    expect(data.endsWith('\n')).toBe(true);
    expect(JSON.parse(data)).toEqual(records[0]);
  });

  it('splits 1,201 rows into calls of at most 500 records', async () => {
    aws.answerWith(firehose());
    const records = Array.from({ length: 1201 }, (_, i) => filledEventRow({ record_id: `e_${i}` }));
    const { l } = ledger();
    expect(await l.append(records)).toEqual({ appended: 1201 });
    expect(aws.calls.map((c) => body(c).Records.length)).toEqual([500, 500, 201]);
    expect(aws.calls.flatMap(ids)).toEqual(records.map((r) => r.record_id));
  });

  it('starts a new call before one would pass 4 MiB', async () => {
    aws.answerWith(firehose());
    // ~900 KB rows: four fit under 4 MiB (4,194,304 bytes), a fifth does not.
    const big = 'x'.repeat(900_000);
    const records = Array.from({ length: 6 }, (_, i) =>
      filledDecisionRow({ record_id: `d_${i}`, facts_json: big }),
    );
    const { l } = ledger();
    await l.append(records);
    expect(aws.calls.map((c) => body(c).Records.length)).toEqual([4, 2]);
    for (const c of aws.calls) {
      const bytes = body(c).Records.reduce((n, r) => n + Buffer.from(r.Data, 'base64').byteLength, 0);
      expect(bytes).toBeLessThanOrEqual(FIREHOSE_LIMITS.maxBatchBytes);
    }
  });

  it('re-sends only the records Firehose failed (FailedPutCount), with backoff, until they pass', async () => {
    // d_1 fails twice, d_3 once; d_2 passes at once.
    aws.answerWith(
      firehose((id, call) =>
        (id === 'd_1' && call <= 2) || (id === 'd_3' && call === 1) ? 'ServiceUnavailableException' : null,
      ),
    );
    const { l, sleeps } = ledger();
    const out = await l.append(['d_1', 'd_2', 'd_3'].map((record_id) => filledDecisionRow({ record_id })));
    expect(out).toEqual({ appended: 3 });
    expect(aws.calls.map(ids)).toEqual([['d_1', 'd_2', 'd_3'], ['d_1', 'd_3'], ['d_1']]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('after the last attempt throws with the records still failed, so the outbox keeps them', async () => {
    aws.answerWith(firehose((id) => (id === 'd_2' ? 'InternalFailure' : null)));
    const { l } = ledger({ maxAttempts: 2 });
    const err = await l
      .append([
        filledDecisionRow({ record_id: 'd_1' }),
        filledDecisionRow({ record_id: 'd_2' }),
        filledEventRow(),
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerDeliveryError);
    expect((err as LedgerDeliveryError).failed).toEqual([{ recordId: 'd_2', code: 'InternalFailure' }]);
    // The events stream still got its row: one stream's trouble does not hold back the other.
    expect(aws.calls.map((c) => [body(c).DeliveryStreamName, ids(c)])).toEqual([
      [STREAMS.decision, ['d_1', 'd_2']],
      [STREAMS.decision, ['d_2']],
      [STREAMS.event, ['e_1']],
    ]);
  });

  it('counts a record the answer does not mention as failed (never lost silently)', async () => {
    aws.answerWith((c) => ({
      body: {
        FailedPutCount: 0,
        RequestResponses: rows(c)
          .slice(0, 1)
          .map(() => ({ RecordId: 'x' })),
      },
    }));
    const { l } = ledger({ maxAttempts: 1 });
    const err = (await l
      .append([filledDecisionRow({ record_id: 'd_1' }), filledDecisionRow({ record_id: 'd_2' })])
      .catch((e: unknown) => e)) as LedgerDeliveryError;
    expect(err.failed).toEqual([{ recordId: 'd_2', code: 'NoResult' }]);
  });

  it('a whole-call failure is an error of the append (the SDK retries it first)', async () => {
    aws.answerWith(() => ({
      status: 400,
      body: { __type: 'ResourceNotFoundException', message: 'no stream' },
    }));
    const { l } = ledger();
    await expect(l.append([filledDecisionRow()])).rejects.toThrow(/no stream/);
  });

  it('sends a record repeated in one append once, and nothing for an empty append', async () => {
    aws.answerWith(firehose());
    const { l } = ledger();
    expect(await l.append([])).toEqual({ appended: 0 });
    expect(aws.calls).toEqual([]);
    await l.append([filledDecisionRow(), filledDecisionRow()]);
    expect(aws.calls.map(ids)).toEqual([['d_1']]);
  });
});

describe('chunkLines', () => {
  const line = (id: string, bytes: number) => ({ id, data: new Uint8Array(bytes) });
  it('refuses a record over 1,000 KiB before anything is sent', () => {
    expect(() => chunkLines([line('a', 10), line('b', FIREHOSE_LIMITS.maxRecordBytes + 1)])).toThrow(
      LedgerRecordTooLargeError,
    );
  });
  it('fills a call to exactly the byte limit but not past it', () => {
    const limits = { maxRecords: 10, maxBatchBytes: 100, maxRecordBytes: 50 };
    const chunks = chunkLines([line('a', 50), line('b', 50), line('c', 1), line('d', 99 - 50)], limits);
    expect(chunks.map((c) => c.map((l) => l.id))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });
});
