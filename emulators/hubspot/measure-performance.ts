/**
 * Measures the emulator on this machine: seeding a large portal, simple-read throughput over
 * loopback with rate limits off, and keyset search latency on the big portal.
 *
 *   npx node emulators/hubspot/measure-performance.ts [contacts=1000000] [seconds=10] [concurrency=32]
 *
 * The load generator runs in a child process so client and server do not share one event loop.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createHubspotApp } from './index.ts';

const args = process.argv.slice(2);

if (args[0] === '--load') {
  await runLoad(args[1]!, args[2]!, Number(args[3]), Number(args[4]), Number(args[5]));
} else {
  await main(Number(args[0] ?? 1_000_000), Number(args[1] ?? 10), Number(args[2] ?? 32));
}

async function main(contacts: number, seconds: number, concurrency: number): Promise<void> {
  const hs = createHubspotApp({ rateLimits: { enabled: false } });
  const owner = hs.store.owners.add({ email: 'rep@seller.example', firstName: 'Rep', lastName: 'One' });
  const started = performance.now();
  const base = Date.parse('2024-01-01T00:00:00Z');
  const stages = ['lead', 'marketingqualifiedlead', 'customer'];
  for (let i = 0; i < contacts; i++) {
    const at = base + Math.floor(i * 37.3) * 1000;
    hs.store.create(
      'contacts',
      {
        email: `person${i}@company${i % 50_000}.example.jp`,
        firstname: '太郎',
        lastname: `山田${i % 1000}`,
        jobtitle: i % 7 === 0 ? '部長' : '担当',
        company: `Company ${i % 50_000}`,
        company_size: `${(i % 900) + 10}名`,
        lifecyclestage: stages[i % 3],
        hubspot_owner_id: owner.id,
        ma_behaviour_score: String(i % 150),
        num_conversion_events: String(i % 5),
        hs_analytics_num_page_views: String(i % 40),
        recent_conversion_date: new Date(at).toISOString(),
        is_budget: i % 11 === 0 ? 'yes' : undefined,
      },
      { system: true, bulk: true, at, createdAt: at },
    );
  }
  hs.store.rebuildIndexes();
  const seedMs = performance.now() - started;
  globalThis.gc?.();
  const heapMb = process.memoryUsage().heapUsed / 1024 / 1024;
  console.log(`seeded ${contacts} contacts in ${(seedMs / 1000).toFixed(1)} s; heap ${heapMb.toFixed(0)} MB`);

  const basePath = await hs.app.listen(0);
  const searchBody = (since: number, extra: object[] = []) =>
    JSON.stringify({
      filterGroups: [
        { filters: [{ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(since) }, ...extra] },
      ],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      properties: ['email', 'lifecyclestage'],
      limit: 200,
    });
  const headers = { authorization: `Bearer ${hs.accessToken}`, 'content-type': 'application/json' };
  const time = async (label: string, body: string) => {
    const samples: number[] = [];
    let total = 0;
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      const res = await fetch(`${basePath}/crm/v3/objects/contacts/search`, {
        method: 'POST',
        headers,
        body,
      });
      total = ((await res.json()) as { total: number }).total;
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    const median = samples[10]!;
    console.log(
      `${label}: median ${median.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms (total ${total})`,
    );
  };
  const mid = base + Math.floor((contacts / 2) * 37.3) * 1000;
  await time('search keyset GTE (index range)', searchBody(mid));
  await time(
    'search keyset GTE + lifecyclestage EQ (range scan)',
    searchBody(mid, [{ propertyName: 'lifecyclestage', operator: 'EQ', value: 'customer' }]),
  );
  await time(
    'search whole portal, no sort, one filter (full scan)',
    JSON.stringify({
      filterGroups: [{ filters: [{ propertyName: 'is_budget', operator: 'EQ', value: 'yes' }] }],
      limit: 200,
    }),
  );

  const child = spawn(
    process.execPath,
    [
      fileURLToPath(import.meta.url),
      '--load',
      basePath,
      hs.accessToken,
      String(seconds),
      String(concurrency),
      String(contacts),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((r) => child.on('exit', r));
  console.log(out.trim());
  await hs.app.close();
}

async function runLoad(
  basePath: string,
  token: string,
  seconds: number,
  concurrency: number,
  maxId: number,
): Promise<void> {
  const deadline = performance.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  const worker = async (w: number) => {
    let n = w;
    while (performance.now() < deadline) {
      const id = 1001 + ((n * 7919) % maxId);
      n += concurrency;
      const res = await fetch(`${basePath}/crm/v3/objects/contacts/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      if (res.status === 200) ok += 1;
      else failed += 1;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = (performance.now() - t0) / 1000;
  console.log(
    `GET /crm/v3/objects/contacts/{id}: ${(ok / elapsed).toFixed(0)} req/s over ${elapsed.toFixed(1)} s (concurrency ${concurrency}, ${ok} ok, ${failed} failed)`,
  );
}
