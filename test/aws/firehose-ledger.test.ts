import { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chunkRecords,
  FIREHOSE_LIMITS,
  FirehoseLedger,
  LedgerDeliveryError,
  LedgerRecordTooLargeError,
  packLines,
} from '../../src/aws/firehose-ledger.ts';
import { DECISION_COLUMNS, EVENT_COLUMNS } from '../../src/ledger/ledger-columns.ts';
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
/** The lines of each record of a call, as sent. */
const recordLines = (c: AwsCall) =>
  body(c).Records.map((r) => {
    const text = Buffer.from(r.Data, 'base64').toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    return text.slice(0, -1).split('\n');
  });
/**
 * The rows of each record of a call, split as the stream's JSON de-aggregation splits them (JSON
 * objects one per line: an object spanning lines, or an array, would not be split), each read as the
 * Parquet conversion reads it: every column of its table, null where the line has none.
 */
const recordRows = (c: AwsCall) => recordLines(c).map((lines) => lines.map(asTableReadsIt));
function asTableReadsIt(line: string): LedgerRecord {
  const row = JSON.parse(line) as Record<string, unknown>;
  const columns = row.kind === 'decision' ? DECISION_COLUMNS : EVENT_COLUMNS;
  return Object.fromEntries(Object.keys(columns).map((k) => [k, row[k] ?? null])) as unknown as LedgerRecord;
}
const rows = (c: AwsCall) => recordRows(c).flat();
const ids = (c: AwsCall) => rows(c).map((r) => r.record_id);

/**
 * Answers PutRecordBatch like Firehose: a RecordId per record, or an error code when `fails` names
 * one of the record's rows (a record is taken or refused whole).
 */
function firehose(fails: (recordId: string, callNo: number) => string | null = () => null) {
  let n = 0;
  return (c: AwsCall) => {
    n++;
    const answers = recordRows(c).map((rs) => {
      const code = rs.map((r) => fails(r.record_id, n)).find((x) => x !== null) ?? null;
      return code ? { ErrorCode: code, ErrorMessage: 'try again' } : { RecordId: `fh-${rs[0]!.record_id}` };
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

/** One row a record, as before packing: for the tests of per-record failures. */
const ONE_ROW_A_RECORD = { ...FIREHOSE_LIMITS, maxRowsPerRecord: 1 };

function ledger(over: { maxAttempts?: number; limits?: typeof FIREHOSE_LIMITS } = {}) {
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
  it('puts decisions and events to their own streams as newline-terminated JSON rows, packed into one record', async () => {
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
    expect(body(aws.calls[0]!).Records).toHaveLength(1);
    expect(recordRows(aws.calls[0]!)[0]).toEqual([records[0], records[2]]);
  });

  it('leaves null columns out of the lines (Firehose bills the bytes); the table reads them as null', async () => {
    aws.answerWith(firehose());
    const decision = filledDecisionRow({ owner_id: null, behaviour_score: null, new_episode: false });
    const event = filledEventRow({ due_at: null, on_time: false, response_hours: 0 });
    const { l } = ledger();
    await l.append([decision, event]);
    const [decisionLine, eventLine] = aws.calls.map((c) => recordLines(c)[0]![0]!);
    expect(decisionLine).not.toContain('null');
    expect(eventLine).not.toContain('null');
    // false and 0 are values, not nulls: kept.
    expect(JSON.parse(decisionLine!)).toMatchObject({ new_episode: false });
    expect(JSON.parse(eventLine!)).toMatchObject({ on_time: false, response_hours: 0 });
    expect(JSON.parse(decisionLine!)).not.toHaveProperty('owner_id');
    expect(asTableReadsIt(decisionLine!)).toEqual(decision);
    expect(asTableReadsIt(eventLine!)).toEqual(event);
    expect(decisionLine!.length).toBeLessThan(JSON.stringify(decision).length - 100);
  });

  it('packs 1,201 rows into records of at most 500 rows (the de-aggregation cap), in one call', async () => {
    aws.answerWith(firehose());
    const records = Array.from({ length: 1201 }, (_, i) => filledEventRow({ record_id: `e_${i}` }));
    const { l } = ledger();
    expect(await l.append(records)).toEqual({ appended: 1201 });
    expect(aws.calls.map((c) => recordRows(c).map((rs) => rs.length))).toEqual([[500, 500, 201]]);
    expect(aws.calls.flatMap(ids)).toEqual(records.map((r) => r.record_id));
  });

  it('splits records into calls of at most 500 records', async () => {
    aws.answerWith(firehose());
    const records = Array.from({ length: 1201 }, (_, i) => filledEventRow({ record_id: `e_${i}` }));
    const { l } = ledger({ limits: ONE_ROW_A_RECORD });
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
    const { l, sleeps } = ledger({ limits: ONE_ROW_A_RECORD });
    const out = await l.append(['d_1', 'd_2', 'd_3'].map((record_id) => filledDecisionRow({ record_id })));
    expect(out).toEqual({ appended: 3 });
    expect(aws.calls.map(ids)).toEqual([['d_1', 'd_2', 'd_3'], ['d_1', 'd_3'], ['d_1']]);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('re-sends every row of a packed record Firehose failed', async () => {
    aws.answerWith(
      firehose((id, call) => (id === 'd_2' && call === 1 ? 'ServiceUnavailableException' : null)),
    );
    const { l } = ledger();
    const out = await l.append(['d_1', 'd_2', 'd_3'].map((record_id) => filledDecisionRow({ record_id })));
    expect(out).toEqual({ appended: 3 });
    expect(aws.calls.map(ids)).toEqual([
      ['d_1', 'd_2', 'd_3'],
      ['d_1', 'd_2', 'd_3'],
    ]);
  });

  it('after the last attempt throws naming every row of the records still failed, so the outbox keeps them', async () => {
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
    // d_1 shares d_2's record, so it was not taken either.
    expect((err as LedgerDeliveryError).failed).toEqual([
      { recordId: 'd_1', code: 'InternalFailure' },
      { recordId: 'd_2', code: 'InternalFailure' },
    ]);
    // The events stream still got its row: one stream's trouble does not hold back the other.
    expect(aws.calls.map((c) => [body(c).DeliveryStreamName, ids(c)])).toEqual([
      [STREAMS.decision, ['d_1', 'd_2']],
      [STREAMS.decision, ['d_1', 'd_2']],
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
    const { l } = ledger({ maxAttempts: 1, limits: ONE_ROW_A_RECORD });
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

describe('packLines and chunkRecords', () => {
  const line = (id: string, bytes: number) => ({ id, data: new Uint8Array(bytes).fill(id.charCodeAt(0)) });
  it('refuses a row over 1,000 KiB before anything is sent', () => {
    expect(() => packLines([line('a', 10), line('b', FIREHOSE_LIMITS.maxRecordBytes + 1)])).toThrow(
      LedgerRecordTooLargeError,
    );
  });
  it('fills a record to exactly the byte limit, and to the row cap, but not past either', () => {
    const limits = { maxRecords: 10, maxBatchBytes: 1000, maxRecordBytes: 50, maxRowsPerRecord: 3 };
    const records = packLines(
      [line('a', 30), line('b', 20), line('c', 1), line('d', 1), line('e', 1), line('f', 1)],
      limits,
    );
    expect(records.map((r) => r.rows)).toEqual([['a', 'b'], ['c', 'd', 'e'], ['f']]);
    expect(Buffer.from(records[0]!.data).toString()).toBe(`${'a'.repeat(30)}${'b'.repeat(20)}`);
  });
  it('fills a call to exactly the byte limit but not past it', () => {
    const limits = { maxRecords: 10, maxBatchBytes: 100, maxRecordBytes: 50, maxRowsPerRecord: 500 };
    const chunks = chunkRecords([line('a', 50), line('b', 50), line('c', 1), line('d', 99 - 50)], limits);
    expect(chunks.map((c) => c.map((l) => l.id))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });
});
