import type { CrmRecord, CrmStore } from './crm-store.ts';
import { objectNotFound } from './crm-store.ts';
import { validationError } from './hubspot-errors.ts';
import type { ObjectType } from './object-types.ts';

/**
 * What a sales rep does in HubSpot after a hand-off, for tests and the demo to act as reps: log a
 * call, e-mail or meeting on a contact, or complete a task. Each happens at the emulator clock's
 * time unless `at` says otherwise, goes through the store like a CRM-UI edit (modification times,
 * change events) and is associated with the contact in both directions, as HubSpot's activity
 * timeline does. Also reachable over HTTP: `POST /__admin/hubspot/engagements/{calls|emails|meetings}`
 * and `POST /__admin/hubspot/tasks/{id}/complete` (README "Rep actions").
 */

export type EngagementKind = 'call' | 'email' | 'meeting';

const TYPE_OF: Readonly<Record<EngagementKind, ObjectType>> = {
  call: 'calls',
  email: 'emails',
  meeting: 'meetings',
};

export interface LogEngagementInput {
  kind: EngagementKind;
  contactId: string;
  /** The owner id (not the user id) the activity is assigned to. */
  ownerId: string;
  /** When it happened (ms); default: the emulator clock now. Logged (created) at the clock's now. */
  at?: number;
  /** Extra properties (title, direction, outcome…), as HubSpot names them. */
  properties?: Record<string, string>;
}

/** Logs an engagement on a contact; throws HubSpot's 404 for an unknown contact. */
export function logEngagement(store: CrmStore, input: LogEngagementInput): CrmRecord {
  const type = TYPE_OF[input.kind];
  if (!store.get('contacts', input.contactId)) throw objectNotFound('contacts', input.contactId);
  if (!store.owners.exists(input.ownerId))
    throw validationError(`${input.ownerId} is not an owner id of this portal.`);
  const at = new Date(input.at ?? store.clock.now()).toISOString();
  const defaults: Record<string, string> =
    input.kind === 'call'
      ? { hs_call_title: '架電', hs_call_direction: 'OUTBOUND', hs_call_status: 'COMPLETED' }
      : input.kind === 'email'
        ? { hs_email_subject: 'ご連絡', hs_email_direction: 'EMAIL', hs_email_status: 'SENT' }
        : {
            hs_meeting_title: '打ち合わせ',
            hs_meeting_start_time: at,
            hs_meeting_outcome: 'SCHEDULED',
          };
  return store.create(
    type,
    { ...defaults, ...input.properties, hs_timestamp: at, hubspot_owner_id: input.ownerId },
    { associations: [{ toType: 'contacts', toId: input.contactId, primary: false }] },
  );
}

export interface CreateDealInput {
  contactId: string;
  /** Deal owner (an owner id); default none. */
  ownerId?: string;
  name?: string;
  /** A `dealstage` value; default `appointmentscheduled`. */
  stage?: string;
  /** When it is created (ms); default the emulator clock now. */
  at?: number;
}

/**
 * A rep opens a deal for a contact (the "Create deal" of the contact record): the deal is created
 * associated with the contact, so a change read of deals sees it with its contact at once.
 */
export function createDeal(store: CrmStore, input: CreateDealInput): CrmRecord {
  if (!store.get('contacts', input.contactId)) throw objectNotFound('contacts', input.contactId);
  if (input.ownerId !== undefined && !store.owners.exists(input.ownerId))
    throw validationError(`${input.ownerId} is not an owner id of this portal.`);
  const at = input.at ?? store.clock.now();
  return store.create(
    'deals',
    {
      dealname: input.name ?? '商談',
      dealstage: input.stage ?? 'appointmentscheduled',
      pipeline: 'default',
      ...(input.ownerId !== undefined ? { hubspot_owner_id: input.ownerId } : {}),
    },
    { at, createdAt: at, associations: [{ toType: 'contacts', toId: input.contactId, primary: false }] },
  );
}

/** Closes a deal won or lost (`closed_lost_reason` when lost), at `at` (default the clock now). */
export function closeDeal(
  store: CrmStore,
  dealId: string,
  outcome: { won: boolean; lostReason?: string; at?: number },
): CrmRecord {
  if (!store.get('deals', dealId)) throw objectNotFound('deals', dealId);
  const at = outcome.at ?? store.clock.now();
  return store.update(
    'deals',
    dealId,
    {
      dealstage: outcome.won ? 'closedwon' : 'closedlost',
      closedate: new Date(at).toISOString(),
      ...(!outcome.won && outcome.lostReason !== undefined ? { closed_lost_reason: outcome.lostReason } : {}),
    },
    { at },
  );
}

/** Marks a task completed (completion time = `at`, default the clock now); a completed task stays as it is. */
export function completeTask(store: CrmStore, taskId: string, at?: number): CrmRecord {
  const task = store.get('tasks', taskId);
  if (!task) throw objectNotFound('tasks', taskId);
  if (task.props.hs_task_status === 'COMPLETED') return task;
  return store.update('tasks', taskId, { hs_task_status: 'COMPLETED' }, at === undefined ? {} : { at });
}
