/** A HubSpot record id as the API gives it: decimal digits, exact as a double. */
const NUMERIC_ID = /^[1-9][0-9]{0,14}$/;

/** A deal's stage as the facts cache keeps it: `s` the stage, `at` when it was read. */
export interface DealStage {
  s: string | null;
  at: number;
}

/**
 * The portal's deals in a lost stage and the companies they belong to, read once by a cold start
 * (company-facts.ts) and kept for the run's later pages. A backfill of a million persons reads ~40,000
 * such deals: as `Map`s of id strings (deal → stage object, company → array of deal id strings) they
 * were ~230 bytes a deal of the heap for the whole run (~9 MB); here numeric ids are kept in sorted
 * typed arrays (~28 bytes a deal and its company), found by binary search. Any other id is kept in a
 * `Map`.
 */
export class LostDealIndex {
  /** Numeric deal ids, ascending, with their stage (an index into `#stages`) at the same position. */
  readonly #dealIds: Float64Array;
  readonly #dealStages: Uint32Array;
  /** One object per distinct stage and read time (a search page's), shared by its deals. */
  readonly #stages: DealStage[];
  /** (company, deal) associations with numeric ids, ordered by company. */
  readonly #pairCompanies: Float64Array;
  readonly #pairDeals: Float64Array;
  readonly #otherDeals: ReadonlyMap<string, DealStage>;
  readonly #otherCompanies: ReadonlyMap<string, string[]>;

  private constructor(builder: LostDealIndexBuilder) {
    const deals = builder.deals;
    const order = sortedOrder(deals.ids);
    this.#dealIds = Float64Array.from(order, (i) => deals.ids[i]!);
    this.#dealStages = Uint32Array.from(order, (i) => deals.stages[i]!);
    this.#stages = builder.stageList;
    const pairs = builder.pairs;
    const byCompany = sortedOrder(pairs.companies);
    this.#pairCompanies = Float64Array.from(byCompany, (i) => pairs.companies[i]!);
    this.#pairDeals = Float64Array.from(byCompany, (i) => pairs.deals[i]!);
    this.#otherDeals = builder.otherDeals;
    this.#otherCompanies = builder.otherCompanies;
  }

  static builder(): LostDealIndexBuilder {
    return new LostDealIndexBuilder((b) => new LostDealIndex(b));
  }

  get size(): number {
    return this.#dealIds.length + this.#otherDeals.size;
  }

  /** The deal ids of `companyId` in a lost stage (empty: none). */
  dealsOf(companyId: string): string[] {
    const others = this.#otherCompanies.get(companyId) ?? [];
    if (!NUMERIC_ID.test(companyId)) return [...others];
    const key = Number(companyId);
    const companies = this.#pairCompanies;
    const out: string[] = [];
    for (let i = lowerBound(companies, key); i < companies.length && companies[i] === key; i++)
      out.push(String(this.#pairDeals[i]));
    return out.concat(others);
  }

  /** The stage of a deal of the index, or undefined. */
  stageOf(dealId: string): DealStage | undefined {
    if (!NUMERIC_ID.test(dealId)) return this.#otherDeals.get(dealId);
    const key = Number(dealId);
    const i = lowerBound(this.#dealIds, key);
    return this.#dealIds[i] === key ? this.#stages[this.#dealStages[i]!] : undefined;
  }
}

/** Collects the index as the searches and association reads return it. */
export class LostDealIndexBuilder {
  readonly deals = { ids: [] as number[], stages: [] as number[] };
  readonly pairs = { companies: [] as number[], deals: [] as number[] };
  readonly stageList: DealStage[] = [];
  readonly otherDeals = new Map<string, DealStage>();
  readonly otherCompanies = new Map<string, string[]>();
  readonly #stageIndex = new Map<string, number>();
  readonly #build: (b: LostDealIndexBuilder) => LostDealIndex;

  constructor(build: (b: LostDealIndexBuilder) => LostDealIndex) {
    this.#build = build;
  }

  addDeal(id: string, stage: string | null, at: number): void {
    const key = JSON.stringify([at, stage]);
    let index = this.#stageIndex.get(key);
    if (index === undefined) {
      index = this.stageList.push({ s: stage, at }) - 1;
      this.#stageIndex.set(key, index);
    }
    if (NUMERIC_ID.test(id)) {
      this.deals.ids.push(Number(id));
      this.deals.stages.push(index);
    } else this.otherDeals.set(id, this.stageList[index]!);
  }

  addAssociation(companyId: string, dealId: string): void {
    if (NUMERIC_ID.test(companyId) && NUMERIC_ID.test(dealId)) {
      this.pairs.companies.push(Number(companyId));
      this.pairs.deals.push(Number(dealId));
      return;
    }
    const list = this.otherCompanies.get(companyId) ?? [];
    list.push(dealId);
    this.otherCompanies.set(companyId, list);
  }

  build(): LostDealIndex {
    return this.#build(this);
  }
}

/** Positions of `values` in ascending order of their values (stable: ties keep their order). */
function sortedOrder(values: readonly number[]): Uint32Array {
  const order = Uint32Array.from(values, (_, i) => i);
  return order.sort((a, b) => values[a]! - values[b]! || a - b);
}

/** The first position of the ascending `values` not below `key`. */
function lowerBound(values: Float64Array, key: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
