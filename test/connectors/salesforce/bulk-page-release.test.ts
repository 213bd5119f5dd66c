import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AllowanceGuard } from '../../../connectors/salesforce/allowance-guard.ts';
import { bulkCsvRows } from '../../../connectors/salesforce/bulk-csv.ts';
import { BulkQueryJob } from '../../../connectors/salesforce/bulk-query.ts';
import { CallRunner } from '../../../connectors/salesforce/call-runner.ts';
import type { CallRequest, CallResult, SalesforceClient } from '../../../connectors/salesforce/client.ts';

// A Bulk results page's text (up to 10,000 rows, UTF-16 when it holds Japanese) is let go once its last
// row is read, even while the reader holds the page's row iterator and the job's page generator —
// as the sync does when a hand-off page fills at a results page's end and is processed before the
// next row is asked for. Measured on the heap after full collections (`gc` made reachable here).

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** ~12 MB of CSV in one flat string, never held by the test itself. */
function bigPage(): string {
  const lines = ['"Id","Note"'];
  for (let i = 0; i < 200_000; i++) lines.push(`"00Q${String(i).padStart(15, '0')}","${'n'.repeat(36)}"`);
  return `${lines.join('\n')}\n`;
}

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** A runner over a client whose answers are made when asked for (a page's text exists from its call on). */
function scriptedRunner(answers: (() => CallResult<unknown>)[]): CallRunner {
  const client = {
    allowance: null,
    async call(_req: CallRequest) {
      const next = answers.shift();
      if (!next) throw new Error('unexpected call');
      return next();
    },
  } as unknown as SalesforceClient;
  return new CallRunner(client, {
    concurrency: 1,
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    guard: new AllowanceGuard(0.8),
    sleep: async () => undefined,
  });
}

describe('a Bulk results page lets go of its text once its last row is read', () => {
  it('the row iterator, suspended after the last row, no longer holds the page', () => {
    const before = heapMb();
    const rows = bulkCsvRows(bigPage());
    let n = 0;
    for (let r = rows.next(); !r.done; r = n < 200_000 ? rows.next() : { done: true, value: undefined }) n++;
    expect(n).toBe(200_000);
    // The iterator is still referenced and has not been asked past its last row.
    expect(heapMb() - before).toBeLessThan(4);
    expect(rows.next().done).toBe(true);
  });

  it("the job's page generator, suspended at a page whose rows are all read, no longer holds it", async () => {
    const answers: (() => CallResult<unknown>)[] = [
      () => ({ status: 200, headers: {}, body: { id: '750x', state: 'UploadComplete' } }),
      () => ({ status: 200, headers: { 'sforce-locator': 'L2' }, body: bigPage() }),
      () => ({ status: 200, headers: { 'sforce-locator': 'null' }, body: '"Id","Note"\n"00Q9","x"\n' }),
    ];
    const job = new BulkQueryJob(scriptedRunner(answers), {
      operation: 'query',
      soql: 'SELECT Id, Note FROM Lead',
      what: 'test',
      pollIntervalMs: 0,
      pollTimeoutMs: 60_000,
      pageSize: 200_000,
      now: () => 0,
      sleep: async () => undefined,
    });
    await job.start();
    const before = heapMb();
    const pages = job.pages();
    const first = await pages.next();
    const rows = (first.value as Iterable<Record<string, string | null>>)[Symbol.iterator]();
    let n = 0;
    while (n < 200_000 && !rows.next().done) n++;
    expect(n).toBe(200_000);
    expect(heapMb() - before).toBeLessThan(4);
    const second = await pages.next();
    expect([...(second.value as Iterable<Record<string, string | null>>)].map((r) => r.Id)).toEqual(['00Q9']);
  });
});
