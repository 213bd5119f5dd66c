import { randomBytes } from 'node:crypto';
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
import type { LedgerRecord } from '../ledger/ledger-record.ts';
import type { Ledger } from '../ports/ledger.ts';
import { DirectoryLock, type DirectoryLockOptions } from './directory-lock.ts';
import { RecordIdSet } from './record-id-set.ts';

/** The two tables, as folders under the ledger directory. */
export const LEDGER_TABLES = { decision: 'decisions', event: 'events' } as const;

/** The ledger's lock, under the state directory: appends and compaction's file swaps take it. */
export const LEDGER_LOCK_FILE = '.ledger.lock';

/**
 * The local ledger: JSON Lines under `<state dir>/ledger/<table>/dt=YYYY-MM-DD/part-….jsonl`, the
 * partition being the record's own UTC date (so a record always lands in the same folder, and its
 * id need only be looked for there). Each append writes new files, fsynced and renamed into place:
 * a crash leaves a whole file or none, never a torn line a query would choke on. Appends run under the
 * ledger's own lock, and a record whose id is already in its partition is not written again.
 */
export class FileLedger implements Ledger {
  readonly dir: string;
  readonly #lock: DirectoryLock;
  /** Per partition folder: the files read and the ids they hold (this process's cache; past 16,384 ids on disk: record-id-set.ts). */
  readonly #seen = new Map<string, { files: Set<string>; ids: RecordIdSet }>();
  #seq = 0;

  constructor(stateDir: string, options: { lock?: DirectoryLockOptions } = {}) {
    this.dir = join(stateDir, 'ledger');
    this.#lock = new DirectoryLock(join(stateDir, LEDGER_LOCK_FILE), options.lock);
  }

  async append(records: readonly LedgerRecord[]): Promise<{ appended: number }> {
    if (records.length === 0) return { appended: 0 };
    return this.#lock.withLock(() => {
      const byPartition = new Map<string, LedgerRecord[]>();
      for (const r of records) {
        const folder = join(this.dir, LEDGER_TABLES[r.kind], `dt=${r.dt}`);
        const list = byPartition.get(folder) ?? [];
        list.push(r);
        byPartition.set(folder, list);
      }
      let appended = 0;
      for (const [folder, list] of byPartition) {
        const seen = this.#refresh(folder);
        const fresh: LedgerRecord[] = [];
        for (const r of list) {
          if (seen.ids.add(r.record_id)) fresh.push(r);
        }
        if (fresh.length === 0) continue;
        const name = `part-${Date.now()}-${process.pid}-${++this.#seq}-${randomBytes(3).toString('hex')}.jsonl`;
        writeDurably(folder, name, fresh);
        seen.files.add(name);
        appended += fresh.length;
      }
      return { appended };
    });
  }

  /** Reads the ids of partition files this process has not seen yet (another process may have written them). */
  #refresh(folder: string): { files: Set<string>; ids: RecordIdSet } {
    let seen = this.#seen.get(folder);
    if (!seen) {
      seen = { files: new Set(), ids: new RecordIdSet() };
      this.#seen.set(folder, seen);
    }
    let names: string[];
    try {
      names = readdirSync(folder).filter((n) => n.endsWith('.jsonl'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return seen;
      throw e;
    }
    for (const name of names) {
      if (seen.files.has(name)) continue;
      for (const line of readFileSync(join(folder, name), 'utf8').split('\n')) {
        if (line.trim() === '') continue;
        seen.ids.add((JSON.parse(line) as { record_id: string }).record_id);
      }
      seen.files.add(name);
    }
    return seen;
  }
}

/**
 * Records per write: a page of 10,000 decisions is ~40 MB of JSON, never held as one string. 100
 * decisions are ~220,000 characters, and a write of a string asks the C library for up to three
 * bytes a character to encode it (Japanese text: the string is UTF-16): ~0.7 MB, where 500 a write
 * took 1.1 MB of JavaScript string and ~3.3 MB of native memory at once.
 */
const LINES_PER_WRITE = 100;

function writeDurably(folder: string, name: string, records: readonly LedgerRecord[]): void {
  mkdirSync(folder, { recursive: true });
  // Not `.jsonl` until renamed, so a query's glob never reads a file being written.
  const tmp = join(folder, `.${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (let i = 0; i < records.length; i += LINES_PER_WRITE) {
      const chunk = records.slice(i, i + LINES_PER_WRITE);
      writeSync(fd, `${chunk.map((r) => JSON.stringify(r)).join('\n')}\n`);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(folder, name));
}
