import type { EmulatorClock } from '../shared/emulator-clock.ts';
import type { ChangeDataCapture } from './change-data-capture.ts';
import { applyDerivedFields, type DeriveContext } from './derived-fields.ts';
import { IdSequence, normalizeId } from './ids.ts';
import type { FieldMeta, ObjectSchema, SchemaRegistry } from './schema/schema-registry.ts';
import type { SfRecord } from './sf-record.ts';
import { SObjectTable } from './sobject-table.ts';
import type { ValidationRule } from './validation-rules.ts';
import { formatDatetime, parseDateInput, parseDatetimeInput } from './values.ts';

/** Timestamps and actor for a programmatic write. */
export interface WriteMeta {
  /** When the write happens (ms or ISO); default the emulator clock. */
  at?: number | string;
  /** For inserts: CreatedDate (default `at`). */
  createdAt?: number | string;
  /** Acting user (CreatedById/LastModifiedById); default `defaultActorId` (a person, not the integration user). */
  userId?: string;
  /** A system/automation change: only SystemModstamp moves, LastModifiedDate stays. */
  systemOnly?: boolean;
}

export interface SnapshotOptions {
  /** Records listed per object; objects with more list only counts. */
  maxRecordsPerObject?: number;
}

interface RecordFactory {
  Blank: new () => SfRecord;
  names: string[];
}

/** Objects whose records own activities through `WhoId`. */
const WHO_OBJECTS: ReadonlySet<string> = new Set(['Lead', 'Contact']);
const ACTIVITY_OBJECTS = ['Task', 'Event'] as const;

const toMs = (v: number | string): number => {
  if (typeof v === 'number') return v;
  const ms = parseDatetimeInput(v);
  if (ms === undefined) throw new Error(`Store: '${v}' is not an ISO 8601 datetime`);
  return ms;
};

/**
 * The org's data. Tests use the methods here to arrange and inspect state without going through
 * the API (no validation, no API usage), e.g. to simulate a user editing a lead mid-run; system
 * fields, derived fields and indexes are still maintained so queries see a coherent org.
 */
export class SalesforceStore {
  readonly schema: SchemaRegistry;
  readonly clock: EmulatorClock;
  readonly orgId: string;
  /** The user API calls act as when a session has no other user; set by seeding. */
  integrationUserId = '';
  /**
   * Who programmatic writes (seeding, tests arranging "a user edits a lead") act as: an admin
   * user, so they look like people's changes, as in an org; API DML acts as the session's user.
   * Empty = the integration user.
   */
  defaultActorId = '';
  readonly validationRules: ValidationRule[] = [];
  /** Change Data Capture (change-data-capture.ts): sees every committed version; null = off. */
  changeCapture: ChangeDataCapture | null = null;
  readonly respondedStatuses: Set<string>;
  private readonly tables = new Map<string, SObjectTable>();
  private readonly ids = new IdSequence();
  private templates = new Map<string, RecordFactory>();
  private templateVersion = -1;

  constructor(opts: {
    schema: SchemaRegistry;
    clock: EmulatorClock;
    orgId: string;
    respondedStatuses?: string[];
  }) {
    this.schema = opts.schema;
    this.clock = opts.clock;
    this.orgId = opts.orgId;
    this.respondedStatuses = new Set(opts.respondedStatuses ?? ['Responded']);
  }

  objectSchema(type: string): ObjectSchema {
    const s = this.schema.object(type);
    if (!s) throw new Error(`Store: unknown sObject type '${type}'`);
    return s;
  }

  table(type: string): SObjectTable {
    const s = this.objectSchema(type);
    let t = this.tables.get(s.name);
    if (!t) {
      t = new SObjectTable(s.name);
      this.tables.set(s.name, t);
    }
    return t;
  }

  /** The live version of any record by id (15 or 18 chars), deleted ones included. */
  lookup(id: string): SfRecord | undefined {
    const full = id.length === 18 ? id : normalizeId(id);
    if (!full) return undefined;
    const s = this.schema.objectByPrefix(full.slice(0, 3));
    if (!s) return undefined;
    return this.tables.get(s.name)?.get(full);
  }

  newId(type: string): string {
    const s = this.objectSchema(type);
    let id = this.ids.make(s.keyPrefix);
    while (this.lookup(id)) id = this.ids.make(s.keyPrefix);
    return id;
  }

  deriveContext(now: number): DeriveContext {
    return { now, respondedStatuses: this.respondedStatuses, lookup: (id) => this.lookup(id) };
  }

  /**
   * A record with every schema field present (null/false). Built by a per-type constructor so all
   * rows of a type share one hidden class with in-object fields: ~50x faster than spreading a
   * template and compact at a million rows.
   */
  blank(schema: ObjectSchema): SfRecord {
    return new (this.factory(schema).Blank)();
  }

  /** Copy of a record version (for copy-on-write updates), normalised to the current schema. */
  clone(schema: ObjectSchema, rec: SfRecord): SfRecord {
    const { Blank, names } = this.factory(schema);
    const out = new Blank();
    for (const n of names) out[n] = rec[n];
    return out;
  }

  private factory(schema: ObjectSchema): RecordFactory {
    if (this.templateVersion !== this.schema.version) {
      this.templates = new Map();
      this.templateVersion = this.schema.version;
    }
    let f = this.templates.get(schema.name);
    if (!f) {
      const names = schema.fields.map((x) => x.name);
      // Field names are validated API names ([A-Za-z][A-Za-z0-9_]*); JSON.stringify quotes them anyway.
      const body = schema.fields
        .map((x) => `this[${JSON.stringify(x.name)}]=${x.type === 'boolean' ? 'false' : 'null'};`)
        .join('');
      f = { Blank: new Function(body) as unknown as new () => SfRecord, names };
      this.templates.set(schema.name, f);
    }
    return f;
  }

  /** Default values for fields not given on create (picklist defaults, checkbox defaults, owner). */
  applyCreateDefaults(schema: ObjectSchema, rec: SfRecord, given: ReadonlySet<string>, userId: string): void {
    for (const f of schema.fields) {
      if (given.has(f.name)) continue;
      if (f.defaultValue !== undefined && f.defaultValue !== null) rec[f.name] = f.defaultValue;
      const def = f.picklistValues?.find((p) => p.defaultValue && p.active !== false);
      if (def && rec[f.name] == null) rec[f.name] = def.value;
      if (f.name === 'OwnerId' && rec.OwnerId == null) rec.OwnerId = userId;
    }
  }

  derivePreview(object: string, rec: SfRecord, prev: SfRecord | undefined, now: number): void {
    applyDerivedFields(object, rec, prev, this.deriveContext(now));
  }

  /** Writes a version, running derived fields; `prev` undefined means insert. */
  commit(schema: ObjectSchema, next: SfRecord, prev: SfRecord | undefined, now: number): void {
    applyDerivedFields(schema.name, next, prev, this.deriveContext(now));
    this.table(schema.name).put(next);
    this.changeCapture?.record(schema, prev, next);
    this.recalculateRollups(schema.name, [prev, next], now);
  }

  /**
   * Runs `fn` as one transaction of `userId` for Change Data Capture: its writes become change events
   * when it ends (the DML routes run each API call in one; each programmatic write is its own).
   */
  inChangeScope<T>(userId: string, fn: () => T): T {
    // One transaction, one instant: its records share their audit times (and so, given the same
    // change, one event), however long the writes take on a loaded machine.
    const outermost = this.transactionNow === null;
    if (outermost) this.transactionNow = this.clock.now();
    try {
      const cdc = this.changeCapture;
      return cdc ? cdc.inScope(userId, fn) : fn();
    } finally {
      if (outermost) this.transactionNow = null;
    }
  }

  /** The instant of the transaction under way (see `inChangeScope`). */
  private transactionNow: number | null = null;

  /** When a programmatic write happens: the given instant, else its transaction's. */
  private writeTime(meta: WriteMeta): number {
    return meta.at !== undefined ? toMs(meta.at) : (this.transactionNow ?? this.clock.now());
  }

  /**
   * Roll-up summary fields on the parents of these child record versions. Salesforce saves the
   * parent when a summary value changes, so its SystemModstamp moves (never backwards).
   */
  recalculateRollups(childObject: string, versions: readonly (SfRecord | undefined)[], now: number): void {
    const summaries = this.schema.summariesOf(childObject);
    if (summaries.length === 0) return;
    const children = this.table(childObject);
    for (const s of summaries) {
      const parentIds = new Set<string>();
      for (const v of versions) {
        const id = v?.[s.foreignKey];
        if (typeof id === 'string') parentIds.add(id);
      }
      for (const parentId of parentIds) {
        const parent = this.table(s.parent.name).get(parentId);
        if (!parent) continue;
        let count = 0;
        for (const childId of children.childIds(s.foreignKey, parentId) ?? []) {
          const child = children.get(childId);
          if (!child || child.IsDeleted) continue;
          if (Object.entries(s.where).every(([f, v]) => child[f] === v)) count += 1;
        }
        if (parent[s.field.name] === count) continue;
        const next = this.clone(s.parent, parent);
        next[s.field.name] = count;
        next.SystemModstamp = Math.max(now, parent.SystemModstamp as number);
        this.commit(s.parent, next, parent, now);
      }
    }
  }

  // ---- Programmatic API (bypasses API validation) -------------------------------------------

  insert(type: string, fields: Record<string, unknown>, meta: WriteMeta = {}): string {
    return this.inChangeScope(meta.userId ?? this.actorId(), () => {
      const schema = this.objectSchema(type);
      const now = this.writeTime(meta);
      const created = meta.createdAt !== undefined ? toMs(meta.createdAt) : now;
      const userId = meta.userId ?? this.actorId();
      const rec = this.blank(schema);
      const given = new Set<string>();
      for (const [k, v] of Object.entries(fields)) {
        const f = this.requireField(schema, k);
        rec[f.name] = coerceStoreValue(schema, f, v);
        given.add(f.name);
      }
      this.applyCreateDefaults(schema, rec, given, userId);
      if (typeof rec.Id === 'string') {
        const id = normalizeId(rec.Id) ?? '';
        if (!id.startsWith(schema.keyPrefix))
          throw new Error(`Store: '${rec.Id}' is not a ${schema.name} id`);
        if (this.table(schema.name).get(id)) throw new Error(`Store: ${schema.name} ${id} already exists`);
        rec.Id = id;
      } else {
        rec.Id = this.newId(schema.name);
      }
      rec.IsDeleted = rec.IsDeleted === true;
      rec.CreatedDate = created;
      rec.CreatedById = userId || null;
      rec.LastModifiedDate = now;
      rec.LastModifiedById = userId || null;
      rec.SystemModstamp = now;
      this.commit(schema, rec, undefined, now);
      return rec.Id;
    });
  }

  private actorId(): string {
    return this.defaultActorId || this.integrationUserId;
  }

  update(type: string, id: string, fields: Record<string, unknown>, meta: WriteMeta = {}): void {
    this.inChangeScope(meta.userId ?? this.actorId(), () => {
      const schema = this.objectSchema(type);
      const prev = this.requireRecord(schema, id);
      const now = this.writeTime(meta);
      const next = this.clone(schema, prev);
      for (const [k, v] of Object.entries(fields)) {
        const f = this.requireField(schema, k);
        if (f.name === 'Id') throw new Error('Store: Id cannot be changed');
        next[f.name] = coerceStoreValue(schema, f, v);
      }
      next.SystemModstamp = now;
      if (!meta.systemOnly) {
        next.LastModifiedDate = now;
        next.LastModifiedById = meta.userId ?? (this.actorId() || null);
      }
      this.commit(schema, next, prev, now);
    });
  }

  /** Soft delete: the row stays visible to queryAll with IsDeleted=true. */
  delete(type: string, id: string, meta: WriteMeta = {}): void {
    this.inChangeScope(meta.userId ?? this.actorId(), () => {
      const schema = this.objectSchema(type);
      const prev = this.requireRecord(schema, id);
      const now = this.writeTime(meta);
      const next = this.clone(schema, prev);
      next.IsDeleted = true;
      next.SystemModstamp = now;
      this.commit(schema, next, prev, now);
      this.deleteActivitiesOf(schema.name, prev.Id, now);
    });
  }

  undelete(type: string, id: string, meta: WriteMeta = {}): void {
    this.inChangeScope(meta.userId ?? this.actorId(), () => {
      const schema = this.objectSchema(type);
      const prev = this.requireRecord(schema, id);
      const now = this.writeTime(meta);
      const next = this.clone(schema, prev);
      next.IsDeleted = false;
      next.SystemModstamp = now;
      this.commit(schema, next, prev, now);
      // The activities that went to the recycle bin with it come back with it.
      if (prev.IsDeleted && WHO_OBJECTS.has(schema.name)) {
        this.eachActivityOf(prev.Id, (s, task) => {
          if (!task.IsDeleted || task.SystemModstamp !== prev.SystemModstamp) return;
          const restored = this.clone(s, task);
          restored.IsDeleted = false;
          restored.SystemModstamp = now;
          this.commit(s, restored, task, now);
        });
      }
    });
  }

  /**
   * Deleting a Lead or Contact deletes its activities (Tasks and Events whose WhoId is the record),
   * as Salesforce does; `onChange` sees each version before it changes (all-or-none rollback).
   */
  deleteActivitiesOf(
    type: string,
    id: string,
    now: number,
    onChange?: (schema: ObjectSchema, prev: SfRecord) => void,
  ): void {
    if (!WHO_OBJECTS.has(type)) return;
    this.eachActivityOf(id, (s, task) => {
      if (task.IsDeleted) return;
      onChange?.(s, task);
      const next = this.clone(s, task);
      next.IsDeleted = true;
      next.SystemModstamp = now;
      this.commit(s, next, task, now);
    });
  }

  /**
   * Lead conversion (Apex/SOAP `convertLead`, no REST resource): the lead becomes a Contact (a new
   * one under a new Account unless given) and is left as a read-only row with IsConverted = true;
   * its Tasks and Events move to the contact. With `opportunity` it also creates an Opportunity on the
   * account (Name "<Company>-", the given stage, CloseDate the conversion day unless given), makes the
   * contact its primary OpportunityContactRole and sets `ConvertedOpportunityId`, as the UI's
   * conversion does when "Don't create an opportunity" is left unticked.
   */
  convertLead(
    leadId: string,
    opts: {
      contactId?: string;
      accountId?: string;
      opportunity?: { name?: string; stageName?: string; closeDate?: string; ownerId?: string };
      meta?: WriteMeta;
    } = {},
  ): { contactId: string; accountId: string; opportunityId: string | null } {
    const meta = opts.meta ?? {};
    // One transaction, as Salesforce's convertLead is: its changes reach change events together.
    return this.inChangeScope(meta.userId ?? this.actorId(), () => this.convertLeadNow(leadId, opts, meta));
  }

  private convertLeadNow(
    leadId: string,
    opts: {
      contactId?: string;
      accountId?: string;
      opportunity?: { name?: string; stageName?: string; closeDate?: string; ownerId?: string };
    },
    meta: WriteMeta,
  ): { contactId: string; accountId: string; opportunityId: string | null } {
    const lead = this.requireRecord(this.objectSchema('Lead'), leadId);
    if (lead.IsConverted) throw new Error(`Store: Lead ${lead.Id} is already converted`);
    const now = this.writeTime(meta);
    const accountId =
      opts.accountId ??
      (opts.contactId ? (this.get('Contact', opts.contactId)?.AccountId as string | null) : null) ??
      this.insert(
        'Account',
        { Name: lead.Company ?? lead.LastName, OwnerId: lead.OwnerId },
        { ...meta, at: now },
      );
    const contactId =
      opts.contactId ??
      this.insert(
        'Contact',
        {
          LastName: lead.LastName,
          FirstName: lead.FirstName,
          Email: lead.Email,
          Title: lead.Title,
          AccountId: accountId,
          OwnerId: lead.OwnerId,
        },
        { ...meta, at: now },
      );
    this.eachActivityOf(lead.Id, (s, task) => {
      const next = this.clone(s, task);
      next.WhoId = contactId;
      next.SystemModstamp = now;
      this.commit(s, next, task, now);
    });
    const day = new Date(now).toISOString().slice(0, 10);
    let opportunityId: string | null = null;
    if (opts.opportunity) {
      const o = opts.opportunity;
      opportunityId = this.insert(
        'Opportunity',
        {
          Name: o.name ?? `${lead.Company ?? lead.LastName}-`,
          AccountId: accountId,
          StageName: o.stageName ?? 'Prospecting',
          CloseDate: o.closeDate ?? day,
          OwnerId: o.ownerId ?? lead.OwnerId,
        },
        { ...meta, at: now },
      );
      this.insert(
        'OpportunityContactRole',
        { OpportunityId: opportunityId, ContactId: contactId, IsPrimary: true },
        { ...meta, at: now },
      );
    }
    this.update(
      'Lead',
      lead.Id,
      {
        IsConverted: true,
        ConvertedDate: day,
        ConvertedContactId: contactId,
        ConvertedAccountId: accountId,
        ConvertedOpportunityId: opportunityId,
        Status: 'Closed - Converted',
      },
      { ...meta, at: now },
    );
    return { contactId, accountId, opportunityId };
  }

  private eachActivityOf(whoId: string, visit: (schema: ObjectSchema, rec: SfRecord) => void): void {
    for (const type of ACTIVITY_OBJECTS) {
      const s = this.schema.object(type);
      if (!s) continue;
      const table = this.table(s.name);
      for (const childId of [...(table.childIds('WhoId', whoId) ?? [])]) {
        const rec = table.get(childId);
        if (rec) visit(s, rec);
      }
    }
  }

  get(type: string, id: string): Readonly<SfRecord> | undefined {
    const full = normalizeId(id);
    return full ? this.table(type).get(full) : undefined;
  }

  all(type: string, opts: { includeDeleted?: boolean } = {}): Readonly<SfRecord>[] {
    const out: SfRecord[] = [];
    for (const r of this.table(type).byId.values()) if (opts.includeDeleted || !r.IsDeleted) out.push(r);
    return out;
  }

  count(type: string, opts: { includeDeleted?: boolean } = {}): number {
    if (opts.includeDeleted) return this.table(type).byId.size;
    let n = 0;
    for (const r of this.table(type).byId.values()) if (!r.IsDeleted) n += 1;
    return n;
  }

  /** Ids of live records of `type` whose `field` equals `value` (case-insensitive text match). */
  findByValue(type: string, field: string, value: string): Readonly<SfRecord>[] {
    const schema = this.objectSchema(type);
    const f = this.requireField(schema, field);
    const table = this.table(schema.name);
    const ids = table.idsWithValue(f.name, value) ?? new Set<string>();
    return [...ids].map((i) => table.get(i)!).filter((r) => !r.IsDeleted);
  }

  addValidationRule(rule: ValidationRule): void {
    this.validationRules.push(rule);
  }

  clearValidationRules(): void {
    this.validationRules.length = 0;
  }

  /** JSON-safe state for admin/state and assertions: counts always, records when small. */
  snapshot(opts: SnapshotOptions = {}): unknown {
    const max = opts.maxRecordsPerObject ?? 5000;
    const objects: Record<string, unknown> = {};
    for (const [name, table] of this.tables) {
      const schema = this.schema.object(name);
      if (!schema) continue;
      const total = table.byId.size;
      let deleted = 0;
      for (const r of table.byId.values()) if (r.IsDeleted) deleted += 1;
      objects[name] = {
        count: total - deleted,
        deleted,
        ...(total <= max ? { records: [...table.byId.values()].map((r) => toJsonRecord(schema, r)) } : {}),
      };
    }
    return { orgId: this.orgId, objects };
  }

  private requireField(schema: ObjectSchema, name: string): FieldMeta {
    const f = schema.fieldByLower.get(name.toLowerCase());
    if (!f) throw new Error(`Store: ${schema.name} has no field '${name}' (see schema/default-schema.ts)`);
    return f;
  }

  private requireRecord(schema: ObjectSchema, id: string): SfRecord {
    const full = normalizeId(id);
    const rec = full ? this.table(schema.name).get(full) : undefined;
    if (!rec) throw new Error(`Store: no ${schema.name} with id '${id}'`);
    return rec;
  }
}

/** Accepts wire-format or internal values from test code and stores the internal form. */
function coerceStoreValue(schema: ObjectSchema, f: FieldMeta, v: unknown): unknown {
  if (v === undefined || v === null) return f.type === 'boolean' ? false : null;
  switch (f.type) {
    case 'datetime':
      if (v instanceof Date) return v.getTime();
      if (typeof v === 'number') return v;
      if (typeof v === 'string') return toMs(v);
      break;
    case 'date':
      if (typeof v === 'string') {
        const d = parseDateInput(v);
        if (d) return d;
      }
      break;
    case 'reference':
    case 'id':
      if (typeof v === 'string') return normalizeId(v) ?? v;
      break;
    default:
      return v;
  }
  throw new Error(`Store: bad value ${JSON.stringify(v)} for ${schema.name}.${f.name} (${f.type})`);
}

/** Record as the REST API would print it (datetimes formatted), without attributes. */
export function toJsonRecord(schema: ObjectSchema, r: SfRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields) {
    const v = r[f.name];
    out[f.name] = f.type === 'datetime' && typeof v === 'number' ? formatDatetime(v) : (v ?? null);
  }
  return out;
}
