import type { Lead } from '../domain/lead.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';

/**
 * Optional connector capability: the current state of records named by id (a webhook says *which*
 * contacts changed, not how). A connector offers it by giving its `LeadSource` a `readByIds` method
 * (HubSpot: one batch read of ≤100 contacts). Ids not found (deleted, merged away) are left out.
 */
export interface LeadLookup {
  readByIds(ids: readonly string[]): Promise<Lead[]>;
}

export function leadLookupOf(connector: CrmConnector): LeadLookup | null {
  const source = connector.source as CrmConnector['source'] & Partial<LeadLookup>;
  return typeof source.readByIds === 'function' ? { readByIds: (ids) => source.readByIds!(ids) } : null;
}
