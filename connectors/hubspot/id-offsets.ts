/** A HubSpot record id as the API gives it: decimal digits, exact as a double. */
const NUMERIC_ID = /^[1-9][0-9]{0,14}$/;
/** Slots filled (tombstones included) at most to this share before the table is rebuilt. */
const MAX_LOAD = 0.75;
const EMPTY = 0;
const DELETED = -1;

/**
 * Record id → a number (where the facts cache keeps a company's line: company-entries.ts), for every
 * company of the portal, a third of its contacts. As a `Map` of id strings it cost ~60 bytes an id
 * (6 MB at 300,000 contacts, ~20 MB at a million); here a numeric id is a key of a typed-array table
 * (open addressing, 16 bytes a slot, 21–43 bytes an id). Any other id is kept in a `Map`.
 */
export class IdOffsets {
  #keys = new Float64Array(1024);
  #values = new Float64Array(1024);
  #size = 0;
  /** Slots of deleted ids (`DELETED`), still on probe paths until the table is rebuilt. */
  #deleted = 0;
  readonly #others = new Map<string, number>();

  get size(): number {
    return this.#size + this.#others.size;
  }

  get(id: string): number | undefined {
    if (!NUMERIC_ID.test(id)) return this.#others.get(id);
    const i = this.#find(Number(id));
    return i >= 0 ? this.#values[i] : undefined;
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  set(id: string, value: number): void {
    if (!NUMERIC_ID.test(id)) {
      this.#others.set(id, value);
      return;
    }
    const key = Number(id);
    const at = this.#find(key);
    if (at >= 0) {
      this.#values[at] = value;
      return;
    }
    if (this.#size + this.#deleted + 1 > MAX_LOAD * this.#keys.length) {
      this.#rebuild();
      this.#put(key, value);
    } else {
      // The empty slot the probe stopped at: a deleted slot before it would do too, but the probe
      // would then have to go on to make sure the id is not further along.
      const i = ~at;
      this.#keys[i] = key;
      this.#values[i] = value;
    }
    this.#size++;
  }

  delete(id: string): void {
    if (!NUMERIC_ID.test(id)) {
      this.#others.delete(id);
      return;
    }
    const i = this.#find(Number(id));
    if (i < 0) return;
    this.#keys[i] = DELETED;
    this.#size--;
    this.#deleted++;
  }

  /** Every id and its number, in no particular order. */
  *entries(): Generator<[string, number]> {
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k > 0) yield [String(k), this.#values[i]!];
    }
    yield* this.#others;
  }

  /** The slot holding `key`, or `~slot` of the empty slot its probe ended at (negative). */
  #find(key: number): number {
    const keys = this.#keys;
    const mask = keys.length - 1;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k === EMPTY) return ~i;
    }
  }

  #put(key: number, value: number): void {
    const keys = this.#keys;
    const mask = keys.length - 1;
    let i = slotOf(key, mask);
    while (keys[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = key;
    this.#values[i] = value;
  }

  /** A table of twice the size if the ids need it (else the same size), without the deleted slots. */
  #rebuild(): void {
    const keys = this.#keys;
    const values = this.#values;
    const length = this.#size + 1 > (MAX_LOAD / 2) * keys.length ? keys.length * 2 : keys.length;
    this.#keys = new Float64Array(length);
    this.#values = new Float64Array(length);
    this.#deleted = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i]! > 0) this.#put(keys[i]!, values[i]!);
  }
}

/** A slot for `key`: its low and high 32 bits mixed (murmur3's finalizer; ids are often consecutive). */
function slotOf(key: number, mask: number): number {
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / 4_294_967_296), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & mask;
}
