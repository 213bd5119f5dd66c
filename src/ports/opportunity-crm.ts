import type { TossUpFlag } from '../domain/lead.ts';
import type { OpportunityFact, OpportunitySource } from '../domain/opportunity.ts';
import type { WriteOutcome } from './lead-sink.ts';
import type { SyncCursor } from './lead-source.ts';

/**
 * What the opportunity phase of `tossup sweep` asks of a CRM (issue 14). A connector offers it as
 * `CrmConnector.opportunities`. Reads follow the CRM's own change stream of opportunities, with the
 * phase's own cursor (Salesforce `Opportunity.SystemModstamp`, HubSpot deal `hs_lastmodifieddate`),
 * so a stage change (closed won / lost) is read again like a new opportunity; every read and write
 * is batched (docs/sales-in-the-loop.md states the calls per 1,000 opportunities).
 */

/** One opportunity linked to one lead/contact, with that record's toss-up fields as the CRM holds them. */
export interface OpportunityLink {
  opportunity: OpportunityFact;
  source: OpportunitySource;
  leadId: string;
  /** `Lead` / `Contact` (Salesforce) or `contact` (HubSpot). */
  objectType: string;
  /** The lead's toss-up decision key (= its last episode's key), null when it was never tossed up. */
  decisionKey: string | null;
  flag: TossUpFlag | null;
  /** The opportunity flag (商談化フラグ) is set already (by an earlier sweep, or by a person). */
  opportunityFlagged: boolean;
  /**
   * Where the flag is written for this link when not the lead itself: Salesforce converted Leads are
   * read-only, so the flag goes to the Contact the conversion made (`ConvertedContactId`). Absent = the
   * lead itself.
   */
  flagTarget?: { id: string; objectType: string };
}

export interface OpportunityPage {
  /** Links of the opportunities of this page; an opportunity with no lead or contact has none. */
  links: OpportunityLink[];
  /** Opportunities read in this page (linked or not), for the report. */
  opportunities: number;
  /** Commit after the page is handled; resuming from it re-reads nothing already handled. */
  cursor: SyncCursor;
}

export interface OpportunityFlagUpdate {
  /** The record that carries the flag (the link's `flagTarget`, else its lead). */
  id: string;
  objectType: string;
  /** When the opportunity was created (ISO UTC). */
  at: string;
  /** That instant's calendar day in the SLA time zone (`YYYY-MM-DD`): the flag's date. */
  date: string;
}

export interface OpportunityCrm {
  /** Opportunities changed since `since` (null = all), oldest change first, page by page. */
  readChanged(options: { since: SyncCursor | null; limit?: number }): AsyncIterable<OpportunityPage>;
  /** Sets the opportunity flag and its date; one outcome per update, in order. */
  writeFlags(updates: readonly OpportunityFlagUpdate[]): Promise<WriteOutcome[]>;
}
