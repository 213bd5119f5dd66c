import type { CrmName, TossUpFlag } from '../domain/lead.ts';
import type { OpportunitySource, OpportunityStage } from '../domain/opportunity.ts';

/**
 * Opportunity outcomes (issue 14): one record per opportunity and lead/contact it is linked to, kept
 * whether or not the lead was tossed up — a lead the rules said no to that converted anyway is exactly
 * what the monthly review must see. Written by the opportunity phase of `tossup sweep`
 * (src/sweep/opportunity-phase.ts); read by the review ledger (issue 15) and the demo's rates.
 */
export interface OpportunityOutcome {
  crm: CrmName;
  opportunityId: string;
  leadId: string;
  /** `Lead` / `Contact` (Salesforce) or `contact` (HubSpot). */
  objectType: string;
  source: OpportunitySource;
  stage: OpportunityStage;
  /** ISO UTC. */
  createdAt: string;
  closedAt: string | null;
  lostReason: string | null;
  /**
   * The toss-up episode the opportunity counts for (the lead's episode handed off at or before the
   * opportunity's creation); null = no toss-up: the lead had no episode, or its last one began after.
   */
  episodeKey: string | null;
  /** The toss-up flag the CRM showed on the lead when the outcome was first recorded (null = never decided). */
  flagAtOpportunity: TossUpFlag | null;
  /** When this record was first written and last changed (the sweep's instant, ISO UTC). */
  firstRecordedAt: string;
  updatedAt: string;
}

/** The identity of an outcome record: one per CRM, opportunity and lead/contact. */
export function outcomeId(o: Pick<OpportunityOutcome, 'crm' | 'opportunityId' | 'leadId'>): string {
  return `${o.crm}:${o.opportunityId}:${o.leadId}`;
}

/**
 * Where opportunity outcomes are kept (a JSON Lines file for the CLI, DynamoDB on AWS). Writes are
 * upserts by `outcomeId`: the phase reads what is stored, keeps the first attribution (episode, flag,
 * first recorded) and writes the new stage; one sweep per CRM at a time (the run lease) writes.
 */
export interface OutcomeStore {
  /** The stored records of these ids (absent ids are missing from the map). */
  getMany(ids: readonly string[]): Promise<Map<string, OpportunityOutcome>>;
  /** Creates or replaces each record, by `outcomeId`. */
  putMany(outcomes: readonly OpportunityOutcome[]): Promise<void>;
  /** Every record of one CRM (the ledger's and the report's read), in no particular order. */
  list(crm: CrmName): Promise<OpportunityOutcome[]>;
}
