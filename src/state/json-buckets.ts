import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
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
 *
 * The file state uses it for its small stores (fanout 1: cursors, leases, daily counts, the lists of
 * hours and days). The stores that grow with the org are `SqliteBuckets`: with buckets, a batch's
 * keys hash into every file, so each batch rewrote the whole store; their bucket files of earlier
 * builds are read by `readBucketFile` when moved into the database.
 */
export class JsonBuckets<T> {
  readonly dir: string;
  readonly #prefixLength: number;
  readonly #durable: boolean;
  /** This instance removed what crashed writers left (once: they are from earlier processes). */
  #swept = false;

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
   * The live values of `keys` (missing and expired ones left out), each bucket file read once and let
   * go before the next: a page's keys touch every bucket, and reading one per key parsed a bucket per
   * key, while holding them all held the whole store.
   */
  getMany(keys: Iterable<string>, nowMs: number): Map<string, T> {
    const out = new Map<string, T>();
    for (const [file, group] of this.byFile(keys)) {
      const entries = this.#read(file);
      for (const key of group) {
        const e = entries[key];
        if (e && !expired(e, nowMs)) out.set(key, e.value);
      }
    }
    return out;
  }

  /** `keys` grouped by their bucket file, each group in the order given (no duplicates). */
  byFile(keys: Iterable<string>): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    const seen = new Set<string>();
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      const file = this.fileOf(key);
      const group = groups.get(file);
      if (group) group.push(key);
      else groups.set(file, [key]);
    }
    return groups;
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
    if (!this.#swept) {
      this.#swept = true;
      this.#removeDeadWritersTemps();
    }
    return new BucketSession<T>(nowMs, {
      read: (file) => this.#read(file),
      stage: (file, c) => this.#stage(file, c),
      commit: (tmp, file) => renameSync(tmp, file),
      fileOf: (k) => this.fileOf(k),
    });
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
    return readBucketFile<T>(file);
  }

  #write(file: string, content: BucketFile<T>): void {
    renameSync(this.#stage(file, content), file);
  }

  /**
   * Removes the temporary files of writers that are gone: a process that dies between a session's
   * `release` and its `flush` leaves its staged buckets behind (`<bucket>.<pid>.<hex>.tmp`). They are
   * never read, but a page stages every bucket, so each such crash left the store's size again on
   * disk. Only files of a process no longer running are removed: the caller holds the lock, so no
   * other live writer is staging here.
   */
  #removeDeadWritersTemps(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const name of names) {
      const m = /\.json\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid === process.pid || isRunning(pid)) continue;
      rmSync(join(this.dir, name), { force: true });
    }
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

/** Whether a process of this id runs (EPERM: it does, under another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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

/** What a session needs of its store (`JsonBuckets.session`). */
interface BucketFiles<T> {
  read(file: string): Record<string, BucketEntry<T>>;
  /** Writes the content under a temporary name; returns it. */
  stage(file: string, content: BucketFile<T>): string;
  /** Renames a staged file over the bucket. */
  commit(tmp: string, file: string): void;
  fileOf(key: string): string;
}

/** See `JsonBuckets.session`. */
export class BucketSession<T> {
  readonly #nowMs: number;
  readonly #io: BucketFiles<T>;
  readonly #files = new Map<string, Record<string, BucketEntry<T>>>();
  readonly #dirty = new Set<string>();
  /** Bucket → its changed content written under a temporary name by `release`, renamed by `flush`. */
  readonly #staged = new Map<string, string>();

  constructor(nowMs: number, io: BucketFiles<T>) {
    this.#nowMs = nowMs;
    this.#io = io;
  }

  /** The live value of `key` as this section has it (its own changes included). */
  get(key: string): T | undefined {
    const e = this.#entries(this.#io.fileOf(key))[key];
    return e && !expired(e, this.#nowMs) ? e.value : undefined;
  }

  /** Replaces the entry of `key` (undefined deletes it); written by the next `flush`. */
  set(key: string, entry: BucketEntry<T> | undefined): void {
    const file = this.#io.fileOf(key);
    const entries = this.#entries(file);
    if (entry === undefined) {
      if (!(key in entries)) return;
      delete entries[key];
    } else entries[key] = entry;
    this.#dirty.add(file);
  }

  /**
   * Lets go of the bucket file `file` holds until `flush`: its changes are written under a temporary
   * name now (and renamed over it by `flush`, with the others, so a crash before then changes
   * nothing), and a later `get` of its keys reads that. A section that goes through its keys bucket
   * by bucket (`JsonBuckets.byFile`) then holds one bucket at a time instead of the whole store.
   * A crash before the flush leaves the temporary files behind: never read (only `.json` files are),
   * and removed by the next process's first session on the store (`#removeDeadWritersTemps`).
   */
  release(file: string): void {
    const entries = this.#files.get(file);
    if (!entries) return;
    if (this.#dirty.has(file)) {
      dropExpired(entries, this.#nowMs);
      const previous = this.#staged.get(file);
      this.#staged.set(file, this.#io.stage(file, { version: 1, entries }));
      if (previous) rmSync(previous, { force: true });
      this.#dirty.delete(file);
    }
    this.#files.delete(file);
  }

  /** Writes every changed bucket once, dropping its expired entries (as `update` does). */
  flush(): void {
    for (const file of this.#dirty) {
      const entries = this.#entries(file);
      dropExpired(entries, this.#nowMs);
      const staged = this.#staged.get(file);
      if (staged) rmSync(staged, { force: true });
      this.#staged.delete(file);
      this.#io.commit(this.#io.stage(file, { version: 1, entries }), file);
    }
    this.#dirty.clear();
    for (const [file, tmp] of this.#staged) this.#io.commit(tmp, file);
    this.#staged.clear();
  }

  #entries(file: string): Record<string, BucketEntry<T>> {
    let entries = this.#files.get(file);
    if (!entries) {
      const staged = this.#staged.get(file);
      entries = this.#io.read(staged ?? file);
      this.#files.set(file, entries);
    }
    return entries;
  }
}

function dropExpired(entries: Record<string, BucketEntry<unknown>>, nowMs: number): void {
  for (const [k, e] of Object.entries(entries)) if (expired(e, nowMs)) delete entries[k];
}
