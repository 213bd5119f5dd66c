import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { LedgerRecord } from '../ledger/ledger-record.ts';
import type { Ledger } from '../ports/ledger.ts';

/** Kinesis Data Firehose limits of PutRecordBatch: 500 records, 4 MiB per call, 1,000 KiB per record. */
export const FIREHOSE_LIMITS = { maxRecords: 500, maxBatchBytes: 4 * 1024 * 1024, maxRecordBytes: 1_024_000 };

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
 * The Ledger port over Kinesis Data Firehose (docs/deploy.md, "The decision ledger"): each record one
 * JSON line, sent to its table's delivery stream with size-aware PutRecordBatch calls. PutRecordBatch
 * succeeds as a call while failing some records (`FailedPutCount`, an `ErrorCode` per record in the
 * answer, in request order): those are sent again with backoff and jitter until they pass or the
 * attempts run out (then `LedgerDeliveryError`, and the caller's outbox keeps them). Whole-call
 * failures are retried by the SDK's own retry strategy.
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
      for (const batch of chunkLines(lines, this.#limits)) {
        const left = await this.#put(this.#streams[kind], batch);
        appended += batch.length - left.length;
        failed.push(...left);
      }
    }
    if (failed.length > 0) throw new LedgerDeliveryError(failed);
    return { appended };
  }

  /** One batch, re-sending the records Firehose failed; returns those still failed. */
  async #put(stream: string, batch: readonly Line[]): Promise<{ recordId: string; code: string }[]> {
    let pending = batch;
    let failures: { recordId: string; code: string }[] = [];
    for (let attempt = 1; attempt <= this.#maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await this.#sleep(backoff(attempt));
      const out = await this.#client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: stream,
          Records: pending.map((l) => ({ Data: l.data })),
        }),
      );
      const answers = out.RequestResponses ?? [];
      const again: Line[] = [];
      failures = [];
      pending.forEach((line, i) => {
        const a = answers[i];
        // An answer missing for a record would lose it silently: count it as failed.
        if (a?.RecordId && !a.ErrorCode) return;
        again.push(line);
        failures.push({ recordId: line.id, code: a?.ErrorCode ?? 'NoResult' });
      });
      pending = again;
    }
    return pending.length > 0 ? failures : [];
  }
}

interface Line {
  id: string;
  data: Uint8Array;
}

/** A row as one JSON line (newline-terminated, so the objects Firehose concatenates stay one per line). */
function toLine(r: LedgerRecord): Line {
  return { id: r.record_id, data: Buffer.from(`${JSON.stringify(r)}\n`, 'utf8') };
}

/** Splits lines into PutRecordBatch calls within the record and byte limits, in order. */
export function chunkLines(lines: readonly Line[], limits: FirehoseLimits = FIREHOSE_LIMITS): Line[][] {
  const chunks: Line[][] = [];
  let current: Line[] = [];
  let bytes = 0;
  for (const l of lines) {
    const size = l.data.byteLength;
    if (size > limits.maxRecordBytes) throw new LedgerRecordTooLargeError(l.id, size, limits.maxRecordBytes);
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
