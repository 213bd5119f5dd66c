import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { LedgerRecord } from '../ledger/ledger-record.ts';
import type { Ledger } from '../ports/ledger.ts';

/**
 * Kinesis Data Firehose limits: PutRecordBatch takes 500 records and 4 MiB per call, 1,000 KiB per
 * record; the streams' JSON de-aggregation (infra/ledger.yml) splits at most 500 rows out of one record.
 */
export const FIREHOSE_LIMITS = {
  maxRecords: 500,
  maxBatchBytes: 4 * 1024 * 1024,
  maxRecordBytes: 1_024_000,
  maxRowsPerRecord: 500,
};

export type FirehoseLimits = typeof FIREHOSE_LIMITS;

/** The delivery stream of each ledger table (infra/ledger.yml: one stream, one Glue table per kind). */
export interface LedgerStreams {
  decision: string;
  event: string;
}

export interface FirehoseLedgerOptions {
  client: FirehoseClient;
  streams: LedgerStreams;
  limits?: FirehoseLimits;
  /** Calls per batch while Firehose keeps failing some of its records (FailedPutCount > 0). */
  maxAttempts?: number;
  /** Backoff before a retry of failed records; injectable so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

/** Some records could not be put after every attempt: the caller keeps them (the outbox) for a later try. */
export class LedgerDeliveryError extends Error {
  readonly failed: readonly { recordId: string; code: string }[];
  constructor(failed: readonly { recordId: string; code: string }[]) {
    super(
      `${failed.length} ledger record(s) could not be put to Firehose: ${failed
        .slice(0, 5)
        .map((f) => `${f.recordId} (${f.code})`)
        .join(', ')}${failed.length > 5 ? ', …' : ''}`,
    );
    this.name = 'LedgerDeliveryError';
    this.failed = failed;
  }
}

export class LedgerRecordTooLargeError extends Error {
  constructor(recordId: string, bytes: number, limit: number) {
    super(`ledger record ${recordId} is ${bytes} bytes, over Firehose's limit of ${limit} bytes per record`);
    this.name = 'LedgerRecordTooLargeError';
  }
}

const BASE_BACKOFF_MS = 100;

/**
 * The Ledger port over Kinesis Data Firehose (docs/deploy.md, "The decision ledger"): each row one
 * JSON line, the lines of an append packed into Firehose records of up to 500 rows and 1,000 KiB, sent
 * to its table's delivery stream with size-aware PutRecordBatch calls. Packing is for the bill:
 * Firehose charges each record as a multiple of 5 KB and a row is ~2 KB, so one row a record paid for
 * 2.5× its bytes (docs/cost.md); the stream's `RecordDeAggregation` processor splits the lines again
 * before partitioning and the Parquet conversion, so each row is still one row of the table.
 * PutRecordBatch succeeds as a call while failing some records (`FailedPutCount`, an `ErrorCode` per
 * record in the answer, in request order): those are sent again with backoff and jitter until they
 * pass or the attempts run out (then `LedgerDeliveryError` naming every row of the failed records, and
 * the caller's outbox keeps them). Whole-call failures are retried by the SDK's own retry strategy.
 *
 * Idempotency: Firehose delivers at least once and cannot refuse a record id it has seen, so a retry
 * after a lost answer may store a row twice. Every row carries its `record_id` (from content, never the
 * clock) and the Athena reader reads the tables through views that keep one row per id
 * (src/aws/athena-ledger-reader.ts). `appended` is the count of records Firehose took in this call.
 */
export class FirehoseLedger implements Ledger {
  readonly #client: FirehoseClient;
  readonly #streams: LedgerStreams;
  readonly #limits: FirehoseLimits;
  readonly #maxAttempts: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: FirehoseLedgerOptions) {
    this.#client = options.client;
    this.#streams = options.streams;
    this.#limits = options.limits ?? FIREHOSE_LIMITS;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async append(records: readonly LedgerRecord[]): Promise<{ appended: number }> {
    const failed: { recordId: string; code: string }[] = [];
    let appended = 0;
    for (const kind of ['decision', 'event'] as const) {
      const lines = uniqueById(records.filter((r) => r.kind === kind)).map(toLine);
      for (const batch of chunkRecords(packLines(lines, this.#limits), this.#limits)) {
        const left = await this.#put(this.#streams[kind], batch);
        const failedRows = left.reduce((n, f) => n + f.rows.length, 0);
        appended += batch.reduce((n, r) => n + r.rows.length, 0) - failedRows;
        for (const f of left) for (const id of f.rows) failed.push({ recordId: id, code: f.code });
      }
    }
    if (failed.length > 0) throw new LedgerDeliveryError(failed);
    return { appended };
  }

  /** One batch, re-sending the records Firehose failed; returns those still failed. */
  async #put(
    stream: string,
    batch: readonly PackedRecord[],
  ): Promise<{ rows: readonly string[]; code: string }[]> {
    let pending = batch;
    let failures: { rows: readonly string[]; code: string }[] = [];
    for (let attempt = 1; attempt <= this.#maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await this.#sleep(backoff(attempt));
      const out = await this.#client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: stream,
          Records: pending.map((l) => ({ Data: l.data })),
        }),
      );
      const answers = out.RequestResponses ?? [];
      const again: PackedRecord[] = [];
      failures = [];
      pending.forEach((record, i) => {
        const a = answers[i];
        // An answer missing for a record would lose it silently: count it as failed.
        if (a?.RecordId && !a.ErrorCode) return;
        again.push(record);
        failures.push({ rows: record.rows, code: a?.ErrorCode ?? 'NoResult' });
      });
      pending = again;
    }
    return pending.length > 0 ? failures : [];
  }
}

export interface Line {
  id: string;
  data: Uint8Array;
}

/**
 * A row as one JSON line (newline-terminated, so the objects Firehose concatenates stay one per line),
 * its null columns left out: Firehose bills the bytes, and the stream's Parquet conversion (OpenX JSON
 * SerDe) reads a column the line lacks as null, as the line's `null` would be. Most of an event row's
 * columns are null (they belong to other event types), and several of a decision row's.
 */
function toLine(r: LedgerRecord): Line {
  const present: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (v !== null) present[k] = v;
  return { id: r.record_id, data: Buffer.from(`${JSON.stringify(present)}\n`, 'utf8') };
}

/** One Firehose record: the ids of the rows it carries and their lines, concatenated. */
export interface PackedRecord {
  rows: readonly string[];
  data: Uint8Array;
}

/**
 * Packs lines, in order, into records of at most `maxRowsPerRecord` rows and `maxRecordBytes` bytes
 * (a row over the record limit alone is refused before anything is sent).
 */
export function packLines(lines: readonly Line[], limits: FirehoseLimits = FIREHOSE_LIMITS): PackedRecord[] {
  const records: PackedRecord[] = [];
  let rows: string[] = [];
  let parts: Uint8Array[] = [];
  let bytes = 0;
  const close = () => {
    records.push({ rows, data: parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes) });
    rows = [];
    parts = [];
    bytes = 0;
  };
  for (const l of lines) {
    const size = l.data.byteLength;
    if (size > limits.maxRecordBytes) throw new LedgerRecordTooLargeError(l.id, size, limits.maxRecordBytes);
    if (rows.length > 0 && (rows.length >= limits.maxRowsPerRecord || bytes + size > limits.maxRecordBytes))
      close();
    rows.push(l.id);
    parts.push(l.data);
    bytes += size;
  }
  if (rows.length > 0) close();
  return records;
}

/** Splits records into PutRecordBatch calls within the call's record and byte limits, in order. */
export function chunkRecords<R extends { data: Uint8Array }>(
  records: readonly R[],
  limits: FirehoseLimits = FIREHOSE_LIMITS,
): R[][] {
  const chunks: R[][] = [];
  let current: R[] = [];
  let bytes = 0;
  for (const l of records) {
    const size = l.data.byteLength;
    if (current.length > 0 && (current.length >= limits.maxRecords || bytes + size > limits.maxBatchBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(l);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The same record twice in one append is one row; no need to pay for the second. */
function uniqueById(records: readonly LedgerRecord[]): LedgerRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => !seen.has(r.record_id) && seen.add(r.record_id));
}

/** About 100 ms, 200 ms, 400 ms…, each jittered (half to full step). */
function backoff(attempt: number): number {
  const cap = BASE_BACKOFF_MS * 2 ** (attempt - 2);
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

/** The ledger's Firehose client, with the short timeouts of the other clients (src/aws/clients.ts). */
export function createFirehoseClient(): FirehoseClient {
  return new FirehoseClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  });
}
