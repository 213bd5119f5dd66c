/**
 * Opportunity outcomes (issue 14): what became of a lead after the toss-up, as the CRM shows it. A
 * Salesforce Opportunity or a HubSpot deal, reduced to what the episodes and the monthly review need.
 * Stable English codes; no amounts, names or other business data.
 */

/** How an opportunity was found to belong to a lead or contact. */
export const OPPORTUNITY_SOURCES = [
  /** Salesforce: the Lead was converted and `ConvertedOpportunityId` names the opportunity. */
  'lead_conversion',
  /** Salesforce: an `OpportunityContactRole` links the Contact to the opportunity. */
  'contact_role',
  /** Salesforce: the opportunity is on the Contact's Account (mapping `opportunity.linkBy: account`). */
  'account',
  /** HubSpot: the deal is associated with the contact (v4 associations). */
  'deal_association',
] as const;
export type OpportunitySource = (typeof OPPORTUNITY_SOURCES)[number];

/** `open` until the CRM closes it: Salesforce `IsClosed`/`IsWon`, HubSpot closedwon / closedlost stages. */
export const OPPORTUNITY_STAGES = ['open', 'won', 'lost'] as const;
export type OpportunityStage = (typeof OPPORTUNITY_STAGES)[number];

/** One opportunity as read from the CRM. */
export interface OpportunityFact {
  /** Opportunity / deal id. */
  id: string;
  stage: OpportunityStage;
  /** When it was created (ISO UTC): the instant the lead "became an opportunity". */
  createdAt: string;
  /** When it was closed won or lost (ISO UTC; Salesforce gives a date: midnight UTC), null while open. */
  closedAt: string | null;
  /**
   * Why it was lost, as the CRM holds it (Salesforce: the mapped Opportunity field, e.g. a
   * `Loss_Reason__c` picklist; HubSpot `closed_lost_reason`); null when won, open or not given.
   */
  lostReason: string | null;
}
