import { ConfigError } from '../domain/errors.ts';
import type { CrmName, Lead } from '../domain/lead.ts';
import type { RouteResult } from '../ports/routing-state.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { directoryFor } from '../routing/routing-directory.ts';

/** Who owns the record after the hand-off and who owns the follow-up task. */
export interface Owners {
  recordOwnerId: string;
  taskOwnerId: string;
  /** How a queue's task user was found, when one had to be. */
  taskOwnerVia?: 'configured' | 'queue_contact';
}

/**
 * Queue key → the person who takes the queue's tasks: a rep key from routing.yaml or a Salesforce
 * user id (005…). From the `queueTaskOwners` setting.
 */
export type QueueTaskOwners = Readonly<Record<string, string>>;

/**
 * Salesforce lets a queue own a Lead but not a Task (nor a Contact), so when routing hands a toss-up
 * to a queue the task still needs a person:
 * 1. the `queueTaskOwners` setting for that queue (a rep key or a user id), else
 * 2. the rep whose HubSpot owner id is the queue's `hubspotOwnerId` — routing.yaml documents that as
 *    "the person who works the queue", so the same person is used in both CRMs;
 * otherwise the run stops with a ConfigError saying which setting to add. In HubSpot a queue's id is
 * already a person's owner id, so nothing changes there.
 */
export function ownersFor(
  route: RouteResult,
  lead: Lead,
  ctx: { crm: CrmName; routing: RoutingConfig; queueTaskOwners?: QueueTaskOwners },
): Owners {
  if (route.ownerKind === 'user' || ctx.crm !== 'salesforce') {
    return { recordOwnerId: route.ownerId, taskOwnerId: route.ownerId };
  }
  const queueKey = route.ownerKey ?? route.ownerId;
  const { userId, via } = queueTaskUser(queueKey, ctx);
  // Contacts cannot be owned by a queue either: the task user owns the contact too.
  const recordOwnerId = lead.objectType === 'Lead' ? route.ownerId : userId;
  return { recordOwnerId, taskOwnerId: userId, taskOwnerVia: via };
}

function queueTaskUser(
  queueKey: string,
  ctx: { routing: RoutingConfig; queueTaskOwners?: QueueTaskOwners },
): { userId: string; via: 'configured' | 'queue_contact' } {
  const dir = directoryFor(ctx.routing);
  const configured = ctx.queueTaskOwners?.[queueKey];
  if (configured !== undefined) {
    if (/^005[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/.test(configured))
      return { userId: configured, via: 'configured' };
    const rep = dir.rep(configured);
    if (rep?.salesforceId && rep.active) return { userId: rep.salesforceId, via: 'configured' };
    throw noTaskUser(
      queueKey,
      rep
        ? `queueTaskOwners.${queueKey} names rep "${configured}", who is ${rep.active ? 'missing a salesforceId' : 'inactive'}`
        : `queueTaskOwners.${queueKey} is "${configured}", which is neither a rep key in routing.yaml nor a Salesforce user id (005…)`,
    );
  }
  const queue = dir.queue(queueKey);
  const contact = queue?.hubspotOwnerId ? dir.repByCrmId('hubspot', queue.hubspotOwnerId) : undefined;
  // Away still takes the task (the queue is shared work); inactive means the person has left.
  if (contact?.salesforceId && contact.active) return { userId: contact.salesforceId, via: 'queue_contact' };
  throw noTaskUser(queueKey, `queue "${queueKey}" has no person to own its Salesforce tasks`);
}

function noTaskUser(queueKey: string, message: string): ConfigError {
  return new ConfigError([
    {
      file: 'settings',
      line: 0,
      column: 0,
      path: `queueTaskOwners.${queueKey}`,
      message: `${message} (Salesforce tasks cannot be owned by a queue)`,
      hint: `add queueTaskOwners: { ${queueKey}: <rep key> } to the profile, or TOSSUP_QUEUE_TASK_OWNERS="${queueKey}=<rep key>"`,
    },
  ]);
}
