import type { CrmName } from '../domain/lead.ts';
import type { EpisodeOwner } from '../episodes/episode.ts';
import type { EpisodeCrm } from '../ports/episode-crm.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { crmIdOf, directoryFor } from '../routing/routing-directory.ts';
import { managerFromRouting } from '../sla/escalation-ladder.ts';
import type { SlaConfig } from '../sla/sla-config.ts';

export interface Managers {
  /** The owner's manager as a CRM user (with the routing key when listed), or null when none is known. */
  of(owner: EpisodeOwner): EpisodeOwner | null;
}

/**
 * Resolves the managers of `owners` once per batch. `managers: routing` (sla.yaml, the default): the
 * `manager` of the owner's pool in routing.yaml. `managers: crm`: the CRM's own (`managersOf`, one
 * batched call; Salesforce User.ManagerId), with routing.yaml wherever the CRM names none, and for a
 * CRM that has no such notion (HubSpot). A failed `managersOf` falls back to routing.yaml for the
 * batch and is returned as `failure`, for the report. A manager is never the owner.
 */
export async function resolveManagers(
  owners: readonly EpisodeOwner[],
  input: { crmName: CrmName; crm: EpisodeCrm; routing: RoutingConfig; sla: SlaConfig },
): Promise<{ managers: Managers; failure: unknown }> {
  const dir = directoryFor(input.routing);
  const fromRouting = (owner: EpisodeOwner): EpisodeOwner | null => {
    const key = owner.key ?? dir.repByCrmId(input.crmName, owner.id)?.key;
    const managerKey = managerFromRouting(key === undefined ? owner : { ...owner, key }, input.routing);
    const rep = managerKey === null ? undefined : dir.rep(managerKey);
    const id = rep && crmIdOf(rep, input.crmName);
    return rep && id ? { id, key: rep.key } : null;
  };
  let fromCrm = new Map<string, string | null>();
  let failure: unknown = null;
  if (input.sla.managers === 'crm' && input.crm.managersOf && owners.length > 0) {
    try {
      fromCrm = await input.crm.managersOf([...new Set(owners.map((o) => o.id))]);
    } catch (e) {
      failure = e;
    }
  }
  return {
    failure,
    managers: {
      of(owner) {
        const crmId = fromCrm.get(owner.id);
        const manager: EpisodeOwner | null =
          typeof crmId === 'string' && crmId !== ''
            ? withKey(crmId, dir.repByCrmId(input.crmName, crmId)?.key)
            : fromRouting(owner);
        if (!manager || sameUser(manager.id, owner.id)) return null;
        return manager;
      },
    },
  };
}

function withKey(id: string, key: string | undefined): EpisodeOwner {
  return key === undefined ? { id } : { id, key };
}

/** Salesforce 15- and 18-character ids of one user compare equal on their first 15 characters. */
function sameUser(a: string, b: string): boolean {
  return a.length >= 15 && b.length >= 15 ? a.slice(0, 15) === b.slice(0, 15) : a === b;
}
