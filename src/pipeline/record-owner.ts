import type { Decision } from '../domain/decision.ts';
import type { CrmName, Lead } from '../domain/lead.ts';
import type { RoutingState } from '../ports/routing-state.ts';
import { type NoOwnerOfRecord, type OwnerOfRecord, ownerOfRecord } from '../routing/owner-of-record.ts';
import { assignmentKey } from '../routing/route.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { needsTask } from './episode-key.ts';

/**
 * When a decision that names an owner but no task (a customer showing no intent) makes that owner the
 * lead's owner of record. A new decision (new key) always does, like a task's owner. A decision that
 * continues the CRM's key does once per lead and owner: a contact decided no → nurture for another
 * reason whose company then becomes a customer keeps its key, yet now belongs to the account owner.
 * The routing state remembers the assignment (keyed by lead and owner), so the next runs leave the
 * owner alone and a person who reassigns the lead by hand is not overruled; a new account owner is a
 * new assignment. Undefined: nothing to say about the owner.
 */
export async function recordOwnerFor(
  lead: Lead,
  decision: Decision,
  ctx: {
    newEpisode: boolean;
    crm: CrmName;
    routing: RoutingConfig;
    routingState: RoutingState;
  },
): Promise<OwnerOfRecord | NoOwnerOfRecord | undefined> {
  if (!decision.owner || needsTask(decision)) return undefined;
  const owner = ownerOfRecord(decision.owner, lead, ctx.crm, ctx.routing);
  if (!('ownerId' in owner)) return ctx.newEpisode ? owner : undefined;
  const key = assignmentKey(ctx.crm, lead.id, `owner_of_record|${owner.ownerId}`);
  const prior = await ctx.routingState.getAssignment(key);
  if (prior && !ctx.newEpisode) return undefined;
  if (!prior)
    await ctx.routingState.putAssignment(
      key,
      {
        ownerId: owner.ownerId,
        ownerKind: owner.via === 'queue' ? 'queue' : 'user',
        via: owner.via,
        ...(owner.ownerKey ? { ownerKey: owner.ownerKey } : {}),
        businessDate: decision.decidedAt.slice(0, 10),
      },
      null,
    );
  return owner;
}
