import { z } from 'zod';

/**
 * What one Salesforce Change Data Capture event asks of us (issue 16). Pure: the same interpretation
 * serves the local listener (`tossup listen --crm salesforce`, CometD) and the AWS path (Event Relay →
 * EventBridge → SQS → worker), so the two share every rule. The caller does the reads and decisions.
 *
 * An event names ONE object type (`entityName`) and one or more records (`recordIds`: a transaction
 * making the same change to several records yields one event). The action follows from the object and
 * the `changeType`:
 *
 * | object | CREATE / UPDATE / UNDELETE | DELETE | GAP_* | GAP_OVERFLOW |
 * |---|---|---|---|---|
 * | Lead, Contact | `decide` the ids | `deleted` | `decide` the ids, `gap` | `read_since` |
 * | Account, Opportunity | `account` (re-decide the account's people) | `account` | `account`, `gap` | `read_since` |
 *
 * and is `ignore`d when no decision can change:
 * - `own_write`: `commitUser` is our integration user. Every write of ours (flag, reason, task key…)
 *   would otherwise come back as an event and, on this path, loop. Gap events are never ignored this
 *   way: they carry no field values, so a gap in the middle of our own writes may hide someone else's.
 * - `unread_fields`: an UPDATE whose `changedFields` names no field the mapping reads on that object
 *   (LastModifiedDate is always there; it is not a rule input). An UPDATE without `changedFields`
 *   cannot be judged and is kept. An object the mapping reads nothing of (Opportunity when "previously
 *   lost" is not read) is ignored for every change type.
 * - `untracked_object`: any other entity (a channel may carry more than we need).
 */

export const CHANGE_OBJECTS = ['Lead', 'Contact', 'Account', 'Opportunity'] as const;
export type ChangeObject = (typeof CHANGE_OBJECTS)[number];
export type PersonChangeObject = 'Lead' | 'Contact';
export type AccountChangeObject = 'Account' | 'Opportunity';

export const CHANGE_TYPES = [
  'CREATE',
  'UPDATE',
  'DELETE',
  'UNDELETE',
  'GAP_CREATE',
  'GAP_UPDATE',
  'GAP_DELETE',
  'GAP_UNDELETE',
  'GAP_OVERFLOW',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** The header every change event carries (Salesforce "Change Event Header Fields"). */
export const ChangeEventHeaderSchema = z.looseObject({
  entityName: z.string().min(1),
  recordIds: z.array(z.string()),
  changeType: z.enum(CHANGE_TYPES),
  changedFields: z.array(z.string()).optional(),
  commitTimestamp: z.number().int().nonnegative(),
  commitUser: z.string().optional(),
  transactionKey: z.string().optional(),
  sequenceNumber: z.number().int().optional(),
  changeOrigin: z.string().optional(),
  commitNumber: z.number().optional(),
});
export type ChangeEventHeader = z.output<typeof ChangeEventHeaderSchema>;

/** A change event's payload: the header plus the changed (or, on CREATE, all) field values. */
export const ChangeEventPayloadSchema = z.looseObject({ ChangeEventHeader: ChangeEventHeaderSchema });
export type ChangeEventPayload = z.output<typeof ChangeEventPayloadSchema>;

export type IgnoredChangeBecause = 'own_write' | 'unread_fields' | 'untracked_object';

export type ChangeEventAction =
  /** Read these people by id and decide them (a gap re-reads: the event carried no values). */
  | { kind: 'decide'; object: PersonChangeObject; ids: string[]; gap: boolean }
  /**
   * Re-decide the people of the accounts concerned, as the polling path's account triggers do. `ids`
   * are the event's records (Accounts, or Opportunities); `accountIds` the Accounts known from the
   * event itself (the Account ids, or an Opportunity's `AccountId` when the payload holds it) — for an
   * Opportunity without it the caller looks the Account up.
   */
  | { kind: 'account'; object: AccountChangeObject; ids: string[]; accountIds: string[]; gap: boolean }
  /**
   * Overflow: more changes than Salesforce sent events for. Read what changed on `object` from
   * `sinceMs` to now, as an incremental sync would (bounded below by the event's commit time minus
   * `OVERFLOW_MARGIN_MS`).
   */
  | { kind: 'read_since'; object: ChangeObject; sinceMs: number }
  /**
   * Nothing to decide. An open toss-up episode of a deleted person is closed by the next SLA sweep
   * (the record is gone → `closed`, reason `superseded`); an UNDELETE later brings the person back
   * through `decide`.
   */
  | { kind: 'deleted'; object: PersonChangeObject; ids: string[] }
  | { kind: 'ignore'; why: IgnoredChangeBecause; entity: string; ids: string[] };

export interface InterpretedChangeEvent {
  entity: string;
  changeType: ChangeType;
  commitTimestamp: number;
  transactionKey: string | null;
  sequenceNumber: number | null;
  action: ChangeEventAction;
}

/** The fields the Salesforce mapping reads, per object (API names; compared case-insensitively). */
export type ChangeEventReadFields = Readonly<Record<ChangeObject, ReadonlySet<string>>>;

export interface InterpretOptions {
  /** Our integration user's id (15 or 18 characters); null: no event is recognised as our own. */
  integrationUserId: string | null;
  readFields: ChangeEventReadFields;
}

/**
 * How far before an overflow event's commit time its changes may have been stamped: SystemModstamp is
 * set inside the transaction, `commitTimestamp` at its commit, and a transaction may run up to
 * 10 minutes (Salesforce's limit for a synchronous transaction).
 */
export const OVERFLOW_MARGIN_MS = 10 * 60_000;

const SYSTEM_FIELDS = ['id', 'isdeleted', 'systemmodstamp', 'lastmodifieddate', 'lastmodifiedbyid'];

/** Lower-cased read sets from field lists; system fields and parent paths (`Account.Name`) are left out. */
export function changeEventReadFields(
  fields: Readonly<Record<ChangeObject, readonly (string | null | undefined)[]>>,
): ChangeEventReadFields {
  const setOf = (list: readonly (string | null | undefined)[]) =>
    new Set(
      list
        .filter((f): f is string => typeof f === 'string' && f !== '' && !f.includes('.'))
        .map((f) => f.toLowerCase())
        .filter((f) => !SYSTEM_FIELDS.includes(f)),
    );
  return {
    Lead: setOf(fields.Lead),
    Contact: setOf(fields.Contact),
    Account: setOf(fields.Account),
    Opportunity: setOf(fields.Opportunity),
  };
}

/**
 * The object fields a `changedFields` entry may stand for. Compound fields are listed by component:
 * `Name.FirstName` (Lead.FirstName, part of Name), `Address.State` (Lead.State),
 * `BillingAddress.State` (Account.BillingState), `MailingAddress.City` (Contact.MailingCity).
 */
export function objectFieldsOfChangedField(changed: string): string[] {
  const dot = changed.indexOf('.');
  if (dot < 0) return [changed];
  const compound = changed.slice(0, dot);
  const component = changed.slice(dot + 1);
  const prefix = compound.endsWith('Address') ? compound.slice(0, -'Address'.length) : '';
  return [...new Set([compound, component, `${prefix}${component}`])];
}

/** Salesforce ids compare on their case-sensitive 15-character form (an 18-character id adds a checksum). */
export function sameSalesforceId(a: string, b: string): boolean {
  return a.length >= 15 && b.length >= 15 && a.slice(0, 15) === b.slice(0, 15);
}

function isChangeObject(entity: string): entity is ChangeObject {
  return (CHANGE_OBJECTS as readonly string[]).includes(entity);
}

function touchesReadField(changedFields: readonly string[], read: ReadonlySet<string>): boolean {
  return changedFields.some((f) => objectFieldsOfChangedField(f).some((o) => read.has(o.toLowerCase())));
}

/** Throws a ZodError when `payload` is not a change event's payload. */
export function parseChangeEventPayload(payload: unknown): ChangeEventPayload {
  return ChangeEventPayloadSchema.parse(payload);
}

export function interpretChangeEvent(
  payload: ChangeEventPayload,
  o: InterpretOptions,
): InterpretedChangeEvent {
  const h = payload.ChangeEventHeader;
  return {
    entity: h.entityName,
    changeType: h.changeType,
    commitTimestamp: h.commitTimestamp,
    transactionKey: h.transactionKey ?? null,
    sequenceNumber: h.sequenceNumber ?? null,
    action: actionOf(payload, o),
  };
}

function actionOf(payload: ChangeEventPayload, o: InterpretOptions): ChangeEventAction {
  const h = payload.ChangeEventHeader;
  const ids = [...new Set(h.recordIds)];
  const entity = h.entityName;
  if (!isChangeObject(entity)) return { kind: 'ignore', why: 'untracked_object', entity, ids };
  const read = o.readFields[entity];
  if (read.size === 0) return { kind: 'ignore', why: 'unread_fields', entity, ids };
  if (h.changeType === 'GAP_OVERFLOW')
    return {
      kind: 'read_since',
      object: entity,
      sinceMs: Math.max(0, h.commitTimestamp - OVERFLOW_MARGIN_MS),
    };
  const gap = h.changeType.startsWith('GAP_');
  if (!gap) {
    if (o.integrationUserId && h.commitUser && sameSalesforceId(h.commitUser, o.integrationUserId))
      return { kind: 'ignore', why: 'own_write', entity, ids };
    const changed = h.changedFields ?? [];
    if (h.changeType === 'UPDATE' && changed.length > 0 && !touchesReadField(changed, read))
      return { kind: 'ignore', why: 'unread_fields', entity, ids };
  }
  if (entity === 'Lead' || entity === 'Contact') {
    if (h.changeType === 'DELETE') return { kind: 'deleted', object: entity, ids };
    return { kind: 'decide', object: entity, ids, gap };
  }
  return { kind: 'account', object: entity, ids, accountIds: accountIdsOf(entity, ids, payload), gap };
}

function accountIdsOf(entity: AccountChangeObject, ids: string[], payload: ChangeEventPayload): string[] {
  if (entity === 'Account') return ids;
  const accountId = (payload as Record<string, unknown>).AccountId;
  return typeof accountId === 'string' && accountId !== '' ? [accountId] : [];
}
