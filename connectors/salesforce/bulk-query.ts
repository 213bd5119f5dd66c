import { CrmError, FailureKind } from '../../src/domain/errors.ts';
import { bulkCsvRows } from './bulk-csv.ts';
import type { CallRunner } from './call-runner.ts';
import type { CallFailure } from './classify-error.ts';
import { type CallResult, SalesforceCallError } from './client.ts';

/**
 * A Bulk API 2.0 query job, paged by hand (crm-apis.md A7): create → wait → GET results with
 * `locator` until the `Sforce-Locator` header is the literal string `null`. The first results page
 * is asked for without a status check before it: a job not done yet answers 412 JOB_NOT_COMPLETE
 * (its status in the message), and only then is it polled until JobComplete. A job done when first
 * asked costs its create and its results pages; one still running costs what polling first did
 * (the 412 takes the place of the first InProgress answer).
 * jsforce's `bulk2.query()` is not used: it breaks with "write after end" once results span more
 * than one page (jsforce#1546, #1693), and polls on its own schedule.
 */

/**
 * How a first results request may be refused when the job is not done: 412 JOB_NOT_COMPLETE in
 * Salesforce's docs for API 47 (crm-apis.md A7); later docs do not say. So any 4xx but auth and rate
 * limits is settled by the job's status instead of stopping the run: a job not done is polled, and
 * a real error (the job gone) comes back from the status check. The results are asked for as text,
 * so the error body may not be parsed: the status decides.
 */
function settledByStatus(f: CallFailure): boolean {
  return f.status !== null && f.status >= 400 && f.status < 500 && ![401, 403, 429].includes(f.status);
}

export interface BulkQueryOptions {
  /** `queryAll` includes deleted rows. */
  operation: 'query' | 'queryAll';
  soql: string;
  /** What the job reads, for error messages. */
  what: string;
  pollIntervalMs: number;
  /** Give up (transient, the next run retries) after this long. */
  pollTimeoutMs: number;
  /** Rows per results page (`maxRecords`). */
  pageSize: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

interface JobInfo {
  id: string;
  state: string;
  errorMessage?: string;
}

export class BulkQueryJob {
  private readonly runner: CallRunner;
  private readonly options: BulkQueryOptions;
  private jobId: string | null = null;

  constructor(runner: CallRunner, options: BulkQueryOptions) {
    this.runner = runner;
    this.options = options;
  }

  /** Creates the job (one call); results are read later, so several jobs can run at once. */
  async start(): Promise<void> {
    const { body } = await this.runner.run<JobInfo>(
      {
        method: 'POST',
        path: '/jobs/query',
        body: {
          operation: this.options.operation,
          query: this.options.soql,
          contentType: 'CSV',
          lineEnding: 'LF',
        },
      },
      // A repeated job creation only leaves an extra query job behind, never changes data.
      { what: `Bulk query (${this.options.what})`, idempotent: true },
    );
    this.jobId = body.id;
  }

  /**
   * The wait before the job is first asked for its results (no call): a run waits this once per
   * job, one job after another, so a later job has had longer when its results are asked for.
   */
  async waitFirstInterval(): Promise<void> {
    this.requireId();
    await this.options.sleep(this.options.pollIntervalMs);
  }

  /** Polls until the job is complete; a failed, aborted or overdue job stops the run (transient). */
  private async pollUntilComplete(): Promise<void> {
    const id = this.requireId();
    const deadline = this.options.now() + this.options.pollTimeoutMs;
    for (;;) {
      await this.options.sleep(this.options.pollIntervalMs);
      const { body } = await this.runner.run<JobInfo>(
        { method: 'GET', path: `/jobs/query/${id}` },
        { what: `Bulk query status (${this.options.what})`, idempotent: true },
      );
      if (body.state === 'JobComplete') return;
      if (body.state === 'Failed' || body.state === 'Aborted') {
        throw new CrmError(
          `Salesforce Bulk query job ${id} (${this.options.what}) ended ${body.state}: ${body.errorMessage ?? 'no message'}`,
          { kind: FailureKind.Transient, crm: 'salesforce', code: `bulk_job_${body.state.toLowerCase()}` },
        );
      }
      if (this.options.now() > deadline) {
        throw new CrmError(
          `Salesforce Bulk query job ${id} (${this.options.what}) was not complete after ${this.options.pollTimeoutMs} ms`,
          { kind: FailureKind.Transient, crm: 'salesforce', code: 'bulk_job_timeout' },
        );
      }
    }
  }

  /**
   * The first results page, asked for at once; a job not done yet (412 JOB_NOT_COMPLETE, or another
   * refusal: `settledByStatus`) is polled until complete and asked again. A page always carries
   * `Sforce-Locator` (`null` on the last): an answer without it is not taken for an empty result
   * (some versions of Salesforce's docs show 204 No Content for a results request that failed) but
   * checked by status like a 412.
   */
  private async firstResults(): Promise<CallResult<string>> {
    try {
      const res = await this.results(null, settledByStatus);
      if (res.status === 200 && res.headers['sforce-locator'] !== undefined) return res;
    } catch (e) {
      const cause = e instanceof CrmError ? e.cause : undefined;
      if (!(cause instanceof SalesforceCallError && settledByStatus(cause))) throw e;
    }
    await this.pollUntilComplete();
    return this.results(null);
  }

  private results(locator: string | null, answer?: (f: CallFailure) => boolean): Promise<CallResult<string>> {
    const query = new URLSearchParams({ maxRecords: String(this.options.pageSize) });
    if (locator) query.set('locator', locator);
    return this.runner.run<string>(
      { method: 'GET', path: `/jobs/query/${this.requireId()}/results?${query}`, text: true },
      { what: `Bulk query results (${this.options.what})`, idempotent: true, ...(answer ? { answer } : {}) },
    );
  }

  /**
   * Result pages, in query order, until the literal `null` locator; each page's rows are parsed as
   * they are read (`bulkCsvRows`), so only the page's text is held whole.
   */
  async *pages(): AsyncGenerator<Iterable<Record<string, string | null>>> {
    let locator: string | null = null;
    for (let page = 0; ; page++) {
      const { rows, next } = this.pageOf(
        page === 0 ? await this.firstResults() : await this.results(locator),
      );
      yield rows;
      // A missing header would make jsforce loop forever; here it ends the job's results.
      if (next === undefined || next === 'null' || next === '') return;
      if (page > 100_000) throw new Error('Bulk results did not end after 100,000 pages');
      locator = next;
    }
  }

  /**
   * A results page's rows and its next locator. The response is not kept by the generator of
   * `pages`: suspended at a page, it would hold the page's text after its rows were read.
   */
  private pageOf(res: CallResult<string>): {
    rows: Iterable<Record<string, string | null>>;
    next: string | undefined;
  } {
    return { rows: bulkCsvRows(res.body), next: res.headers['sforce-locator'] };
  }

  private requireId(): string {
    if (!this.jobId) throw new Error('Bulk query job not started');
    return this.jobId;
  }
}
