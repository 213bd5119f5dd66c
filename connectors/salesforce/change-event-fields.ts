import {
  type ChangeEventReadFields,
  changeEventReadFields,
} from '../../src/changes/salesforce-change-event.ts';
import type { SalesforceMapping } from './mapping.ts';
import { personFields } from './soql.ts';

/**
 * The fields whose change can change a decision, per object of the change events we subscribe to
 * (src/changes/salesforce-change-event.ts): on Leads and Contacts every field the connector reads
 * (the same list as its queries, so the two cannot drift); on Accounts the facts Contacts read through
 * their Account and lead-to-account matching reads (name, website); on Opportunities what makes one
 * closed-lost or moves it to another Account — only when the mapping reads "previously lost".
 */
export function salesforceChangeEventFields(m: SalesforceMapping): ChangeEventReadFields {
  const a = m.account;
  const lost = a.previouslyLost;
  return changeEventReadFields({
    Lead: personFields(m, 'Lead'),
    Contact: personFields(m, 'Contact'),
    Account: [
      a.name ?? 'Name',
      a.employees,
      a.revenueJpy,
      a.industry,
      a.region,
      a.owner,
      a.strategicTarget,
      a.existingCustomer?.field,
      lost && 'rollupField' in lost ? lost.rollupField : null,
      m.lead.accountMatching.enabled ? m.lead.accountMatching.websiteField : null,
    ],
    Opportunity: lost ? ['AccountId', 'StageName', 'IsClosed', 'IsWon'] : [],
  });
}
