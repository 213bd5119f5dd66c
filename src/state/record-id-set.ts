/** A ledger record id as `recordId` makes it: a table letter, `_`, 32 base64url characters of a SHA-256. */
const HASHED_ID = /^[a-z]_[A-Za-z0-9_-]{32}$/;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Uint8Array(128);
for (let i = 0; i < BASE64URL.length; i++) DIGIT[BASE64URL.charCodeAt(i)] = i;

/**
 * Ids added lately, before they join the sorted runs: a hash table (linear probing) of this many
 * slots, moved into the runs when half full.
 */
const RECENT_SLOTS = 1 << 15;
const RECENT_MAX = RECENT_SLOTS / 2;
const OCCUPIED = 0x8000_0000;
/** Sorted runs the ids are spread over (by bits of their hash), each grown on its own. */
const RUNS = 256;
/** A run grows to this many times the entries it needs (at least), so growing copies it rarely. */
const RUN_GROWTH = 1.25;

/**
 * The record ids of a ledger partition, as `FileLedger` checks appends against them: a whole day's
 * ids (a backfill of the org lands in one partition) held as strings cost ~50–90 bytes each, 6.5 MB
 * at 100,000 persons. An id `recordId` made is kept as 90 bits of its hash (its first 15
 * characters, 12 bytes): two records of one partition sharing them is as likely as SHA-256
 * colliding on 90 bits (under 10^-15 for a million ids), the same kind of bet the 192-bit ids
 * themselves make. Any other id is kept as it is.
 *
 * The 12 bytes of each id are kept in 256 sorted runs (found by binary search), filled from a small
 * hash table of the ids added lately: ~13–14 bytes an id, where a hash table of all the ids, at most
 * three quarters full and doubling, took 16–32 (a million ids: 13.4 MB against 21.6).
 */
export class RecordIdSet {
  /** Per run, 3 words per id (30 bits of the hash each, the first one marked `OCCUPIED`), sorted. */
  readonly #runs: Uint32Array[] = Array.from({ length: RUNS }, () => new Uint32Array(0));
  readonly #runLengths = new Uint32Array(RUNS);
  /** The ids added since the last move into the runs: 3 words per slot, 0 = empty. */
  readonly #recent = new Uint32Array(3 * RECENT_SLOTS);
  #recentCount = 0;
  #size = 0;
  readonly #others = new Set<string>();

  get size(): number {
    return this.#size + this.#others.size;
  }

  has(id: string): boolean {
    if (!HASHED_ID.test(id)) return this.#others.has(id);
    const w0 = (word(id, 2) | OCCUPIED) >>> 0;
    const w1 = word(id, 7);
    const w2 = word(id, 12);
    return findRecent(this.#recent, w0, w1, w2) >= 0 || this.#inRun(w0, w1, w2);
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
    if (at >= 0 || this.#inRun(w0, w1, w2)) return false;
    // The empty slot the probe stopped at is where the id goes.
    const i = ~at;
    this.#recent[3 * i] = w0;
    this.#recent[3 * i + 1] = w1;
    this.#recent[3 * i + 2] = w2;
    this.#size++;
    if (++this.#recentCount >= RECENT_MAX) this.#settle();
    return true;
  }

  #inRun(w0: number, w1: number, w2: number): boolean {
    const k = w2 & (RUNS - 1);
    const run = this.#runs[k]!;
    let lo = 0;
    let hi = this.#runLengths[k]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compare(run, mid, w0, w1, w2);
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Moves the recent ids into their runs (each run merged from its end, in place when it has room). */
  #settle(): void {
    const recent = this.#recent;
    const counts = new Uint32Array(RUNS + 1);
    for (let i = 0; i < RECENT_SLOTS; i++)
      if (recent[3 * i] !== 0) counts[(recent[3 * i + 2]! & (RUNS - 1)) + 1]!++;
    for (let k = 0; k < RUNS; k++) counts[k + 1]! += counts[k]!;
    // The recent ids grouped by run (counts[k] is where run k's group starts).
    const grouped = new Uint32Array(3 * this.#recentCount);
    const next = counts.slice(0, RUNS);
    for (let i = 0; i < RECENT_SLOTS; i++) {
      if (recent[3 * i] === 0) continue;
      const at = 3 * next[recent[3 * i + 2]! & (RUNS - 1)]!++;
      grouped[at] = recent[3 * i]!;
      grouped[at + 1] = recent[3 * i + 1]!;
      grouped[at + 2] = recent[3 * i + 2]!;
    }
    for (let k = 0; k < RUNS; k++) {
      const from = counts[k]!;
      const n = counts[k + 1]! - from;
      if (n === 0) continue;
      sortTriples(grouped, from, n);
      this.#merge(k, grouped, from, n);
    }
    recent.fill(0);
    this.#recentCount = 0;
  }

  /** Merges `n` sorted ids of `add` from `from` into run `k`. */
  #merge(k: number, add: Uint32Array, from: number, n: number): void {
    const length = this.#runLengths[k]!;
    let run = this.#runs[k]!;
    if (run.length < 3 * (length + n)) {
      const grown = new Uint32Array(3 * Math.ceil((length + n) * RUN_GROWTH));
      grown.set(run.subarray(0, 3 * length));
      run = grown;
      this.#runs[k] = run;
    }
    let i = length - 1;
    let j = n - 1;
    for (let out = length + n - 1; j >= 0; out--) {
      const a = from + j;
      if (i >= 0 && compare(run, i, add[3 * a]!, add[3 * a + 1]!, add[3 * a + 2]!) > 0) {
        run.copyWithin(3 * out, 3 * i, 3 * i + 3);
        i--;
      } else {
        run[3 * out] = add[3 * a]!;
        run[3 * out + 1] = add[3 * a + 1]!;
        run[3 * out + 2] = add[3 * a + 2]!;
        j--;
      }
    }
    this.#runLengths[k] = length + n;
  }
}

/** The id at `i` of `s` against (w0, w1, w2): negative if it sorts before. */
function compare(s: Uint32Array, i: number, w0: number, w1: number, w2: number): number {
  return s[3 * i]! - w0 || s[3 * i + 1]! - w1 || s[3 * i + 2]! - w2;
}

/** Sorts the `n` ids of `s` from `from` (a run's share of the recent ids: a few hundred). */
function sortTriples(s: Uint32Array, from: number, n: number): void {
  for (let a = from + 1; a < from + n; a++) {
    const w0 = s[3 * a]!;
    const w1 = s[3 * a + 1]!;
    const w2 = s[3 * a + 2]!;
    let b = a - 1;
    while (b >= from && compare(s, b, w0, w1, w2) > 0) {
      s.copyWithin(3 * (b + 1), 3 * b, 3 * b + 3);
      b--;
    }
    s[3 * (b + 1)] = w0;
    s[3 * (b + 1) + 1] = w1;
    s[3 * (b + 1) + 2] = w2;
  }
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
