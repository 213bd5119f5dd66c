import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { CrmError, FailureKind } from '../../src/domain/errors.ts';
import { scratchDatabase } from '../../src/runtime/node-sqlite.ts';
import { detached } from './detached-string.ts';
import type { CampaignResponse } from './record-to-lead.ts';

/**
 * Persons held in memory before the index moves to a temporary database: ~8 MB of map at 100,000
 * persons; a million (~76 MB, then ~30 MB sealed) made the response index what grew most with the
 * org in a Salesforce backfill.
 */
export const RESPONSE_INDEX_SPILL_AFTER = 20_000;

/**
 * The run's campaign responses per person when they come from one Bulk job (source.ts): read whole
 * before the first page, kept for the run, so it grows with the org. A response is a (date, campaign
 * type, campaign name) triple, and few distinct ones exist (the lookback's days × the campaigns), so
 * each distinct triple is kept once and a person's responses are codes into that pool, newest first.
 *
 * While the job is read, a person's codes are one string of 2-character codes in a map (~48 bytes
 * per person of a 100k-person org, 4.8 MB). `seal()`, once the job is read, packs them for the rest
 * of the run: the person ids sorted in one buffer, the codes in one typed array, found by binary
 * search — ~23 bytes per person plus 4 per response, and no object or string per person.
 *
 * Past `spillAfter` persons the responses go to a private temporary SQLite database instead (a file
 * SQLite unlinks as it opens it, with a page cache of 2 MiB), one row per response, and a person's
 * are looked up with the index built at `seal()`: a few microseconds a person, and the same memory
 * at a million persons as at twenty thousand. `close()` removes it (the run's end).
 */
export class ResponseIndex {
  readonly #max: number;
  /** 15-character person id → its responses' pool codes, newest first; null once sealed. */
  #byPerson: Map<string, string> | null = new Map();
  #sealed: SealedCodes | null = null;
  readonly #pool: CampaignResponse[] = [];
  #codes: Map<string, string> | null = new Map();

  readonly #spillAfter: number;
  readonly #openScratch: () => DatabaseSync;
  #spill: ResponseSpill | null = null;

  /**
   * `max`: responses kept per person (the REST subquery's LIMIT). `openScratch`: the temporary
   * database a spill opens (tests give one that fails).
   */
  constructor(max: number, options: { spillAfter?: number; openScratch?: () => DatabaseSync } = {}) {
    this.#max = max;
    this.#spillAfter = options.spillAfter ?? RESPONSE_INDEX_SPILL_AFTER;
    this.#openScratch = options.openScratch ?? (() => scratchDatabase(2048));
  }

  /** Adds one response of the person; the newest `max` are kept (ties keep the order added). */
  add(personId: string, r: CampaignResponse): void {
    const spill = this.#spill;
    if (spill) {
      if (spill.sealed) throw new Error('ResponseIndex: a response added after seal()');
      const code = decode(this.#codeOf(r), 0);
      // Not through `onDisk`: no closure for each of a million responses.
      try {
        spill.add(personId.slice(0, 15), r.respondedOn, code);
      } catch (e) {
        throw diskFailure(e);
      }
      return;
    }
    const byPerson = this.#byPerson;
    if (byPerson === null) throw new Error('ResponseIndex: a response added after seal()');
    const key = detached(personId.slice(0, 15));
    const code = this.#codeOf(r);
    const kept = byPerson.get(key) ?? '';
    // Before the first kept response older than this one: after any of the same day (stable).
    let at = 0;
    while (at < kept.length && this.#pool[decode(kept, at)]!.respondedOn >= r.respondedOn) at += 2;
    if (at >= this.#max * 2) return;
    const next = kept.slice(0, at) + code + kept.slice(at);
    byPerson.set(key, next.length > this.#max * 2 ? next.slice(0, this.#max * 2) : next);
    if (byPerson.size > this.#spillAfter) onDisk(() => this.#moveToSpill(byPerson));
  }

  /** The persons so far go to the database, each one's kept responses in order (newest first). */
  #moveToSpill(byPerson: Map<string, string>): void {
    const spill = new ResponseSpill(this.#openScratch());
    try {
      for (const [key, kept] of byPerson) {
        for (let at = 0; at < kept.length; at += 2) {
          const code = decode(kept, at);
          spill.add(key, this.#pool[code]!.respondedOn, code);
        }
      }
    } catch (e) {
      spill.close();
      throw e;
    }
    this.#spill = spill;
    this.#byPerson = null;
  }

  /** Removes the temporary database, if the index spilled to one; the index answers nothing after. */
  close(): void {
    this.#spill?.close();
  }

  /** Every response is added: packs the index for the run's lookups (`add` is refused after). */
  seal(): void {
    const spill = this.#spill;
    if (spill) {
      onDisk(() => spill.seal());
      this.#codes = null;
      return;
    }
    const byPerson = this.#byPerson;
    if (byPerson === null) return;
    // Salesforce ids are ASCII; with any other key the index stays a map (a byte per character would
    // not give it back).
    for (const key of byPerson.keys()) if (NOT_PRINTABLE_ASCII.test(key)) return;
    this.#sealed = sealCodes(byPerson);
    this.#byPerson = null;
    this.#codes = null;
  }

  /** The person's responses, newest first (15- or 18-character id); undefined when none was read. */
  get(personId: string): CampaignResponse[] | undefined {
    const key = personId.slice(0, 15);
    if (this.#spill) {
      const codes = this.#spill.codesOf(key, this.#max);
      return codes.length === 0 ? undefined : codes.map((c) => this.#pool[c]!);
    }
    if (this.#byPerson !== null) {
      const kept = this.#byPerson.get(key);
      if (kept === undefined) return undefined;
      const out: CampaignResponse[] = [];
      for (let at = 0; at < kept.length; at += 2) out.push(this.#pool[decode(kept, at)]!);
      return out;
    }
    const sealed = this.#sealed!;
    const at = findKey(sealed, key);
    if (at < 0) return undefined;
    const out: CampaignResponse[] = [];
    for (let c = at === 0 ? 0 : sealed.codeEnd[at - 1]!; c < sealed.codeEnd[at]!; c++)
      out.push(this.#pool[sealed.codes[c]!]!);
    return out;
  }

  #codeOf(r: CampaignResponse): string {
    // A JSON array: null and every text stay apart.
    const id = JSON.stringify([r.respondedOn, r.campaignType, r.campaignName]);
    const codes = this.#codes!;
    let code = codes.get(id);
    if (code === undefined) {
      const n = this.#pool.length;
      // Frozen: one object serves every person who responded to that campaign that day.
      this.#pool.push(
        Object.freeze({
          respondedOn: detached(r.respondedOn),
          campaignType: r.campaignType === null ? null : detached(r.campaignType),
          campaignName: r.campaignName === null ? null : detached(r.campaignName),
        }),
      );
      code = String.fromCharCode(n >>> 16, n & 0xffff);
      codes.set(id, code);
    }
    return code;
  }
}

/** Anything but printable ASCII (Salesforce ids are letters and digits). */
const NOT_PRINTABLE_ASCII = /[^ -~]/u;

/** Person keys sorted (as `<` compares) and their codes, each key's run ending at codeEnd. */
interface SealedCodes {
  /** The keys (printable ASCII), a byte per character, one after another; key i ends at keyEnd[i]. */
  readonly keys: Buffer;
  readonly keyEnd: Uint32Array;
  readonly codes: Uint32Array;
  readonly codeEnd: Uint32Array;
}

function sealCodes(byPerson: ReadonlyMap<string, string>): SealedCodes {
  const sorted = [...byPerson.keys()].sort();
  let keyBytes = 0;
  let codeCount = 0;
  for (const k of sorted) {
    keyBytes += k.length;
    codeCount += byPerson.get(k)!.length / 2;
  }
  // Not from Buffer's shared pool: kept for the run, it must not hold a pool slab it does not use.
  const keys = Buffer.allocUnsafeSlow(keyBytes);
  const keyEnd = new Uint32Array(sorted.length);
  const codes = new Uint32Array(codeCount);
  const codeEnd = new Uint32Array(sorted.length);
  let k = 0;
  let c = 0;
  sorted.forEach((key, i) => {
    k += keys.write(key, k, 'latin1');
    keyEnd[i] = k;
    const kept = byPerson.get(key)!;
    for (let at = 0; at < kept.length; at += 2) codes[c++] = decode(kept, at);
    codeEnd[i] = c;
  });
  return { keys, keyEnd, codes, codeEnd };
}

/** The index of `key` among the sealed keys, or -1. */
function findKey(s: SealedCodes, key: string): number {
  let lo = 0;
  let hi = s.keyEnd.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const there = s.keys.toString('latin1', mid === 0 ? 0 : s.keyEnd[mid - 1], s.keyEnd[mid]);
    if (there === key) return mid;
    if (there < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function decode(s: string, at: number): number {
  return s.charCodeAt(at) * 0x10000 + s.charCodeAt(at + 1);
}

/**
 * Runs a step of the spilled index, turning SQLite's failure (no writable temporary directory, a full
 * disk) into one that says where and what to do. Transient: the run stops before its first page, so
 * nothing is committed, and the next run reads the responses again.
 */
function onDisk<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw diskFailure(e);
  }
}

function diskFailure(e: unknown): CrmError {
  // The fix before SQLite's words: a run report keeps a message's first 300 characters.
  return new CrmError(
    "Salesforce campaign responses: the run's temporary SQLite database failed. Free space in " +
      "SQLite's temporary directory (~75 bytes a response; SQLITE_TMPDIR, TMPDIR, /var/tmp or /tmp) " +
      `or set SQLITE_TMPDIR to a writable directory with room, then run again. SQLite: ${e instanceof Error ? e.message : String(e)}`,
    { kind: FailureKind.Transient, crm: 'salesforce', code: 'response_index_disk' },
    { cause: e },
  );
}

/** Rows between commits while responses are added (one transaction per chunk, not per row). */
const SPILL_CHUNK = 10_000;

/**
 * A spilled index's responses: (person key, day, pool code) rows in the order added, looked up newest
 * day first and, within a day, in the order added — the order `add` keeps in memory.
 */
class ResponseSpill {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  #lookup: StatementSync | null = null;
  #pending = 0;
  #closed = false;
  sealed = false;

  /** `db`: the run's scratch (`scratchDatabase`, a 2 MiB page cache). */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#db.exec(
      'CREATE TABLE r (seq INTEGER PRIMARY KEY, k TEXT NOT NULL, d TEXT NOT NULL, c INTEGER NOT NULL)',
    );
    this.#insert = this.#db.prepare('INSERT INTO r (k, d, c) VALUES (?, ?, ?)');
  }

  add(key: string, day: string, code: number): void {
    if (this.#pending === 0) this.#db.exec('BEGIN');
    this.#insert.run(key, day, code);
    if (++this.#pending >= SPILL_CHUNK) this.#commit();
  }

  #commit(): void {
    if (this.#pending === 0) return;
    this.#db.exec('COMMIT');
    this.#pending = 0;
  }

  /** Everything added is written and indexed for lookups. */
  seal(): void {
    if (this.sealed) return;
    this.#commit();
    // Built once, after the rows: cheaper than keeping a B-tree in order through every insert.
    this.#db.exec('CREATE INDEX r_person ON r (k, d DESC, seq)');
    this.sealed = true;
  }

  codesOf(key: string, max: number): number[] {
    if (this.#closed) throw new Error('ResponseIndex: looked up after close()');
    this.#commit();
    this.#lookup ??= this.#db.prepare('SELECT c FROM r WHERE k = ? ORDER BY d DESC, seq LIMIT ?');
    return (this.#lookup.all(key, max) as { c: number }[]).map((row) => row.c);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
