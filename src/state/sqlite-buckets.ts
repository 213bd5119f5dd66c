import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import { sqlite } from '../runtime/node-sqlite.ts';
import { type BucketEntry, isBucketFile, readBucketFile } from './json-buckets.ts';

/** The database of a store, in the store's directory (`entries.db` with its `-wal` and `-shm`). */
export const SQLITE_BUCKETS_FILE = 'entries.db';

/**
 * `PRAGMA user_version` once the schema exists and the store's JSON bucket files were moved in: 1, then
 * 2 once the table has its `due_at` column (an earlier build's database gets it on first open).
 */
const SCHEMA_VERSION = 2;

/** Each connection's page cache, KiB (`PRAGMA cache_size`; SQLite's default is 2,000). */
export const PAGE_CACHE_KIB = 512;

/**
 * Key → JSON value in one SQLite database per store directory (`node:sqlite`, WAL mode): a batch
 * costs what its keys cost, where JSON bucket files made every batch of a large store read and
 * rewrite the whole store (a page's keys hash into every bucket). Same guarantees as `JsonBuckets`:
 * a session's changes land in one transaction at `flush` (a crash before it changes nothing),
 * expired entries are never returned and are dropped when the store is written, readers need no
 * lock, writers hold the state directory's `DirectoryLock` around read–modify–write, and corrupt or
 * unreadable state throws `StateUnavailableError` naming the file. A store written by an earlier
 * build as JSON buckets is moved into the database on first open (`#open`).
 *
 * A store given `dueAt` also keeps each entry's due time in an ordered, sparse index (as the state
 * table's `due` index on AWS): written in the same row as the value, so the two never disagree, and
 * read by `dueBefore` a page at a time — no per-day lists to load and rewrite whole.
 */
export class SqliteBuckets<T> {
  readonly dir: string;
  readonly file: string;
  readonly #durable: boolean;
  readonly #dueAt: ((value: T) => number | null) | undefined;
  #db: DatabaseSync | undefined;
  readonly #statements = new Map<string, StatementSync>();

  /**
   * `durable`: every commit is fsynced (cursors, claims: survive a power cut), else the WAL is on commit.
   * `dueAt`: when a value is due (epoch ms), null when never: indexed for `dueBefore`. Every opener of
   * a store passes the same one.
   */
  constructor(dir: string, options: { durable?: boolean; dueAt?: (value: T) => number | null } = {}) {
    this.dir = dir;
    this.file = join(dir, SQLITE_BUCKETS_FILE);
    this.#durable = options.durable ?? false;
    this.#dueAt = options.dueAt;
  }

  /** The live value of `key`, or undefined (missing or expired at `nowMs`). */
  get(key: string, nowMs: number): T | undefined {
    if (!this.#open(false)) return undefined;
    const row = this.#guard(() => this.#statement(SELECT_ONE).get(key, nowMs));
    return row === undefined ? undefined : this.#parse(row.value as string);
  }

  /** The live values of `keys` (missing and expired ones left out), in one query. */
  getMany(keys: Iterable<string>, nowMs: number): Map<string, T> {
    const out = new Map<string, T>();
    const list = [...new Set(keys)];
    if (list.length === 0 || !this.#open(false)) return out;
    const rows = this.#guard(() => this.#statement(SELECT_MANY).all(JSON.stringify(list), nowMs));
    for (const row of rows) out.set(row.key as string, this.#parse(row.value as string));
    return out;
  }

  /**
   * Replaces the entry of `key` with what `fn` returns (undefined deletes it) in one transaction that
   * also drops expired entries. Caller holds the lock.
   */
  update(
    key: string,
    nowMs: number,
    fn: (current: T | undefined) => BucketEntry<T> | undefined,
  ): BucketEntry<T> | undefined {
    let next: BucketEntry<T> | undefined;
    this.#write(nowMs, () => {
      const row = this.#statement(SELECT_ONE).get(key, nowMs);
      next = fn(row === undefined ? undefined : this.#parse(row.value as string));
      this.#put(key, next);
    });
    return next;
  }

  /**
   * A read-modify-write section over several keys: changes are kept in memory (only the keys it
   * sets) and written in one transaction by `flush`. Caller holds the lock from the first `get` to the
   * last `flush`; `flush` may run more than once (each writes what changed since).
   */
  session(nowMs: number): SqliteBucketSession<T> {
    return new SqliteBucketSession<T>(nowMs, this);
  }

  /** Every live entry in the order the keys were first written (for listings; not on the per-lead path). */
  *entries(nowMs: number): Generator<[string, T]> {
    if (!this.#open(false)) return;
    const rows = this.#guard(() => this.#statement(SELECT_ALL).iterate(nowMs));
    while (true) {
      const step = this.#guard(() => rows.next());
      if (step.done) return;
      yield [step.value.key as string, this.#parse(step.value.value as string)];
    }
  }

  /**
   * The live entries due at or before `atMs`, earliest first (then by key), at most `limit`: a range
   * of the due index, whatever the store's size.
   */
  dueBefore(atMs: number, nowMs: number, limit: number): { key: string; value: T; dueAtMs: number }[] {
    if (limit <= 0 || !this.#open(false)) return [];
    const rows = this.#guard(() => this.#statement(SELECT_DUE).all(atMs, nowMs, limit));
    return rows.map((row) => ({
      key: row.key as string,
      value: this.#parse(row.value as string),
      dueAtMs: row.due_at as number,
    }));
  }

  /**
   * Takes over from an earlier build's separate due index (`oldDirs`, those that exist): it only
   * repeated what the values hold, so the due times are set from the values (`reindexDue`) and the
   * old directories removed once that committed. A crash in between leaves them, and the next call
   * does it again.
   */
  replaceDueIndex(oldDirs: readonly string[], nowMs: number): void {
    const old = oldDirs.filter((d) => existsSync(d));
    if (old.length === 0) return;
    this.reindexDue(nowMs);
    for (const d of old) rmSync(d, { recursive: true, force: true });
  }

  /**
   * Sets every entry's due time from its value, in one transaction: for a store whose values were
   * written without `dueAt` (an earlier build). Idempotent, and safe beside other writers with or
   * without the lock: each row's due time is a function of the value in that same transaction.
   */
  reindexDue(nowMs: number): void {
    if (!this.#open(false)) return;
    this.#write(nowMs, () => {
      // By rowid, a slice at a time: the store is not held in memory, and no row is updated under
      // a statement still iterating it.
      let after = 0;
      while (true) {
        const rows = this.#guard(() => this.#statement(SELECT_SLICE).all(after, REINDEX_SLICE));
        if (rows.length === 0) return;
        for (const row of rows) {
          const due = this.#due(this.#parse(row.value as string));
          this.#guard(() => this.#statement(SET_DUE).run(due, row.rowid as number));
        }
        after = rows.at(-1)!.rowid as number;
      }
    });
  }

  /** Writes `changes` (undefined deletes) in one transaction; see `SqliteBucketSession.flush`. */
  writeAll(changes: Map<string, BucketEntry<T> | undefined>, nowMs: number): void {
    if (changes.size === 0) return;
    this.#write(nowMs, () => {
      for (const [key, entry] of changes) this.#put(key, entry);
    });
  }

  /** One write transaction that first drops the entries expired at `nowMs`; rolled back if `fn` throws. */
  #write(nowMs: number, fn: () => void): void {
    const db = this.#open(true)!;
    this.#guard(() => db.exec('BEGIN IMMEDIATE'));
    try {
      this.#guard(() => this.#statement(DELETE_EXPIRED).run(nowMs));
      fn();
      this.#guard(() => db.exec('COMMIT'));
    } catch (e) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw e;
    }
  }

  #put(key: string, entry: BucketEntry<T> | undefined): void {
    this.#guard(() => {
      if (entry === undefined) this.#statement(DELETE_ONE).run(key);
      else
        this.#statement(UPSERT).run(
          key,
          JSON.stringify(entry.value),
          entry.expiresAtMs ?? null,
          this.#due(entry.value),
        );
    });
  }

  /** The value's due time for the index: null without `dueAt`, or when it is never (or not a time). */
  #due(value: T): number | null {
    const ms = this.#dueAt?.(value) ?? null;
    return ms !== null && Number.isFinite(ms) ? ms : null;
  }

  /**
   * The open database, or undefined when there is none yet and `create` is false (a read of a store
   * never written creates nothing). The first open makes the schema and moves in what an earlier
   * build left as JSON bucket files (`xx.json`), in one transaction; the files are removed once it
   * committed (a crash in between leaves them, and the next open removes them: the version says they
   * are in). Dead writers' staged `.tmp` files of that format are removed with them.
   */
  #open(create: boolean): DatabaseSync | undefined {
    if (this.#db) return this.#db;
    if (!create && !existsSync(this.file) && legacyFiles(this.dir).length === 0) return undefined;
    mkdirSync(this.dir, { recursive: true });
    const { DatabaseSync } = sqlite();
    const db = this.#guard(() => new DatabaseSync(this.file, { timeout: 60_000 }));
    this.#guard(() => {
      // Pages freed by deletes are given back at each commit (the ledger outbox empties itself every
      // page): takes effect only on a new database, so before anything writes its header.
      db.exec('PRAGMA auto_vacuum = FULL');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${this.#durable ? 'FULL' : 'NORMAL'}`);
      // A batch's transaction grows the WAL to its size; truncated back after each checkpoint.
      db.exec('PRAGMA journal_size_limit = 4194304');
      // SQLite's page cache is per connection (2 MB by default) and a sync opens a dozen stores:
      // ~24 MB of the process's native memory once the stores outgrow it. The pages are in the OS's
      // file cache anyway; a miss costs a read of a page, not a disk access.
      db.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`);
      db.exec('BEGIN IMMEDIATE');
    });
    try {
      const version = this.#guard(() => db.prepare('PRAGMA user_version').get()!.user_version as number);
      if (version === 0) {
        this.#guard(() => db.exec(SCHEMA));
        const insert = db.prepare(UPSERT);
        for (const name of legacyFiles(this.dir)) {
          for (const [key, e] of Object.entries(readBucketFile<T>(join(this.dir, name)))) {
            this.#guard(() =>
              insert.run(key, JSON.stringify(e.value), e.expiresAtMs ?? null, this.#due(e.value)),
            );
          }
        }
      } else if (version === 1) {
        // Adding a nullable column rewrites no row. Its values are the store's to set (`reindexDue`).
        this.#guard(() => db.exec(ADD_DUE));
      }
      if (version < SCHEMA_VERSION) this.#guard(() => db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`));
      this.#guard(() => db.exec('COMMIT'));
    } catch (e) {
      if (db.isTransaction) db.exec('ROLLBACK');
      db.close();
      throw e;
    }
    for (const name of readdirSync(this.dir)) {
      if (isBucketFile(name)) rmSync(join(this.dir, name), { force: true });
    }
    closeAtExit(db);
    this.#db = db;
    return db;
  }

  #statement(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#guard(() => this.#db!.prepare(sql));
      this.#statements.set(sql, s);
    }
    return s;
  }

  #parse(text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.#corrupt('a stored value is not valid JSON');
    }
  }

  /** SQLite's errors (not a database, corrupt, I/O, locked past the timeout) as `StateUnavailableError`. */
  #guard<R>(fn: () => R): R {
    try {
      return fn();
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_SQLITE_ERROR') throw e;
      throw this.#corrupt((e as { errstr?: string }).errstr ?? (e as Error).message, e);
    }
  }

  #corrupt(why: string, cause?: unknown): Error {
    return new StateUnavailableError(
      `state file ${this.file} cannot be read: ${why}. Restore it from a backup, or delete it (with its ` +
        '-wal and -shm files) to reset that part of the state.',
      cause === undefined ? undefined : { cause },
    );
  }
}

/** See `SqliteBuckets.session`. */
export class SqliteBucketSession<T> {
  readonly #nowMs: number;
  readonly #store: SqliteBuckets<T>;
  /**
   * Key → its entry as this section has it (read, or set: undefined is absent or deleted). Kept for
   * the section: callers read one key many times (the episode index reads an hour's entry per key
   * moved), and change the value `get` gave them before they `set` it.
   */
  readonly #entries = new Map<string, BucketEntry<T> | undefined>();
  /** The keys set since the last flush. */
  readonly #changed = new Set<string>();

  constructor(nowMs: number, store: SqliteBuckets<T>) {
    this.#nowMs = nowMs;
    this.#store = store;
  }

  /** The live value of `key` as this section has it (its own changes included). */
  get(key: string): T | undefined {
    let e = this.#entries.get(key);
    if (e === undefined && !this.#entries.has(key)) {
      const value = this.#store.get(key, this.#nowMs);
      e = value === undefined ? undefined : { value };
      this.#entries.set(key, e);
    }
    return e && (e.expiresAtMs === undefined || e.expiresAtMs > this.#nowMs) ? e.value : undefined;
  }

  /** Replaces the entry of `key` (undefined deletes it); written by the next `flush`. */
  set(key: string, entry: BucketEntry<T> | undefined): void {
    this.#entries.set(key, entry);
    this.#changed.add(key);
  }

  /** Writes every change since the last flush in one transaction, dropping expired entries. */
  flush(): void {
    if (this.#changed.size === 0) return;
    this.#store.writeAll(
      new Map([...this.#changed].map((key) => [key, this.#entries.get(key)])),
      this.#nowMs,
    );
    this.#changed.clear();
  }
}

/**
 * The databases this process opened, closed when it exits: the close copies the WAL into the
 * database and removes it, where a process ending without it left each store's WAL on disk at the size
 * of its largest transaction (tens of MB at 100k leads). A process killed keeps its WAL; the next open
 * reads it (nothing committed is lost either way). Weak: a store let go is not kept open for this.
 */
const openDatabases = new Set<WeakRef<DatabaseSync>>();

function closeAtExit(db: DatabaseSync): void {
  if (openDatabases.size === 0) {
    process.once('exit', () => {
      for (const ref of openDatabases) {
        const d = ref.deref();
        try {
          if (d?.isOpen) d.close();
        } catch {
          // Not closed: its WAL stays, as after a kill, and the next open reads it.
        }
      }
    });
  }
  openDatabases.add(new WeakRef(db));
}

/** The JSON bucket files an earlier build left in `dir` (none if it does not exist). */
function legacyFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Sparse: only the entries of a store with `dueAt` that are due some time are in it. */
const DUE_INDEX = 'CREATE INDEX IF NOT EXISTS entries_due ON entries (due_at, key) WHERE due_at IS NOT NULL;';
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    expires_at INTEGER,
    due_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS entries_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL;
  ${DUE_INDEX}
`;
const ADD_DUE = `ALTER TABLE entries ADD COLUMN due_at INTEGER; ${DUE_INDEX}`;
const LIVE = '(expires_at IS NULL OR expires_at > ?)';
const SELECT_ONE = `SELECT value FROM entries WHERE key = ? AND ${LIVE}`;
const SELECT_MANY = `SELECT key, value FROM entries WHERE key IN (SELECT value FROM json_each(?)) AND ${LIVE}`;
const SELECT_ALL = `SELECT key, value FROM entries WHERE ${LIVE} ORDER BY rowid`;
const SELECT_DUE =
  'SELECT key, value, due_at FROM entries WHERE due_at IS NOT NULL AND due_at <= ? ' +
  `AND ${LIVE} ORDER BY due_at, key LIMIT ?`;
const SELECT_SLICE = 'SELECT rowid, value FROM entries WHERE rowid > ? ORDER BY rowid LIMIT ?';
const SET_DUE = 'UPDATE entries SET due_at = ? WHERE rowid = ?';
/** Rows per read of `reindexDue`. */
const REINDEX_SLICE = 1000;
const DELETE_EXPIRED = 'DELETE FROM entries WHERE expires_at IS NOT NULL AND expires_at <= ?';
const DELETE_ONE = 'DELETE FROM entries WHERE key = ?';
// An upsert, not INSERT OR REPLACE: the row keeps its rowid, so a listing keeps first-written order.
const UPSERT =
  'INSERT INTO entries (key, value, expires_at, due_at) VALUES (?, ?, ?, ?) ' +
  'ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, ' +
  'due_at = excluded.due_at';
