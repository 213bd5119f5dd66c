import { randomUUID } from 'node:crypto';
import type { ObjectSchema } from './schema/schema-registry.ts';
import type { SfRecord } from './sf-record.ts';
import { toJsonRecord } from './store.ts';
import { formatDatetime } from './values.ts';

/**
 * Change Data Capture (Salesforce "Change Data Capture Developer Guide"): every committed create,
 * update, delete and undelete of a selected object becomes a change event on `/data/ChangeEvents`,
 * on the object's channel (`/data/LeadChangeEvent`) and on a custom channel that has the object as a
 * member (`/data/TossUp__chn`), each with a replay id, kept 72 hours. Delivered over CometD by
 * `routes/cometd-routes.ts`.
 *
 * - **Transactions.** Writes are gathered per API call (`inScope`, opened by the DML routes with the
 *   session's user, and by each programmatic store write with its actor) and turned into events when
 *   the call ends: the net change of each record (a rolled-back all-or-none call leaves nothing);
 *   records given the same change in one call share ONE event naming them all (`recordIds`), as
 *   Salesforce does. `commitUser` is the call's user: the integration user for the connector's writes.
 * - **Payload.** UPDATE: the changed fields and `changedFields` (with `LastModifiedDate`; compound
 *   fields as `Name.FirstName`, `Address.State`, `BillingAddress.State`), `nulledFields`; CREATE and
 *   UNDELETE: every field; DELETE: the header only. `SystemModstamp` and `IsDeleted` are not in events.
 * - **Gap and overflow** events are injected by tests (`injectGap`, `injectOverflow`, or the admin
 *   routes): Salesforce sends them when it cannot build an event from the transaction log.
 * - Capture starts at the first CometD handshake (`capture: 'always'`: when the emulator is built, after
 *   seeding): seeded records make no events, and runs nobody listens to pay nothing for them.
 */

export const CHANGE_EVENT_RETENTION_MS = 72 * 3_600_000;
export const ALL_CHANGE_EVENTS = '/data/ChangeEvents';
export const DEFAULT_CDC_ENTITIES = ['Lead', 'Contact', 'Account', 'Opportunity'] as const;

export type CdcChangeType =
  | 'CREATE'
  | 'UPDATE'
  | 'DELETE'
  | 'UNDELETE'
  | 'GAP_CREATE'
  | 'GAP_UPDATE'
  | 'GAP_DELETE'
  | 'GAP_UNDELETE'
  | 'GAP_OVERFLOW';

export interface CustomChannel {
  /** Developer name with the suffix, e.g. `TossUp__chn` (its channel is `/data/TossUp__chn`). */
  name: string;
  /** Member objects, each with its enriched fields (sent on every event of this channel). */
  members: Readonly<Record<string, readonly string[]>>;
}

export interface ChangeDataCaptureOptions {
  /** Objects selected for change notifications. Default Lead, Contact, Account, Opportunity. */
  entities?: readonly string[];
  customChannel?: CustomChannel;
  retentionMs?: number;
  /** At most this many events are kept (the oldest go first), so a large benchmark stays bounded. */
  maxEvents?: number;
  /**
   * `first-handshake` (default): changes are captured from the first CometD handshake on, so runs
   * nobody listens to (the demo, the sync benchmarks) pay nothing; `always`: from the start.
   */
  capture?: 'first-handshake' | 'always';
}

export interface ChangeEvent {
  replayId: number;
  eventUuid: string;
  entity: string;
  createdAt: number;
  payload: { ChangeEventHeader: Record<string, unknown> } & Record<string, unknown>;
  /** The first record after the change, for enriched fields on a custom channel (read lazily). */
  after: { schema: ObjectSchema; record: SfRecord } | null;
}

interface Touched {
  schema: ObjectSchema;
  before: SfRecord | undefined;
}

interface Scope {
  userId: string;
  touched: Map<string, Touched>;
}

/** Name and address components, as change events nest them. */
const NAME_PARTS = new Set(['Salutation', 'FirstName', 'MiddleName', 'LastName', 'Suffix']);
const ADDRESS_PARTS = ['Street', 'City', 'State', 'PostalCode', 'Country', 'Latitude', 'Longitude'];
const ADDRESS_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  Lead: [''],
  Contact: ['Mailing', 'Other'],
  Account: ['Billing', 'Shipping'],
};
const LEFT_OUT = new Set(['Id', 'IsDeleted', 'SystemModstamp']);

/** `[compound, component]` of a field that belongs to a compound field on this object, else null. */
export function compoundOf(entity: string, field: string): [string, string] | null {
  if ((entity === 'Lead' || entity === 'Contact') && NAME_PARTS.has(field)) return ['Name', field];
  for (const prefix of ADDRESS_PREFIXES[entity] ?? []) {
    if (!field.startsWith(prefix)) continue;
    const part = field.slice(prefix.length);
    if (ADDRESS_PARTS.includes(part)) return [`${prefix}Address`, part];
  }
  return null;
}

export class ChangeDataCapture {
  readonly entities: ReadonlySet<string>;
  readonly customChannel: CustomChannel | null;
  private readonly retentionMs: number;
  private readonly maxEvents: number;
  private readonly now: () => number;
  private readonly events: ChangeEvent[] = [];
  private nextReplayId = 1;
  private commitNumber = 1;
  /** The newest replay id dropped by retention: replaying from before it is refused. */
  private prunedThrough = 0;
  private scope: Scope | null = null;
  private readonly listeners = new Set<() => void>();
  private active: boolean;

  constructor(now: () => number, options: ChangeDataCaptureOptions = {}) {
    this.now = now;
    this.entities = new Set(options.entities ?? DEFAULT_CDC_ENTITIES);
    this.customChannel = options.customChannel ?? null;
    this.retentionMs = options.retentionMs ?? CHANGE_EVENT_RETENTION_MS;
    this.maxEvents = options.maxEvents ?? 200_000;
    this.active = options.capture === 'always';
  }

  /** Starts capturing (the first CometD handshake calls it). */
  activate(): void {
    this.active = true;
  }

  /** Runs `fn` as one transaction of `userId` (joins the open one, if any). */
  inScope<T>(userId: string, fn: () => T): T {
    if (this.scope || !this.active) return fn();
    const scope: Scope = { userId, touched: new Map() };
    this.scope = scope;
    try {
      return fn();
    } finally {
      this.scope = null;
      this.flush(scope);
    }
  }

  /** Called by the store for every committed record version. */
  record(schema: ObjectSchema, prev: SfRecord | undefined, next: SfRecord): void {
    if (!this.active || !this.entities.has(schema.name)) return;
    const id = next.Id as string;
    if (!this.scope) {
      const userId = String(next.LastModifiedById ?? '');
      this.inScope(userId, () => this.record(schema, prev, next));
      return;
    }
    if (!this.scope.touched.has(id)) this.scope.touched.set(id, { schema, before: prev });
  }

  /** Channels an event of `entity` goes to. */
  channelsOf(entity: string): string[] {
    const out = [ALL_CHANGE_EVENTS, `/data/${entity}ChangeEvent`];
    if (this.customChannel?.members[entity]) out.push(`/data/${this.customChannel.name}`);
    return out;
  }

  /** Whether a client may subscribe to `channel`. */
  knowsChannel(channel: string): boolean {
    if (channel === ALL_CHANGE_EVENTS) return true;
    if (this.customChannel && channel === `/data/${this.customChannel.name}`) return true;
    const m = /^\/data\/(\w+)ChangeEvent$/.exec(channel);
    return m !== null && this.entities.has(m[1]!);
  }

  /** The newest replay id published so far (0 before any). */
  latestReplayId(): number {
    return this.nextReplayId - 1;
  }

  /** Whether a subscription may resume after `replayId` (it must not be older than what was dropped). */
  canReplayFrom(replayId: number): boolean {
    this.prune();
    return replayId >= this.prunedThrough;
  }

  /** The events after `replayId` that go to `channel`, oldest first, at most `limit`. */
  eventsAfter(channel: string, replayId: number, limit: number): ChangeEvent[] {
    this.prune();
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.replayId <= replayId) lo = mid + 1;
      else hi = mid;
    }
    const out: ChangeEvent[] = [];
    for (let i = lo; i < this.events.length && out.length < limit; i++) {
      const e = this.events[i]!;
      if (this.channelsOf(e.entity).includes(channel)) out.push(e);
    }
    return out;
  }

  /** The event as delivered on `channel` (enriched fields added on a custom channel). */
  payloadFor(event: ChangeEvent, channel: string): Record<string, unknown> {
    const custom = this.customChannel;
    const enriched = custom && channel === `/data/${custom.name}` ? (custom.members[event.entity] ?? []) : [];
    if (enriched.length === 0 || event.after === null) return event.payload;
    const first = toJsonRecord(event.after.schema, event.after.record);
    const extra: Record<string, unknown> = {};
    for (const f of enriched) if (!(f in event.payload)) extra[f] = first[f] ?? null;
    return { ...event.payload, ...extra };
  }

  /** Calls `listener` after every publication (the CometD server wakes its held connects). */
  onPublish(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A gap event: Salesforce could not build the change (no field values), naming the records. */
  injectGap(
    entity: string,
    recordIds: readonly string[],
    changeType: Exclude<CdcChangeType, 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE' | 'GAP_OVERFLOW'>,
  ): ChangeEvent {
    return this.publish(entity, [...recordIds], changeType, '', {}, null, randomUUID(), 1);
  }

  /** An overflow event: more changes in one transaction than Salesforce sends events for. */
  injectOverflow(entity: string): ChangeEvent {
    return this.publish(entity, [], 'GAP_OVERFLOW', '', {}, null, randomUUID(), 1);
  }

  private flush(scope: Scope): void {
    if (scope.touched.size === 0) return;
    const groups = new Map<
      string,
      { entity: string; type: CdcChangeType; body: Record<string, unknown>; ids: string[]; after: SfRecord[] }
    >();
    for (const [id, t] of scope.touched) {
      const after = this.currentOf(t.schema, id);
      if (after === t.before) continue; // rolled back, or never written
      const change = changeOf(t.schema, t.before, after);
      if (!change) continue;
      const key = `${t.schema.name}\u0000${change.type}\u0000${JSON.stringify(change.body)}`;
      const g = groups.get(key);
      if (g) {
        g.ids.push(id);
        g.after.push(after!);
      } else
        groups.set(key, {
          entity: t.schema.name,
          type: change.type,
          body: change.body,
          ids: [id],
          after: [after!],
        });
    }
    const transactionKey = randomUUID();
    let sequence = 1;
    for (const g of groups.values()) {
      const schema = scope.touched.get(g.ids[0]!)!.schema;
      const after = { schema, record: g.after[0]! };
      this.publish(g.entity, g.ids, g.type, scope.userId, g.body, after, transactionKey, sequence++);
    }
  }

  private currentOf(schema: ObjectSchema, id: string): SfRecord | undefined {
    return this.tableGet?.(schema.name, id);
  }

  /** Set by the store: reads a record's current version. */
  tableGet: ((type: string, id: string) => SfRecord | undefined) | null = null;

  private publish(
    entity: string,
    recordIds: string[],
    changeType: CdcChangeType,
    commitUser: string,
    body: Record<string, unknown>,
    after: ChangeEvent['after'],
    transactionKey: string,
    sequenceNumber: number,
  ): ChangeEvent {
    const now = this.now();
    const { changedFields, nulledFields, ...fields } = body as {
      changedFields?: string[];
      nulledFields?: string[];
    } & Record<string, unknown>;
    const event: ChangeEvent = {
      replayId: this.nextReplayId++,
      eventUuid: randomUUID(),
      entity,
      createdAt: now,
      payload: {
        ChangeEventHeader: {
          entityName: entity,
          recordIds,
          changeType,
          changeOrigin: '',
          transactionKey,
          sequenceNumber,
          commitTimestamp: now,
          commitNumber: this.commitNumber++,
          commitUser,
          nulledFields: nulledFields ?? [],
          diffFields: [],
          changedFields: changedFields ?? [],
        },
        ...fields,
      },
      after,
    };
    this.events.push(event);
    this.prune();
    for (const l of this.listeners) l();
    return event;
  }

  private prune(): void {
    const oldest = this.now() - this.retentionMs;
    let drop = 0;
    while (
      drop < this.events.length &&
      (this.events[drop]!.createdAt < oldest || this.events.length - drop > this.maxEvents)
    )
      drop++;
    if (drop === 0) return;
    this.prunedThrough = this.events[drop - 1]!.replayId;
    this.events.splice(0, drop);
  }
}

/** The net change of one record over a transaction, as a change event's type and body. */
function changeOf(
  schema: ObjectSchema,
  before: SfRecord | undefined,
  after: SfRecord | undefined,
): { type: CdcChangeType; body: Record<string, unknown> } | null {
  if (!after) return null;
  const live = (r: SfRecord | undefined) => r !== undefined && r.IsDeleted !== true;
  if (!live(before) && !live(after)) return null;
  if (live(before) && !live(after)) return { type: 'DELETE', body: {} };
  if (!live(before)) {
    const all = toJsonRecord(schema, after);
    return { type: before ? 'UNDELETE' : 'CREATE', body: nest(schema.name, all, null) };
  }
  // Raw values first: only the changed fields are formatted (a write changes a few of ~100 fields).
  const changedMeta = schema.fields.filter(
    (f) =>
      !LEFT_OUT.has(f.name) &&
      !isDerivedName(schema.name, f.name) &&
      !sameValue(before![f.name], after[f.name]),
  );
  const changed = changedMeta.map((f) => f.name);
  if (changed.length === 0 || changed.every((f) => f === 'LastModifiedDate' || f === 'LastModifiedById'))
    return null;
  // Salesforce lists LastModifiedDate on every update, even when a pinned clock leaves it equal.
  if (!changed.includes('LastModifiedDate') && schema.fields.some((f) => f.name === 'LastModifiedDate'))
    changed.push('LastModifiedDate');
  const values: Record<string, unknown> = {};
  for (const f of changed) values[f] = wireValue(schema, f, after[f]);
  const body = nest(schema.name, values, changed);
  const names = changed.map((f) => {
    const c = compoundOf(schema.name, f);
    return c ? `${c[0]}.${c[1]}` : f;
  });
  const nulled = changed.filter((f) => values[f] === null);
  return { type: 'UPDATE', body: { ...body, changedFields: names, nulledFields: nulled } };
}

/** A value as the REST API prints it (datetimes formatted). */
function wireValue(schema: ObjectSchema, field: string, v: unknown): unknown {
  const f = schema.fields.find((x) => x.name === field);
  return f?.type === 'datetime' && typeof v === 'number' ? formatDatetime(v) : (v ?? null);
}

/** Lead and Contact `Name` is the compound of its parts in events, not a field of its own. */
function isDerivedName(entity: string, field: string): boolean {
  return field === 'Name' && (entity === 'Lead' || entity === 'Contact');
}

function sameValue(a: unknown, b: unknown): boolean {
  return (
    a === b || (a !== null && b !== null && typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b))
  );
}

/** Field values with compound components nested (`Name: {FirstName}`, `BillingAddress: {State}`). */
function nest(
  entity: string,
  values: Record<string, unknown>,
  only: readonly string[] | null,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of only ?? Object.keys(values)) {
    if (LEFT_OUT.has(f) || isDerivedName(entity, f)) continue;
    const c = compoundOf(entity, f);
    if (!c) {
      out[f] = values[f] ?? null;
      continue;
    }
    const inner = (out[c[0]] ?? {}) as Record<string, unknown>;
    inner[c[1]] = values[f] ?? null;
    out[c[0]] = inner;
  }
  return out;
}
