import type { DecidedOwner } from '../domain/decision.ts';
import type { CrmName, Lead } from '../domain/lead.ts';
import type { RoutingConfig } from './routing-config.ts';
import { crmIdOf, directoryFor } from './routing-directory.ts';

/**
 * Who owns a lead the rules gave an owner but no task (an existing customer without intent: the
 * account owner is the owner of record, docs/routing-and-sla.md "Owner of record without a task").
 * Pure and capacity-free: no task means no work due that day, so nothing is reserved against a
 * pool's daily capacity and an away rep still owns their account's people. An inactive rep (left the
 * company) is not made owner of anything: the lead keeps its owner and the report counts it, so an
 * admin reassigns the account.
 */
export interface OwnerOfRecord {
  ownerId: string;
  via: DecidedOwner['kind'];
  /** Rep or queue key in routing.yaml, when listed there. */
  ownerKey?: string;
}

export type NoOwnerOfRecord = { skipped: 'inactive_rep' | 'no_crm_id' | 'queue_cannot_own' };

export function ownerOfRecord(
  owner: DecidedOwner,
  lead: Pick<Lead, 'objectType'>,
  crm: CrmName,
  config: RoutingConfig,
): OwnerOfRecord | NoOwnerOfRecord {
  const dir = directoryFor(config);
  if (owner.kind === 'queue') {
    const queue = dir.queue(owner.queue);
    const id = queue && crmIdOf(queue, crm);
    if (!id) return { skipped: 'no_crm_id' };
    // Salesforce queues own Leads only (task-owner.ts); a Contact keeps its owner.
    if (crm === 'salesforce' && lead.objectType !== 'Lead') return { skipped: 'queue_cannot_own' };
    return { ownerId: id, via: 'queue', ownerKey: owner.queue };
  }
  const rep = dir.repByCrmId(crm, owner.id);
  // A CRM user routing.yaml does not list is trusted as is, as route() does for tasks.
  if (!rep) return { ownerId: owner.id, via: owner.kind };
  if (!rep.active) return { skipped: 'inactive_rep' };
  return { ownerId: owner.id, via: owner.kind, ownerKey: rep.key };
}
