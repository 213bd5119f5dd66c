import { closeSync, openSync } from 'node:fs';
import { z } from 'zod';
import { CrmError, FailureKind } from '../../src/domain/errors.ts';
import { classifyBatchError } from './classify-error.ts';
import type { BatchAnswer, HubspotClient, HubspotRecord } from './client.ts';
import { CompanyEntries } from './company-entries.ts';
import { readFactsCacheFile, writeFactsCacheFile } from './facts-cache-file.ts';
import { IdOffsets } from './id-offsets.ts';
import { KeysetSearch } from './keyset-search.ts';
import { LostDealIndex } from './lost-deal-index.ts';
import type { RequestRunner } from './request-runner.ts';

/**
 * Facts about contacts' primary companies: the mapped company properties and whether the company
 * has a deal in a lost stage. Read with as few calls as HubSpot allows — companies and deals 100
 * per batch read, company→deal associations 1,000 per call — and cached:
 *
 * - within a run, so a company shared by many contacts is read once;
 * - between runs (optional `file`), kept correct by a cheap change feed: at the start of each run
 *   one search per object type (`hs_lastmodifieddate >= watermark`) refreshes the companies and
 *   deal stages that changed since the last run. The watermark is the server time when the
 *   previous change search started, minus `lookbackMs` (search indexing lag). What the feed cannot
 *   see — an association to an existing deal changing without either record changing — is bounded
 *   by `maxAgeMs`: older entries are read again.
 */

/**
 * Other slow-changing portal facts kept in the same file, so a run does not pay for them again:
 * the owner list and the check that the task key property is unique. Users of each entry decide
 * how old is too old and what to do on a miss.
 */
export interface PortalMemo {
  owners?: {
    at: number;
    ids: string[];
    byUser: [userId: string, ownerId: string][];
    /** Ids this read did not hold, asked for since (owner-directory.ts). */
    missing?: string[];
  };
  taskKey?: { at: number; property: string };
}

export interface CompanyFact {
  properties: Readonly<Record<string, string | null>>;
  /** `null` when deals are not mapped. */
  previouslyLost: boolean | null;
}

export interface CompanyFactsOptions {
  client: HubspotClient;
  runner: RequestRunner;
  properties: readonly string[];
  deals: { stageProperty: string; lostStages: readonly string[] } | null;
  maxAgeMs: number;
  lookbackMs: number;
  now: () => number;
  /** HubSpot's clock as last seen in a response `Date` header (ms), if any. */
  serverNow: () => number | undefined;
  /** Persist the cache here between runs; omitted = per-run cache only. */
  file?: string;
  /** Identifies the portal, so a cache file is never used for another one (a hash, no secret). */
  portalKey: string;
  companyBatchSize?: number;
  associationBatchSize?: number;
  /** Companies the cache did not hold, read (successfully) by `ensure` — the usage meter's minimum. */
  onCompaniesRead?: (count: number) => void;
  /** One object type's change search read `count` records (the feed) — the usage meter's minimum. */
  onChangeSearch?: (count: number) => void;
}

interface CachedCompany {
  /**
   * The company's properties, their values in the order of the options' `properties`, as one JSON
   * array string (`packProperties`); `null` = HubSpot has no such company (deleted). One string
   * instead of an object of strings: the cache holds every company of the org (a third of its
   * contacts), ~500 bytes each as objects (17 MB at 100,000 contacts), ~310 as a string.
   */
  p: string | null;
  /** Deal ids; `null` = not read (deals not mapped). */
  d: readonly string[] | null;
  at: number;
}

/** The file's first line (facts-cache-file.ts); version 1 files (one document) had the same head. */
const CacheHeadSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  portalKey: z.string(),
  properties: z.array(z.string()),
  dealStageProperty: z.string().nullable(),
  watermarks: z.object({ companies: z.number().nullable(), deals: z.number().nullable() }),
  memo: z
    .object({
      owners: z
        .object({
          at: z.number(),
          ids: z.array(z.string()),
          byUser: z.array(z.tuple([z.string(), z.string()])),
          missing: z.array(z.string()).optional(),
        })
        .optional(),
      taskKey: z.object({ at: z.number(), property: z.string() }).optional(),
    })
    .default({}),
});

/** A company as the file has it, validated one line at a time. */
const CacheCompanySchema = z.object({
  p: z.record(z.string(), z.string().nullable()).nullable(),
  d: z.array(z.string()).nullable(),
  at: z.number(),
});

const CacheDealSchema = z.object({ s: z.string().nullable(), at: z.number() });

/** A company with no deals, shared (never changed in place). */
const NO_DEALS: readonly string[] = Object.freeze([]);

/**
 * A cold cache needing at least this many companies reads the portal's lost deals once instead of
 * each company's deals: the backfill's 4,000 companies had 22 calls of deal lists and stages.
 */
export const COLD_START_COMPANIES = 500;
/**
 * The lost-deal index serves the companies of the run that read it (later pages of a backfill) for
 * this long; a long-lived connector (a warm worker) reads per company afterwards.
 */
const LOST_INDEX_TTL_MS = 30 * 60_000;

export class CompanyFacts {
  private readonly o: CompanyFactsOptions;
  /** On disk but for an index and the last used (company-entries.ts); a changed entry is `set` again. */
  private companies: CompanyEntries<CachedCompany>;
  private deals = new Map<string, { s: string | null; at: number }>();
  private watermarks: { companies: number | null; deals: number | null } = { companies: null, deals: null };
  private prepared: Promise<void> | undefined;
  /** The change feed of this run is applied (`prepared` settled without failing). */
  private preparedDone = false;
  private feed: { from: number; to: number; companies: HubspotRecord[]; deals: HubspotRecord[] } | null =
    null;
  /** Persisted with the facts; see `PortalMemo`. */
  memo: PortalMemo = {};
  /** The run's lost deals, when it started with a cold cache (`readLostDealIndex`). */
  private lostIndex: { index: Promise<LostDealIndex>; at: number } | null = null;
  private readonly lost: ReadonlySet<string>;

  constructor(options: CompanyFactsOptions) {
    this.o = options;
    this.lost = new Set(options.deals?.lostStages ?? []);
    this.companies = this.entries();
    if (options.file) this.load(options.file);
  }

  /** Once per connector: apply what changed in HubSpot since the cache was saved. */
  prepare(): Promise<void> {
    this.prepared ??= this.applyChanges().then(() => {
      this.preparedDone = true;
    });
    return this.prepared;
  }

  /** Whether `ensure(ids)` would read nothing: the feed is applied and every id is cached, fresh and complete. */
  holds(ids: Iterable<string>): boolean {
    if (!this.preparedDone) return false;
    const now = this.o.now();
    for (const id of ids) if (this.needsRead(id, now)) return false;
    return true;
  }

  /**
   * Makes sure every id is cached, fresh and complete; one batch read per 100 missing companies.
   * All or nothing: the companies, their deal associations and the deals' stages enter the cache
   * only once every read of them succeeded. A failure (after the runner's retries) is thrown and
   * leaves nothing half-read behind — a company whose deals could not be read must never look like
   * a company without lost deals, in this run or (through the cache file) the next ones.
   */
  async ensure(ids: Iterable<string>): Promise<void> {
    await this.prepare();
    const now = this.o.now();
    const need = [...new Set(ids)].filter((id) => this.needsRead(id, now));
    if (need.length === 0) return;
    const size = this.o.companyBatchSize ?? 100;
    // A cold cache meeting many companies at once (a backfill): their lost deals come from one
    // search of the portal's lost deals, kept for the run, instead of every company's deal list and
    // every deal's stage (lostDealIndex).
    if (this.lostIndex && now - this.lostIndex.at > LOST_INDEX_TTL_MS) this.lostIndex = null;
    if (this.o.deals && !this.lostIndex && this.companies.size === 0 && need.length >= COLD_START_COMPANIES) {
      const index = this.readLostDealIndex();
      this.lostIndex = { index, at: now };
      // A failed read is not kept: the next call reads again (or per company, once the cache is warm).
      index.catch(() => {
        if (this.lostIndex?.index === index) this.lostIndex = null;
      });
    }
    const read = new Map<string, CachedCompany>();
    const [, lostIndex] = await Promise.all([
      Promise.all(chunks(need, size).map((chunk) => this.readCompanies(chunk, read))),
      this.lostIndex?.index ?? null,
    ]);
    const stages = new Map<string, { s: string | null; at: number }>();
    if (this.o.deals && lostIndex) {
      for (const [id, c] of read) {
        if (c.p === null) continue;
        const lost = lostIndex.dealsOf(id);
        c.d = lost.length === 0 ? NO_DEALS : lost;
        for (const d of c.d) stages.set(d, lostIndex.stageOf(d)!);
      }
    } else if (this.o.deals) await this.readDealsOf(read, stages);
    for (const [id, stage] of stages) this.deals.set(id, stage);
    for (const [id, c] of read) this.companies.set(id, c);
    this.o.onCompaniesRead?.(need.length);
  }

  /** Not cached, too old, or incomplete: `ensure` reads it. */
  private needsRead(id: string, now: number): boolean {
    const c = this.companies.get(id);
    return !c || now - c.at > this.o.maxAgeMs || !this.complete(c);
  }

  /** The company properties the facts hold (account-changes.ts searches changed companies with them). */
  get properties(): readonly string[] {
    return this.o.properties;
  }

  /**
   * Account-level triggers (account-changes.ts): companies a change search just returned, with their
   * current properties. A cached company takes them at once, so the people decided next see the
   * change even when the cache was read before it (earlier in the run, or by the change feed).
   */
  absorbCompanies(records: readonly { id: string; properties: Record<string, string | null> }[]): void {
    const at = this.o.now();
    for (const r of records) {
      const c = this.companies.get(r.id);
      if (c?.p) this.companies.set(r.id, { ...c, p: packProperties(r.properties, this.o.properties), at });
    }
  }

  /**
   * Deals a change search just returned: their stages are taken, and the deal lists of the given
   * companies are read again (a new deal of a company is not in its cached list).
   */
  absorbDeals(
    deals: readonly { id: string; properties: Record<string, string | null> }[],
    companyIds: readonly string[],
  ): void {
    const stage = this.o.deals?.stageProperty;
    if (!stage) return;
    const at = this.o.now();
    for (const d of deals) this.deals.set(d.id, { s: d.properties[stage] ?? null, at });
    for (const id of companyIds) {
      const c = this.companies.get(id);
      if (c?.p) this.companies.set(id, { ...c, d: null });
    }
  }

  /** Drops these companies and deals from the cache: the next `ensure` reads them (a webhook said they changed). */
  forget(companyIds: readonly string[], dealIds: readonly string[] = []): void {
    for (const id of companyIds) this.companies.delete(id);
    for (const id of dealIds) this.deals.delete(id);
  }

  get(id: string | null | undefined): CompanyFact | null {
    if (!id) return null;
    const c = this.companies.get(id);
    if (!c?.p) return null;
    // Unreachable after `ensure`; if it ever were, stopping beats deciding on a fact never read.
    if (!this.complete(c))
      throw new CrmError(`HubSpot deals of company ${id} were not read; the run stops before deciding`, {
        kind: FailureKind.Transient,
        crm: 'hubspot',
        code: 'company_facts_incomplete',
      });
    return {
      properties: unpackProperties(c.p, this.o.properties),
      previouslyLost: c.d === null ? null : c.d.some((d) => this.isLost(this.deals.get(d)?.s ?? null)),
    };
  }

  /**
   * Writes the cache file (atomically: a crash mid-write leaves the old file); the entries are then
   * read from it.
   */
  save(): void {
    const file = this.o.file;
    if (!file) return;
    const names = this.o.properties;
    const head: z.infer<typeof CacheHeadSchema> = {
      version: 2,
      portalKey: this.o.portalKey,
      properties: [...names],
      dealStageProperty: this.o.deals?.stageProperty ?? null,
      watermarks: this.watermarks,
      memo: this.memo,
    };
    function* companies(entries: CompanyEntries<CachedCompany>): Generator<[string, unknown]> {
      for (const [id, c] of entries.entries())
        yield [id, { p: c.p === null ? null : unpackProperties(c.p, names), d: c.d, at: c.at }];
    }
    const saved = writeFactsCacheFile(file, {
      head,
      companies: companies(this.companies),
      deals: this.deals,
    });
    this.companies.useFile(saved.fd, saved.companyOffsets, true);
  }

  /** `save`, then lets go of the cache's files and entries (a later use starts cold). */
  close(): void {
    try {
      this.save();
    } finally {
      this.companies.close();
    }
  }

  size(): { companies: number; deals: number } {
    return { companies: this.companies.size, deals: this.deals.size };
  }

  /**
   * Every fact of the entry was read: deals not mapped, company gone, or its deal list AND each
   * listed deal's stage known. Entries written by older versions after a failed deal read
   * (`d: null` with deals mapped) are incomplete, so they are read again instead of trusted.
   */
  private complete(c: CachedCompany): boolean {
    if (!this.o.deals || c.p === null) return true;
    return c.d?.every((d) => this.deals.has(d)) ?? false;
  }

  private isLost(stage: string | null): boolean {
    return stage !== null && this.lost.has(stage);
  }

  /**
   * Reads the cache file a line at a time, each entry validated on its own (a copy of one entry, not
   * of the whole cache). Anything unreadable or of another portal or mapping: start cold, which is
   * only slower.
   */
  private load(file: string): void {
    const names = this.o.properties;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return; // No cache yet: start cold.
    }
    const companies = this.entries();
    const offsets = new IdOffsets();
    const deals = new Map<string, { s: string | null; at: number }>();
    let head: z.infer<typeof CacheHeadSchema> | undefined;
    let fits = false;
    try {
      for (const entry of readFactsCacheFile(fd)) {
        if (entry.kind === 'head') {
          head = CacheHeadSchema.parse(entry.head);
          // Another portal: nothing in the file is about this one.
          if (head.portalKey !== this.o.portalKey) break;
          this.memo = head.memo;
          // A mapping that reads other properties: the company entries do not fit.
          if (
            head.dealStageProperty !== (this.o.deals?.stageProperty ?? null) ||
            names.some((p) => !head!.properties.includes(p))
          )
            break;
          fits = true;
        } else if (entry.kind === 'company') {
          const c = this.companyOf(entry.value);
          // A line of this build's file stays there (read again by name, company-entries.ts); a
          // version-1 file's entries go to the run log.
          if (entry.offset !== undefined) offsets.set(entry.id, entry.offset);
          else companies.set(entry.id, c);
        } else deals.set(entry.id, CacheDealSchema.parse(entry.value));
      }
    } catch {
      fits = false;
    }
    if (!fits || !head) {
      closeSync(fd);
      companies.close();
      return;
    }
    companies.useFile(fd, offsets, false);
    this.companies = companies;
    this.deals = deals;
    this.watermarks = head.watermarks;
  }

  /** A company as the cache file has it (one line's value), validated, its properties packed. */
  private companyOf(value: unknown): CachedCompany {
    const c = CacheCompanySchema.parse(value);
    return {
      p: c.p === null ? null : packProperties(c.p, this.o.properties),
      d: c.d === null ? null : c.d.length === 0 ? NO_DEALS : c.d,
      at: c.at,
    };
  }

  private entries(): CompanyEntries<CachedCompany> {
    return new CompanyEntries((value) => this.companyOf(value));
  }

  /** The change feed: companies and deals modified since the watermarks. */
  private async applyChanges(): Promise<void> {
    const startedAt = this.serverTime();
    const companies: HubspotRecord[] = [];
    const deals: HubspotRecord[] = [];
    if (this.watermarks.companies !== null && this.companies.size > 0) {
      for await (const rec of this.changed('companies', this.watermarks.companies, [...this.o.properties]))
        companies.push(rec);
      this.o.onChangeSearch?.(companies.length);
    }
    const d = this.o.deals;
    if (d && this.watermarks.deals !== null && this.companies.size > 0) {
      for await (const rec of this.changed('deals', this.watermarks.deals, [d.stageProperty]))
        deals.push(rec);
      this.o.onChangeSearch?.(deals.length);
    }
    const w = this.watermarks;
    if (w.companies !== null && this.companies.size > 0 && (!d || w.deals !== null)) {
      this.feed = { from: Math.min(w.companies, w.deals ?? w.companies), to: startedAt, companies, deals };
    }
    await this.applyFeed(companies, deals, startedAt);
  }

  /**
   * What this run's change feed read, when it read both searches: every company and deal modified
   * from `from` on (up to at least `to`, HubSpot's clock when it began). account-changes.ts takes its
   * triggers from it when `from` is at or before its own cursor, with no search of its own.
   */
  lastFeed(): Readonly<{
    from: number;
    to: number;
    companies: readonly HubspotRecord[];
    deals: readonly HubspotRecord[];
  }> | null {
    return this.feed;
  }

  /**
   * Where the change feed would start (ms), or null when this connector has no feed to read (no
   * watermark, an empty cache, or the feed already read): account-changes.ts searches from here so
   * its results can serve as the feed (`prepareFrom`), and the feed costs no second pair of searches.
   */
  feedStart(): number | null {
    if (this.prepared || this.companies.size === 0) return null;
    const w = this.watermarks;
    if (w.companies === null || (this.o.deals && w.deals === null)) return null;
    return Math.min(w.companies, this.o.deals ? (w.deals ?? w.companies) : w.companies);
  }

  /**
   * The change feed from records another search read: every company and deal modified from
   * `feedStart()` up to `startedAt` (HubSpot's clock when that search began). No-op once prepared.
   */
  prepareFrom(
    companies: readonly { id: string; properties: Record<string, string | null> }[],
    deals: readonly { id: string; properties: Record<string, string | null> }[],
    startedAt: number,
  ): Promise<void> {
    this.prepared ??= this.applyFeed(companies, deals, startedAt).then(() => {
      this.preparedDone = true;
    });
    return this.prepared;
  }

  private async applyFeed(
    companies: readonly { id: string; properties: Record<string, string | null> }[],
    dealRecords: readonly { id: string; properties: Record<string, string | null> }[],
    startedAt: number,
  ): Promise<void> {
    const next = startedAt - this.o.lookbackMs;
    for (const rec of companies) {
      const cached = this.companies.get(rec.id);
      if (cached?.p)
        this.companies.set(rec.id, {
          ...cached,
          p: packProperties(rec.properties, this.o.properties),
          at: this.o.now(),
        });
    }
    const deals = this.o.deals;
    if (deals) {
      const unknown = new Map<string, string | null>();
      for (const rec of dealRecords) {
        const stage = rec.properties[deals.stageProperty] ?? null;
        if (this.deals.has(rec.id)) this.deals.set(rec.id, { s: stage, at: this.o.now() });
        else unknown.set(rec.id, stage);
      }
      // New deals (or deals never seen): which cached companies do they belong to?
      if (unknown.size > 0) {
        for (const chunk of chunks([...unknown.keys()], this.o.associationBatchSize ?? 1000)) {
          const answer = await this.o.runner.run(
            {
              endpoint: 'associations.deals-companies.batch.read',
              what: 'deal→company association read',
              kind: 'general',
              safeToRepeat: true,
            },
            () => this.o.client.batchReadAssociations('deals', 'companies', chunk),
          );
          for (const { fromId, toIds } of answer.results) {
            for (const companyId of toIds) {
              const c = this.companies.get(companyId);
              if (!c?.d) continue;
              if (!c.d.includes(fromId)) this.companies.set(companyId, { ...c, d: [...c.d, fromId] });
              this.deals.set(fromId, { s: unknown.get(fromId) ?? null, at: this.o.now() });
            }
          }
        }
      }
    }
    this.watermarks = { companies: next, deals: deals ? next : null };
  }

  private async *changed(type: 'companies' | 'deals', since: number, properties: string[]) {
    const search = new KeysetSearch({
      type,
      modifiedProperty: 'hs_lastmodifieddate',
      properties,
      since: { modifiedAt: new Date(since).toISOString(), idsAtModifiedAt: [] },
      pageSize: 200,
      // Changes after this moment are caught by the next run (its watermark is below it).
      upperBound: Number.POSITIVE_INFINITY,
      search: (req) =>
        this.o.runner.run(
          { endpoint: `${type}.search`, what: `${type} change search`, kind: 'search', safeToRepeat: true },
          () => this.o.client.search(type, req),
        ),
    });
    for (let page = await search.next(); page; page = await search.next()) yield* page.records;
  }

  /** Batch-reads companies into `into` (not the cache: see `ensure`). */
  private async readCompanies(ids: string[], into: Map<string, CachedCompany>): Promise<void> {
    const answer = await this.o.runner.run(
      { endpoint: 'companies.batch.read', what: 'company batch read', kind: 'general', safeToRepeat: true },
      () => this.o.client.batchRead('companies', ids, this.o.properties),
    );
    failOnTransientErrors(answer, 'company batch read');
    const at = this.o.now();
    const found = new Set<string>();
    for (const r of answer.results) {
      found.add(r.id);
      into.set(r.id, { p: packProperties(r.properties, this.o.properties), d: null, at });
    }
    // Not returned = deleted or merged away: remember, so the next page does not ask again.
    for (const id of ids) if (!found.has(id)) into.set(id, { p: null, d: null, at });
  }

  /**
   * Every deal now in a lost stage and its companies: a search of the lost stages (200 per call,
   * paged by id) and one association read per 1,000 of them. A company's cached deal list then
   * holds its lost deals only — all the fact needs: a deal lost later is new to the cache, and the
   * change feed links every such deal to its cached companies (`applyFeed`); a lost deal reopened
   * has its stage updated there.
   */
  private async readLostDealIndex(): Promise<LostDealIndex> {
    const deals = this.o.deals!;
    const index = LostDealIndex.builder();
    // Each deal once, in the order read (its associations are read in that order).
    const dealIds = new Set<string>();
    let lastId = '0';
    for (;;) {
      const page = await this.o.runner.run(
        { endpoint: 'deals.search', what: 'lost deal search', kind: 'search', safeToRepeat: true },
        () =>
          this.o.client.search('deals', {
            filterGroups: [
              {
                filters: [
                  { propertyName: deals.stageProperty, operator: 'IN', values: [...deals.lostStages] },
                  { propertyName: 'hs_object_id', operator: 'GT', value: lastId },
                ],
              },
            ],
            sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
            properties: [deals.stageProperty],
            limit: 200,
          }),
      );
      const at = this.o.now();
      for (const r of page.results) {
        if (!dealIds.has(r.id)) index.addDeal(r.id, r.properties[deals.stageProperty] ?? null, at);
        dealIds.add(r.id);
        lastId = r.id;
      }
      if (page.results.length < 200 || page.results.length >= page.total) break;
    }
    for (const chunk of chunks([...dealIds], this.o.associationBatchSize ?? 1000)) {
      const answer = await this.o.runner.run(
        {
          endpoint: 'associations.deals-companies.batch.read',
          what: 'lost deal→company association read',
          kind: 'general',
          safeToRepeat: true,
        },
        () => this.o.client.batchReadAssociations('deals', 'companies', chunk),
      );
      for (const { fromId, toIds } of answer.results) {
        for (const companyId of toIds) index.addAssociation(companyId, fromId);
      }
    }
    return index.build();
  }

  /** Fills in the deal lists of `companies` and collects the stages of deals not cached fresh. */
  private async readDealsOf(
    companies: Map<string, CachedCompany>,
    stages: Map<string, { s: string | null; at: number }>,
  ): Promise<void> {
    const deals = this.o.deals!;
    const companyIds = [...companies].filter(([, c]) => c.p !== null).map(([id]) => id);
    const dealIds = new Set<string>();
    for (const chunk of chunks(companyIds, this.o.associationBatchSize ?? 1000)) {
      const answer = await this.o.runner.run(
        {
          endpoint: 'associations.companies-deals.batch.read',
          what: 'company→deal association read',
          kind: 'general',
          safeToRepeat: true,
        },
        () => this.o.client.batchReadAssociations('companies', 'deals', chunk),
      );
      for (const { fromId, toIds } of answer.results) {
        const c = companies.get(fromId);
        if (c) c.d = toIds;
        for (const d of toIds) dealIds.add(d);
      }
      for (const id of answer.without) {
        const c = companies.get(id);
        if (c) c.d = NO_DEALS;
      }
    }
    const now = this.o.now();
    const unread = [...dealIds].filter((d) => {
      const cached = this.deals.get(d);
      return !cached || now - cached.at > this.o.maxAgeMs;
    });
    await Promise.all(
      chunks(unread, 100).map(async (chunk) => {
        const answer = await this.o.runner.run(
          { endpoint: 'deals.batch.read', what: 'deal batch read', kind: 'general', safeToRepeat: true },
          () => this.o.client.batchRead('deals', chunk, [deals.stageProperty]),
        );
        failOnTransientErrors(answer, 'deal batch read');
        const at = this.o.now();
        for (const r of answer.results)
          stages.set(r.id, { s: r.properties[deals.stageProperty] ?? null, at });
        // Not returned = deleted: known to be no lost deal (and not asked for again).
        for (const id of chunk) if (!stages.has(id)) stages.set(id, { s: null, at });
      }),
    );
  }

  private serverTime(): number {
    // HTTP dates have whole seconds: step back one so nothing of the current second is missed.
    const server = this.o.serverNow();
    return (server ?? this.o.now()) - 1000;
  }
}

/**
 * A 207 whose entries are not "no such record" (an `INTERNAL_ERROR` entry, say) did not read those
 * records: taking them for deleted would turn an unread deal into "not lost".
 */
function failOnTransientErrors(answer: BatchAnswer, what: string): void {
  for (const e of answer.errors) {
    const c = classifyBatchError(e.category);
    if (c.kind === FailureKind.Transient || c.kind === FailureKind.RateLimited)
      throw new CrmError(`HubSpot ${what} failed for some records: ${c.code}`, {
        kind: FailureKind.Transient,
        crm: 'hubspot',
        code: c.code,
      });
  }
}

/** `props`' values of `names`, in that order, as one JSON array string (see `CachedCompany.p`). */
function packProperties(props: Readonly<Record<string, string | null>>, names: readonly string[]): string {
  return JSON.stringify(names.map((n) => props[n] ?? null));
}

/** The properties `packProperties` packed, by name. */
function unpackProperties(packed: string, names: readonly string[]): Record<string, string | null> {
  const values = JSON.parse(packed) as (string | null)[];
  const out: Record<string, string | null> = {};
  names.forEach((n, i) => {
    out[n] = values[i] ?? null;
  });
  return out;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
