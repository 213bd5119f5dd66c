import { detached } from './detached-string.ts';
import type { CampaignResponse } from './record-to-lead.ts';

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
 */
export class ResponseIndex {
  readonly #max: number;
  /** 15-character person id → its responses' pool codes, newest first; null once sealed. */
  #byPerson: Map<string, string> | null = new Map();
  #sealed: SealedCodes | null = null;
  readonly #pool: CampaignResponse[] = [];
  #codes: Map<string, string> | null = new Map();

  /** `max`: responses kept per person (the REST subquery's LIMIT). */
  constructor(max: number) {
    this.#max = max;
  }

  /** Adds one response of the person; the newest `max` are kept (ties keep the order added). */
  add(personId: string, r: CampaignResponse): void {
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
  }

  /** Every response is added: packs the index for the run's lookups (`add` is refused after). */
  seal(): void {
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
