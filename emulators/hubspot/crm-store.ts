import type { EmulatorClock } from '../shared/emulator-clock.ts';
import type { ContactActivity } from './activity-events.ts';
import { associationPair, resolveAssociationTypeId, v3AssociationEntries } from './association-types.ts';
import type { CustomPropertyMode } from './custom-properties.ts';
import { HubspotApiError, propertyIssue, propertyValuesError, validationError } from './hubspot-errors.ts';
import { type IndexedRecord, ModifiedTimeIndex } from './modified-time-index.ts';
import { ENGAGEMENT_TYPES, OBJECT_TYPE_INFO, OBJECT_TYPES, type ObjectType } from './object-types.ts';
import { OwnerDirectory } from './owner-directory.ts';
import { PropertyRegistry } from './property-registry.ts';

/**
 * The portal's data: records per object type, their associations, owners, the property schema and
 * per-contact activity events. HTTP handlers and tests go through the same methods, so a test that
 * edits a contact "in the CRM UI" mid-run sees exactly the bookkeeping an API write gets
 * (lastmodifieddate, unique indexes, webhook change events).
 */

export interface CrmRecord extends IndexedRecord {
  readonly type: ObjectType;
  readonly id: string;
  readonly idNum: number;
  /** Set values only, in stored (canonical string) form; timestamps and id live in the fields below. */
  props: Record<string, string>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt: number | undefined;
}

export interface AssociationEdge {
  to: string;
  primary: boolean;
}

export interface AssociationRequest {
  toType: ObjectType;
  toId: string;
  primary: boolean;
}

export interface WriteOptions {
  /** Seeding and test edits: may set read-only properties and skip required-field checks. */
  system?: boolean;
  /** `changeSource` reported in webhook events. */
  source?: string;
  /** Write time (ms); defaults to the emulator clock. */
  at?: number;
  /** Creation time for seeded records. */
  createdAt?: number;
  associations?: AssociationRequest[];
  /** Bulk seeding: no per-record index maintenance (call `rebuildIndexes`) and no change events. */
  bulk?: boolean;
  /**
   * A user's edit in the CRM (a rep changing a property): a change sets `hs_updated_by_user_id` to this
   * user id. API writes (private app) leave it as it was.
   */
  userId?: number;
}

export interface PropertyChange {
  name: string;
  value: string | null;
}

export interface RecordChange {
  kind: 'creation' | 'propertyChange' | 'deletion' | 'restore';
  type: ObjectType;
  id: string;
  changes: PropertyChange[];
  occurredAt: number;
  source: string;
}

export type ChangeListener = (change: RecordChange) => void;

export class TypeTable {
  readonly byId = new Map<string, CrmRecord>();
  /** Every record ever created, ascending id (ids only grow), archived ones included. */
  readonly order: CrmRecord[] = [];
  readonly modified = new ModifiedTimeIndex<CrmRecord>();
  readonly unique = new Map<string, Map<string, CrmRecord>>();
  nextId: number;
  live = 0;

  constructor(firstId: number) {
    this.nextId = firstId;
  }

  /** Position in `order` of the first record with id >= `idNum`. */
  orderIndexFrom(idNum: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid]!.idNum < idNum) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface CrmStoreOptions {
  clock: EmulatorClock;
  customProperties: CustomPropertyMode;
}

/** Types HubSpot refuses to create without `hs_timestamp` (tasks: the due date; engagements: when it happened). */
const TIMESTAMPED: ReadonlySet<ObjectType> = new Set(['tasks', ...ENGAGEMENT_TYPES]);

export class CrmStore {
  readonly clock: EmulatorClock;
  readonly properties: PropertyRegistry;
  readonly owners: OwnerDirectory;
  private readonly tables = new Map<ObjectType, TypeTable>();
  private readonly associations = new Map<string, Map<string, AssociationEdge[]>>();
  private readonly activities = new Map<string, readonly ContactActivity[]>();
  private readonly campaigns = new Map<string, string>();
  private readonly listeners = new Set<ChangeListener>();
  private readonly virtual = new Map<ObjectType, Set<string>>();

  constructor(options: CrmStoreOptions) {
    this.clock = options.clock;
    const now = () => this.clock.now();
    this.owners = new OwnerDirectory(now);
    this.properties = new PropertyRegistry(options.customProperties, now);
    this.properties.ownerExists = (id) => this.owners.exists(id);
    for (const type of OBJECT_TYPES) {
      const info = OBJECT_TYPE_INFO[type];
      this.tables.set(type, new TypeTable(info.firstId));
      this.virtual.set(type, new Set(['hs_object_id', info.createdProperty, ...info.modifiedProperties]));
    }
  }

  table(type: ObjectType): TypeTable {
    return this.tables.get(type)!;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- reads -------------------------------------------------------------------------------

  get(type: ObjectType, id: string, includeArchived = false): CrmRecord | undefined {
    const rec = this.table(type).byId.get(id);
    if (!rec || (rec.archived && !includeArchived)) return undefined;
    return rec;
  }

  /** Live record by a unique property (`email`, `tossup_task_key`, ...). */
  findByUnique(type: ObjectType, property: string, value: string): CrmRecord | undefined {
    const key = property === 'email' ? value.toLowerCase() : value;
    return this.uniqueIndex(type, property).get(key);
  }

  /** Live records whose stored value equals `value`; a scan, meant for tests. */
  findByProperty(type: ObjectType, property: string, value: string): CrmRecord[] {
    const out: CrmRecord[] = [];
    for (const rec of this.table(type).byId.values()) {
      if (!rec.archived && this.valueOf(rec, property) === value) out.push(rec);
    }
    return out;
  }

  count(type: ObjectType): number {
    return this.table(type).live;
  }

  list(type: ObjectType): CrmRecord[] {
    return this.table(type).order.filter((r) => !r.archived);
  }

  /** A property's stored value, answering the id and timestamp properties from the record itself. */
  valueOf(rec: CrmRecord, name: string): string | undefined {
    if (this.virtual.get(rec.type)!.has(name)) {
      if (name === 'hs_object_id') return rec.id;
      if (name === OBJECT_TYPE_INFO[rec.type].createdProperty) return new Date(rec.createdAt).toISOString();
      return new Date(rec.updatedAt).toISOString();
    }
    return rec.props[name];
  }

  isVirtual(type: ObjectType, name: string): boolean {
    return this.virtual.get(type)!.has(name);
  }

  /**
   * Wire form of a record. `select` = properties asked for (plus the basic ones every read
   * carries); without it the type's default properties. Asked-for properties without a value come
   * back as `null`, unknown names are dropped, as HubSpot does.
   */
  toJson(
    rec: CrmRecord,
    select?: readonly string[],
    withAssociations?: readonly ObjectType[],
  ): Record<string, unknown> {
    const info = OBJECT_TYPE_INFO[rec.type];
    let names: readonly string[] = info.defaultProperties;
    if (select && select.length > 0) {
      const wanted = new Set(info.basicProperties);
      for (const n of select) if (this.properties.has(rec.type, n)) wanted.add(n);
      names = [...wanted];
    }
    const properties: Record<string, string | null> = {};
    for (const n of names) properties[n] = this.valueOf(rec, n) ?? null;
    const out: Record<string, unknown> = {
      id: rec.id,
      properties,
      createdAt: new Date(rec.createdAt).toISOString(),
      updatedAt: new Date(rec.updatedAt).toISOString(),
      archived: rec.archived,
    };
    if (rec.archivedAt !== undefined) out.archivedAt = new Date(rec.archivedAt).toISOString();
    if (withAssociations && withAssociations.length > 0) {
      const assoc: Record<string, unknown> = {};
      for (const toType of withAssociations) {
        const pair = associationPair(rec.type, toType);
        if (!pair) continue;
        const results = this.associationsOf(rec.type, rec.id, toType).flatMap((e) =>
          v3AssociationEntries(pair, e.to, e.primary),
        );
        if (results.length > 0) assoc[toType] = { results };
      }
      if (Object.keys(assoc).length > 0) out.associations = assoc;
    }
    return out;
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Validates and canonicalises a property bag; throws HubSpot's 400 listing every bad value. */
  prepare(type: ObjectType, input: unknown, system = false): Map<string, string | null> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw validationError('"properties" must be an object of property name to value.');
    }
    const { values, issues } = this.properties.normalize(type, input as Record<string, unknown>, system);
    if (issues.length > 0) throw propertyValuesError(issues);
    const email = values.get('email');
    if (type === 'contacts' && email) values.set('email', email.toLowerCase());
    return values;
  }

  create(type: ObjectType, input: unknown, options: WriteOptions = {}): CrmRecord {
    return this.applyCreate(type, this.prepare(type, input, options.system), options);
  }

  /** Creates from already-prepared values; throws 400 (associations), 409 (unique conflicts). */
  applyCreate(type: ObjectType, values: Map<string, string | null>, options: WriteOptions = {}): CrmRecord {
    if (TIMESTAMPED.has(type) && !options.system && !values.get('hs_timestamp')) {
      throw propertyValuesError([
        propertyIssue(
          'hs_timestamp',
          'REQUIRED_PROPERTY',
          `hs_timestamp is required to create a ${OBJECT_TYPE_INFO[type].singular}.`,
        ),
      ]);
    }
    const associations = options.associations ?? [];
    for (const a of associations) this.checkAssociationTarget(type, a);
    this.checkUnique(type, values, undefined);
    const t = this.table(type);
    const now = options.at ?? this.clock.now();
    const idNum = t.nextId++;
    const rec: CrmRecord = {
      type,
      id: String(idNum),
      idNum,
      props: {},
      createdAt: options.createdAt ?? now,
      updatedAt: now,
      archived: false,
      archivedAt: undefined,
    };
    const virtual = this.virtual.get(type)!;
    for (const [k, v] of values) if (v !== null && !virtual.has(k)) rec.props[k] = v;
    if (type === 'tasks') {
      rec.props.hs_task_status ??= 'NOT_STARTED';
      rec.props.hs_task_type ??= 'TODO';
      if (rec.props.hs_task_status === 'COMPLETED')
        rec.props.hs_task_completion_date ??= new Date(now).toISOString();
    }
    t.byId.set(rec.id, rec);
    t.order.push(rec);
    t.live += 1;
    if (!options.bulk) t.modified.insert(rec);
    for (const [prop, index] of t.unique) {
      const v = rec.props[prop];
      if (v !== undefined) index.set(v, rec);
    }
    for (const a of associations) {
      // The new record's own primary company is part of its creation, not a later change.
      const silent = options.bulk === true || type === 'contacts';
      this.associate(type, rec.id, a.toType, a.toId, a.primary, { silent });
    }
    if (!options.bulk) {
      this.emit({
        kind: 'creation',
        type,
        id: rec.id,
        changes: Object.entries(rec.props).map(([name, value]) => ({ name, value })),
        occurredAt: now,
        source: options.source ?? 'CRM_UI',
      });
    }
    return rec;
  }

  update(type: ObjectType, id: string, input: unknown, options: WriteOptions = {}): CrmRecord {
    return this.applyUpdate(type, id, this.prepare(type, input, options.system), options);
  }

  /**
   * Applies prepared values. Modification time moves only when a value actually changes: an
   * idempotent re-write leaves `lastmodifieddate` alone, so it does not re-trigger incremental syncs.
   */
  applyUpdate(
    type: ObjectType,
    id: string,
    values: Map<string, string | null>,
    options: WriteOptions = {},
  ): CrmRecord {
    const rec = this.get(type, id);
    if (!rec) throw objectNotFound(type, id);
    this.checkUnique(type, values, rec);
    const t = this.table(type);
    const virtual = this.virtual.get(type)!;
    const changes: PropertyChange[] = [];
    const now = options.at ?? this.clock.now();
    for (const [k, v] of values) {
      if (virtual.has(k)) continue;
      const old: string | undefined = rec.props[k];
      if (v === old || (v === null && old === undefined)) continue;
      const index = t.unique.get(k);
      if (old !== undefined && index?.get(old) === rec) index.delete(old);
      if (v === null) delete rec.props[k];
      else {
        rec.props[k] = v;
        index?.set(v, rec);
      }
      changes.push({ name: k, value: v });
    }
    if (type === 'tasks' && changes.some((c) => c.name === 'hs_task_status')) {
      if (rec.props.hs_task_status === 'COMPLETED')
        rec.props.hs_task_completion_date = new Date(now).toISOString();
      else delete rec.props.hs_task_completion_date;
    }
    if (changes.length > 0) {
      if (options.userId !== undefined) rec.props.hs_updated_by_user_id = String(options.userId);
      t.modified.remove(rec);
      rec.updatedAt = now;
      t.modified.insert(rec);
      this.emit({
        kind: 'propertyChange',
        type,
        id,
        changes,
        occurredAt: now,
        source: options.source ?? 'CRM_UI',
      });
    }
    return rec;
  }

  archive(type: ObjectType, id: string, options: { source?: string } = {}): boolean {
    const rec = this.get(type, id);
    if (!rec) return false;
    const t = this.table(type);
    const now = this.clock.now();
    t.modified.remove(rec);
    for (const [prop, index] of t.unique) {
      const v = rec.props[prop];
      if (v !== undefined && index.get(v) === rec) index.delete(v);
    }
    rec.archived = true;
    rec.archivedAt = now;
    t.live -= 1;
    if (type === 'companies') {
      // Deleting a company removes it as the primary company of its contacts.
      for (const e of this.edges('companies', 'contacts', id)) {
        if (this.get('contacts', e.to)?.props.associatedcompanyid === id)
          this.setPrimaryCompany(e.to, null, false);
      }
    }
    this.emit({
      kind: 'deletion',
      type,
      id,
      changes: [],
      occurredAt: now,
      source: options.source ?? 'CRM_UI',
    });
    return true;
  }

  /**
   * Brings an archived record back (HubSpot's restore from the recycling bin, within 90 days): live
   * again with its properties, `lastmodifieddate` moved to now, a `restore` change event.
   */
  restore(type: ObjectType, id: string, options: { source?: string } = {}): boolean {
    const rec = this.get(type, id, true);
    if (!rec?.archived) return false;
    const t = this.table(type);
    const now = this.clock.now();
    rec.archived = false;
    rec.archivedAt = undefined;
    rec.updatedAt = now;
    t.live += 1;
    t.modified.insert(rec);
    for (const [prop, index] of t.unique) {
      const v = rec.props[prop];
      if (v !== undefined && !index.has(v)) index.set(v, rec);
    }
    this.emit({
      kind: 'restore',
      type,
      id,
      changes: [],
      occurredAt: now,
      source: options.source ?? 'CRM_UI',
    });
    return true;
  }

  /** After bulk seeding: builds the modification-time index in one sort. */
  rebuildIndexes(): void {
    for (const t of this.tables.values()) t.modified.load(t.order.filter((r) => !r.archived));
  }

  // ---- associations ------------------------------------------------------------------------

  /** Resolves the `associations` of a create request (`types[].associationTypeId`). */
  resolveAssociationInputs(fromType: ObjectType, raw: unknown): AssociationRequest[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw validationError('"associations" must be an array.');
    const out: AssociationRequest[] = [];
    for (const [i, entry] of raw.entries()) {
      const e = entry as { to?: { id?: unknown }; types?: unknown };
      const toId = e?.to?.id;
      if (typeof toId !== 'string' && typeof toId !== 'number') {
        throw validationError(`associations[${i}].to.id is required.`);
      }
      if (!Array.isArray(e.types) || e.types.length === 0) {
        throw validationError(`associations[${i}].types must list at least one association type.`);
      }
      let toType: ObjectType | undefined;
      let primary = false;
      for (const spec of e.types as Array<{ associationCategory?: unknown; associationTypeId?: unknown }>) {
        if (spec?.associationCategory !== 'HUBSPOT_DEFINED') {
          throw validationError(
            `associations[${i}]: only HUBSPOT_DEFINED association types exist in this portal (got ${String(spec?.associationCategory)}).`,
          );
        }
        const resolved = resolveAssociationTypeId(fromType, Number(spec.associationTypeId));
        if (!resolved || (toType !== undefined && resolved.to !== toType)) {
          throw validationError(
            `associations[${i}]: association type ${String(spec.associationTypeId)} is not valid from ${fromType}.`,
            { subCategory: 'crm.associations.INVALID_ASSOCIATION_TYPE' },
          );
        }
        toType = resolved.to;
        primary ||= resolved.primary;
      }
      out.push({ toType: toType!, toId: String(toId), primary });
    }
    return out;
  }

  /**
   * `silent`: do not treat a primary-company change as a modification of the contact (seeding, and
   * the contact being created in the same step).
   */
  associate(
    fromType: ObjectType,
    fromId: string,
    toType: ObjectType,
    toId: string,
    primary = false,
    options: { silent?: boolean } = {},
  ): void {
    const pair = associationPair(fromType, toType);
    if (!pair) throw validationError(`${fromType} cannot be associated with ${toType}.`);
    const isPrimary = primary && pair.primaryTypeId !== undefined;
    if (isPrimary) {
      // One primary target per record: demote the previous one on both sides.
      for (const e of this.edges(fromType, toType, fromId)) {
        if (e.primary && e.to !== toId) {
          e.primary = false;
          const back = this.edges(toType, fromType, e.to).find((b) => b.to === fromId);
          if (back) back.primary = false;
        }
      }
    }
    this.upsertEdge(fromType, toType, fromId, toId, isPrimary);
    this.upsertEdge(toType, fromType, toId, fromId, isPrimary);
    const silent = options.silent ?? false;
    if (isPrimary && fromType === 'contacts' && toType === 'companies')
      this.setPrimaryCompany(fromId, toId, silent);
    if (isPrimary && fromType === 'companies' && toType === 'contacts')
      this.setPrimaryCompany(toId, fromId, silent);
  }

  /**
   * HubSpot keeps the primary company of a contact in the read-only contact property
   * `associatedcompanyid`, so one search page carries it; changing it is a property change like
   * any other (modification time moves, a change event fires).
   */
  private setPrimaryCompany(contactId: string, companyId: string | null, silent: boolean): void {
    const rec = this.get('contacts', contactId);
    if (!rec) return;
    const old = rec.props.associatedcompanyid;
    if ((old ?? null) === companyId) return;
    if (companyId === null) delete rec.props.associatedcompanyid;
    else rec.props.associatedcompanyid = companyId;
    if (silent) return;
    const now = this.clock.now();
    const t = this.table('contacts');
    t.modified.remove(rec);
    rec.updatedAt = now;
    t.modified.insert(rec);
    this.emit({
      kind: 'propertyChange',
      type: 'contacts',
      id: contactId,
      changes: [{ name: 'associatedcompanyid', value: companyId }],
      occurredAt: now,
      source: 'CRM_UI',
    });
  }

  /** Moves a record's modification time to now without a property change (a recalculated roll-up). */
  touch(type: ObjectType, id: string): void {
    const rec = this.get(type, id);
    if (!rec) return;
    const t = this.table(type);
    t.modified.remove(rec);
    rec.updatedAt = this.clock.now();
    t.modified.insert(rec);
  }

  /** Live associations of one record to a type. */
  associationsOf(fromType: ObjectType, fromId: string, toType: ObjectType): AssociationEdge[] {
    return this.edges(fromType, toType, fromId).filter((e) => this.get(toType, e.to) !== undefined);
  }

  private edges(fromType: ObjectType, toType: ObjectType, fromId: string): AssociationEdge[] {
    return this.associations.get(`${fromType}>${toType}`)?.get(fromId) ?? [];
  }

  private upsertEdge(
    fromType: ObjectType,
    toType: ObjectType,
    fromId: string,
    toId: string,
    primary: boolean,
  ): void {
    const key = `${fromType}>${toType}`;
    let byFrom = this.associations.get(key);
    if (!byFrom) {
      byFrom = new Map();
      this.associations.set(key, byFrom);
    }
    let list = byFrom.get(fromId);
    if (!list) {
      list = [];
      byFrom.set(fromId, list);
    }
    const existing = list.find((e) => e.to === toId);
    if (existing) existing.primary ||= primary;
    else list.push({ to: toId, primary });
  }

  private checkAssociationTarget(fromType: ObjectType, a: AssociationRequest): void {
    if (!associationPair(fromType, a.toType)) {
      throw validationError(`${fromType} cannot be associated with ${a.toType}.`);
    }
    if (!this.get(a.toType, a.toId)) {
      throw validationError(
        `One or more associations are invalid: ${OBJECT_TYPE_INFO[a.toType].upperName} ${a.toId} does not exist.`,
        { subCategory: 'crm.associations.INVALID_OBJECT_IDS', context: { id: [a.toId] } },
      );
    }
  }

  // ---- activity events and campaigns ---------------------------------------------------------

  setActivities(contactId: string, activities: readonly ContactActivity[]): void {
    this.activities.set(contactId, activities);
  }

  activitiesOf(contactId: string): readonly ContactActivity[] {
    return this.activities.get(contactId) ?? [];
  }

  setCampaignName(key: string, name: string): void {
    this.campaigns.set(key, name);
  }

  campaignName(key: string): string | undefined {
    return this.campaigns.get(key);
  }

  // ---- snapshot ----------------------------------------------------------------------------

  /** Counts always; full records only while the portal is small enough to dump (≤ `maxRecords`). */
  snapshot(maxRecords = 20_000): Record<string, unknown> {
    const counts = Object.fromEntries(OBJECT_TYPES.map((t) => [t, this.count(t)]));
    const total = OBJECT_TYPES.reduce((n, t) => n + this.count(t), 0);
    const out: Record<string, unknown> = {
      counts,
      owners: this.owners.list(false).length + this.owners.list(true).length,
      properties: this.properties.snapshot(),
    };
    if (total <= maxRecords) {
      out.records = Object.fromEntries(
        OBJECT_TYPES.map((t) => [
          t,
          this.list(t).map((r) => ({
            id: r.id,
            createdAt: new Date(r.createdAt).toISOString(),
            updatedAt: new Date(r.updatedAt).toISOString(),
            properties: { ...r.props },
          })),
        ]),
      );
    }
    return out;
  }

  // ---- internals ---------------------------------------------------------------------------

  private uniqueIndex(type: ObjectType, property: string): Map<string, CrmRecord> {
    const t = this.table(type);
    let index = t.unique.get(property);
    if (!index) {
      // Built on first use, so a unique property created later still indexes existing records.
      index = new Map();
      for (const rec of t.byId.values()) {
        const v = rec.props[property];
        if (!rec.archived && v !== undefined) index.set(v, rec);
      }
      t.unique.set(property, index);
    }
    return index;
  }

  private checkUnique(
    type: ObjectType,
    values: Map<string, string | null>,
    self: CrmRecord | undefined,
  ): void {
    for (const prop of this.properties.uniqueProperties(type)) {
      const v = values.get(prop);
      if (v === undefined || v === null) continue;
      const holder = this.uniqueIndex(type, prop).get(v);
      if (holder && holder !== self) {
        const message =
          type === 'contacts' && prop === 'email'
            ? `Contact already exists. Existing ID: ${holder.id}`
            : `A ${OBJECT_TYPE_INFO[type].singular} with ${prop}=${v} already exists. Existing ID: ${holder.id}`;
        throw new HubspotApiError(409, 'CONFLICT', message, {
          context: { existingId: [holder.id], propertyName: [prop] },
        });
      }
    }
  }

  private emit(change: RecordChange): void {
    for (const l of this.listeners) l(change);
  }
}

export function objectNotFound(type: ObjectType, id: string): HubspotApiError {
  return new HubspotApiError(404, 'OBJECT_NOT_FOUND', 'Object not found.  objectId are usually numeric.', {
    context: { id: [id], objectType: [OBJECT_TYPE_INFO[type].upperName] },
  });
}
