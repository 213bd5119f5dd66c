import { FailureKind } from '../../src/domain/errors.ts';
import type { WriteOutcome } from '../../src/ports/lead-sink.ts';
import type { CallRunner } from './call-runner.ts';
import { classifyRecordError, isRetryable } from './classify-error.ts';
import type { SalesforceCallError } from './client.ts';

/**
 * sObject Collections writes (crm-apis.md A3) for the sink and the SLA sweep: chunks of up to 200
 * records, `allOrNone: false`, sent concurrently (the call runner bounds how many), one outcome per
 * record. Per-record errors are classified by classify-error.ts; records that failed transiently
 * (UNABLE_TO_LOCK_ROW) are resent after a backoff. A whole-request 400 (an unknown field or an
 * uncoercible value fails the entire call) is narrowed down so the other records still go in.
 */

export type SfRecord = Record<string, unknown> & { attributes: { type: string } };

export interface SaveResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; message?: string; fields?: string[] }[];
}

/**
 * One record to write: given (`record`), or made when its call is sent (`make`, again for each call
 * that resends it), so a page's records are not all held at once (docs/benchmarks.md, the page's
 * working set).
 */
export type Work = {
  index: number;
  /** Reported as the outcome's id when the record fails. */
  ref: string;
} & ({ record: SfRecord } | { make: () => SfRecord });

function recordOf(w: Work): SfRecord {
  return 'record' in w ? w.record : w.make();
}

export type CollectionsRequest = (records: SfRecord[]) => { method: 'PATCH'; path: string; body: unknown };

/** Every write the connector makes is an update or an upsert: safe to send again. */
export const updateRequest: CollectionsRequest = (records) => ({
  method: 'PATCH',
  path: '/composite/sobjects',
  body: { allOrNone: false, records },
});

export class CollectionsWriter {
  private readonly runner: CallRunner;
  private readonly batchSize: number;

  constructor(runner: CallRunner, batchSize: number) {
    this.runner = runner;
    this.batchSize = batchSize;
  }

  /**
   * Writes `work`, filling `outcomes[w.index]` for each record: in calls of up to `batchSize` records,
   * as many at once as the call runner runs, the next chunk's records made when a call ends — not
   * every chunk's request made up front to wait in the runner's queue.
   */
  async send(
    work: Work[],
    outcomes: WriteOutcome[],
    what: string,
    request: CollectionsRequest,
  ): Promise<void> {
    let next = 0;
    const sendNext = async (): Promise<void> => {
      while (next < work.length) {
        const chunk = work.slice(next, next + this.batchSize);
        next += this.batchSize;
        await this.sendChunk(chunk, outcomes, what, request);
      }
    };
    const lanes = Math.min(this.runner.concurrency, Math.ceil(work.length / this.batchSize));
    await Promise.all(Array.from({ length: lanes }, sendNext));
  }

  /** One call for up to 200 records, then per-record retries of transient failures. */
  private async sendChunk(
    chunk: Work[],
    outcomes: WriteOutcome[],
    what: string,
    request: CollectionsRequest,
  ): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const res = await this.runner.runOrRefusal<SaveResult[]>(request(pending.map(recordOf)), {
        what: `${what} of ${pending.length} records`,
        idempotent: true,
      });
      if (!res.ok) {
        await this.narrowDown(pending, res.refusal, outcomes, what, request);
        return;
      }
      const retry: Work[] = [];
      pending.forEach((w, i) => {
        const r = res.result.body[i];
        if (r?.success) {
          outcomes[w.index] = {
            ok: true,
            id: r.id ?? w.ref,
            ...(r.created !== undefined ? { created: r.created } : {}),
          };
          return;
        }
        const err = r?.errors?.[0];
        const code = err?.statusCode ?? 'UNKNOWN_ERROR';
        const message = err?.message ?? 'no result for this record';
        const c = classifyRecordError(code, message);
        if (isRetryable(c.kind) && attempt < this.runner.retry.maxAttempts) retry.push(w);
        else outcomes[w.index] = failure(w.ref, c.kind, c.code, describe(message, err?.fields));
      });
      if (retry.length > 0) await this.runner.backoff(attempt);
      pending = retry;
    }
  }

  /**
   * A whole-request 400: Salesforce refused the call before looking at records one by one. An
   * unknown field names itself and its object, so the records carrying it fail (config) and the rest
   * are resent; otherwise the chunk is halved until the culprit is alone (≈2·log2(200) calls for one
   * bad record).
   */
  private async narrowDown(
    chunk: Work[],
    refusal: SalesforceCallError,
    outcomes: WriteOutcome[],
    what: string,
    request: CollectionsRequest,
  ): Promise<void> {
    const unknown = /No such column '([^']+)' on (?:sobject|entity) of type (\w+)/i.exec(refusal.message);
    if (unknown) {
      const [, field, type] = unknown as unknown as [string, string, string];
      const carries = (w: Work) => {
        const record = recordOf(w);
        return (
          record.attributes.type.toLowerCase() === type.toLowerCase() &&
          Object.keys(record).some((k) => k.toLowerCase() === field.toLowerCase())
        );
      };
      const bad = chunk.filter(carries);
      if (bad.length > 0) {
        for (const w of bad) {
          outcomes[w.index] = failure(
            w.ref,
            FailureKind.Config,
            refusal.code,
            `${type}.${field}: ${refusal.message}`,
          );
        }
        const rest = chunk.filter((w) => !carries(w));
        if (rest.length > 0) await this.sendChunk(rest, outcomes, what, request);
        return;
      }
    }
    if (chunk.length === 1) {
      const w = chunk[0]!;
      const c = classifyRecordError(refusal.code, refusal.message);
      outcomes[w.index] = failure(w.ref, c.kind, c.code, refusal.message);
      return;
    }
    const half = Math.ceil(chunk.length / 2);
    await this.sendChunk(chunk.slice(0, half), outcomes, what, request);
    await this.sendChunk(chunk.slice(half), outcomes, what, request);
  }
}

export function failure(id: string, kind: FailureKind, code: string, message: string): WriteOutcome {
  return { ok: false, id, kind, code, message };
}

/**
 * Lead/Contact updates as Collections work, one outcome slot per input: another object type is
 * refused as an invalid record; `record` returning undefined means nothing to write (ok, no call),
 * a function that the record is made when its call is sent.
 */
export function personUpdateWork<U extends { leadId: string; objectType: string }>(
  updates: readonly U[],
  what: string,
  record: (u: U) => SfRecord | (() => SfRecord) | undefined,
): { outcomes: WriteOutcome[]; work: Work[] } {
  const outcomes: WriteOutcome[] = new Array(updates.length);
  const work: Work[] = [];
  updates.forEach((u, index) => {
    if (u.objectType !== 'Lead' && u.objectType !== 'Contact') {
      outcomes[index] = failure(
        u.leadId,
        FailureKind.InvalidRecord,
        'unsupported_object',
        `cannot write ${what} on ${u.objectType}`,
      );
      return;
    }
    const r = record(u);
    if (r === undefined) outcomes[index] = { ok: true, id: u.leadId };
    else
      work.push(
        typeof r === 'function' ? { index, make: r, ref: u.leadId } : { index, record: r, ref: u.leadId },
      );
  });
  return { outcomes, work };
}

function describe(message: string, fields: string[] | undefined): string {
  return fields && fields.length > 0 ? `${message} (fields: ${fields.join(', ')})` : message;
}
