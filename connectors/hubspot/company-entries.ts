import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdOffsets } from './id-offsets.ts';

/**
 * Entries kept in memory at most (the last used), besides the index: two pages' companies at the
 * default 5,000 contacts a page, one at the largest (10,000). A page's companies are read (`ensure`)
 * and then used (`get`) before the next page's; one not kept is read back from its line.
 */
export const HOT_ENTRIES = 10_000;

/**
 * Company id → cached company, the facts cache's largest part, with only an index in memory: each
 * entry stays on disk where it was read from — its line in the cache file the run loaded
 * (`facts-cache-file.ts`) — or, once set in this run, a line of a run log of this process (a file
 * unlinked as soon as it is opened: nothing to clean up after a crash), and the `HOT_ENTRIES` used
 * last are kept parsed. The cache holds every company of the portal, a third of its contacts: in
 * memory they were ~500 bytes each as objects (17 MB at 100,000 contacts, ~170 MB at a million),
 * the index is one number per id. A page reads its own companies, one line each.
 *
 * Entries are values: a caller that changes one `set`s it again.
 */
export class CompanyEntries<V> {
  /** Id → where its line is: ≥ 0 an offset in the loaded file, < 0 `-(offset + 1)` in the run log. */
  #index = new IdOffsets();
  readonly #hot = new Map<string, V>();
  readonly #fromFile: (value: unknown) => V;
  #file: number | null = null;
  #log: number | null = null;
  /** Bytes of the run log written, and the lines set since (written before any read of the log). */
  #logWritten = 0;
  #pending: string[] = [];
  #pendingBytes = 0;

  /** `fromFile` makes an entry of a file line's value (the line's fields but its id), validating it. */
  constructor(fromFile: (value: unknown) => V) {
    this.#fromFile = fromFile;
  }

  get size(): number {
    return this.#index.size;
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  get(id: string): V | undefined {
    const hot = this.#hot.get(id);
    if (hot !== undefined) {
      this.#hot.delete(id);
      this.#hot.set(id, hot);
      return hot;
    }
    const at = this.#index.get(id);
    if (at === undefined) return undefined;
    const v = this.#read(at);
    this.#keep(id, v);
    return v;
  }

  set(id: string, v: V): void {
    const line = `${JSON.stringify(v)}\n`;
    this.#index.set(id, -(this.#logWritten + this.#pendingBytes) - 1);
    this.#pending.push(line);
    this.#pendingBytes += Buffer.byteLength(line);
    if (this.#pendingBytes >= 1 << 16) this.#flushLog();
    this.#hot.delete(id);
    this.#keep(id, v);
  }

  delete(id: string): void {
    this.#index.delete(id);
    this.#hot.delete(id);
  }

  /** Every entry, in no particular order, without changing what is kept in memory. */
  *entries(): Generator<[string, V]> {
    for (const [id, at] of this.#index.entries()) yield [id, this.#hot.get(id) ?? this.#read(at)];
  }

  /**
   * Takes `file` (open for reading) as where the entries of `offsets` are: the file just loaded, or
   * just saved with every entry (the run log then starts over). Closes the file taken before.
   */
  useFile(file: number, offsets: IdOffsets, everything: boolean): void {
    if (this.#file !== null && this.#file !== file) closeSync(this.#file);
    this.#file = file;
    if (everything) {
      this.#index = offsets;
      this.#pending = [];
      this.#pendingBytes = 0;
      if (this.#log !== null) closeSync(this.#log);
      this.#log = null;
      this.#logWritten = 0;
    } else for (const [id, at] of offsets.entries()) this.#index.set(id, at);
  }

  /** Lets go of the files (the run log goes with its descriptor) and of every entry. */
  close(): void {
    if (this.#file !== null) closeSync(this.#file);
    if (this.#log !== null) closeSync(this.#log);
    this.#file = null;
    this.#log = null;
    this.#index = new IdOffsets();
    this.#hot.clear();
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#logWritten = 0;
  }

  #keep(id: string, v: V): void {
    this.#hot.set(id, v);
    if (this.#hot.size > HOT_ENTRIES) this.#hot.delete(this.#hot.keys().next().value!);
  }

  #read(at: number): V {
    if (at >= 0) {
      const value = JSON.parse(readLine(this.#file!, at)) as Record<string, unknown>;
      const { company: _, ...rest } = value;
      return this.#fromFile(rest);
    }
    const offset = -at - 1;
    if (offset >= this.#logWritten) this.#flushLog();
    return JSON.parse(readLine(this.#log!, offset)) as V;
  }

  #flushLog(): void {
    if (this.#pending.length === 0) return;
    if (this.#log === null) {
      const name = join(
        tmpdir(),
        `tossup-company-facts.${process.pid}.${randomBytes(4).toString('hex')}.log`,
      );
      this.#log = openSync(name, 'w+');
      try {
        unlinkSync(name);
      } catch {
        // A file system that keeps open files from being removed: it stays (a temporary file).
      }
    }
    const text = this.#pending.join('');
    writeSync(this.#log, text, this.#logWritten);
    this.#logWritten += this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}

/** The line of `fd` starting at byte `offset`, without its newline. */
export function readLine(fd: number, offset: number): string {
  let size = 1024;
  for (;;) {
    const buffer = Buffer.allocUnsafe(size);
    const n = readSync(fd, buffer, 0, size, offset);
    const end = buffer.subarray(0, n).indexOf(10);
    if (end >= 0) return buffer.toString('utf8', 0, end);
    if (n < size) return buffer.toString('utf8', 0, n);
    size *= 4;
  }
}
