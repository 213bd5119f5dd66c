import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';

/** A stored value that may expire; `expiresAtMs` absent = kept until replaced. */
export interface BucketEntry<T> {
  value: T;
  expiresAtMs?: number;
}

interface BucketFile<T> {
  version: 1;
  entries: Record<string, BucketEntry<T>>;
}

/**
 * Key → JSON value in `fanout` files by a hash of the key. Writes go to a temp file that is renamed
 * over the bucket (atomic on POSIX file systems), so readers never see half a file and need no lock;
 * writers must hold the store's `DirectoryLock` around `update` (read–modify–write).
 *
 * The file state uses it for its small stores, in one file each (fanout 1: cursors, leases, daily
 * counts). The stores that grow with the org are `SqliteBuckets`: with buckets, a batch's keys hash
 * into every file, so each batch rewrote the whole store. Their bucket files of earlier builds (fanout
 * 16–4096, and the staged `.tmp` copies of a writer killed before its rename) are read by
 * `readBucketFile` when moved into the database; tests write those layouts with this class.
 */
export class JsonBuckets<T> {
  readonly dir: string;
  readonly #prefixLength: number;
  readonly #durable: boolean;
  /** `fanout` is 1, 16, 256 or 4096; `durable` fsyncs each write (cursors: survive a power cut). */
  constructor(dir: string, options: { fanout: 1 | 16 | 256 | 4096; durable?: boolean }) {
    this.dir = dir;
    this.#prefixLength = Math.round(Math.log(options.fanout) / Math.log(16));
    this.#durable = options.durable ?? false;
  }

  fileOf(key: string): string {
    if (this.#prefixLength === 0) return join(this.dir, 'all.json');
    const h = createHash('sha1').update(key).digest('hex');
    return join(this.dir, `${h.slice(0, this.#prefixLength)}.json`);
  }

  /** The live value of `key`, or undefined (missing or expired at `nowMs`). */
  get(key: string, nowMs: number): T | undefined {
    const e = this.#read(this.fileOf(key))[key];
    return e && !expired(e, nowMs) ? e.value : undefined;
  }

  /**
   * Replaces the entry of `key` with what `fn` returns (undefined deletes it) and drops expired entries
   * of the same bucket. Caller holds the lock.
   */
  update(
    key: string,
    nowMs: number,
    fn: (current: T | undefined) => BucketEntry<T> | undefined,
  ): BucketEntry<T> | undefined {
    const file = this.fileOf(key);
    const entries = this.#read(file);
    for (const [k, e] of Object.entries(entries)) if (expired(e, nowMs)) delete entries[k];
    const next = fn(entries[key]?.value);
    if (next === undefined) delete entries[key];
    else entries[key] = next;
    this.#write(file, { version: 1, entries });
    return next;
  }

  #read(file: string): Record<string, BucketEntry<T>> {
    return readBucketFile<T>(file);
  }

  #write(file: string, content: BucketFile<T>): void {
    renameSync(this.#stage(file, content), file);
  }

  /** Writes `content` next to `file` under a temporary name (renamed over it to take effect). */
  #stage(file: string, content: BucketFile<T>): string {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(content));
      if (this.#durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return tmp;
  }
}

/** The entries of one bucket file (none if it does not exist); `StateUnavailableError` if it is corrupt. */
export function readBucketFile<T>(file: string): Record<string, BucketEntry<T>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw corrupt(file, 'it is not valid JSON');
  }
  const f = parsed as Partial<BucketFile<T>>;
  if (f?.version !== 1 || typeof f.entries !== 'object' || f.entries === null) {
    throw corrupt(file, 'it is not a version-1 state file');
  }
  return f.entries;
}

/** A bucket file or a writer's staged copy of one (`<bucket>.json.<pid>.<hex>.tmp`). */
export function isBucketFile(name: string): boolean {
  return name.endsWith('.json') || /\.json\.\d+\.[0-9a-f]+\.tmp$/.test(name);
}

function expired(e: BucketEntry<unknown>, nowMs: number): boolean {
  return e.expiresAtMs !== undefined && e.expiresAtMs <= nowMs;
}

function corrupt(file: string, why: string): Error {
  return new StateUnavailableError(
    `state file ${file} cannot be read: ${why}. Restore it from a backup, or delete it to reset that ` +
      'part of the state (a deleted cursor file makes the next sync start from the beginning).',
  );
}
