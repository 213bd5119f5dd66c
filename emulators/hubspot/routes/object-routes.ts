import type { EmuRequest, EmuResponse, HttpApp } from '../../shared/http-app.ts';
import { type CrmRecord, objectNotFound } from '../crm-store.ts';
import {
  HubspotApiError,
  type PropertyValueIssue,
  propertyValuesError,
  validationError,
} from '../hubspot-errors.ts';
import { OBJECT_TYPE_INFO, OBJECT_TYPES, type ObjectType } from '../object-types.ts';
import {
  associationTypesParam,
  batchInputs,
  type HubspotRouteContext,
  iso,
  objectPath,
  queryBool,
  queryInt,
  queryList,
  readJsonObject,
} from './route-helpers.ts';
import { searchHandler } from './search-route.ts';

/**
 * CRM v3 object endpoints for contacts, companies, deals and tasks: basic CRUD and the batch
 * family. Batch outcomes follow one rule (README): a malformed request or any invalid property
 * value rejects the whole batch with 400 and writes nothing; per-record problems found while
 * applying it (an id that does not exist, a unique-value conflict, an association to a missing
 * record) become `errors[]` of a 207 while the other records are written.
 */

export const BATCH_MAX_INPUTS = 100;
const LIST_MAX_LIMIT = 100;

interface BatchError {
  status: 'error';
  category: string;
  message: string;
  context: Record<string, string[]>;
  errors: unknown[];
  links: Record<string, string>;
  subCategory?: string;
}

export function mountObjectRoutes(app: HttpApp, ctx: HubspotRouteContext): void {
  for (const type of OBJECT_TYPES) mountType(app, ctx, type);
}

function mountType(app: HttpApp, ctx: HubspotRouteContext, type: ObjectType): void {
  const { store } = ctx;
  const name = (op: string) => `hs.${type}.${op}`;
  const write = { source: ctx.apiChangeSource };

  const batch = (op: string, handler: (req: EmuRequest) => EmuResponse) =>
    app.route('POST', objectPath(type, `/batch/${op}`), name(`batch.${op}`), handler);

  batch('read', (req) => {
    const started = store.clock.now();
    const body = readJsonObject(req);
    const inputs = batchInputs(body, BATCH_MAX_INPUTS);
    const idProperty = optionalIdProperty(ctx, type, body.idProperty);
    const properties = stringList(body.properties, 'properties');
    const archived = queryBool(req.query, 'archived');
    const results: Record<string, unknown>[] = [];
    const missing: string[] = [];
    for (const [i, input] of inputs.entries()) {
      const id = inputId(input, i);
      const rec = idProperty ? store.findByUnique(type, idProperty, id) : store.get(type, id, archived);
      if (!rec || rec.archived !== archived) missing.push(id);
      else results.push(store.toJson(rec, properties.length > 0 ? properties : undefined));
    }
    const errors: BatchError[] = [];
    if (missing.length > 0) {
      errors.push(
        batchError(
          'OBJECT_NOT_FOUND',
          `Could not get some ${OBJECT_TYPE_INFO[type].upperName} objects, they may be deleted or not exist. Check that ids are valid.`,
          { ids: missing },
        ),
      );
    }
    return batchResponse(started, store.clock.now(), results, errors, 200);
  });

  batch('create', (req) => {
    const started = store.clock.now();
    const inputs = batchInputs(readJsonObject(req), BATCH_MAX_INPUTS);
    const prepared = prepareAll(inputs, (input, i) => {
      const o = objectInput(input, i);
      return {
        values: store.prepare(type, o.properties ?? {}),
        associations: store.resolveAssociationInputs(type, o.associations),
        traceId: traceIdOf(o),
        names: Object.keys((o.properties ?? {}) as object),
      };
    });
    const results: Record<string, unknown>[] = [];
    const errors: BatchError[] = [];
    for (const p of prepared) {
      try {
        const rec = store.applyCreate(type, p.values, { ...write, associations: p.associations });
        results.push(store.toJson(rec, p.names));
      } catch (error) {
        errors.push(perRecordError(error, p.traceId));
      }
    }
    return batchResponse(started, store.clock.now(), results, errors, 201);
  });

  batch('update', (req) => {
    const started = store.clock.now();
    const inputs = batchInputs(readJsonObject(req), BATCH_MAX_INPUTS);
    const prepared = prepareAll(inputs, (input, i) => {
      const o = objectInput(input, i);
      return {
        id: inputId(o, i),
        idProperty: optionalIdProperty(ctx, type, o.idProperty),
        values: store.prepare(type, o.properties ?? {}),
        traceId: traceIdOf(o),
        names: Object.keys((o.properties ?? {}) as object),
      };
    });
    rejectDuplicateIds(prepared.map((p) => p.id));
    const results: Record<string, unknown>[] = [];
    const errors: BatchError[] = [];
    const missing: string[] = [];
    for (const p of prepared) {
      const rec = resolve(p.id, p.idProperty);
      if (!rec) {
        missing.push(p.id);
        continue;
      }
      try {
        results.push(store.toJson(store.applyUpdate(type, rec.id, p.values, write), p.names));
      } catch (error) {
        errors.push(perRecordError(error, p.traceId));
      }
    }
    if (missing.length > 0) errors.unshift(notFoundError(type, missing));
    return batchResponse(started, store.clock.now(), results, errors, 200);
  });

  batch('upsert', (req) => {
    const started = store.clock.now();
    const inputs = batchInputs(readJsonObject(req), BATCH_MAX_INPUTS);
    const prepared = prepareAll(inputs, (input, i) => {
      const o = objectInput(input, i);
      const idProperty = optionalIdProperty(ctx, type, o.idProperty);
      if (!idProperty) throw validationError(`inputs[${i}].idProperty is required for upsert.`);
      const id = inputId(o, i);
      return {
        id,
        idProperty,
        values: store.prepare(type, o.properties ?? {}),
        keyValues: store.prepare(type, { [idProperty]: id }),
        traceId: traceIdOf(o),
        names: [...Object.keys((o.properties ?? {}) as object), idProperty],
      };
    });
    rejectDuplicateIds(prepared.map((p) => p.id));
    const results: Record<string, unknown>[] = [];
    const errors: BatchError[] = [];
    for (const p of prepared) {
      try {
        const existing = store.findByUnique(type, p.idProperty, p.id);
        if (existing) {
          results.push({
            ...store.toJson(store.applyUpdate(type, existing.id, p.values, write), p.names),
            new: false,
          });
        } else {
          const values = new Map([...p.values, ...p.keyValues]);
          results.push({ ...store.toJson(store.applyCreate(type, values, write), p.names), new: true });
        }
      } catch (error) {
        errors.push(perRecordError(error, p.traceId));
      }
    }
    return batchResponse(started, store.clock.now(), results, errors, 200);
  });

  batch('archive', (req) => {
    const inputs = batchInputs(readJsonObject(req), BATCH_MAX_INPUTS);
    const ids = inputs.map((input, i) => inputId(input, i));
    for (const id of ids) store.archive(type, id, write);
    return { status: 204 };
  });

  app.route('POST', objectPath(type, '/search'), name('search'), (req) => searchHandler(ctx, type, req));

  app.route('GET', objectPath(type, ''), name('list'), (req) => {
    const limit = queryInt(req.query, 'limit', 10, LIST_MAX_LIMIT);
    const properties = queryList(req.query, 'properties');
    const associations = associationTypesParam(req.query);
    const archived = queryBool(req.query, 'archived');
    const afterRaw = req.query.get('after');
    const afterId = afterRaw ? Number(afterRaw) : 0;
    if (afterRaw && !Number.isInteger(afterId))
      throw validationError(`after must be a paging cursor, got "${afterRaw}".`);
    const table = store.table(type);
    const results: Record<string, unknown>[] = [];
    let next: CrmRecord | undefined;
    for (let i = table.orderIndexFrom(afterId); i < table.order.length; i++) {
      const rec = table.order[i]!;
      if (rec.archived !== archived) continue;
      if (results.length === limit) {
        next = rec;
        break;
      }
      results.push(store.toJson(rec, properties, associations));
    }
    const body: Record<string, unknown> = { results };
    if (next) {
      const host = req.headers.host ?? 'localhost';
      body.paging = {
        next: {
          after: next.id,
          link: `http://${host}/crm/v3/objects/${type}?after=${next.id}&limit=${limit}`,
        },
      };
    }
    return { status: 200, body };
  });

  app.route('POST', objectPath(type, ''), name('create'), (req) => {
    const body = readJsonObject(req);
    const associations = store.resolveAssociationInputs(type, body.associations);
    const rec = store.create(type, body.properties ?? {}, { ...write, associations });
    return { status: 201, body: store.toJson(rec, Object.keys((body.properties ?? {}) as object)) };
  });

  const byId = objectPath(type, '/(?<id>[^/]+)');

  app.route('GET', byId, name('get'), (req) => {
    const id = decodeURIComponent(req.params.id ?? '');
    const idProperty = optionalIdProperty(ctx, type, req.query.get('idProperty') ?? undefined);
    const archived = queryBool(req.query, 'archived');
    const rec = idProperty ? store.findByUnique(type, idProperty, id) : store.get(type, id, archived);
    if (!rec || (rec.archived && !archived)) throw objectNotFound(type, id);
    return {
      status: 200,
      body: store.toJson(rec, queryList(req.query, 'properties'), associationTypesParam(req.query)),
    };
  });

  app.route('PATCH', byId, name('update'), (req) => {
    const id = decodeURIComponent(req.params.id ?? '');
    const idProperty = optionalIdProperty(ctx, type, req.query.get('idProperty') ?? undefined);
    const body = readJsonObject(req);
    const values = store.prepare(type, body.properties ?? {});
    const rec = idProperty ? store.findByUnique(type, idProperty, id) : store.get(type, id);
    if (!rec) throw objectNotFound(type, id);
    const updated = store.applyUpdate(type, rec.id, values, write);
    return { status: 200, body: store.toJson(updated, Object.keys((body.properties ?? {}) as object)) };
  });

  app.route('DELETE', byId, name('archive'), (req) => {
    // HubSpot answers 204 whether or not the record existed.
    store.archive(type, decodeURIComponent(req.params.id ?? ''), write);
    return { status: 204 };
  });

  function resolve(id: string, idProperty: string | undefined): CrmRecord | undefined {
    return idProperty ? store.findByUnique(type, idProperty, id) : store.get(type, id);
  }
}

// ---- helpers ---------------------------------------------------------------------------------

interface ObjectInput {
  id?: unknown;
  idProperty?: unknown;
  properties?: unknown;
  associations?: unknown;
  objectWriteTraceId?: unknown;
}

function objectInput(raw: unknown, i: number): ObjectInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw validationError(`inputs[${i}] must be an object.`);
  }
  return raw as ObjectInput;
}

function inputId(raw: unknown, i: number): string {
  const id = (raw as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' && typeof id !== 'number') throw validationError(`inputs[${i}].id is required.`);
  return String(id);
}

function traceIdOf(o: ObjectInput): string | undefined {
  return typeof o.objectWriteTraceId === 'string' ? o.objectWriteTraceId : undefined;
}

function stringList(raw: unknown, name: string): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string')) {
    throw validationError(`"${name}" must be an array of property names.`);
  }
  return raw as string[];
}

function optionalIdProperty(ctx: HubspotRouteContext, type: ObjectType, raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '' || raw === 'hs_object_id') return undefined;
  const name = String(raw);
  if (!ctx.store.properties.isUniqueIdProperty(type, name)) {
    throw validationError(
      `Unable to perform update/upsert by non-unique ${OBJECT_TYPE_INFO[type].typeId} property ${name} in portal ID ${ctx.portalId}`,
    );
  }
  return name;
}

/**
 * Runs `prepare` over every input and reports all invalid property values of the batch in one
 * 400, so nothing is written when any value is bad.
 */
function prepareAll<T>(inputs: readonly unknown[], prepare: (input: unknown, i: number) => T): T[] {
  const issues: PropertyValueIssue[] = [];
  const out: T[] = [];
  for (const [i, input] of inputs.entries()) {
    try {
      out.push(prepare(input, i));
    } catch (error) {
      if (error instanceof HubspotApiError && error.issues) {
        issues.push(...error.issues);
        continue;
      }
      throw error;
    }
  }
  if (issues.length > 0) throw propertyValuesError(issues);
  return out;
}

function rejectDuplicateIds(ids: readonly string[]): void {
  const seen = new Set<string>();
  const dupes = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) dupes.add(id);
    seen.add(id);
  }
  if (dupes.size > 0) {
    throw validationError(
      `Duplicate IDs found in batch input: [${[...dupes].join(', ')}]. IDs must be unique`,
    );
  }
}

function batchError(
  category: string,
  message: string,
  context: Record<string, string[]>,
  subCategory?: string,
): BatchError {
  return {
    status: 'error',
    category,
    message,
    context,
    errors: [],
    links: {},
    ...(subCategory ? { subCategory } : {}),
  };
}

function notFoundError(type: ObjectType, ids: string[]): BatchError {
  return batchError(
    'OBJECT_NOT_FOUND',
    `Could not find some ${OBJECT_TYPE_INFO[type].upperName} objects, they may be deleted or not exist. Check that ids are valid.`,
    { ids },
  );
}

/** Turns a per-record failure into a 207 error entry; anything unexpected still fails the request. */
function perRecordError(error: unknown, traceId: string | undefined): BatchError {
  if (!(error instanceof HubspotApiError)) throw error;
  const body = error.response.body as {
    category: string;
    message: string;
    context?: Record<string, string[]>;
    subCategory?: string;
  };
  const context = { ...(body.context ?? {}), ...(traceId ? { objectWriteTraceId: [traceId] } : {}) };
  return batchError(body.category, body.message, context, body.subCategory);
}

function batchResponse(
  startedAt: number,
  completedAt: number,
  results: unknown[],
  errors: BatchError[],
  okStatus: number,
): EmuResponse {
  const body: Record<string, unknown> = {
    status: 'COMPLETE',
    results,
    startedAt: iso(startedAt),
    completedAt: iso(completedAt),
  };
  if (errors.length === 0) return { status: okStatus, body };
  return { status: 207, body: { ...body, numErrors: errors.length, errors } };
}
