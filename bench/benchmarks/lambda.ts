/**
 * Lambda figures (issue: AWS deployment):
 * - lambda.workerBundleBytes: size of the bundled worker (index.mjs as deployed, the larger of the
 *   two CRMs), built by scripts/build-lambdas.ts exactly as for a deploy.
 * - lambda.workerZipBytes: the same worker's deployment zip (what Lambda downloads).
 * - lambda.workerInitMs: module initialisation of the bundled worker in a fresh Node process: the
 *   import of the bundle, which parses its config and builds its clients; no network. Median of
 *   several cold processes, the slower CRM.
 * - lambda.syncBundleBytes / lambda.webhookBundleBytes: the other functions' bundles (the larger
 *   sync of the two CRMs, and the HubSpot webhook), built the same way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildLambdas } from '../../scripts/build-lambdas.ts';
import { report } from '../figure.ts';

const RUNS = Number(process.env.BENCH_LAMBDA_INIT_RUNS ?? 9);
const ROOT = resolve(new URL('../../', import.meta.url).pathname);

const work = mkdtempSync(join(tmpdir(), 'tossup-bench-lambda-'));
try {
  // The runtime provides the AWS SDK the bundle leaves out; here the repository's node_modules does.
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
  const built = await buildLambdas({ outDir: join(work, 'lambda') });
  const workers = built.functions.filter((f) => f.kind === 'worker');
  const largest = workers.reduce((a, b) => (b.bundleBytes > a.bundleBytes ? b : a));
  const describe = (f: (typeof workers)[number]) =>
    `${f.crm} ${(f.bundleBytes / 1e6).toFixed(2)} MB (zip ${(f.zipBytes / 1e6).toFixed(2)} MB${f.connector ? '' : ', no connector'})`;

  report({
    name: 'lambda.workerBundleBytes',
    value: largest.bundleBytes,
    unit: 'bytes',
    target: '<= 1500000',
    note: `minified ESM bundle incl. the CRM connector and its SDK, AWS SDK from the runtime: ${workers.map(describe).join('; ')}`,
  });
  const largestOf = (kind: string) =>
    built.functions.filter((f) => f.kind === kind).reduce((a, b) => (b.bundleBytes > a.bundleBytes ? b : a));
  for (const [name, f] of [
    ['lambda.syncBundleBytes', largestOf('sync')],
    ['lambda.webhookBundleBytes', largestOf('webhook')],
  ] as const) {
    report({
      name,
      value: f.bundleBytes,
      unit: 'bytes',
      note: `${f.name}: ${(f.bundleBytes / 1e6).toFixed(2)} MB (zip ${(f.zipBytes / 1e6).toFixed(2)} MB)`,
    });
  }
  report({
    name: 'lambda.workerZipBytes',
    value: largest.zipBytes,
    unit: 'bytes',
    note: `deployment zip of the ${largest.crm} worker (bundle + admin files)`,
  });

  const medians = workers.map((f) => ({
    crm: f.crm,
    ms: median(Array.from({ length: RUNS }, () => initMs(f.bundleFile, f.crm))),
  }));
  const slowest = medians.reduce((a, b) => (b.ms > a.ms ? b : a));
  report({
    name: 'lambda.workerInitMs',
    value: slowest.ms,
    unit: 'ms',
    target: '<= 300',
    note: `import of the bundle in a fresh Node ${process.version} process (config parsed, clients built, no network), median of ${RUNS}: ${medians.map((m) => `${m.crm} ${m.ms.toFixed(0)} ms`).join(', ')}`,
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}

function initMs(bundle: string, crm: string): number {
  const script = [
    `import net from 'node:net';`,
    `net.Socket.prototype.connect = function () { throw new Error('network used during initialisation'); };`,
    `const t0 = performance.now();`,
    `const m = await import(${JSON.stringify(bundle)});`,
    `const ms = performance.now() - t0;`,
    `if (typeof m.handler !== 'function') throw new Error('no handler');`,
    `process.stdout.write(String(ms));`,
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'ap-northeast-1',
      TOSSUP_CRM: crm,
      TOSSUP_STATE_TABLE: 'tossup-bench-state',
      TOSSUP_QUEUE_URL: 'https://sqs.ap-northeast-1.amazonaws.com/123456789012/leads',
      TOSSUP_SECRET_ID: `tossup/bench/${crm}`,
    },
  });
  if (r.status !== 0) throw new Error(`the ${crm} worker bundle failed to initialise:\n${r.stderr}`);
  return Number(r.stdout);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
