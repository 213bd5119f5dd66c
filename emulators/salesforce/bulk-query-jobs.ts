import { IdSequence, KEY_PREFIXES } from './ids.ts';
import { SfApiError } from './sf-error.ts';
import type { SfRecord } from './sf-record.ts';
import type { CompiledQuery } from './soql/compile.ts';
import { selectRows } from './soql/execute.ts';
import type { SalesforceStore } from './store.ts';
import { formatDatetime, formatDatetimeCsv } from './values.ts';

/**
 * Bulk API 2.0 query jobs. A job walks UploadComplete → InProgress → JobComplete, runs its query
 * when it completes, and serves CSV pages addressed by an opaque locator (base64 of the row offset,
 * like Salesforce's). When it completes is configurable: after a number of checks — status checks
 * and results requests alike (the tests' default: the first check finds it InProgress) — and/or
 * after a processing time since its
 * creation on the real clock that grows with the rows it selects, as Salesforce's own jobs take
 * (`minDurationMs` + `msPerThousandRows`; the Salesforce sync bench models a real org this way).
 */

export type JobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

export const COLUMN_DELIMITERS = {
  COMMA: ',',
  TAB: '\t',
  PIPE: '|',
  SEMICOLON: ';',
  CARET: '^',
  BACKQUOTE: '`',
} as const;
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS;

export interface BulkQueryJob {
  id: string;
  operation: 'query' | 'queryAll';
  object: string;
  compiled: CompiledQuery;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  state: JobState;
  apiVersion: number;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: ColumnDelimiter;
  polls: number;
  rows: SfRecord[] | undefined;
  createdReal: number;
  /** Real-clock processing time, fixed at the first status check from the rows selected then. */
  processingMs: number | undefined;
}

export interface BulkJobOptions {
  /** Status checks answered InProgress before the job completes (default 1). */
  pollsUntilComplete: number;
  /** And at least this much real time since creation (default 0). */
  minDurationMs: number;
  /** Plus this much real time per 1,000 rows the query selects (default 0). */
  msPerThousandRows: number;
  /** Rows per results page when the client gives no maxRecords. */
  defaultPageSize: number;
}

export class BulkQueryJobs {
  private readonly jobs = new Map<string, BulkQueryJob>();
  private readonly ids = new IdSequence();
  private readonly store: SalesforceStore;
  readonly options: BulkJobOptions;

  constructor(store: SalesforceStore, options: BulkJobOptions) {
    this.store = store;
    this.options = options;
  }

  create(
    compiled: CompiledQuery,
    operation: 'query' | 'queryAll',
    userId: string,
    apiVersion: number,
    lineEnding: 'LF' | 'CRLF',
    columnDelimiter: ColumnDelimiter,
  ): BulkQueryJob {
    const now = this.store.clock.now();
    const job: BulkQueryJob = {
      id: this.ids.make(KEY_PREFIXES.BulkJob),
      operation,
      object: compiled.object.name,
      compiled,
      createdById: userId,
      createdDate: now,
      systemModstamp: now,
      state: 'UploadComplete',
      apiVersion,
      lineEnding,
      columnDelimiter,
      polls: 0,
      rows: undefined,
      createdReal: Date.now(),
      processingMs: undefined,
    };
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): BulkQueryJob {
    const job = this.jobs.get(id);
    if (!job) throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return job;
  }

  list(): BulkQueryJob[] {
    return [...this.jobs.values()];
  }

  delete(id: string): void {
    this.get(id);
    this.jobs.delete(id);
  }

  abort(id: string): BulkQueryJob {
    const job = this.get(id);
    if (job.state === 'JobComplete' || job.state === 'Failed') {
      throw new SfApiError(
        400,
        'INVALIDJOBSTATE',
        `Job ${job.id} is in state ${job.state} and cannot be aborted`,
      );
    }
    job.state = 'Aborted';
    job.systemModstamp = this.store.clock.now();
    return job;
  }

  /** A status check: advances the job as configured. */
  poll(id: string): BulkQueryJob {
    const job = this.get(id);
    if (job.state === 'UploadComplete' || job.state === 'InProgress') {
      job.polls += 1;
      job.processingMs ??= this.processingMs(job);
      const ready =
        job.polls > this.options.pollsUntilComplete && Date.now() - job.createdReal >= job.processingMs;
      if (ready) {
        job.rows = selectRows(this.store, job.compiled, job.operation === 'queryAll');
        job.state = 'JobComplete';
      } else {
        job.state = 'InProgress';
      }
      job.systemModstamp = this.store.clock.now();
    }
    return job;
  }

  /** How long the job takes on the real clock: a fixed part plus a part per row selected. */
  private processingMs(job: BulkQueryJob): number {
    const { minDurationMs, msPerThousandRows } = this.options;
    if (msPerThousandRows <= 0) return minDurationMs;
    const rows = selectRows(this.store, job.compiled, job.operation === 'queryAll').length;
    return minDurationMs + (rows * msPerThousandRows) / 1000;
  }

  info(job: BulkQueryJob): Record<string, unknown> {
    return {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: job.createdById,
      createdDate: formatDatetime(job.createdDate),
      systemModstamp: formatDatetime(job.systemModstamp),
      state: job.state,
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: job.apiVersion,
      jobType: 'V2Query',
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
      ...(job.state === 'JobComplete'
        ? { numberRecordsProcessed: job.rows?.length ?? 0, retries: 0, totalProcessingTime: 1 }
        : {}),
    };
  }

  /**
   * One CSV page (header row included, as every Salesforce results page has one). Asking for the
   * results of an unfinished job is a look at it too, so it advances the job like a status check
   * (a real job finishes with time, whoever asks); still unfinished, it answers 412 JOB_NOT_COMPLETE.
   */
  results(
    job: BulkQueryJob,
    locator: string | null,
    maxRecords: number | undefined,
  ): {
    csv: string;
    count: number;
    next: string;
  } {
    this.poll(job.id);
    if (job.state !== 'JobComplete' || !job.rows) {
      throw new SfApiError(412, 'JOB_NOT_COMPLETE', `Job ${job.id} is not complete (state: ${job.state})`);
    }
    let start = 0;
    if (locator !== null && locator !== '') {
      const decoded = Buffer.from(locator, 'base64').toString('utf8');
      start = /^\d+$/.test(decoded) ? Number(decoded) : Number.NaN;
      if (!(start >= 0 && start <= job.rows.length)) {
        throw new SfApiError(400, 'INVALIDLOCATOR', `Invalid locator: ${locator}`);
      }
    }
    const size = maxRecords && maxRecords > 0 ? maxRecords : this.options.defaultPageSize;
    const end = Math.min(job.rows.length, start + size);
    const sep = COLUMN_DELIMITERS[job.columnDelimiter];
    const eol = job.lineEnding === 'CRLF' ? '\r\n' : '\n';
    const cols = job.compiled.columns;
    const lines = [cols.map((c) => csvCell(c.header)).join(sep)];
    for (let i = start; i < end; i++) {
      const r = job.rows[i]!;
      lines.push(cols.map((c) => csvCell(csvValue(c.field.type, c.accessor(r)))).join(sep));
    }
    const next =
      end < job.rows.length ? Buffer.from(String(end)).toString('base64').replace(/=+$/, '') : 'null';
    return { csv: lines.join(eol) + eol, count: end - start, next };
  }
}

function csvValue(type: string, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (type === 'datetime' && typeof v === 'number') return formatDatetimeCsv(v);
  return String(v);
}

/** Salesforce quotes every value in Bulk 2.0 query results. */
function csvCell(v: string): string {
  return `"${v.replace(/"/g, '""')}"`;
}
