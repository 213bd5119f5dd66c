/**
 * What a sync batch costs the file state as the store grows: `--keys` new leads written in batches of
 * `--batch` through the stores a backfill writes per page (re-checks, episodes, the ledger outbox),
 * CPU (user + system) and wall per batch, first and last, and the bytes on disk. Not part of
 * `npm run bench` (a one-off comparison of two builds: run it from each tree at once):
 *
 *   node bench/state-batches.ts --keys 100000 --batch 10000 [--dir /dev/shm/state-batches]
 *
 * Prints one JSON line.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Episode } from '../src/episodes/episode.ts';
import type { LedgerOutboxEntry } from '../src/ports/ledger.ts';
import { FileEpisodeStore } from '../src/state/file-episode-store.ts';
import { FileLedgerOutbox } from '../src/state/file-ledger-outbox.ts';
import { FileRecheckStore } from '../src/state/file-recheck-store.ts';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1]! : fallback;
};
const keys = Number(arg('keys', '100000'));
const batch = Number(arg('batch', '10000'));
const dir = arg('dir', `/dev/shm/state-batches-${process.pid}`);

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const NOW = Date.parse('2026-12-03T01:00:00.000Z');
const clock = { now: () => new Date(NOW) };
const rechecks = new FileRecheckStore(dir, { clock });
const episodes = new FileEpisodeStore(dir, { clock });
const outbox = new FileLedgerOutbox(dir);

const id = (i: number) => `00Q${i.toString(36).padStart(12, '0')}`;
const inHour = (i: number) => new Date(NOW + (1 + (i % 72)) * 3_600_000).toISOString();
const facts = { score: 42, band: 'warm', owner: '005000000000001AAA', reasons: ['fit.title', 'intent.page'] };

type Phase = 'rechecks' | 'episodes' | 'outbox';
const cpu: Record<Phase, number[]> = { rechecks: [], episodes: [], outbox: [] };
const wall: Record<Phase, number[]> = { rechecks: [], episodes: [], outbox: [] };
const timed = async (phase: Phase, fn: () => Promise<unknown>) => {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const d = process.cpuUsage(c);
  cpu[phase].push((d.user + d.system) / 1000);
  wall[phase].push(performance.now() - t);
};

let peakRss = 0;
for (let from = 0; from < keys; from += batch) {
  const ids = Array.from({ length: Math.min(batch, keys - from) }, (_, k) => id(from + k));
  await timed('rechecks', () =>
    rechecks.schedule(
      'salesforce',
      ids.map((leadId, k) => ({
        objectType: 'Lead',
        leadId,
        recheckAt: inHour(from + k),
        holdSince: null,
        inputs: JSON.stringify(facts),
      })),
    ),
  );
  await timed('episodes', () =>
    episodes.putMany(
      ids.map((leadId, k) => ({
        episode: {
          key: `tu_${leadId}`,
          status: 'open',
          nextCheckAt: inHour(from + k),
          events: [{ step: 'handedOff', at: new Date(NOW).toISOString(), owner: facts.owner }],
        } as unknown as Episode,
        expectedVersion: null,
      })),
    ),
  );
  await timed('outbox', async () => {
    const entries = ids.map(
      (leadId) =>
        ({ record: { record_id: `r_${leadId}`, lead_id: leadId, ...facts } }) as unknown as LedgerOutboxEntry,
    );
    await outbox.put(entries);
    await outbox.remove(entries.map((e) => e.record.record_id));
  });
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  if (process.env.STATE_BATCHES_MEM) console.error(JSON.stringify(process.memoryUsage()));
}

const bytes = (d: string): number =>
  readdirSync(d, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? bytes(join(d, e.name)) : statSync(join(d, e.name)).size),
    0,
  );
const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0));
const summary = (phase: Phase) => ({
  cpuMs: sum(cpu[phase]),
  wallMs: sum(wall[phase]),
  firstBatchCpuMs: Math.round(cpu[phase][0]!),
  lastBatchCpuMs: Math.round(cpu[phase].at(-1)!),
});
console.log(
  JSON.stringify({
    keys,
    batch,
    rechecks: summary('rechecks'),
    episodes: summary('episodes'),
    outbox: summary('outbox'),
    totalCpuMs: sum([...cpu.rechecks, ...cpu.episodes, ...cpu.outbox]),
    stateBytes: bytes(dir),
    peakRssMb: Math.round(peakRss / 1e6),
  }),
);
if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
