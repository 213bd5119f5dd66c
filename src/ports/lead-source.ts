import type { CrmName, Lead } from '../domain/lead.ts';
import type { AccountMatchTally } from '../routing/account-match-tally.ts';

/**
 * Position in a CRM's change stream. Inclusive and tie-safe: the next read starts AT `modifiedAt`
 * (>=) and skips the ids already handed off at exactly that timestamp, so records sharing a
 * timestamp across a page boundary are neither lost nor processed twice.
 */
export interface SyncCursor {
  modifiedAt: string;
  idsAtModifiedAt: string[];
}

export interface LeadPage {
  leads: Lead[];
  /** Records deleted (or merged/converted away) since the cursor; nothing is written for them. */
  deletedIds: string[];
  /** Commit this after the page has been handed off; resuming from it re-reads nothing already handed off. */
  cursor: SyncCursor;
  /** Lead-to-account matching of this page's leads, when the source matches (Salesforce Leads). */
  accountMatches?: AccountMatchTally;
}

export interface ReadOptions {
  /** `null` = start of time (a full backfill). */
  since: SyncCursor | null;
  /** Stop after about this many leads (whole pages). */
  limit?: number;
  /**
   * Read records whose last change was our own write too (`--since`: re-decide everything changed
   * since then). Otherwise an incremental read may leave them out (connectors' "no echo").
   */
  includeOwnWrites?: boolean;
}

export interface LeadSource {
  readonly crm: CrmName;
  readChanges(options: ReadOptions): AsyncIterable<LeadPage>;
}
