/**
 * The C library's malloc settings of the process a sync runs in, which only its start can set (glibc
 * reads them once, at the first allocation). Measured on the HubSpot scale sync (docs/benchmarks.md,
 * "The sync process's own settings"): ~30–40 MB of its resident memory was memory glibc kept after it
 * was freed — an arena per thread that allocates, and the thresholds glibc raises after each large
 * buffer is freed, after which the next ones land in its heap and stay there.
 *
 * `tossup sync` applies them by re-executing itself with them (`applyProcessSettings`, before its
 * command modules load), the scale bench's sync process the same way (bench/scale/sync-process.ts).
 * V8's flags are the `tossup` script's and bin/tossup.js's (`--max-semi-space-size`), kept as they are.
 * The Lambda functions do not set them: the sync function there only reads and enqueues.
 */
export const SYNC_PROCESS_ENV: Readonly<Record<string, string>> = {
  // Two malloc arenas for all of Node's threads (glibc's default is up to 8 per core).
  MALLOC_ARENA_MAX: '2',
  // Fixed, so glibc does not raise them: buffers above 128 KiB are mapped and given back when
  // freed, and free memory above 128 KiB at the top of the heap is given back.
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** Set when a process re-executed itself with its settings, so it never does so twice. */
const APPLIED = 'TOSSUP_PROCESS_SETTINGS';

/**
 * Replaces this process by the same command (same pid, stdio, Node flags and arguments;
 * `process.execve`) with `env` added to its environment, unless it was started with it. A variable the
 * caller set already is kept as they set it. Not on Linux (or without `process.execve`), the process
 * runs on as it is.
 */
export function applyProcessSettings(env: Readonly<Record<string, string>>): void {
  // glibc's variables: elsewhere (macOS, Windows) a second start would change nothing.
  if (process.platform !== 'linux' || process.env[APPLIED] === '1' || typeof process.execve !== 'function') {
    return;
  }
  const next: Record<string, string> = { ...env };
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) next[k] = v;
  next[APPLIED] = '1';
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], next);
}
