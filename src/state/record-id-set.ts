import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { scratchDatabase } from '../runtime/node-sqlite.ts';
import { PAGE_CACHE_KIB } from './sqlite-buckets.ts';

/** A ledger record id as `recordId` makes it: a table letter, `_`, 32 base64url characters of a SHA-256. */
const HASHED_ID = /^[a-z]_[A-Za-z0-9_-]{32}$/;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Uint8Array(128);
for (let i = 0; i < BASE64URL.length; i++) DIGIT[BASE64URL.charCodeAt(i)] = i;

/**
 * Ids added lately, before they move to the database: a hash table (linear probing) of this many
 * slots, moved when half full. A partition of fewer ids never opens a database.
 */
const RECENT_SLOTS = 1 << 15;
const RECENT_MAX = RECENT_SLOTS / 2;
const OCCUPIED = 0x8000_0000;

/**
 * The record ids of a ledger partition, as `FileLedger` checks appends against them: a whole day's
 * ids (a backfill of the org lands in one partition). An id `recordId` made is kept as 90 bits of
 * its hash (its first 15 characters, 12 bytes): two records of one partition sharing them is as
 * likely as SHA-256 colliding on 90 bits (under 10^-15 for a million ids), the same kind of bet the
 * 192-bit ids themselves make. Any other id is kept as it is, in memory.
 *
 * The ids added lately are in a small hash table (384 KiB); the rest in a private temporary SQLite
 * database of this set (`new DatabaseSync('')`: a file SQLite unlinks as it opens it, gone with the
 * process, with a page cache of `PAGE_CACHE_KIB`). In memory, even as ~13 bytes an id in sorted
 * runs, the ids were what a backfill kept that grew most with the org (a million persons: ~1.4
 * million ids, 18 MB of array buffers in the C library's heap, grown a run at a time); on disk they
 * cost a lookup of a few microseconds an append.
 */
export class RecordIdSet {
  /** The ids added since the last move to the database: 3 words per slot, 0 = empty. */
  readonly #recent = new Uint32Array(3 * RECENT_SLOTS);
  #recentCount = 0;
  #size = 0;
  readonly #others = new Set<string>();
  #db: IdDatabase | undefined;
  /** A key's 12 bytes, filled for each database lookup and insert (bound by copy). */
  readonly #key = new DataView(new ArrayBuffer(12));

  get size(): number {
    return this.#size + this.#others.size;
  }

  has(id: string): boolean {
    if (!HASHED_ID.test(id)) return this.#others.has(id);
    const w0 = (word(id, 2) | OCCUPIED) >>> 0;
    const w1 = word(id, 7);
    const w2 = word(id, 12);
    return findRecent(this.#recent, w0, w1, w2) >= 0 || this.#inDatabase(w0, w1, w2);
  }

  /** Adds `id`; false if it was there. */
  add(id: string): boolean {
    if (!HASHED_ID.test(id)) {
      if (this.#others.has(id)) return false;
      this.#others.add(id);
      return true;
    }
    const w0 = (word(id, 2) | OCCUPIED) >>> 0;
    const w1 = word(id, 7);
    const w2 = word(id, 12);
    const at = findRecent(this.#recent, w0, w1, w2);
    if (at >= 0 || this.#inDatabase(w0, w1, w2)) return false;
    // The empty slot the probe stopped at is where the id goes.
    const i = ~at;
    this.#recent[3 * i] = w0;
    this.#recent[3 * i + 1] = w1;
    this.#recent[3 * i + 2] = w2;
    this.#size++;
    if (++this.#recentCount >= RECENT_MAX) this.#settle();
    return true;
  }

  #inDatabase(w0: number, w1: number, w2: number): boolean {
    if (!this.#db) return false;
    return this.#db.has.get(keyOf(this.#key, w0, w1, w2)) !== undefined;
  }

  /** Moves the recent ids to the database, in key order (neighbouring pages of its B-tree), one transaction. */
  #settle(): void {
    const recent = this.#recent;
    const slots: number[] = [];
    for (let i = 0; i < RECENT_SLOTS; i++) if (recent[3 * i] !== 0) slots.push(i);
    slots.sort(
      (a, b) =>
        recent[3 * a]! - recent[3 * b]! ||
        recent[3 * a + 1]! - recent[3 * b + 1]! ||
        recent[3 * a + 2]! - recent[3 * b + 2]!,
    );
    const { db, insert } = this.#open();
    db.exec('BEGIN');
    try {
      for (const i of slots)
        insert.run(keyOf(this.#key, recent[3 * i]!, recent[3 * i + 1]!, recent[3 * i + 2]!));
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
    recent.fill(0);
    this.#recentCount = 0;
  }

  #open(): IdDatabase {
    if (this.#db) return this.#db;
    // A cache of the ledger's files, rebuilt by a new process.
    const db = scratchDatabase(PAGE_CACHE_KIB);
    db.exec('CREATE TABLE ids (k BLOB PRIMARY KEY NOT NULL) WITHOUT ROWID');
    this.#db = {
      db,
      has: db.prepare('SELECT 1 FROM ids WHERE k = ?'),
      insert: db.prepare('INSERT INTO ids (k) VALUES (?)'),
    };
    return this.#db;
  }
}

interface IdDatabase {
  db: DatabaseSync;
  has: StatementSync;
  insert: StatementSync;
}

/** The 12 bytes of (w0, w1, w2) in `into`, big-endian (so byte order sorts as the words do). */
function keyOf(into: DataView, w0: number, w1: number, w2: number): DataView {
  into.setUint32(0, w0);
  into.setUint32(4, w1);
  into.setUint32(8, w2);
  return into;
}

/** The slot of `s` holding these words, or `~slot` of the empty slot the probe ended at (negative). */
function findRecent(s: Uint32Array, w0: number, w1: number, w2: number): number {
  const mask = s.length / 3 - 1;
  for (let i = w1 & mask; ; i = (i + 1) & mask) {
    const a = s[3 * i]!;
    if (a === 0) return ~i;
    if (a === w0 && s[3 * i + 1] === w1 && s[3 * i + 2] === w2) return i;
  }
}

/** 30 bits from the 5 base64url characters of `id` from `at`. */
function word(id: string, at: number): number {
  let w = 0;
  for (let i = at; i < at + 5; i++) w = (w << 6) | DIGIT[id.charCodeAt(i)]!;
  return w;
}
