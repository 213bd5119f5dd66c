import type { HubspotRecord } from './client.ts';

/**
 * Contacts of a page being read, each kept as its id and one JSON array of the values of the
 * properties the read asks for, in their order, until the page is normalized. The page read ahead
 * waits whole while the pipeline works on the one before: as search results (an object of ~40
 * property strings per contact) its 5,000 contacts held ~20 MB at the 300k backfill's peak, about
 * 4 KB each; packed, one string each. Only `names` are kept, an absent one as null: what `toLead`
 * reads, through `blankToNull`, is the same.
 */
export class PackedContacts {
  readonly #names: readonly string[];
  readonly #companyProperty: string | null;
  readonly #ids: string[] = [];
  readonly #values: string[] = [];
  /** The primary company ids named (kept apart: whether their facts are cached is asked unpacked). */
  readonly #companyIds: string[] = [];

  constructor(names: readonly string[], companyProperty: string | null) {
    this.#names = names;
    this.#companyProperty = companyProperty;
  }

  get length(): number {
    return this.#ids.length;
  }

  push(records: readonly HubspotRecord[]): void {
    for (const r of records) {
      this.#ids.push(r.id);
      this.#values.push(JSON.stringify(this.#names.map((n) => r.properties[n] ?? null)));
      const company = this.#companyProperty ? r.properties[this.#companyProperty] : null;
      if (company) this.#companyIds.push(company);
    }
  }

  /** The primary company ids the contacts name (blank ones left out). */
  companyIds(): readonly string[] {
    return this.#companyIds;
  }

  /** The contacts, as records again (with every one of the names, absent ones null). */
  records(): HubspotRecord[] {
    const out: HubspotRecord[] = [];
    for (let i = 0; i < this.#ids.length; i++) {
      const values = JSON.parse(this.#values[i]!) as (string | null)[];
      const properties: Record<string, string | null> = {};
      this.#names.forEach((n, k) => {
        properties[n] = values[k] ?? null;
      });
      out.push({ id: this.#ids[i]!, properties });
    }
    return out;
  }

  clear(): void {
    this.#ids.length = 0;
    this.#values.length = 0;
    this.#companyIds.length = 0;
  }
}
