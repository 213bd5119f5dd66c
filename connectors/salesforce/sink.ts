import { FailureKind } from '../../src/domain/errors.ts';
import { fitText } from '../../src/domain/text-length.ts';
import type { FollowUpTask, LeadSink, TossUpUpdate, WriteOutcome } from '../../src/ports/lead-sink.ts';
import type { CallRunner } from './call-runner.ts';
import { classifyRecordError, isRetryable } from './classify-error.ts';
import type { SalesforceCallError } from './client.ts';
import { type SalesforceMapping, type ValueMaps, valueMaps } from './mapping.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * Write-back and tasks through sObject Collections (crm-apis.md A3), 200 records per call,
 * `allOrNone: false`, chunks sent concurrently (the call runner bounds how many):
 * - toss-up fields: `PATCH /composite/sobjects` with only the changed fields; Leads and Contacts share
 *   calls. Setting the same values twice is harmless, so the call runner may repeat a failed call.
 * - tasks: `PATCH /composite/sobjects/Task/<keyField>` — an upsert on the toss-up key, so a retry, a
 *   redelivery or a crash between the task and the flag write updates the one task instead of
 *   creating a second.
 * Per-record errors are classified by classify-error.ts into `WriteOutcome`s; records that failed
 * transiently (UNABLE_TO_LOCK_ROW) are resent after a backoff. A whole-request 400 (an unknown field
 * or an uncoercible value fails the entire call) is narrowed down so the other records still go in.
 */

const SUBJECT_MAX = 255;
const DESCRIPTION_MAX = 32_000;

type SfRecord = Record<string, unknown> & { attributes: { type: string } };

interface SaveResult {
  id?: string;
  success: boolean;
  created?: boolean;
  errors?: { statusCode?: string; message?: string; fields?: string[] }[];
}

interface Work {
  index: number;
  record: SfRecord;
  /** Reported as the outcome's id when the record fails. */
  ref: string;
}

export class SalesforceLeadSink implements LeadSink {
  readonly crm = 'salesforce' as const;
  private readonly runner: CallRunner;
  private readonly mapping: SalesforceMapping;
  private readonly maps: ValueMaps;
  private readonly batchSize: number;
  private readonly meter: UsageMeter;

  constructor(
    runner: CallRunner,
    mapping: SalesforceMapping,
    options: { writeBatchSize: number },
    meter: UsageMeter,
  ) {
    this.runner = runner;
    this.mapping = mapping;
    this.maps = valueMaps(mapping);
    this.batchSize = options.writeBatchSize;
    this.meter = meter;
  }

  async writeTossUp(updates: readonly TossUpUpdate[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = new Array(updates.length);
    const work: Work[] = [];
    updates.forEach((u, index) => {
      if (u.objectType !== 'Lead' && u.objectType !== 'Contact') {
        outcomes[index] = failure(
          u.leadId,
          FailureKind.InvalidRecord,
          'unsupported_object',
          `cannot write toss-up fields on ${u.objectType}`,
        );
        return;
      }
      const record = this.updateRecord(u);
      if (Object.keys(record).length <= 2) outcomes[index] = { ok: true, id: u.leadId };
      else work.push({ index, record, ref: u.leadId });
    });
    this.meter.recordsUpdated += work.length;
    await this.sendAll(work, outcomes, 'update', (records) => ({
      method: 'PATCH',
      path: '/composite/sobjects',
      body: { allOrNone: false, records },
    }));
    return outcomes;
  }

  async createTasks(tasks: readonly FollowUpTask[]): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = new Array(tasks.length);
    const keyField = this.mapping.tasks.keyField;
    // One key twice in a call would be refused as DUPLICATE_EXTERNAL_ID; it is one task anyway.
    const firstOfKey = new Map<string, number>();
    const work: Work[] = [];
    tasks.forEach((t, index) => {
      if (firstOfKey.has(t.key)) return;
      firstOfKey.set(t.key, index);
      work.push({ index, record: this.taskRecord(t), ref: t.key });
    });
    this.meter.tasksUpserted += work.length;
    await this.sendAll(work, outcomes, 'task upsert', (records) => ({
      method: 'PATCH',
      path: `/composite/sobjects/Task/${encodeURIComponent(keyField)}`,
      body: { allOrNone: false, records },
    }));
    tasks.forEach((t, index) => {
      const first = firstOfKey.get(t.key)!;
      if (first !== index) outcomes[index] = outcomes[first]!;
    });
    return outcomes;
  }

  /** Only the changed fields, mapped to the org's names and picklist values. */
  private updateRecord(u: TossUpUpdate): SfRecord {
    const w = this.mapping.writeBack;
    const f = u.fields;
    const r: SfRecord = { attributes: { type: u.objectType }, Id: u.leadId };
    if (f.flag !== undefined) r[w.flag] = this.maps.flagToOrg[f.flag];
    if (f.reason !== undefined) r[w.reason] = fitText(f.reason, w.reasonMaxLength);
    if (f.nextAction !== undefined) r[w.nextAction] = this.maps.nextActionToOrg[f.nextAction];
    if (f.attributeScore !== undefined) r[w.attributeScore] = f.attributeScore;
    if (f.behaviourScore !== undefined) r[w.behaviourScore] = f.behaviourScore;
    if (f.dueAt !== undefined) r[w.dueAt] = f.dueAt;
    if (f.decisionKey !== undefined) r[w.decisionKey] = f.decisionKey;
    if (f.ownerId !== undefined && w.owner) r[w.owner] = f.ownerId;
    return r;
  }

  private taskRecord(t: FollowUpTask): SfRecord {
    const m = this.mapping.tasks;
    return {
      attributes: { type: 'Task' },
      [m.keyField]: t.key,
      OwnerId: t.ownerId,
      WhoId: t.leadId,
      Subject: fitText(t.subject, SUBJECT_MAX),
      Description: fitText(t.body, DESCRIPTION_MAX),
      // A date: the business date in the SLA time zone, sent as is (Salesforce stores it at UTC midnight).
      ActivityDate: t.dueDate,
      Status: m.status,
      Priority: m.priorities[t.priority],
      ...(m.reminder ? { ReminderDateTime: t.dueAt, IsReminderSet: true } : {}),
    };
  }

  private async sendAll(
    work: Work[],
    outcomes: WriteOutcome[],
    what: string,
    request: (records: SfRecord[]) => { method: 'PATCH'; path: string; body: unknown },
  ): Promise<void> {
    const chunks: Work[][] = [];
    for (let i = 0; i < work.length; i += this.batchSize) chunks.push(work.slice(i, i + this.batchSize));
    await Promise.all(chunks.map((chunk) => this.sendChunk(chunk, outcomes, what, request)));
  }

  /** One call for up to 200 records, then per-record retries of transient failures. */
  private async sendChunk(
    chunk: Work[],
    outcomes: WriteOutcome[],
    what: string,
    request: (records: SfRecord[]) => { method: 'PATCH'; path: string; body: unknown },
  ): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const res = await this.runner.runOrRefusal<SaveResult[]>(request(pending.map((w) => w.record)), {
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
    request: (records: SfRecord[]) => { method: 'PATCH'; path: string; body: unknown },
  ): Promise<void> {
    const unknown = /No such column '([^']+)' on (?:sobject|entity) of type (\w+)/i.exec(refusal.message);
    if (unknown) {
      const [, field, type] = unknown as unknown as [string, string, string];
      const carries = (w: Work) =>
        w.record.attributes.type.toLowerCase() === type.toLowerCase() &&
        Object.keys(w.record).some((k) => k.toLowerCase() === field.toLowerCase());
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

function failure(id: string, kind: FailureKind, code: string, message: string): WriteOutcome {
  return { ok: false, id, kind, code, message };
}

function describe(message: string, fields: string[] | undefined): string {
  return fields && fields.length > 0 ? `${message} (fields: ${fields.join(', ')})` : message;
}
