/**
 * Emulator throughput (issue: emulators): simple reads on loopback with rate limits off, so the
 * emulators never bottleneck another benchmark. Each is seeded with a 20,000-lead world; the load
 * runs in a separate process with 32 keep-alive connections for 5 s.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { generateWorld } from '../../emulators/world/generate.ts';
import { report } from '../figure.ts';

const world = generateWorld({ seed: 5, leads: 20_000, asOf: '2026-11-20T09:00:00.000Z' });
const SECONDS = Number(process.env.BENCH_EMULATOR_SECONDS ?? 5);

function load(
  base: string,
  token: string,
  paths: string[],
): Promise<{ perSecond: number; errors: number; requests: number }> {
  const script = fileURLToPath(new URL('../support/http-load.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [script, JSON.stringify({ base, token, paths, seconds: SECONDS, concurrency: 32 })],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`)),
    );
  });
}

{
  const sf = await startSalesforceEmulator({ world, rateLimits: false });
  const tok = await fetch(`${sf.loginUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: sf.credentials.clientId,
      client_secret: sf.credentials.clientSecret,
      username: sf.credentials.username,
      password: sf.credentials.password,
    }),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const paths = [...(sf.seeded?.leads.values() ?? [])]
    .slice(0, 1000)
    .map((id) => `/services/data/v62.0/sobjects/Lead/${id}`);
  const r = await load(sf.url, tok.access_token, paths);
  await sf.close();
  report({
    name: 'emulator.salesforceRequestsPerSec',
    value: r.perSecond,
    unit: 'req/s',
    target: '>= 3000',
    note: `GET /sobjects/Lead/{id}, 20k-lead world, limits off, 32 connections from another process, ${r.requests.toLocaleString('en-US')} requests, ${r.errors} errors`,
  });
}
{
  const hs = await startHubspotEmulator({ world, rateLimits: { enabled: false } });
  const paths = [...(hs.seedSummary?.ids.contacts.values() ?? [])]
    .slice(0, 1000)
    .map((id) => `/crm/v3/objects/contacts/${id}`);
  const r = await load(hs.basePath, hs.accessToken, paths);
  await hs.close();
  report({
    name: 'emulator.hubspotRequestsPerSec',
    value: r.perSecond,
    unit: 'req/s',
    target: '>= 3000',
    note: `GET /crm/v3/objects/contacts/{id}, 20k-lead world, limits off, 32 connections from another process, ${r.requests.toLocaleString('en-US')} requests, ${r.errors} errors`,
  });
}
