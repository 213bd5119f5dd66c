import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { startSalesforceEmulator } from '../index.ts';
import { seedSyntheticLeads } from '../synthetic-leads.ts';

/**
 * Quick loopback measurements: memory for N leads, the incremental-sync page query, and simple
 * read throughput (GET /sobjects/Lead/{id}) with limits off. The HTTP client runs in a worker
 * thread so it does not steal the server's event loop.
 *
 *   npx node emulators/salesforce/tools/measure-throughput.ts [leads=100000] [seconds=5] [concurrency=32]
 */

interface MeasureJob {
  url: string;
  token: string;
  paths: string[];
  seconds: number;
  concurrency: number;
}

export interface ReadThroughput {
  requests: number;
  seconds: number;
  perSecond: number;
  errors: number;
}

/** Hammers `paths` round-robin with `concurrency` keep-alive workers for `seconds`. */
export async function measureReads(
  baseUrl: string,
  token: string,
  paths: string[],
  seconds: number,
  concurrency: number,
): Promise<ReadThroughput> {
  const deadline = performance.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const path = paths[next++ % paths.length]!;
      const res = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.status !== 200) errors += 1;
      requests += 1;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  return { requests, seconds: elapsed, perSecond: Math.round(requests / elapsed), errors };
}

async function main(): Promise<void> {
  const [n = '100000', secs = '5', conc = '32'] = process.argv.slice(2);
  const leads = Number(n);
  const emu = await startSalesforceEmulator({ rateLimits: false });
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const ids = seedSyntheticLeads(emu.store, leads);
  const seedMs = performance.now() - t0;
  globalThis.gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  const session = emu.auth.newSession(emu.store.integrationUserId);
  const h = { authorization: `Bearer ${session.token}` };
  const soql = encodeURIComponent(
    'SELECT Id, LastName, Company, SystemModstamp FROM Lead WHERE SystemModstamp >= 2026-06-01T00:00:00Z ORDER BY SystemModstamp, Id LIMIT 2000',
  );
  await emu.app.handle('GET', `/services/data/v62.0/query?q=${soql}`, h, Buffer.alloc(0)); // first call merges the index
  const q0 = performance.now();
  const runs = 20;
  for (let i = 0; i < runs; i++)
    await emu.app.handle('GET', `/services/data/v62.0/query?q=${soql}`, h, Buffer.alloc(0));
  const pageMs = (performance.now() - q0) / runs;
  const paths = ids
    .filter((_, i) => i % Math.max(1, Math.floor(ids.length / 1000)) === 0)
    .map((id) => `/services/data/v62.0/sobjects/Lead/${id}`);
  const reads = await new Promise<ReadThroughput>((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), {
      workerData: {
        measureSalesforceReads: {
          url: emu.url,
          token: session.token,
          paths,
          seconds: Number(secs),
          concurrency: Number(conc),
        },
      },
    });
    w.once('message', resolve);
    w.once('error', reject);
  });
  console.log(
    JSON.stringify(
      {
        leads,
        seedSeconds: +(seedMs / 1000).toFixed(2),
        heapMB: Math.round((heap1 - heap0) / 1e6),
        bytesPerLead: Math.round((heap1 - heap0) / leads),
        incrementalPageMs: +pageMs.toFixed(2),
        reads,
      },
      null,
      2,
    ),
  );
  await emu.close();
}

// Only the worker this tool spawns carries the marker; importing the module elsewhere runs nothing.
const job = (workerData as { measureSalesforceReads?: MeasureJob } | null)?.measureSalesforceReads;
if (!isMainThread && job) {
  parentPort?.postMessage(await measureReads(job.url, job.token, job.paths, job.seconds, job.concurrency));
} else if (isMainThread && import.meta.main) {
  await main();
}
