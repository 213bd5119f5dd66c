import { detached } from './detached-string.ts';
import type { CampaignResponse } from './record-to-lead.ts';

/**
 * The run's campaign responses per person when they come from one Bulk job (source.ts): read whole
 * before the first page, kept for the run, so it grows with the org. A response is a (date, campaign
 * type, campaign name) triple, and few distinct ones exist (the lookback's days × the campaigns), so
 * each distinct triple is kept once and a person's responses are one string of 2-character codes
 * into that pool, newest first: ~85 bytes per person instead of ~230 with an array of response
 * objects each (22.8 MB of a 100k-person backfill's live heap).
 */
export class ResponseIndex {
  readonly #max: number;
  /** 15-character person id → its responses' pool codes, newest first. */
  readonly #byPerson = new Map<string, string>();
  readonly #pool: CampaignResponse[] = [];
  readonly #codes = new Map<string, string>();

  /** `max`: responses kept per person (the REST subquery's LIMIT). */
  constructor(max: number) {
    this.#max = max;
  }

  /** Adds one response of the person; the newest `max` are kept (ties keep the order added). */
  add(personId: string, r: CampaignResponse): void {
    const key = detached(personId.slice(0, 15));
    const code = this.#codeOf(r);
    const kept = this.#byPerson.get(key) ?? '';
    // Before the first kept response older than this one: after any of the same day (stable).
    let at = 0;
    while (at < kept.length && this.#pool[decode(kept, at)]!.respondedOn >= r.respondedOn) at += 2;
    if (at >= this.#max * 2) return;
    const next = kept.slice(0, at) + code + kept.slice(at);
    this.#byPerson.set(key, next.length > this.#max * 2 ? next.slice(0, this.#max * 2) : next);
  }

  /** The person's responses, newest first (15- or 18-character id); undefined when none was read. */
  get(personId: string): CampaignResponse[] | undefined {
    const kept = this.#byPerson.get(personId.slice(0, 15));
    if (kept === undefined) return undefined;
    const out: CampaignResponse[] = [];
    for (let at = 0; at < kept.length; at += 2) out.push(this.#pool[decode(kept, at)]!);
    return out;
  }

  #codeOf(r: CampaignResponse): string {
    // A JSON array: null and every text stay apart.
    const id = JSON.stringify([r.respondedOn, r.campaignType, r.campaignName]);
    let code = this.#codes.get(id);
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
      this.#codes.set(id, code);
    }
    return code;
  }
}

function decode(s: string, at: number): number {
  return s.charCodeAt(at) * 0x10000 + s.charCodeAt(at + 1);
}
