import { CrmError } from '../../src/domain/errors.ts';
import type { Lead } from '../../src/domain/lead.ts';
import type { AccountChangeSource, RelatedLeadPage } from '../../src/ports/account-changes.ts';
import type { SyncCursor } from '../../src/ports/lead-source.ts';
import { classifyFailure, toCrmError } from './classify-error.ts';
import { type HubspotClient, HubspotHttpError, type HubspotRecord, type SearchFilter } from './client.ts';
import { type CompanyFacts, chunks } from './company-facts.ts';
import { KeysetSearch } from './keyset-search.ts';
import type { RequestRunner } from './request-runner.ts';

/**
 * Account-level triggers on HubSpot (src/ports/account-changes.ts; BEHAVIOR.md "Company and deal
 * changes"). A contact's company facts come from its primary company (`associatedcompanyid`), so a
 * changed company (lifecycle stage = customer status, strategic tag, owner) or a changed deal of it
 * (closed won / lost) re-decides the contacts whose primary company it is. Per sync, in the window
 * `[cursor, HubSpot's clock − 1 s]`:
 *
 * 1. one search of the companies modified in the window (200 per call) — every incremental run;
 * 2. when deals are mapped: one search of the deals modified in the window, and only when some did,
 *    their companies (one association read per 1,000 deals) — every incremental run;
 * 3. only when some company changed: its contacts, by search on `associatedcompanyid IN (…)`
 *    (100 companies per filter, 200 contacts per call, paged by id) — with every property the
 *    person read uses, so no batch read follows.
 *
 * The companies the search returned update the company-facts cache (no second read), and changed
 * deals make their companies' deal lists be read again. A HubSpot company webhook
 * (`company.propertyChange`, `deal.propertyChange`) reaches the same contacts through
 * `readByAccountIds`, from the queue worker.
 */

export interface HubspotAccountChangesOptions {
  client: HubspotClient;
  runner: RequestRunner;
  facts: CompanyFacts;
  deals: { stageProperty: string } | null;
  /** The contact property holding the primary company id (mapping `contact.primaryCompanyId`). */
  primaryCompanyProperty: string | null;
  people: {
    contactProperties: readonly string[];
    leadsOf(records: readonly HubspotRecord[]): Promise<Lead[]>;
  };
  now: () => number;
  serverNow: () => number | undefined;
  /** One object type's change search read `count` records — the usage meter's minimum. */
  onChangeSearch?: (count: number) => void;
}

const SEARCH_PAGE = 200;
/** Values of one `IN` filter. */
const IN_VALUES = 100;

export class HubspotAccountChanges implements AccountChangeSource {
  private readonly o: HubspotAccountChangesOptions;

  constructor(options: HubspotAccountChangesOptions) {
    this.o = options;
  }

  async *readChanges(since: SyncCursor | null): AsyncGenerator<RelatedLeadPage> {
    const to = (this.o.serverNow() ?? this.o.now()) - 1000;
    const horizon: SyncCursor = { modifiedAt: new Date(to).toISOString(), idsAtModifiedAt: [] };
    if (since === null || !this.o.primaryCompanyProperty) {
      // No cursor yet: the first sync reads every contact anyway.
      yield { leads: [], accountIds: [], cursor: horizon };
      return;
    }
    const from = Date.parse(since.modifiedAt);
    const feed = this.o.facts.lastFeed();
    // The company-facts cache read its change feed in this run from at or before this cursor: its
    // records are this window's changes up to the feed's start, which becomes the window's end — no
    // search of our own (changes after it are the next run's).
    if (feed !== null && feed.from <= from && feed.to > from) {
      const ids = await this.triggeredBy(feed.companies, feed.deals, since, from, false);
      yield {
        leads: await this.contactsOfCompanies(ids),
        accountIds: ids,
        cursor: { modifiedAt: new Date(feed.to).toISOString(), idsAtModifiedAt: [] },
      };
      return;
    }
    if (from >= to) return;
    // When the company-facts cache has yet to read its own change feed in this run, these searches
    // start where that feed would and serve as it (company-facts.ts `prepareFrom`): one pair of
    // searches per run, not two. Records before this phase's cursor only refresh the cache.
    const feedFrom = this.o.facts.feedStart();
    const searchFrom =
      feedFrom !== null && feedFrom < from
        ? { modifiedAt: new Date(feedFrom).toISOString(), idsAtModifiedAt: [] }
        : since;
    const companies = await this.changed('companies', searchFrom, to, [...this.o.facts.properties]);
    const deals = this.o.deals
      ? await this.changed('deals', searchFrom, to, [this.o.deals.stageProperty])
      : [];
    if (feedFrom !== null) await this.o.facts.prepareFrom(companies, deals, to);
    const ids = await this.triggeredBy(companies, deals, since, from, true);
    const leads = await this.contactsOfCompanies(ids);
    // One page for the window: the cursor moves to its end once all of them are decided (a record at
    // exactly the end is read again next time: harmless, deciding is idempotent).
    yield { leads, accountIds: ids, cursor: horizon };
  }

  /**
   * The companies whose contacts a window's changed companies and deals re-decide: those modified
   * after the cursor (records before it only refreshed the cache). `absorb`: the records are newer
   * than the facts cache (our own search after it was read), so the cache takes them.
   */
  private async triggeredBy(
    companies: readonly HubspotRecord[],
    deals: readonly HubspotRecord[],
    since: SyncCursor,
    from: number,
    absorb: boolean,
  ): Promise<string[]> {
    const skip = new Set(since.idsAtModifiedAt);
    const isNew = (r: HubspotRecord) => {
      const raw = r.properties.hs_lastmodifieddate;
      const t = raw && /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw ?? '');
      return Number.isNaN(t) || t > from || (t === from && !skip.has(r.id));
    };
    const newCompanies = companies.filter(isNew);
    if (absorb) this.o.facts.absorbCompanies(newCompanies);
    const ids = new Set(newCompanies.map((c) => c.id));
    const newDeals = deals.filter(isNew);
    if (newDeals.length > 0) {
      const ofDeals = await this.companiesOfDeals(newDeals.map((d) => d.id));
      this.o.facts.absorbDeals(newDeals, ofDeals);
      for (const id of ofDeals) ids.add(id);
    }
    return [...ids];
  }

  async readByAccountIds(objectType: 'company' | 'deal', ids: readonly string[]): Promise<Lead[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0 || !this.o.primaryCompanyProperty) return [];
    // The webhook says what changed, not everything the facts need: the companies (and the deal)
    // are read again when their contacts are built.
    const companies = objectType === 'deal' ? await this.companiesOfDeals(unique) : unique;
    this.o.facts.forget(companies, objectType === 'deal' ? unique : []);
    return this.contactsOfCompanies(companies);
  }

  /** Records of one type modified in `[since, to]`, oldest first (keyset-search.ts). */
  private async changed(
    type: 'companies' | 'deals',
    since: SyncCursor,
    to: number,
    properties: string[],
  ): Promise<HubspotRecord[]> {
    const search = new KeysetSearch({
      type,
      modifiedProperty: 'hs_lastmodifieddate',
      properties,
      since,
      pageSize: SEARCH_PAGE,
      upperBound: to,
      search: (req) =>
        this.guard(`${type} change search`, () =>
          this.o.runner.run(
            { endpoint: `${type}.search`, what: `${type} change search`, kind: 'search', safeToRepeat: true },
            () => this.o.client.search(type, req),
          ),
        ),
    });
    const out: HubspotRecord[] = [];
    for (let page = await search.next(); page; page = await search.next()) out.push(...page.records);
    this.o.onChangeSearch?.(out.length);
    return out;
  }

  private async companiesOfDeals(dealIds: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const chunk of chunks([...dealIds], 1000)) {
      const answer = await this.guard('deal→company association read', () =>
        this.o.runner.run(
          {
            endpoint: 'associations.deals-companies.batch.read',
            what: 'deal→company association read',
            kind: 'general',
            safeToRepeat: true,
          },
          () => this.o.client.batchReadAssociations('deals', 'companies', chunk),
        ),
      );
      for (const r of answer.results) for (const id of r.toIds) out.add(id);
    }
    return [...out];
  }

  /** Contacts whose primary company is one of these, by search (every property the sync reads). */
  private async contactsOfCompanies(companyIds: readonly string[]): Promise<Lead[]> {
    const property = this.o.primaryCompanyProperty;
    if (!property || companyIds.length === 0) return [];
    const properties = [...new Set([...this.o.people.contactProperties, 'lastmodifieddate'])];
    const records: HubspotRecord[] = [];
    for (const chunk of chunks([...companyIds], IN_VALUES)) {
      let lastId = 0;
      for (;;) {
        const filters: SearchFilter[] = [
          { propertyName: property, operator: 'IN', values: chunk },
          { propertyName: 'hs_object_id', operator: 'GT', value: String(lastId) },
        ];
        const page = await this.guard('contacts of changed companies', () =>
          this.o.runner.run(
            {
              endpoint: 'contacts.search',
              what: 'contacts of changed companies',
              kind: 'search',
              safeToRepeat: true,
            },
            () =>
              this.o.client.search('contacts', {
                filterGroups: [{ filters }],
                sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
                properties,
                limit: SEARCH_PAGE,
              }),
          ),
        );
        records.push(...page.results);
        for (const r of page.results) lastId = Math.max(lastId, Number(r.id));
        if (page.results.length < SEARCH_PAGE) break;
      }
    }
    return records.length > 0 ? this.o.people.leadsOf(records) : [];
  }

  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof CrmError || !(e instanceof HubspotHttpError)) throw e;
      throw toCrmError(classifyFailure(e.failure), what, e.failure);
    }
  }
}
