/**
 * What a scale sync's memory is made of at its peak: samples the process every `everyMs` — RSS split
 * into anonymous and file pages (`/proc/self/status`: RssFile is the Node binary's and the libraries'
 * pages), V8's heap (used, committed), the memory V8 tracks outside it (external, of which array
 * buffers) and what `malloc` holds for V8 — and keeps the sample with the highest RSS. A diagnostic of
 * the bench (`SCALE_SYNC_SAMPLE_MS`), not of the product: the timer runs only between the sync's
 * turns of the event loop, so a peak inside one synchronous stretch is seen only by `maxRSS`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

export interface MemorySample {
  atSeconds: number;
  rssMb: number;
  rssAnonMb: number;
  rssFileMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  mallocedMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

function statusKb(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : Number.NaN;
}

export function sampleMemory(startedAt: number): MemorySample {
  const u = process.memoryUsage();
  const h = getHeapStatistics();
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // Not Linux: RSS split unknown.
  }
  return {
    atSeconds: Math.round((performance.now() - startedAt) / 100) / 10,
    rssMb: mb(u.rss),
    rssAnonMb: Math.round(statusKb(status, 'RssAnon') / 102.4) / 10,
    rssFileMb: Math.round(statusKb(status, 'RssFile') / 102.4) / 10,
    heapUsedMb: mb(u.heapUsed),
    heapTotalMb: mb(u.heapTotal),
    externalMb: mb(u.external),
    arrayBuffersMb: mb(u.arrayBuffers),
    mallocedMb: mb(h.malloced_memory),
  };
}

/** Starts sampling; `stop()` returns the sample at the highest RSS and writes the series if asked. */
export function startMemorySampler(everyMs: number, seriesFile?: string) {
  const startedAt = performance.now();
  const series: MemorySample[] = [];
  let peak = sampleMemory(startedAt);
  const timer = setInterval(() => {
    const s = sampleMemory(startedAt);
    if (seriesFile) series.push(s);
    if (s.rssMb > peak.rssMb) peak = s;
  }, everyMs);
  timer.unref();
  return {
    stop(): MemorySample {
      clearInterval(timer);
      if (seriesFile) writeFileSync(seriesFile, series.map((s) => JSON.stringify(s)).join('\n'));
      return peak;
    },
  };
}
