import { setFlagsFromString } from 'node:v8';

/**
 * How much the old generation may grow past what the last full collection left before V8 starts the
 * next one, in percent: a long sync keeps ~80–140 MB live and allocates a hand-off page's work at
 * once, and V8's own choice (from how fast it collects against how fast the program allocates, up to
 * ~1.4× under a 512 MB cap) let the committed heap reach ~2× the live heap; the RSS keeps that
 * high-water mark for the rest of the run (V8 keeps the pages it empties). docs/benchmarks.md, "The old
 * generation's growth".
 */
export const SYNC_HEAP_GROWING_PERCENT = 15;

/**
 * Sets the sync process's heap growth (`tossup sync`; the scale bench's sync calls it the same way).
 * V8 reads the flag at every full collection, so it takes effect when set at run time, unlike the
 * young generation's size, a start flag (package.json's `tossup` script).
 */
export function limitSyncHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${SYNC_HEAP_GROWING_PERCENT}`);
}
