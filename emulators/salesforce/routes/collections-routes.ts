import type { EmuRequest } from '../../shared/http-app.ts';
import { type Actor, type ParsedRecord, parseRecord, Transaction, type WriteOutcome } from '../dml.ts';
import { normalizeId } from '../ids.ts';
import type { FieldMeta, ObjectSchema } from '../schema/schema-registry.ts';
import { type RecordError, recordError, SfApiError } from '../sf-error.ts';
import { recordJson, resolveFieldList } from './record-json.ts';
import { DATA, jsonRequestBody, restGuards, type SfContext, sfHandler, versionOf } from './route-kit.ts';
import { actorOf } from './sobject-routes.ts';

/**
 * sObject Collections: create/update/upsert/delete up to 200 records per call, results in input
 * order, HTTP 200 even when records fail, and all-or-none rollback with the documented error.
 */

export const MAX_COLLECTION_RECORDS = 200;
const ROLLED_BACK =
  'Record rolled back because not all records were valid and the request was using AllOrNone header';

interface SaveResult {
  id?: string;
  success: boolean;
  errors: RecordError[];
  created?: boolean;
}

function tooMany(): SfApiError {
  return new SfApiError(
    400,
    'EXCEEDED_ID_LIMIT',
    `record limit reached. cannot submit more than ${MAX_COLLECTION_RECORDS} records into this call`,
  );
}

function readCollectionBody(req: EmuRequest): { allOrNone: boolean; records: unknown[] } {
  const body = jsonRequestBody(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SfApiError(
      400,
      'JSON_PARSER_ERROR',
      'Cannot deserialize instance of SObjectCollection: expected a JSON object',
    );
  }
  const { allOrNone, records } = body as { allOrNone?: unknown; records?: unknown };
  if (allOrNone !== undefined && typeof allOrNone !== 'boolean') {
    throw new SfApiError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of boolean from value ${JSON.stringify(allOrNone)} (allOrNone)`,
    );
  }
  if (!Array.isArray(records)) {
    throw new SfApiError(
      400,
      'JSON_PARSER_ERROR',
      "Cannot deserialize SObjectCollection: 'records' must be an array of records",
    );
  }
  if (records.length > MAX_COLLECTION_RECORDS) throw tooMany();
  return { allOrNone: allOrNone === true, records };
}

function typeOfRecord(raw: unknown, fallback?: string): string | undefined {
  if (fallback) return fallback;
  const attrs = (raw as { attributes?: { type?: unknown } } | null)?.attributes;
  return typeof attrs?.type === 'string' ? attrs.type : undefined;
}

/** Runs writes in order; with allOrNone, any failure undoes all writes and marks the rest rolled back. */
function runBatch(
  ctx: SfContext,
  userId: string,
  allOrNone: boolean,
  count: number,
  write: (i: number, txn: Transaction) => WriteOutcome,
  decorate: (i: number, o: WriteOutcome) => Partial<SaveResult> = () => ({}),
): SaveResult[] {
  const txn = new Transaction();
  const outcomes: WriteOutcome[] = [];
  // One call is one transaction for change events: the same change to many records is one event.
  const anyFailed = ctx.store.inChangeScope(userId, () => {
    for (let i = 0; i < count; i++) outcomes.push(write(i, allOrNone ? txn : new Transaction()));
    const failed = outcomes.some((o) => !o.ok);
    if (allOrNone && failed) txn.rollback(ctx.store);
    return failed;
  });
  return outcomes.map((o, i) => {
    if (!o.ok) return { ...(o.id ? { id: o.id } : {}), success: false, errors: o.errors };
    if (allOrNone && anyFailed) {
      // A rolled-back create has no id any more; an update still names its record.
      return {
        ...(o.created ? {} : { id: o.id }),
        success: false,
        errors: [recordError('ALL_OR_NONE_OPERATION_ROLLED_BACK', ROLLED_BACK)],
      };
    }
    return { id: o.id, success: true, errors: [], ...decorate(i, o) };
  });
}

export function mountCollectionsRoutes(ctx: SfContext): void {
  const guards = restGuards(ctx);
  const app = ctx.app;
  const base = `${DATA}/composite/sobjects`;

  app.route(
    'POST',
    base,
    'sf.collections.create',
    sfHandler((req) => {
      const { allOrNone, records } = readCollectionBody(req);
      const parsed = records.map((r) => parseRecord(ctx.store, typeOfRecord(r), r));
      const actor = actorOf(ctx, req);
      return {
        status: 200,
        body: runBatch(ctx, actor.userId, allOrNone, parsed.length, (i, t) =>
          ctx.dml.create(parsed[i]!, actor, t),
        ),
      };
    }),
    { guards },
  );

  app.route(
    'PATCH',
    base,
    'sf.collections.update',
    sfHandler((req) => {
      const { allOrNone, records } = readCollectionBody(req);
      const parsed = records.map((r) => parseRecord(ctx.store, typeOfRecord(r), r));
      const actor = actorOf(ctx, req);
      return {
        status: 200,
        body: runBatch(ctx, actor.userId, allOrNone, parsed.length, (i, t) =>
          ctx.dml.update(parsed[i]!, actor, t),
        ),
      };
    }),
    { guards },
  );

  app.route(
    'DELETE',
    base,
    'sf.collections.delete',
    sfHandler((req) => {
      const ids = (req.query.get('ids') ?? '').split(',').filter(Boolean);
      if (ids.length === 0) throw new SfApiError(400, 'MISSING_ARGUMENT', 'ids parameter is required');
      if (ids.length > MAX_COLLECTION_RECORDS) throw tooMany();
      const allOrNone = req.query.get('allOrNone') === 'true';
      const actor = actorOf(ctx, req);
      return {
        status: 200,
        body: runBatch(ctx, actor.userId, allOrNone, ids.length, (i, t) =>
          ctx.dml.delete(undefined, ids[i], actor, t),
        ),
      };
    }),
    { guards },
  );

  app.route(
    'PATCH',
    `${base}/:type/:field`,
    'sf.collections.upsert',
    sfHandler((req) => {
      const schema = ctx.store.schema.object(req.params.type ?? '');
      if (!schema) throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      const extField = schema.fieldByLower.get((req.params.field ?? '').toLowerCase());
      if (!extField) {
        throw new SfApiError(
          404,
          'NOT_FOUND',
          `Provided external ID field does not exist or is not accessible: ${req.params.field}`,
        );
      }
      if (!extField.externalId && extField.type !== 'id') {
        throw new SfApiError(
          400,
          'INVALID_FIELD',
          `Field name provided, ${extField.name} is not an External ID or indexed field for ${schema.name}`,
        );
      }
      const { allOrNone, records } = readCollectionBody(req);
      const parsed = records.map((r) => parseRecord(ctx.store, typeOfRecord(r, schema.name), r));
      const actor = actorOf(ctx, req);
      const keys = parsed.map((p) => upsertKey(p, extField));
      const seen = new Map<string, number>();
      for (const k of keys) if (k) seen.set(k.toLowerCase(), (seen.get(k.toLowerCase()) ?? 0) + 1);
      return {
        status: 200,
        body: runBatch(
          ctx,
          actor.userId,
          allOrNone,
          parsed.length,
          (i, t) => upsertOne(ctx, schema, extField, parsed[i]!, keys[i], seen, actor, t),
          (_i, o) => ({ created: o.ok && o.created }),
        ),
      };
    }),
    { guards },
  );

  const retrieve = sfHandler((req) => {
    const schema = ctx.store.schema.object(req.params.type ?? '');
    if (!schema) throw new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    let ids: unknown;
    let fieldList: unknown;
    if (req.method === 'POST') {
      const body = jsonRequestBody(req) as { ids?: unknown; fields?: unknown } | null;
      ids = body?.ids;
      fieldList = body?.fields;
    } else {
      ids = (req.query.get('ids') ?? '').split(',').filter(Boolean);
      fieldList = req.query.get('fields') ?? undefined;
    }
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) {
      throw new SfApiError(400, 'MISSING_ARGUMENT', 'ids must be a list of record ids');
    }
    if (ids.length > 2000) throw tooMany();
    if (fieldList === undefined || (typeof fieldList !== 'string' && !Array.isArray(fieldList))) {
      throw new SfApiError(400, 'MISSING_ARGUMENT', 'fields must be specified');
    }
    const fields = resolveFieldList(schema, fieldList as string | string[]);
    const table = ctx.store.table(schema.name);
    return {
      status: 200,
      body: (ids as string[]).map((raw) => {
        const id = normalizeId(raw);
        const rec = id ? table.get(id) : undefined;
        return rec && !rec.IsDeleted ? recordJson(schema, rec, versionOf(req), fields) : null;
      }),
    };
  });
  app.route('POST', `${base}/:type`, 'sf.collections.retrieve', retrieve, { guards });
  app.route('GET', `${base}/:type`, 'sf.collections.retrieve', retrieve, { guards });
}

function upsertKey(p: ParsedRecord, f: FieldMeta): string | undefined {
  const v = f.type === 'id' ? p.id : p.fields.get(f);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function upsertOne(
  ctx: SfContext,
  schema: ObjectSchema,
  f: FieldMeta,
  p: ParsedRecord,
  key: string | undefined,
  seen: Map<string, number>,
  actor: Actor,
  txn: Transaction,
): WriteOutcome {
  if (!key)
    return { ok: false, id: undefined, errors: [recordError('MISSING_ARGUMENT', `${f.name} not specified`)] };
  if ((seen.get(key.toLowerCase()) ?? 0) > 1) {
    return {
      ok: false,
      id: undefined,
      errors: [recordError('DUPLICATE_EXTERNAL_ID', `Duplicate external id specified: ${key}`, [f.name])],
    };
  }
  const table = ctx.store.table(schema.name);
  let matches: string[];
  if (f.type === 'id') {
    const id = normalizeId(key);
    const r = id ? table.get(id) : undefined;
    matches = r && !r.IsDeleted ? [r.Id] : [];
  } else {
    matches = [...(table.idsWithValue(f.name, key) ?? [])].filter((id) => !table.get(id)?.IsDeleted);
  }
  if (matches.length > 1) {
    return {
      ok: false,
      id: undefined,
      errors: [
        recordError(
          'DUPLICATE_EXTERNAL_ID',
          `${f.name} duplicates value on records with ids: ${matches.join(', ')}`,
          [f.name],
        ),
      ],
    };
  }
  if (matches.length === 1) {
    const rec = table.get(matches[0]!)!;
    const fields = new Map(p.fields);
    return ctx.dml.applyUpdate(schema, rec, fields, actor, txn);
  }
  if (f.type === 'id')
    return {
      ok: false,
      id: undefined,
      errors: [recordError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id')],
    };
  return ctx.dml.create({ ...p, id: undefined }, actor, txn);
}
