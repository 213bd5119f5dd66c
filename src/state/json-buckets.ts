import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
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
 * Key → JSON value, spread over `fanout` small files by a hash of the key so that one update rewrites
 * a few kilobytes, not the whole state. Writes go to a temp file that is renamed over the bucket
 * (atomic on POSIX file systems), so readers never see half a file and need no lock; writers must
 * hold the store's `DirectoryLock` around `update` (read–modify–write).
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

  /**
   * A read-modify-write section over several keys: each bucket file is read once, changed in memory
   * and written once by `flush`, however many of its keys change. Caller holds the lock from the
   * first `get` to the last `flush`; `flush` may run more than once (each writes what changed since).
   */
  session(nowMs: number): BucketSession<T> {
    return new BucketSession<T>(
      nowMs,
      (file) => this.#read(file),
      (file, c) => this.#write(file, c),
      (k) => this.fileOf(k),
    );
  }

  /** Every live entry, bucket by bucket (for listings; not on the per-lead path). */
  *entries(nowMs: number): Generator<[string, T]> {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const name of names.sort()) {
      for (const [k, e] of Object.entries(this.#read(join(this.dir, name)))) {
        if (!expired(e, nowMs)) yield [k, e.value];
      }
    }
  }

  #read(file: string): Record<string, BucketEntry<T>> {
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

  #write(file: string, content: BucketFile<T>): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(content));
      if (this.#durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }
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

/** See `JsonBuckets.session`. */
export class BucketSession<T> {
  readonly #nowMs: number;
  readonly #read: (file: string) => Record<string, BucketEntry<T>>;
  readonly #write: (file: string, content: BucketFile<T>) => void;
  readonly #fileOf: (key: string) => string;
  readonly #files = new Map<string, Record<string, BucketEntry<T>>>();
  readonly #dirty = new Set<string>();

  constructor(
    nowMs: number,
    read: (file: string) => Record<string, BucketEntry<T>>,
    write: (file: string, content: BucketFile<T>) => void,
    fileOf: (key: string) => string,
  ) {
    this.#nowMs = nowMs;
    this.#read = read;
    this.#write = write;
    this.#fileOf = fileOf;
  }

  /** The live value of `key` as this section has it (its own changes included). */
  get(key: string): T | undefined {
    const e = this.#entries(this.#fileOf(key))[key];
    return e && !expired(e, this.#nowMs) ? e.value : undefined;
  }

  /** Replaces the entry of `key` (undefined deletes it); written by the next `flush`. */
  set(key: string, entry: BucketEntry<T> | undefined): void {
    const file = this.#fileOf(key);
    const entries = this.#entries(file);
    if (entry === undefined) {
      if (!(key in entries)) return;
      delete entries[key];
    } else entries[key] = entry;
    this.#dirty.add(file);
  }

  /** Writes every changed bucket once, dropping its expired entries (as `update` does). */
  flush(): void {
    for (const file of this.#dirty) {
      const entries = this.#entries(file);
      for (const [k, e] of Object.entries(entries)) if (expired(e, this.#nowMs)) delete entries[k];
      this.#write(file, { version: 1, entries });
    }
    this.#dirty.clear();
  }

  #entries(file: string): Record<string, BucketEntry<T>> {
    let entries = this.#files.get(file);
    if (!entries) {
      entries = this.#read(file);
      this.#files.set(file, entries);
    }
    return entries;
  }
}
