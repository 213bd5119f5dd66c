import type { ApiUsage } from '../../src/ports/crm-connector.ts';

/**
 * API calls per endpoint (every attempt counts, retries included) and the work done, so a run can
 * report "calls vs the theoretical minimum": one search per 200 leads read, one batch update per
 * 100 contacts written, one batch create per 100 tasks (reliability-limits-costs.md §E), one batch
 * read per 100 companies whose facts the cache did not hold (a contact search returns no company
 * properties, so a cold cache — a backfill — must read them, and 100 per batch read is HubSpot's
 * fewest), and for the SLA sweep four association reads per 1,000 contacts plus one task read per
 * 100 episodes.
 *
 * An incremental run also makes calls no cheaper API replaces, counted when made: each change
 * search of companies and of deals (the account triggers and the facts cache's feed: HubSpot tells
 * which companies or deals changed only through a search per object type, at least one call each,
 * one per 200 records), and each page of the contact recycle bin read (search never returns
 * archived contacts, and the bin has no time filter). The owner list and the task-key check are
 * not counted: they are kept a day, so a run pays them only when they are older.
 */
export class UsageMeter {
  private readonly calls = new Map<string, number>();
  private leadsRead = 0;
  private contactsWritten = 0;
  private tasksRequested = 0;
  private episodeContacts = 0;
  private episodesChecked = 0;
  private dealsRead = 0;
  private companiesRead = 0;
  /** Calls of the change searches and the recycle bin (see the class comment). */
  private feedCalls = 0;

  call(endpoint: string): void {
    this.calls.set(endpoint, (this.calls.get(endpoint) ?? 0) + 1);
  }

  noteLeadsRead(n: number): void {
    this.leadsRead += n;
  }

  noteContactsWritten(n: number): void {
    this.contactsWritten += n;
  }

  noteTasksRequested(n: number): void {
    this.tasksRequested += n;
  }

  /** `n` companies the facts cache did not hold were read (company-facts.ts `ensure`). */
  noteCompaniesRead(n: number): void {
    this.companiesRead += n;
  }

  /** One object type's change search read `records` records: one search per 200, at least one. */
  noteChangeSearch(records: number): void {
    this.feedCalls += Math.max(1, Math.ceil(records / 200));
  }

  /** A page of the contact recycle bin was read (source.ts `deletedSince`). */
  noteArchivedListPage(): void {
    this.feedCalls += 1;
  }

  /** The SLA sweep read the facts of `episodes` episodes on `contacts` contacts (episodes.ts). */
  noteEpisodesChecked(episodes: number, contacts: number): void {
    this.episodesChecked += episodes;
    this.episodeContacts += contacts;
  }

  /** The sweep's opportunity phase read `n` changed deals (opportunities.ts). */
  noteDealsRead(n: number): void {
    this.dealsRead += n;
  }

  total(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  snapshot(): ApiUsage {
    return {
      calls: Object.fromEntries([...this.calls.entries()].sort(([a], [b]) => a.localeCompare(b))),
      minimum:
        Math.ceil(this.leadsRead / 200) +
        Math.ceil(this.contactsWritten / 100) +
        Math.ceil(this.tasksRequested / 100) +
        Math.ceil(this.companiesRead / 100) +
        this.feedCalls +
        // Facts: four association reads per 1,000 contacts, one task read per 100 toss-up tasks.
        4 * Math.ceil(this.episodeContacts / 1000) +
        Math.ceil(this.episodesChecked / 100) +
        // Opportunity phase: a deal search per 200, an association read per 1,000 (contacts not counted).
        Math.ceil(this.dealsRead / 200) +
        Math.ceil(this.dealsRead / 1000),
    };
  }
}
