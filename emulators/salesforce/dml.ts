import { normalizeId } from './ids.ts';
import type { FieldMeta, ObjectSchema } from './schema/schema-registry.ts';
import { type RecordError, recordError, SfApiError } from './sf-error.ts';
import type { SfRecord } from './sf-record.ts';
import type { SalesforceStore } from './store.ts';
import { parseDateInput, parseDatetimeInput } from './values.ts';

/**
 * Writes through the API: JSON → typed field values (request-level failures such as an unknown
 * field or an uncoercible value fail the whole call, as Salesforce's deserializer does), then
 * per-record validation in Salesforce's order (access, values, required, references, uniqueness,
 * validation rules) and a journaled commit so all-or-none calls can roll back.
 */

export interface Actor {
  userId: string;
  now: number;
}

/** One input record after deserialization. */
export interface ParsedRecord {
  schema: ObjectSchema | undefined;
  /** `attributes.type` (or the URL type) as given, for error messages. */
  typeName: string | undefined;
  id: unknown;
  fields: Map<FieldMeta, unknown>;
}

export type WriteOutcome =
  | { ok: true; id: string; created: boolean }
  | { ok: false; id: string | undefined; errors: RecordError[] };

const TEXT_TYPES = new Set(['string', 'textarea', 'picklist', 'email', 'phone', 'url']);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const jsonKind = (v: unknown): string =>
  v === null
    ? 'VALUE_NULL'
    : Array.isArray(v)
      ? 'START_ARRAY'
      : typeof v === 'object'
        ? 'START_OBJECT'
        : typeof v === 'string'
          ? 'VALUE_STRING'
          : typeof v === 'boolean'
            ? v
              ? 'VALUE_TRUE'
              : 'VALUE_FALSE'
            : Number.isInteger(v)
              ? 'VALUE_NUMBER_INT'
              : 'VALUE_NUMBER_FLOAT';

function parserError(typeLabel: string, v: unknown): SfApiError {
  const shown = typeof v === 'object' && v !== null ? (Array.isArray(v) ? '[' : '{') : String(v);
  return new SfApiError(
    400,
    'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${typeLabel} from ${jsonKind(v)} value ${shown} or request may be missing a required field`,
  );
}

/** JSON value → internal value, or a request-level JSON_PARSER_ERROR. */
export function coerceJsonValue(f: FieldMeta, v: unknown): unknown {
  if (v === null) return f.type === 'boolean' ? false : null;
  if (TEXT_TYPES.has(f.type)) {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw parserError('string', v);
  }
  switch (f.type) {
    case 'id':
    case 'reference':
      if (typeof v === 'string') return v;
      throw parserError('reference', v);
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw parserError('boolean', v);
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
      throw parserError('int', v);
    case 'double':
    case 'currency':
    case 'percent':
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
      throw parserError('double', v);
    case 'date': {
      const d = typeof v === 'string' ? parseDateInput(v) : undefined;
      if (d === undefined) throw parserError('date', v);
      return d;
    }
    case 'datetime': {
      const ms = typeof v === 'string' ? parseDatetimeInput(v) : undefined;
      if (ms === undefined) throw parserError('datetime', v);
      return ms;
    }
    default:
      return v;
  }
}

/**
 * Deserializes one record body. `typeName` comes from the URL or `attributes.type`; an unknown
 * type is left for the caller to report per record, an unknown field fails the request.
 */
export function parseRecord(
  store: SalesforceStore,
  typeName: string | undefined,
  raw: unknown,
): ParsedRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw parserError('SObject', raw);
  }
  const schema = typeName ? store.schema.object(typeName) : undefined;
  const fields = new Map<FieldMeta, unknown>();
  let id: unknown;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'attributes') continue;
    if (key.toLowerCase() === 'id') {
      id = value;
      continue;
    }
    if (!schema) continue;
    const f = schema.fieldByLower.get(key.toLowerCase());
    if (!f) {
      throw new SfApiError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type ${schema.name}`);
    }
    fields.set(f, coerceJsonValue(f, value));
  }
  return { schema, typeName, id, fields };
}

/** Undo log for one API call; all-or-none calls roll back every write in reverse. */
export class Transaction {
  private readonly journal: Array<{ schema: ObjectSchema; id: string; prev: SfRecord | undefined }> = [];

  record(schema: ObjectSchema, id: string, prev: SfRecord | undefined): void {
    this.journal.push({ schema, id, prev });
  }

  rollback(store: SalesforceStore): void {
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const { schema, id, prev } = this.journal[i]!;
      const table = store.table(schema.name);
      const undone = table.get(id);
      if (prev) table.put(prev);
      else table.remove(id);
      // Roll-up summaries on parents counted the undone write; count again without it.
      store.recalculateRollups(schema.name, [undone, prev], store.clock.now());
    }
    this.journal.length = 0;
  }
}

export class DmlEngine {
  private readonly store: SalesforceStore;

  constructor(store: SalesforceStore) {
    this.store = store;
  }

  create(p: ParsedRecord, actor: Actor, txn: Transaction): WriteOutcome {
    const schema = p.schema;
    if (!schema) return fail(undefined, invalidType(p.typeName));
    if (!schema.createable) {
      return fail(undefined, [
        recordError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be inserted: ${schema.name}`),
      ]);
    }
    if (p.id !== undefined && p.id !== null) {
      return fail(undefined, [recordError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id'])]);
    }
    const next = this.store.blank(schema);
    const given = new Set<string>();
    for (const [f, v] of p.fields) {
      next[f.name] = v;
      given.add(f.name);
    }
    this.store.applyCreateDefaults(schema, next, given, actor.userId);
    next.Id = this.store.newId(schema.name);
    next.IsDeleted = false;
    next.CreatedDate = actor.now;
    next.CreatedById = actor.userId;
    next.LastModifiedDate = actor.now;
    next.LastModifiedById = actor.userId;
    next.SystemModstamp = actor.now;
    const errors = this.validate(schema, p.fields, next, undefined, actor, 'create');
    if (errors.length) return fail(undefined, errors);
    txn.record(schema, next.Id, undefined);
    this.store.commit(schema, next, undefined, actor.now);
    return { ok: true, id: next.Id, created: true };
  }

  update(p: ParsedRecord, actor: Actor, txn: Transaction): WriteOutcome {
    const schema = p.schema;
    if (!schema) return fail(undefined, invalidType(p.typeName));
    if (p.id === undefined || p.id === null || p.id === '') {
      return fail(undefined, [recordError('MISSING_ARGUMENT', 'Id not specified in an update call')]);
    }
    const found = this.findForWrite(schema, p.id);
    if (!found.ok) return found;
    return this.applyUpdate(schema, found.rec, p.fields, actor, txn);
  }

  /** Update by a known record (upsert's match or a URL id already resolved). */
  applyUpdate(
    schema: ObjectSchema,
    prev: SfRecord,
    fields: Map<FieldMeta, unknown>,
    actor: Actor,
    txn: Transaction,
  ): WriteOutcome {
    if (!schema.updateable) {
      return fail(prev.Id, [
        recordError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be updated: ${schema.name}`),
      ]);
    }
    if (schema.name === 'Lead' && prev.IsConverted === true) {
      return fail(prev.Id, [recordError('CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead')]);
    }
    const next = this.store.clone(schema, prev);
    for (const [f, v] of fields) next[f.name] = v;
    next.LastModifiedDate = actor.now;
    next.LastModifiedById = actor.userId;
    next.SystemModstamp = actor.now;
    const errors = this.validate(schema, fields, next, prev, actor, 'update');
    if (errors.length) return fail(prev.Id, errors);
    txn.record(schema, prev.Id, prev);
    this.store.commit(schema, next, prev, actor.now);
    return { ok: true, id: prev.Id, created: false };
  }

  delete(schema: ObjectSchema | undefined, id: unknown, actor: Actor, txn: Transaction): WriteOutcome {
    if (!schema) {
      const full = typeof id === 'string' ? normalizeId(id) : undefined;
      const s = full ? this.store.schema.objectByPrefix(full.slice(0, 3)) : undefined;
      if (!s) return fail(undefined, [recordError('MALFORMED_ID', `malformed id ${String(id)}`)]);
      return this.delete(s, id, actor, txn);
    }
    const found = this.findForWrite(schema, id);
    if (!found.ok) return found;
    if (!schema.deletable) {
      return fail(found.rec.Id, [
        recordError('INVALID_TYPE_FOR_OPERATION', `entity type cannot be deleted: ${schema.name}`),
      ]);
    }
    const next = this.store.clone(schema, found.rec);
    next.IsDeleted = true;
    next.SystemModstamp = actor.now;
    txn.record(schema, found.rec.Id, found.rec);
    this.store.commit(schema, next, found.rec, actor.now);
    this.store.deleteActivitiesOf(schema.name, found.rec.Id, actor.now, (s, prev) =>
      txn.record(s, prev.Id, prev),
    );
    return { ok: true, id: found.rec.Id, created: false };
  }

  findForWrite(
    schema: ObjectSchema,
    rawId: unknown,
  ): { ok: true; rec: SfRecord } | { ok: false; id: undefined | string; errors: RecordError[] } {
    const id = typeof rawId === 'string' ? normalizeId(rawId) : undefined;
    if (!id) return fail(undefined, [recordError('MALFORMED_ID', `malformed id ${String(rawId)}`)]);
    if (!id.startsWith(schema.keyPrefix)) {
      return fail(undefined, [
        recordError('MALFORMED_ID', `${schema.label} ID: id value of incorrect type: ${String(rawId)}`),
      ]);
    }
    const rec = this.store.table(schema.name).get(id);
    if (!rec) return fail(id, [recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')]);
    if (rec.IsDeleted) return fail(id, [recordError('ENTITY_IS_DELETED', 'entity is deleted')]);
    return { ok: true, rec };
  }

  private validate(
    schema: ObjectSchema,
    given: Map<FieldMeta, unknown>,
    next: SfRecord,
    prev: SfRecord | undefined,
    actor: Actor,
    op: 'create' | 'update',
  ): RecordError[] {
    // 1. Field-level security: read-only fields cannot be written at all.
    const locked = [...given.keys()].filter((f) => (op === 'create' ? !f.createable : !f.updateable));
    if (locked.length) {
      const names = locked.map((f) => f.name);
      return [
        recordError(
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${names.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          names,
        ),
      ];
    }
    // 2. Values.
    const errors: RecordError[] = [];
    for (const [f, v] of given) {
      const e = checkValue(f, v);
      if (e) errors.push(e);
      else if (typeof v === 'number' && f.scale !== undefined && f.type !== 'int') {
        const k = 10 ** f.scale;
        next[f.name] = Math.round(v * k) / k;
      }
    }
    if (errors.length) return errors;
    // 3. Required fields.
    const missing = schema.fields
      .filter((f) => !f.nillable && f.createable && f.type !== 'boolean' && !f.defaultedOnCreate)
      .filter((f) => next[f.name] === null || next[f.name] === undefined || next[f.name] === '')
      .map((f) => f.name);
    if (
      schema.name === 'CampaignMember' &&
      next.LeadId == null &&
      next.ContactId == null &&
      op === 'create'
    ) {
      missing.push('LeadId', 'ContactId');
    }
    if (missing.length) {
      return [
        recordError(
          'REQUIRED_FIELD_MISSING',
          `Required fields are missing: [${missing.join(', ')}]`,
          missing,
        ),
      ];
    }
    for (const f of schema.fields) {
      if (f.type === 'picklist' && f.restrictedPicklist && !f.nillable && next[f.name] == null) {
        errors.push(
          recordError(
            'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
            `${f.label}: bad value for restricted picklist field: null`,
            [f.name],
          ),
        );
      }
    }
    if (errors.length) return errors;
    // 4. References.
    for (const [f, v] of given) {
      if (f.type !== 'reference' || typeof v !== 'string') continue;
      const e = this.checkReference(schema, f, v, next);
      if (e) errors.push(e);
    }
    if (errors.length) return errors;
    // 5. Uniqueness.
    for (const [f, v] of given) {
      if (!(f.unique || f.externalId) || typeof v !== 'string' || v === '') continue;
      const table = this.store.table(schema.name);
      const ids = table.idsWithValue(f.name, v);
      const other = ids && [...ids].find((x) => x !== next.Id && !table.get(x)?.IsDeleted);
      if (f.unique && other) {
        errors.push(
          recordError(
            'DUPLICATE_VALUE',
            `duplicate value found: ${f.name} duplicates value on record with id: ${other}`,
            [],
          ),
        );
      }
    }
    if (errors.length) return errors;
    // 6. Validation rules see the record as it would be saved, derived fields included.
    // Derived on a copy so a failing record leaves nothing behind.
    const preview = this.store.clone(schema, next);
    this.store.derivePreview(schema.name, preview, prev, actor.now);
    for (const rule of this.store.validationRules) {
      if (rule.object.toLowerCase() !== schema.name.toLowerCase()) continue;
      const on = rule.on ?? 'both';
      if (on !== 'both' && on !== op) continue;
      if (rule.when(preview, prev)) {
        errors.push(
          recordError('FIELD_CUSTOM_VALIDATION_EXCEPTION', rule.message, rule.field ? [rule.field] : []),
        );
      }
    }
    return errors;
  }

  private checkReference(
    schema: ObjectSchema,
    f: FieldMeta,
    v: string,
    next: SfRecord,
  ): RecordError | undefined {
    const id = normalizeId(v);
    if (!id) return recordError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${v}`, [f.name]);
    const target = this.store.schema.objectByPrefix(id.slice(0, 3));
    if (!target || !f.referenceTo.includes(target.name)) {
      return recordError('FIELD_INTEGRITY_EXCEPTION', `${f.label}: id value of incorrect type: ${v}`, [
        f.name,
      ]);
    }
    const rec = this.store.table(target.name).get(id);
    if (!rec || rec.IsDeleted) {
      return recordError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [f.name]);
    }
    if (f.name === 'OwnerId' && target.name === 'User' && rec.IsActive === false) {
      return recordError(
        'INACTIVE_OWNER_OR_USER',
        `operation performed with inactive user [${id}] as owner of ${schema.name.toLowerCase()}`,
        [],
      );
    }
    next[f.name] = id;
    return undefined;
  }
}

function checkValue(f: FieldMeta, v: unknown): RecordError | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') {
    if (f.type === 'picklist' && f.restrictedPicklist) {
      const ok = f.picklistValues?.some((p) => p.value === v && p.active !== false);
      if (!ok) {
        return recordError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${f.label}: bad value for restricted picklist field: ${v}`,
          [f.name],
        );
      }
    }
    if (f.length !== undefined && TEXT_TYPES.has(f.type) && v.length > f.length) {
      return recordError(
        'STRING_TOO_LONG',
        `${f.label}: data value too large: ${v} (max length=${f.length})`,
        [f.name],
      );
    }
    if (f.type === 'email' && v !== '' && !EMAIL.test(v)) {
      return recordError('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${v}`, [f.name]);
    }
  }
  if (typeof v === 'number') {
    const digits = f.type === 'int' ? (f.digits ?? 9) : (f.precision ?? 18) - (f.scale ?? 0);
    if (Math.abs(v) >= 10 ** digits) {
      return recordError(
        'NUMBER_OUTSIDE_VALID_RANGE',
        `${f.label}: value outside of valid range on numeric field: ${v}`,
        [f.name],
      );
    }
  }
  return undefined;
}

function fail(
  id: string | undefined,
  errors: RecordError[],
): { ok: false; id: string | undefined; errors: RecordError[] } {
  return { ok: false, id, errors };
}

function invalidType(typeName: string | undefined): RecordError[] {
  return typeName
    ? [
        recordError(
          'INVALID_TYPE',
          `sObject type '${typeName}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
        ),
      ]
    : [recordError('INVALID_TYPE', 'Must specify a type in the attributes of each record')];
}
