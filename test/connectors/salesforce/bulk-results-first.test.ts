import { describe, expect, it } from 'vitest';
import { AllowanceGuard } from '../../../connectors/salesforce/allowance-guard.ts';
import { BulkQueryJob } from '../../../connectors/salesforce/bulk-query.ts';
import { CallRunner } from '../../../connectors/salesforce/call-runner.ts';
import {
  type CallRequest,
  type CallResult,
  SalesforceCallError,
  type SalesforceClient,
} from '../../../connectors/salesforce/client.ts';
import { counter, emulatorRunner, insertLead, startOrg, T0 } from './sf-kit.ts';

// A Bulk query job is asked for its results without a status check first (bulk-query.ts): done, its
// first page is the only call after the create; not done (412 JOB_NOT_COMPLETE), it is polled as
// before; an answer that is not a results page is never taken for an empty result.

const retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const jobOptions = {
  operation: 'query' as const,
  soql: 'SELECT Id FROM Lead ORDER BY Id',
  what: 'test',
  pollIntervalMs: 0,
  pollTimeoutMs: 60_000,
  pageSize: 50_000,
  now: () => 0,
  sleep: async () => undefined,
};

async function rowsOf(job: BulkQueryJob): Promise<string[]> {
  const ids: string[] = [];
  for await (const rows of job.pages()) for (const r of rows) ids.push(String(r.Id));
  return ids;
}

/** A runner over a scripted client: each call takes the next answer (a result, or an error to throw). */
function scriptedRunner(answers: (CallResult<unknown> | SalesforceCallError)[]) {
  const calls: string[] = [];
  const client = {
    allowance: null,
    async call(req: CallRequest) {
      calls.push(`${req.method} ${req.path.replace(/\?.*$/, '')}`);
      const next = answers.shift();
      if (!next) throw new Error(`unexpected call ${req.method} ${req.path}`);
      if (next instanceof SalesforceCallError) throw next;
      return next;
    },
  } as unknown as SalesforceClient;
  const runner = new CallRunner(client, {
    concurrency: 1,
    retry,
    guard: new AllowanceGuard(0.8),
    sleep: async () => undefined,
  });
  return { runner, calls };
}

const created: CallResult<unknown> = {
  status: 200,
  headers: {},
  body: { id: '750x', state: 'UploadComplete' },
};
const page = (csv: string, locator: string | undefined): CallResult<unknown> => ({
  status: 200,
  headers: locator === undefined ? {} : { 'sforce-locator': locator },
  body: csv,
});
const state = (s: string): CallResult<unknown> => ({
  status: 200,
  headers: {},
  body: { id: '750x', state: s },
});
const notComplete = () =>
  new SalesforceCallError('can only download query results of successfully completed bulk job', {
    status: 412,
    code: 'ERROR_HTTP_412',
  });

describe('Bulk query results asked for first', () => {
  it('a job done when first asked costs its create and its results page, no status check', async () => {
    const emu = await startOrg({ bulk: { pollsUntilComplete: 0 } });
    const ids = Array.from({ length: 5 }, (_, i) => insertLead(emu, T0 + i)).sort();
    const job = new BulkQueryJob(await emulatorRunner(emu, retry), jobOptions);
    await job.start();
    await job.waitFirstInterval();
    expect(await rowsOf(job)).toEqual(ids);
    expect([
      counter(emu, 'sf.bulk2.create'),
      counter(emu, 'sf.bulk2.get'),
      counter(emu, 'sf.bulk2.results'),
    ]).toEqual([1, 0, 1]);
  });

  it('a job not done yet answers 412 once, without a retry of its own, and is polled until complete', async () => {
    // The emulator's job completes at its third look: the first results request and two status checks.
    const emu = await startOrg({ bulk: { pollsUntilComplete: 2 } });
    const ids = Array.from({ length: 3 }, (_, i) => insertLead(emu, T0 + i)).sort();
    const job = new BulkQueryJob(await emulatorRunner(emu, retry), jobOptions);
    await job.start();
    await job.waitFirstInterval();
    expect(await rowsOf(job)).toEqual(ids);
    expect([counter(emu, 'sf.bulk2.get'), counter(emu, 'sf.bulk2.results')]).toEqual([2, 2]);
  });

  it('a job that ended without completing stops the read with its state, after the 412', async () => {
    const emu = await startOrg();
    insertLead(emu, T0);
    const runner = await emulatorRunner(emu, retry);
    const job = new BulkQueryJob(runner, jobOptions);
    await job.start();
    // Someone aborts it (Setup → Bulk Data Load Jobs) before it is asked for its results.
    const listed = await runner.run<{ records: { id: string }[] }>(
      { method: 'GET', path: '/jobs/query' },
      { what: 'list jobs', idempotent: true },
    );
    const id = listed.body.records[0]!.id;
    await runner.run(
      { method: 'PATCH', path: `/jobs/query/${id}`, body: { state: 'Aborted' } },
      { what: 'abort job', idempotent: true },
    );
    await expect(rowsOf(job)).rejects.toMatchObject({ code: 'bulk_job_aborted' });
    expect([counter(emu, 'sf.bulk2.results'), counter(emu, 'sf.bulk2.get')]).toEqual([1, 1]);
  });

  it('an answer without Sforce-Locator is not taken for an empty result: the job is checked and asked again', async () => {
    const { runner, calls } = scriptedRunner([
      created,
      page('', undefined), // e.g. 204 No Content, shown by some versions of the docs for a failed request
      state('JobComplete'),
      page('"Id"\n"00Q1"\n', 'null'),
    ]);
    const job = new BulkQueryJob(runner, jobOptions);
    await job.start();
    expect(await rowsOf(job)).toEqual(['00Q1']);
    expect(calls).toEqual([
      'POST /jobs/query',
      'GET /jobs/query/750x/results',
      'GET /jobs/query/750x',
      'GET /jobs/query/750x/results',
    ]);
  });

  it('another refusal of the first results request is settled by the status: not done is polled, a real error surfaces', async () => {
    // Later docs do not say what an unfinished job answers; a 400 must not stop the run.
    const refused = new SalesforceCallError('job state', { status: 400, code: 'INVALIDJOBSTATE' });
    const done = scriptedRunner([
      created,
      refused,
      state('InProgress'),
      state('JobComplete'),
      page('"Id"\n"00Q3"\n', 'null'),
    ]);
    const job = new BulkQueryJob(done.runner, jobOptions);
    await job.start();
    expect(await rowsOf(job)).toEqual(['00Q3']);
    expect(done.calls.filter((c) => c === 'GET /jobs/query/750x')).toHaveLength(2);

    // The job is gone: the status check says so, and the read stops with its error.
    const gone = () =>
      new SalesforceCallError('The requested resource does not exist', { status: 404, code: 'NOT_FOUND' });
    const lost = scriptedRunner([created, gone(), gone()]);
    const lostJob = new BulkQueryJob(lost.runner, jobOptions);
    await lostJob.start();
    await expect(rowsOf(lostJob)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(lost.calls).toEqual(['POST /jobs/query', 'GET /jobs/query/750x/results', 'GET /jobs/query/750x']);
  });

  it('a 412 is retried by no one but the status loop; other transient failures of the request still are', async () => {
    const { runner, calls } = scriptedRunner([
      created,
      new SalesforceCallError('unavailable', { status: 503, code: 'ERROR_HTTP_503' }),
      notComplete(),
      state('InProgress'),
      state('JobComplete'),
      page('"Id"\n"00Q2"\n', 'null'),
    ]);
    const job = new BulkQueryJob(runner, jobOptions);
    await job.start();
    expect(await rowsOf(job)).toEqual(['00Q2']);
    expect(calls).toEqual([
      'POST /jobs/query',
      'GET /jobs/query/750x/results',
      'GET /jobs/query/750x/results',
      'GET /jobs/query/750x',
      'GET /jobs/query/750x',
      'GET /jobs/query/750x/results',
    ]);
  });
});
