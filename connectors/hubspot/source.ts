import { CrmError } from '../../src/domain/errors.ts';
import type { Lead } from '../../src/domain/lead.ts';
import { mapWithTurns } from '../../src/pipeline/event-loop-turns.ts';
import type { LeadPage, LeadSource, ReadOptions, SyncCursor } from '../../src/ports/lead-source.ts';
import { classifyFailure, toCrmError } from './classify-error.ts';
import { type EventInfo, type HubspotClient, HubspotHttpError, type HubspotRecord } from './client.ts';
import { type CompanyFacts, chunks } from './company-facts.ts';
import { contactPropertiesFor, type ToLeadContext, toLead } from './contact-to-lead.ts';
import { KeysetSearch } from './keyset-search.ts';
import { PackedContacts } from './packed-contacts.ts';
import type { RequestRunner } from './request-runner.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * `LeadSource` over HubSpot contacts: changed contacts in ascending `lastmodifieddate` order
 * (keyset-search.ts), their primary companies' facts (company-facts.ts), normalized into `Lead`s.
 * While the pipeline works on one page, the next one is already being read, so the search budget
 * (5/s) and the write budget (190/10 s) are spent in parallel.
 */

export interface HubspotLeadSourceOptions {
  client: HubspotClient;
  runner: RequestRunner;
  meter: UsageMeter;
  facts: CompanyFacts;
  toLead: ToLeadContext;
  /** Leads per page handed to the pipeline (a multiple of 200 keeps every search call full). */
  pageSize: number;
  /** Report contacts deleted since the cursor (recycle bin), reading at most this many pages of 100. */
  deletedPages: number;
  now: () => number;
  /** HubSpot's clock from the last response, for the run's upper bound. */
  serverNow: () => number | undefined;
}

const SEARCH_PAGE = 200;

/**
 * A page while its searches run. Once the caller waits for it (it has finished the page before,
 * so the thread is free but for the searches), the contacts read so far are normalized at once and
 * each search's contacts as they arrive, instead of all after the page's last search: the last
 * page's normalization leaves the run's tail. Only while their companies' facts are all cached
 * (no read needed: a company read per search would cost partial batches); from the first search
 * that needs one, the rest wait for the page's end as before. Contacts that wait are kept packed
 * (packed-contacts.ts): the page read ahead waits whole while the pipeline works on the page before.
 */
class PageInReading {
  cursor: SyncCursor | null = null;
  /** Contacts read into this page. */
  size = 0;
  /** The contacts not normalized yet: the page's last ones, in order. */
  private readonly waiting: PackedContacts;
  private readonly early: Promise<Lead[]>[] = [];
  private eager = false;
  private warm = true;
  private readonly normalize: (records: HubspotRecord[]) => Promise<Lead[]>;
  private readonly cached: (companyIds: readonly string[]) => boolean;
  private readonly companyIdsOf: (records: readonly HubspotRecord[]) => string[];

  constructor(
    waiting: PackedContacts,
    normalize: (records: HubspotRecord[]) => Promise<Lead[]>,
    cached: (companyIds: readonly string[]) => boolean,
    companyIdsOf: (records: readonly HubspotRecord[]) => string[],
  ) {
    this.waiting = waiting;
    this.normalize = normalize;
    this.cached = cached;
    this.companyIdsOf = companyIdsOf;
  }

  add(records: readonly HubspotRecord[], cursor: SyncCursor): void {
    this.cursor = cursor;
    this.size += records.length;
    // Waited for, warm and nothing before them waiting: normalized as they come, never packed.
    if (this.eager && this.warm && this.waiting.length === 0) {
      if (this.cached(this.companyIdsOf(records))) {
        this.normalizeNow([...records]);
        return;
      }
      this.warm = false;
    }
    this.waiting.push(records);
  }

  /** The caller waits for this page. */
  hurry(): void {
    this.eager = true;
    if (!this.warm || this.waiting.length === 0) return;
    if (!this.cached(this.waiting.companyIds())) {
      this.warm = false;
      return;
    }
    const records = this.waiting.records();
    this.waiting.clear();
    this.normalizeNow(records);
  }

  /** The page's leads, in the order of its contacts, which are let go once normalized. */
  async leads(): Promise<Lead[]> {
    const done = (await Promise.all(this.early)).flat();
    this.early.length = 0;
    if (this.waiting.length === 0) return done;
    const records = this.waiting.records();
    this.waiting.clear();
    return [...done, ...(await this.normalize(records))];
  }

  private normalizeNow(records: HubspotRecord[]): void {
    const leads = this.normalize(records);
    leads.catch(() => {}); // surfaces in `leads()`
    this.early.push(leads);
  }
}

export class HubspotLeadSource implements LeadSource {
  readonly crm = 'hubspot' as const;
  private readonly o: HubspotLeadSourceOptions;
  private readonly properties: string[];

  constructor(options: HubspotLeadSourceOptions) {
    this.o = options;
    this.properties = contactPropertiesFor(options.toLead.mapping);
  }

  async *readChanges(options: ReadOptions): AsyncIterable<LeadPage> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const search = new KeysetSearch({
      type: 'contacts',
      modifiedProperty: 'lastmodifieddate',
      properties: this.properties,
      since: options.since,
      pageSize: SEARCH_PAGE,
      serverNow: this.o.serverNow,
      search: (req) =>
        this.guard('contact search', () =>
          this.o.runner.run(
            { endpoint: 'contacts.search', what: 'contact search', kind: 'search', safeToRepeat: true },
            () => this.o.client.search('contacts', req),
          ),
        ),
    });
    const deletedIds = options.since ? await this.deletedSince(options.since) : [];

    let handedOff = 0;
    let first = true;
    let reading = this.pageInReading();
    let next: Promise<PageInReading | null> = this.readPage(
      search,
      Math.min(this.o.pageSize, limit),
      reading,
    );
    // The page handed off and what it was built from, dropped once the caller asks for the next: a
    // suspended generator keeps what its registers last held, and `const`s in the loop kept the page
    // just processed alive while the next one was awaited.
    let read: PageInReading | null = null;
    let page: LeadPage | null = null;
    for (;;) {
      // The caller asks for this page: its contacts read so far are normalized now, the rest as they come.
      reading.hurry();
      read = await next;
      if (!read) {
        // Changes were all handed off already, but deletions still need reporting.
        if (first && deletedIds.length > 0 && options.since)
          yield { leads: [], deletedIds, cursor: options.since };
        return;
      }
      handedOff += read.size;
      const room = limit - handedOff;
      // Read ahead while this page is normalized and then processed by the caller: the next page's
      // searches start as soon as this page's are done. A failure surfaces when it is awaited.
      reading = this.pageInReading();
      next =
        room > 0 ? this.readPage(search, Math.min(this.o.pageSize, room), reading) : Promise.resolve(null);
      next.catch(() => {});
      page = { leads: await read.leads(), deletedIds: [], cursor: read.cursor! };
      read = null;
      this.o.meter.noteLeadsRead(page.leads.length);
      if (first && deletedIds.length > 0) page.deletedIds = deletedIds;
      first = false;
      yield page;
      page = null;
      if (room <= 0) return;
    }
  }

  /**
   * The current state of the named contacts (a webhook says which contacts changed, not how):
   * batch reads of 100, the same company facts and normalization as `readChanges`. Ids HubSpot
   * does not return (deleted, merged away) are left out.
   */
  async readByIds(ids: readonly string[]): Promise<Lead[]> {
    const unique = [...new Set(ids)];
    const answers = await Promise.all(
      chunks(unique, 100).map((chunk) =>
        this.guard('contact batch read', () =>
          this.o.runner.run(
            {
              endpoint: 'contacts.batch.read',
              what: 'contact batch read',
              kind: 'general',
              safeToRepeat: true,
            },
            () => this.o.client.batchRead('contacts', chunk, [...this.properties, 'lastmodifieddate']),
          ),
        ),
      ),
    );
    const records = answers.flatMap((a) => a.results);
    return this.toLeads(records);
  }

  /** The contact properties every read asks for (account-changes.ts reads contacts with them too). */
  get contactProperties(): readonly string[] {
    return this.properties;
  }

  /** Contacts read elsewhere (account-changes.ts), with the same company facts and normalization. */
  leadsOf(records: readonly HubspotRecord[]): Promise<Lead[]> {
    return this.toLeads(records);
  }

  private async toLeads(records: readonly HubspotRecord[]): Promise<Lead[]> {
    const companyProperty = this.o.toLead.mapping.contact.primaryCompanyId;
    await this.guard('company facts read', () => this.o.facts.ensure(this.companyIdsOf(records)));
    const events = await this.eventsOf(records);
    // With event-loop turns: a page's normalization must not stall the searches reading ahead.
    return mapWithTurns(records, (r, i) =>
      toLead(
        r,
        this.o.facts.get(companyProperty ? r.properties[companyProperty] : null),
        this.o.toLead,
        events?.[i] ?? null,
      ),
    );
  }

  private async readPage(
    search: KeysetSearch,
    want: number,
    into: PageInReading,
  ): Promise<PageInReading | null> {
    // Whole search calls: `want` is a target, and topping a page up by a handful of records
    // would cost a call for almost nothing (each call may re-return boundary ties).
    const calls = Math.ceil(want / SEARCH_PAGE);
    for (let i = 0; i < calls && into.size < want; i++) {
      const page = await search.next(i < calls - 1 ? SEARCH_PAGE : want - into.size);
      if (!page) break;
      into.add(page.records, page.cursor);
    }
    return into.size === 0 || into.cursor === null ? null : into;
  }

  private pageInReading(): PageInReading {
    const eventsRead = !!this.o.toLead.mapping.behaviour.events?.enabled;
    return new PageInReading(
      new PackedContacts(this.properties, this.o.toLead.mapping.contact.primaryCompanyId ?? null),
      (records) => this.toLeads(records),
      (companyIds) => !eventsRead && this.o.facts.holds(companyIds),
      (records) => this.companyIdsOf(records),
    );
  }

  /** The primary companies the contacts name (none when the mapping reads no company). */
  private companyIdsOf(records: readonly HubspotRecord[]): string[] {
    const property = this.o.toLead.mapping.contact.primaryCompanyId;
    return property ? records.map((r) => r.properties[property]).filter((id): id is string => !!id) : [];
  }

  /** Per-event reads (mapping `behaviour.events.enabled`): one call per contact, oldest first. */
  private async eventsOf(records: readonly HubspotRecord[]): Promise<EventInfo[][] | null> {
    const cfg = this.o.toLead.mapping.behaviour.events;
    if (!cfg?.enabled) return null;
    const since = new Date(this.o.now() - cfg.lookbackDays * 86_400_000);
    return Promise.all(
      records.map(async (r) => {
        const out: EventInfo[] = [];
        let after: string | undefined;
        do {
          const res = await this.guard('contact events read', () =>
            this.o.runner.run(
              { endpoint: 'events.list', what: 'contact events read', kind: 'general', safeToRepeat: true },
              () => this.o.client.listContactEvents(r.id, since, after),
            ),
          );
          out.push(...res.results);
          after = res.nextAfter;
        } while (after);
        return out;
      }),
    );
  }

  /**
   * Contacts archived since the cursor, from the recycle bin (id order, so the whole bin is read,
   * up to `deletedPages` pages). Search never returns archived records, so this is the only way to
   * see them; merged-away contacts show up here too.
   */
  private async deletedSince(since: SyncCursor): Promise<string[]> {
    if (this.o.deletedPages <= 0) return [];
    const from = Date.parse(since.modifiedAt);
    const out: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < this.o.deletedPages; i++) {
      const res = await this.guard('archived contacts read', () =>
        this.o.runner.run(
          {
            endpoint: 'contacts.list.archived',
            what: 'archived contacts read',
            kind: 'general',
            safeToRepeat: true,
          },
          () => this.o.client.listArchived('contacts', 100, after),
        ),
      );
      this.o.meter.noteArchivedListPage();
      for (const r of res.results) if (r.archivedAt && Date.parse(r.archivedAt) >= from) out.push(r.id);
      after = res.nextAfter;
      if (!after) break;
    }
    return out;
  }

  /** Failures the runner leaves as HTTP errors (a 400 on a search, ...) stop the run as CrmErrors. */
  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof CrmError || !(e instanceof HubspotHttpError)) throw e;
      throw toCrmError(classifyFailure(e.failure), what, e.failure);
    }
  }
}
