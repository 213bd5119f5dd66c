import type { Decision } from '../domain/decision.ts';
import { ConfigError } from '../domain/errors.ts';
import type { CrmName, Lead } from '../domain/lead.ts';
import type { RouteResult, RouteVia, RoutingState } from '../ports/routing-state.ts';
import type { BusinessCalendar } from '../sla/business-calendar.ts';
import { zonedDate } from '../sla/zoned-time.ts';
import { rendezvousOrder } from './rendezvous.ts';
import type { PoolMember, RoutingConfig, RoutingPool, RoutingRep } from './routing-config.ts';
import { crmIdOf, directoryFor, isRepAvailable, type RoutingDirectory } from './routing-directory.ts';
import { matchRoutingRule, routingFacts } from './routing-facts.ts';

export type { RouteResult } from '../ports/routing-state.ts';

/**
 * Picks the owner of a decided lead:
 * 1. the decided owner (account owner, requester, queue) when the rules named one and it can take it;
 * 2. otherwise the first routing rule that matches → a queue, or a pool;
 * 3. in a pool, weighted rendezvous order over the available members, skipping any at daily capacity;
 * 4. when nobody in the pool can take it, the pool's (or the file's) overflow owner.
 * The choice is recorded per lead + decision, so a retry returns the same owner without counting twice.
 */
export interface RouteRequest {
  decision: Pick<Decision, 'leadId' | 'nextAction' | 'priority' | 'owner' | 'rulesVersion' | 'decidedAt'>;
  lead: Lead;
  crm: CrmName;
  config: RoutingConfig;
  state: RoutingState;
  /** Identifies this decision for the retry record; default: next action + decided owner + rules version. */
  decisionKey?: string;
  /**
   * Business date the assignment counts against for daily capacity. Default: `calendar` (below) when
   * given, else the calendar date of `decidedAt` in the routing time zone.
   */
  businessDate?: string;
  /**
   * The SLA business calendar: with it, evening, weekend and holiday leads count against the next
   * working day (the day the rep will actually work them).
   */
  calendar?: Pick<BusinessCalendar, 'businessDateOf'>;
}

interface Context {
  req: RouteRequest;
  dir: RoutingDirectory;
  businessDate: string;
}

interface Outcome {
  result: RouteResult;
  /** Rep whose daily slot this route took, to give back if another run recorded first. */
  reserved?: string;
}

export function defaultDecisionKey(
  decision: Pick<Decision, 'nextAction' | 'owner' | 'rulesVersion'>,
): string {
  const o = decision.owner;
  const owner = !o ? 'rules' : o.kind === 'queue' ? `queue=${o.queue}` : `${o.kind}=${o.id}`;
  return `${decision.nextAction}|${owner}|${decision.rulesVersion}`;
}

export function assignmentKey(crm: CrmName, leadId: string, decisionKey: string): string {
  return `route|${crm}|${leadId}|${decisionKey}`;
}

export async function route(req: RouteRequest): Promise<RouteResult> {
  const { decision, lead, crm, config, state } = req;
  if (decision.leadId !== lead.id) {
    throw new Error(`route(): decision is for lead ${decision.leadId} but the lead is ${lead.id}`);
  }
  const decidedAt = new Date(decision.decidedAt);
  if (Number.isNaN(decidedAt.getTime()))
    throw new RangeError(`decidedAt is not a date-time: ${decision.decidedAt}`);
  const ctx: Context = {
    req,
    dir: directoryFor(config),
    businessDate:
      req.businessDate ?? req.calendar?.businessDateOf(decidedAt) ?? zonedDate(decidedAt, config.timeZone),
  };
  const key = assignmentKey(crm, lead.id, req.decisionKey ?? defaultDecisionKey(decision));

  const prior = await state.getAssignment(key);
  let rerouted: string | undefined;
  if (prior) {
    const gone = whyUnavailable(prior.result, ctx);
    if (gone === null) return prior.result;
    rerouted = `previously assigned ${gone}`;
  }

  const outcome = await decide(ctx);
  const result = rerouted ? withNote(outcome.result, rerouted) : outcome.result;
  // The slot goes with the assignment: a state that holds it for the lead's claim gives it back if
  // the claim is refused (`RoutingState.releaseRefused`).
  const { stored, written } = await state.putAssignment(
    key,
    result,
    prior?.version ?? null,
    outcome.reserved,
  );
  if (!written) {
    // Another run routed the same lead first: keep its answer and give back the slot we took.
    if (outcome.reserved) await state.releaseSlot(outcome.reserved, ctx.businessDate);
    return stored.result;
  }
  return result;
}

/** Why a recorded owner can no longer take the lead, or null when it still can. */
function whyUnavailable(result: RouteResult, ctx: Context): string | null {
  if (result.ownerKey === undefined) return null; // an unlisted CRM user: nothing says they left
  if (result.ownerKind === 'queue') {
    return ctx.dir.queue(result.ownerKey) ? null : `queue ${result.ownerKey} was removed from routing.yaml`;
  }
  const rep = ctx.dir.rep(result.ownerKey);
  if (!rep) return `rep ${result.ownerKey} was removed from routing.yaml`;
  return isRepAvailable(rep, ctx.businessDate) ? null : `rep ${rep.key} is ${unavailability(rep)}`;
}

async function decide(ctx: Context): Promise<Outcome> {
  const owner = ctx.req.decision.owner;
  switch (owner?.kind) {
    case 'account_owner':
    case 'requester':
      return toDecidedUser(ctx, owner.kind, owner.id);
    case 'queue':
      return toDecidedQueue(ctx, owner.queue);
    default:
      return byRules(ctx);
  }
}

/**
 * The account owner (existing customer) or the rep who asked for the toss-up. Never refused for
 * capacity (the relationship outweighs load), but counted, so pools see the rep's real load that day.
 */
async function toDecidedUser(
  ctx: Context,
  via: 'account_owner' | 'requester',
  ownerId: string,
): Promise<Outcome> {
  const { crm, state } = ctx.req;
  const rep = ctx.dir.repByCrmId(crm, ownerId);
  // Not listed in routing.yaml: the CRM user is trusted as is (list them with active: false to route around).
  if (!rep) return { result: make(ctx, { ownerId, ownerKind: 'user', via }) };
  if (isRepAvailable(rep, ctx.businessDate)) {
    await state.reserveSlot(rep.key, ctx.businessDate, null);
    return { result: make(ctx, { ownerId, ownerKind: 'user', via, ownerKey: rep.key }), reserved: rep.key };
  }
  const who = via === 'account_owner' ? 'account owner' : 'requester';
  return asFallback(await byRules(ctx), `${who} ${rep.key} is ${unavailability(rep)}`);
}

async function toDecidedQueue(ctx: Context, queueKey: string): Promise<Outcome> {
  const queue = ctx.dir.queue(queueKey);
  const ownerId = queue && crmIdOf(queue, ctx.req.crm);
  if (queue && ownerId)
    return { result: make(ctx, { ownerId, ownerKind: 'queue', via: 'queue', ownerKey: queue.key }) };
  const why = queue
    ? `queue ${queue.key} has no ${ctx.req.crm} id in routing.yaml`
    : `queue "${queueKey}" is not in routing.yaml`;
  return asFallback(await byRules(ctx), why);
}

async function byRules(ctx: Context): Promise<Outcome> {
  const { decision, lead, crm, config } = ctx.req;
  const facts = routingFacts(decision, lead, ctx.dir);
  const rule = matchRoutingRule(facts, config.rules);
  if (!rule) {
    const why = `no routing rule matched (next action ${facts.nextAction}, territory ${facts.territory}, segment ${facts.segment})`;
    return toOverflow(ctx, undefined, undefined, why);
  }
  if (rule.queue !== undefined) {
    const queue = ctx.dir.queue(rule.queue);
    if (!queue) throw configBug(`rules.${rule.id}.queue`, `unknown queue "${rule.queue}"`);
    const ownerId = crmIdOf(queue, crm);
    if (ownerId) {
      return {
        result: make(ctx, {
          ownerId,
          ownerKind: 'queue',
          via: 'queue',
          ownerKey: queue.key,
          ruleId: rule.id,
        }),
      };
    }
    return toOverflow(ctx, undefined, rule.id, `queue ${queue.key} has no ${crm} id in routing.yaml`);
  }
  const pool = rule.pool === undefined ? undefined : ctx.dir.pool(rule.pool);
  if (!pool) throw configBug(`rules.${rule.id}.pool`, `unknown pool "${String(rule.pool)}"`);
  return fromPool(ctx, pool, rule.id);
}

async function fromPool(ctx: Context, pool: RoutingPool, ruleId: string): Promise<Outcome> {
  const { lead, crm, state } = ctx.req;
  const available = new Map<string, { member: PoolMember; rep: RoutingRep; ownerId: string }>();
  for (const member of pool.members) {
    const rep = ctx.dir.rep(member.rep);
    const ownerId = rep && crmIdOf(rep, crm);
    if (rep && ownerId && isRepAvailable(rep, ctx.businessDate))
      available.set(rep.key, { member, rep, ownerId });
  }
  const order = rendezvousOrder(
    lead.id,
    [...available.values()].map(({ member }) => ({ key: member.rep, weight: member.weight })),
  );
  const full: string[] = [];
  for (const key of order) {
    const entry = available.get(key);
    if (!entry) continue;
    if (await state.reserveSlot(key, ctx.businessDate, capacityOf(entry.member, entry.rep, ctx.req.config))) {
      const note = full.length > 0 ? `spilled over from ${full.join(', ')} (at daily capacity)` : undefined;
      return {
        result: make(ctx, {
          ownerId: entry.ownerId,
          ownerKind: 'user',
          via: 'pool',
          ownerKey: key,
          poolId: pool.id,
          ruleId,
          note,
        }),
        reserved: key,
      };
    }
    full.push(key);
  }
  const why =
    available.size === 0
      ? `no member of pool ${pool.id} is available today`
      : `all ${available.size} available members of pool ${pool.id} are at daily capacity`;
  return toOverflow(ctx, pool, ruleId, why);
}

/** The pool's overflow owner, else the file's; a rep there takes the lead regardless of capacity. */
async function toOverflow(
  ctx: Context,
  pool: RoutingPool | undefined,
  ruleId: string | undefined,
  why: string,
): Promise<Outcome> {
  const { crm, config, state } = ctx.req;
  const targets = pool?.overflow ? [pool.overflow, config.overflow] : [config.overflow];
  for (const [i, target] of targets.entries()) {
    const lastResort = i === targets.length - 1;
    if (target.queue !== undefined) {
      const queue = ctx.dir.queue(target.queue);
      const ownerId = queue && crmIdOf(queue, crm);
      if (queue && ownerId) {
        const note = `${why}; sent to overflow queue ${queue.key}`;
        return {
          result: make(ctx, {
            ownerId,
            ownerKind: 'queue',
            via: 'overflow',
            ownerKey: queue.key,
            poolId: pool?.id,
            ruleId,
            note,
          }),
        };
      }
    } else if (target.rep !== undefined) {
      const rep = ctx.dir.rep(target.rep);
      const ownerId = rep && crmIdOf(rep, crm);
      const availableToday = rep !== undefined && isRepAvailable(rep, ctx.businessDate);
      if (rep && ownerId && (availableToday || lastResort)) {
        await state.reserveSlot(rep.key, ctx.businessDate, null);
        const caveat = availableToday
          ? ''
          : ` although ${unavailability(rep)} (no other owner is configured)`;
        const note = `${why}; sent to overflow rep ${rep.key}${caveat}`;
        return {
          result: make(ctx, {
            ownerId,
            ownerKind: 'user',
            via: 'overflow',
            ownerKey: rep.key,
            poolId: pool?.id,
            ruleId,
            note,
          }),
          reserved: rep.key,
        };
      }
    }
  }
  const field = crm === 'salesforce' ? 'salesforceId' : 'hubspotOwnerId';
  throw new ConfigError([
    {
      file: 'routing.yaml',
      line: 0,
      column: 0,
      path: 'overflow',
      message: `the overflow owner has no ${crm} id, so "${why}" cannot be resolved`,
      hint: `add ${field} to the overflow queue or rep (tossup validate --crm ${crm} checks this)`,
    },
  ]);
}

/** The daily capacity that applies to `rep` taking leads from a pool as `member` (null = no limit). */
export function capacityOf(member: PoolMember, rep: RoutingRep, config: RoutingConfig): number | null {
  // `null` is an explicit "no limit", so `??` (which skips null) cannot be used to fall through.
  if (member.dailyCapacity !== undefined) return member.dailyCapacity;
  if (rep.dailyCapacity !== undefined) return rep.dailyCapacity;
  return config.defaults.dailyCapacity ?? null;
}

function asFallback(outcome: Outcome, why: string): Outcome {
  const via: RouteVia = outcome.result.via === 'overflow' ? 'overflow' : 'fallback';
  const target = outcome.result.poolId ? `pool ${outcome.result.poolId}` : `queue ${outcome.result.ownerKey}`;
  const detail = outcome.result.note ?? `routed via ${target}`;
  return { ...outcome, result: { ...outcome.result, via, note: `${why}; ${detail}` } };
}

function withNote(result: RouteResult, note: string): RouteResult {
  return { ...result, note: result.note ? `${note}; ${result.note}` : note };
}

function unavailability(rep: RoutingRep): string {
  return rep.active ? 'away' : 'inactive';
}

/** Builds a result without `undefined` members, so stored and returned results compare equal. */
function make(
  ctx: Context,
  fields: Omit<RouteResult, 'businessDate' | 'ownerKey' | 'poolId' | 'ruleId' | 'note'> & {
    ownerKey?: string | undefined;
    poolId?: string | undefined;
    ruleId?: string | undefined;
    note?: string | undefined;
  },
): RouteResult {
  const out: RouteResult = {
    ownerId: fields.ownerId,
    ownerKind: fields.ownerKind,
    via: fields.via,
    businessDate: ctx.businessDate,
  };
  if (fields.ownerKey !== undefined) out.ownerKey = fields.ownerKey;
  if (fields.poolId !== undefined) out.poolId = fields.poolId;
  if (fields.ruleId !== undefined) out.ruleId = fields.ruleId;
  if (fields.note !== undefined) out.note = fields.note;
  return out;
}

/** A config built in code (not parsed) that references something missing: a programming error. */
function configBug(path: string, message: string): ConfigError {
  return new ConfigError([
    {
      file: 'routing.yaml',
      line: 0,
      column: 0,
      path,
      message,
      hint: 'load routing.yaml through parseRoutingConfig',
    },
  ]);
}
