/**
 * A load generator run as a separate process, so the client never shares an event loop with the
 * server it measures. Usage: node http-load.ts '<json: {base, token, paths, seconds, concurrency}>'
 * Prints one JSON line: {requests, errors, seconds, perSecond}.
 */
import { Agent, setGlobalDispatcher } from 'undici';

const cfg = JSON.parse(process.argv[2] ?? '{}') as {
  base: string;
  token: string;
  paths: string[];
  seconds: number;
  concurrency: number;
};
setGlobalDispatcher(new Agent({ connections: cfg.concurrency, keepAliveTimeout: 10_000 }));
let requests = 0;
let errors = 0;
let next = 0;
const deadline = performance.now() + cfg.seconds * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: cfg.concurrency }, async () => {
    while (performance.now() < deadline) {
      const res = await fetch(cfg.base + cfg.paths[next++ % cfg.paths.length], {
        headers: { authorization: `Bearer ${cfg.token}` },
      });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      requests++;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
process.stdout.write(`${JSON.stringify({ requests, errors, seconds, perSecond: requests / seconds })}\n`);
