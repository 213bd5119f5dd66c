/** A ledger record id as `recordId` makes it: a table letter, `_`, 32 base64url characters of a SHA-256. */
const HASHED_ID = /^[a-z]_[A-Za-z0-9_-]{32}$/;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Uint8Array(128);
for (let i = 0; i < BASE64URL.length; i++) DIGIT[BASE64URL.charCodeAt(i)] = i;

/** Slots filled at most to this share before a segment doubles (linear probing). */
const MAX_LOAD = 0.75;
const OCCUPIED = 0x8000_0000;
/**
 * Tables the ids are spread over (by bits of their hash the slot does not use), each doubling on its
 * own: one table doubling held the old and the new table at once, 1.5× the set for a moment (at a
 * million ids, 12.6 MB and 25 MB); a segment doubling holds 1/16 of that.
 */
const SEGMENTS = 16;

/**
 * The record ids of a ledger partition, as `FileLedger` checks appends against them: a whole day's
 * ids (a backfill of the org lands in one partition) held as strings cost ~50–90 bytes each, 6.5 MB
 * at 100,000 persons. An id `recordId` made is kept as 90 bits of its hash (its first 15
 * characters, 12 bytes in a typed array): two records of one partition sharing them is as likely as
 * SHA-256 colliding on 90 bits (under 10^-15 for a million ids), the same kind of bet the 192-bit ids
 * themselves make. Any other id is kept as it is.
 */
export class RecordIdSet {
  /** Per segment, 3 words per slot: 30 bits of the hash each, the first one marked `OCCUPIED`. */
  readonly #segments: Uint32Array[] = Array.from({ length: SEGMENTS }, () => new Uint32Array(3 * 64));
  readonly #counts = new Uint32Array(SEGMENTS);
  #size = 0;
  readonly #others = new Set<string>();

  get size(): number {
    return this.#size + this.#others.size;
  }

  has(id: string): boolean {
    if (!HASHED_ID.test(id)) return this.#others.has(id);
    const w0 = word(id, 2) | OCCUPIED;
    const w1 = word(id, 7);
    const w2 = word(id, 12);
    return find(this.#segments[w2 & (SEGMENTS - 1)]!, w0, w1, w2) >= 0;
  }

  /** Adds `id`; false if it was there. */
  add(id: string): boolean {
    if (!HASHED_ID.test(id)) {
      if (this.#others.has(id)) return false;
      this.#others.add(id);
      return true;
    }
    const w0 = word(id, 2) | OCCUPIED;
    const w1 = word(id, 7);
    const w2 = word(id, 12);
    const k = w2 & (SEGMENTS - 1);
    let slots = this.#segments[k]!;
    const at = find(slots, w0, w1, w2);
    if (at >= 0) return false;
    if (this.#counts[k]! + 1 > MAX_LOAD * (slots.length / 3)) {
      slots = grown(slots);
      this.#segments[k] = slots;
      put(slots, w0, w1, w2);
    } else {
      // The empty slot the probe stopped at is where the id goes: no second probe.
      const i = ~at;
      slots[3 * i] = w0;
      slots[3 * i + 1] = w1;
      slots[3 * i + 2] = w2;
    }
    this.#counts[k]!++;
    this.#size++;
    return true;
  }
}

/** The slot holding these words, or `~slot` of the empty slot the probe ended at (negative). */
function find(s: Uint32Array, w0: number, w1: number, w2: number): number {
  const mask = s.length / 3 - 1;
  for (let i = w1 & mask; ; i = (i + 1) & mask) {
    const a = s[3 * i]!;
    if (a === 0) return ~i;
    if (a === w0 >>> 0 && s[3 * i + 1] === w1 && s[3 * i + 2] === w2 >>> 0) return i;
  }
}

function put(s: Uint32Array, w0: number, w1: number, w2: number): void {
  const mask = s.length / 3 - 1;
  let i = w1 & mask;
  while (s[3 * i] !== 0) i = (i + 1) & mask;
  s[3 * i] = w0;
  s[3 * i + 1] = w1;
  s[3 * i + 2] = w2;
}

/** A table of twice the slots holding the same words. */
function grown(old: Uint32Array): Uint32Array {
  const s = new Uint32Array(old.length * 2);
  for (let i = 0; i < old.length; i += 3) if (old[i] !== 0) put(s, old[i]!, old[i + 1]!, old[i + 2]!);
  return s;
}

/** 30 bits from the 5 base64url characters of `id` from `at`. */
function word(id: string, at: number): number {
  let w = 0;
  for (let i = at; i < at + 5; i++) w = (w << 6) | DIGIT[id.charCodeAt(i)]!;
  return w;
}
