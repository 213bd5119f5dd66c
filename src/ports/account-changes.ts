import type { Lead } from '../domain/lead.ts';
import type { SyncCursor } from './lead-source.ts';

/**
 * Account-level triggers (issue 14): an Account or HubSpot company whose facts changed (customer
 * status, strategic tag, owner) or whose opportunity/deal closed re-decides the people the rules see
 * it through — Salesforce Contacts of the Account and the Leads lead-to-account matching puts on it,
 * HubSpot contacts whose primary company it is. Those people did not change themselves, so the
 * person change stream never brings them; this stream does, with its own cursor
 * (src/pipeline/related-leads.ts). A connector offers it as the optional `CrmConnector.accountChanges`.
 */

export interface RelatedLeadPage {
  /** The people of the changed accounts, read now (their current fields and account facts). */
  leads: Lead[];
  /** The accounts/companies whose change brought them (ids, for the report). */
  accountIds: string[];
  /** Commit this after the page was handed off. */
  cursor: SyncCursor;
}

export interface AccountChangeSource {
  /**
   * Accounts changed after `since` (inclusive, tie-safe like the person cursor) up to the CRM's clock
   * at the start of the call, and their people, in pages. `since` null (no cursor yet: the first sync
   * reads every person anyway) yields one empty page whose cursor is where the next run starts.
   */
  readChanges(since: SyncCursor | null): AsyncIterable<RelatedLeadPage>;
  /**
   * The people of the named accounts, companies or deals, for callers that were told which ones
   * changed (the HubSpot webhook's `company.propertyChange` / `deal.propertyChange`). Unknown ids are
   * left out.
   */
  readByAccountIds?(objectType: 'company' | 'deal', ids: readonly string[]): Promise<Lead[]>;
}
