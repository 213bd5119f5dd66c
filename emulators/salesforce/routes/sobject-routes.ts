import type { EmuRequest, EmuResponse } from '../../shared/http-app.ts';
import { type Actor, parseRecord, Transaction, type WriteOutcome } from '../dml.ts';
import { normalizeId } from '../ids.ts';
import { describeGlobal, describeSObject, sobjectInfo } from '../schema/describe.ts';
import type { FieldMeta, ObjectSchema } from '../schema/schema-registry.ts';
import { SfApiError } from '../sf-error.ts';
import type { SfRecord } from '../sf-record.ts';
import { recordJson, resolveFieldList } from './record-json.ts';
import {
  DATA,
  jsonRequestBody,
  restGuards,
  type SfContext,
  sessionOf,
  sfHandler,
  versionOf,
} from './route-kit.ts';

/** sObject resources: describeGlobal, describe, and single-record create/retrieve/update/delete/upsert. */

const NOT_FOUND = () => new SfApiError(404, 'NOT_FOUND', 'The requested resource does not exist');

export function objectOf(ctx: SfContext, req: EmuRequest): ObjectSchema {
  const s = ctx.store.schema.object(req.params.type ?? '');
  if (!s) throw NOT_FOUND();
  return s;
}

export function actorOf(ctx: SfContext, req: EmuRequest): Actor {
  return { userId: sessionOf(req).userId, now: ctx.store.clock.now() };
}

/** Single-record DML errors are the top-level array with `errorCode` (collections use `statusCode`). */
function failure(outcome: Extract<WriteOutcome, { ok: false }>): EmuResponse {
  const first = outcome.errors[0];
  const status = first?.statusCode === 'ENTITY_IS_DELETED' ? 404 : 400;
  return {
    status,
    body: outcome.errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })),
  };
}

function externalIdField(schema: ObjectSchema, name: string): FieldMeta {
  const f = schema.fieldByLower.get(name.toLowerCase());
  if (!f || !(f.externalId || f.type === 'id')) {
    throw new SfApiError(
      404,
      'NOT_FOUND',
      `Provided external ID field does not exist or is not accessible: ${name}`,
    );
  }
  return f;
}

function findByExternalId(ctx: SfContext, schema: ObjectSchema, f: FieldMeta, value: string): SfRecord[] {
  const table = ctx.store.table(schema.name);
  if (f.type === 'id') {
    const id = normalizeId(value);
    const r = id ? table.get(id) : undefined;
    return r && !r.IsDeleted ? [r] : [];
  }
  const ids = table.idsWithValue(f.name, value);
  return ids ? [...ids].map((i) => table.get(i)!).filter((r) => !r.IsDeleted) : [];
}

export function mountSObjectRoutes(ctx: SfContext): void {
  const guards = restGuards(ctx);
  const app = ctx.app;

  app.route(
    'GET',
    `${DATA}/sobjects`,
    'sf.describeGlobal',
    sfHandler((req) => ({ status: 200, body: describeGlobal(ctx.store.schema, versionOf(req)) })),
    { guards },
  );
  app.route(
    'GET',
    `${DATA}/sobjects/:type/describe`,
    'sf.describe',
    sfHandler((req) => ({ status: 200, body: describeSObject(objectOf(ctx, req), versionOf(req)) })),
    { guards },
  );
  app.route(
    'GET',
    `${DATA}/sobjects/:type`,
    'sf.sobject.info',
    sfHandler((req) => ({ status: 200, body: sobjectInfo(objectOf(ctx, req), versionOf(req)) })),
    { guards },
  );

  app.route(
    'POST',
    `${DATA}/sobjects/:type`,
    'sf.sobject.create',
    sfHandler((req) => {
      const schema = objectOf(ctx, req);
      const parsed = parseRecord(ctx.store, schema.name, jsonRequestBody(req));
      const actor = actorOf(ctx, req);
      const res = ctx.store.inChangeScope(actor.userId, () =>
        ctx.dml.create(parsed, actor, new Transaction()),
      );
      if (!res.ok) return failure(res);
      return { status: 201, body: { id: res.id, success: true, errors: [] } };
    }),
    { guards },
  );

  const lookupForRead = (req: EmuRequest): { schema: ObjectSchema; rec: SfRecord } => {
    const schema = objectOf(ctx, req);
    const raw = req.params.id ?? '';
    const id = normalizeId(raw);
    if (!id) {
      throw new SfApiError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${raw}`,
      );
    }
    const rec = id.startsWith(schema.keyPrefix) ? ctx.store.table(schema.name).get(id) : undefined;
    if (!rec) throw NOT_FOUND();
    if (rec.IsDeleted) throw new SfApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return { schema, rec };
  };

  app.route(
    'GET',
    `${DATA}/sobjects/:type/:id`,
    'sf.sobject.get',
    sfHandler((req) => {
      const { schema, rec } = lookupForRead(req);
      const fields = resolveFieldList(schema, req.query.get('fields'));
      return { status: 200, body: recordJson(schema, rec, versionOf(req), fields) };
    }),
    { guards },
  );

  app.route(
    'PATCH',
    `${DATA}/sobjects/:type/:id`,
    'sf.sobject.update',
    sfHandler((req) => {
      const { schema, rec } = lookupForRead(req);
      const parsed = parseRecord(ctx.store, schema.name, jsonRequestBody(req));
      const actor = actorOf(ctx, req);
      const res = ctx.store.inChangeScope(actor.userId, () =>
        ctx.dml.applyUpdate(schema, rec, parsed.fields, actor, new Transaction()),
      );
      return res.ok ? { status: 204 } : failure(res);
    }),
    { guards },
  );

  app.route(
    'DELETE',
    `${DATA}/sobjects/:type/:id`,
    'sf.sobject.delete',
    sfHandler((req) => {
      const { schema, rec } = lookupForRead(req);
      const actor = actorOf(ctx, req);
      const res = ctx.store.inChangeScope(actor.userId, () =>
        ctx.dml.delete(schema, rec.Id, actor, new Transaction()),
      );
      return res.ok ? { status: 204 } : failure(res);
    }),
    { guards },
  );

  app.route(
    'GET',
    `${DATA}/sobjects/:type/:field/:value`,
    'sf.sobject.getByExternalId',
    sfHandler((req) => {
      const schema = objectOf(ctx, req);
      const f = externalIdField(schema, req.params.field ?? '');
      const matches = findByExternalId(ctx, schema, f, req.params.value ?? '');
      if (matches.length === 0) throw NOT_FOUND();
      if (matches.length > 1) return multipleChoices(schema, matches, versionOf(req));
      return { status: 200, body: recordJson(schema, matches[0]!, versionOf(req)) };
    }),
    { guards },
  );

  app.route(
    'PATCH',
    `${DATA}/sobjects/:type/:field/:value`,
    'sf.sobject.upsert',
    sfHandler((req) => {
      const schema = objectOf(ctx, req);
      const f = externalIdField(schema, req.params.field ?? '');
      const value = req.params.value ?? '';
      const parsed = parseRecord(ctx.store, schema.name, jsonRequestBody(req));
      const matches = findByExternalId(ctx, schema, f, value);
      if (matches.length > 1) return multipleChoices(schema, matches, versionOf(req));
      const txn = new Transaction();
      const actor = actorOf(ctx, req);
      return ctx.store.inChangeScope(actor.userId, (): EmuResponse => {
        if (matches.length === 1) {
          const res = ctx.dml.applyUpdate(schema, matches[0]!, parsed.fields, actor, txn);
          if (!res.ok) return failure(res);
          return { status: 200, body: { id: res.id, success: true, errors: [], created: false } };
        }
        if (f.type === 'id') throw NOT_FOUND();
        parsed.fields.set(f, value);
        const res = ctx.dml.create(parsed, actor, txn);
        if (!res.ok) return failure(res);
        return { status: 201, body: { id: res.id, success: true, errors: [], created: true } };
      });
    }),
    { guards },
  );
}

function multipleChoices(schema: ObjectSchema, matches: SfRecord[], version: string): EmuResponse {
  return {
    status: 300,
    body: matches.map((r) => `/services/data/v${version}/sobjects/${schema.name}/${r.Id}`),
  };
}
