import type { CrmName } from '../domain/lead.ts';
import type { Episode, EpisodeOwner } from '../episodes/episode.ts';
import type { RouteResult, RoutingState } from '../ports/routing-state.ts';
import { rendezvousOrder } from '../routing/rendezvous.ts';
import { assignmentKey, capacityOf } from '../routing/route.ts';
import type { RoutingConfig, RoutingPool } from '../routing/routing-config.ts';
import { crmIdOf, directoryFor, isRepAvailable } from '../routing/routing-directory.ts';

export type ReassignSkipReason = 'no_pool' | 'no_rep_available';

export type ReassignPick =
  | {
      owner: EpisodeOwner & { key: string } /** A slot was taken by this call (give it back if unused). */;
      reserved: boolean;
    }
  | { skipped: ReassignSkipReason; detail: string };

/**
 * The rep a reassignment passes the toss-up to: an active member of the owner's pool (routing.yaml),
 * not away on `businessDate`, with a CRM id, with a free slot of daily capacity that day, and not one of
 * the episode's earlier owners (a toss-up never bounces back). Members are tried in weighted rendezvous
 * order of the lead and the new round, as the sync's pool routing does, so the pick is stable.
 *
 * The pick is recorded in the routing state under the reassignment's own key, like any routing
 * decision: a retry after a crash (task created, step not recorded) and a concurrent sweep get the
 * same rep, so the new owner's task (keyed by round) and the lead's owner agree, and the slot is taken
 * once. No rep → `skipped` with why; nothing is recorded, nothing reserved.
 */
export async function pickReassignee(input: {
  episode: Episode;
  crm: CrmName;
  routing: RoutingConfig;
  state: RoutingState;
  businessDate: string;
}): Promise<ReassignPick> {
  const { episode: ep, crm, routing, state, businessDate } = input;
  const dir = directoryFor(routing);
  const key = assignmentKey(crm, ep.leadId, `reassign|${ep.key}|r${ep.round + 1}`);
  const prior = await state.getAssignment(key);
  if (prior?.result.ownerKey !== undefined) return { owner: ownerOf(prior.result), reserved: false };

  const pool = poolOf(ep, routing, crm);
  if (!pool)
    return { skipped: 'no_pool', detail: 'the owner was not picked from a pool and is a member of none' };
  const earlier = new Set<string>();
  for (const e of ep.events) {
    const o = e.type === 'handed_off' ? e.owner : e.type === 'ladder_step' ? e.owner : undefined;
    if (!o) continue;
    earlier.add(`id:${o.id.slice(0, 15)}`);
    const k = o.key ?? dir.repByCrmId(crm, o.id)?.key;
    if (k) earlier.add(`key:${k}`);
  }
  const candidates = new Map<string, { ownerId: string; capacity: number | null }>();
  for (const member of pool.members) {
    const rep = dir.rep(member.rep);
    const ownerId = rep && crmIdOf(rep, crm);
    if (!rep || !ownerId || !isRepAvailable(rep, businessDate)) continue;
    if (earlier.has(`key:${rep.key}`) || earlier.has(`id:${ownerId.slice(0, 15)}`)) continue;
    candidates.set(rep.key, { ownerId, capacity: capacityOf(member, rep, routing) });
  }
  const order = rendezvousOrder(
    `${ep.leadId}|r${ep.round + 1}`,
    pool.members.filter((m) => candidates.has(m.rep)).map((m) => ({ key: m.rep, weight: m.weight })),
  );
  for (const repKey of order) {
    const c = candidates.get(repKey)!;
    if (!(await state.reserveSlot(repKey, businessDate, c.capacity))) continue;
    const result: RouteResult = {
      ownerId: c.ownerId,
      ownerKind: 'user',
      via: 'pool',
      ownerKey: repKey,
      poolId: pool.id,
      note: `reassigned after the SLA ladder (round ${ep.round + 1})`,
      businessDate,
    };
    const { stored, written } = await state.putAssignment(key, result, null);
    if (!written) {
      // Another sweep picked first: keep its rep and give back the slot taken here.
      await state.releaseSlot(repKey, businessDate);
      return { owner: ownerOf(stored.result), reserved: false };
    }
    return { owner: ownerOf(result), reserved: true };
  }
  return {
    skipped: 'no_rep_available',
    detail:
      candidates.size === 0
        ? `no other active member of pool ${pool.id} is available on ${businessDate}`
        : `all ${candidates.size} other available members of pool ${pool.id} are at daily capacity on ${businessDate}`,
  };
}

function ownerOf(r: RouteResult): EpisodeOwner & { key: string } {
  const owner: EpisodeOwner & { key: string } = { id: r.ownerId, key: r.ownerKey ?? r.ownerId };
  if (r.poolId !== undefined) owner.poolId = r.poolId;
  return owner;
}

/** The owner's pool: the one they were picked from, else the first that lists them as a member. */
function poolOf(ep: Episode, routing: RoutingConfig, crm: CrmName): RoutingPool | undefined {
  const dir = directoryFor(routing);
  if (ep.owner.poolId) {
    const own = dir.pool(ep.owner.poolId);
    if (own) return own;
  }
  const key = ep.owner.key ?? dir.repByCrmId(crm, ep.owner.id)?.key;
  if (key === undefined) return undefined;
  return routing.pools.find((p) => p.members.some((m) => m.rep === key));
}
