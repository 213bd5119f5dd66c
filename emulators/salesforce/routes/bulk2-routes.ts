import { COLUMN_DELIMITERS, type ColumnDelimiter } from '../bulk-query-jobs.ts';
import { SfApiError } from '../sf-error.ts';
import { compileQuery } from '../soql/compile.ts';
import { parseSoql } from '../soql/parser.ts';
import {
  DATA,
  jsonRequestBody,
  restGuards,
  type SfContext,
  sessionOf,
  sfHandler,
  versionOf,
} from './route-kit.ts';

/** Bulk API 2.0 query jobs: create, status, results pages, abort, delete, list. */
export function mountBulk2Routes(ctx: SfContext): void {
  const guards = restGuards(ctx);
  const base = `${DATA}/jobs/query`;
  const app = ctx.app;

  app.route(
    'POST',
    base,
    'sf.bulk2.create',
    sfHandler((req) => {
      const body = jsonRequestBody(req) as Record<string, unknown> | null;
      if (typeof body !== 'object' || body === null) {
        throw new SfApiError(400, 'INVALIDJOB', 'The request body must be a JSON object');
      }
      const operation = body.operation ?? 'query';
      if (operation !== 'query' && operation !== 'queryAll') {
        throw new SfApiError(
          400,
          'INVALIDJOB',
          `Invalid operation: ${String(operation)}. Use query or queryAll`,
        );
      }
      if (typeof body.query !== 'string' || body.query.trim() === '') {
        throw new SfApiError(400, 'INVALIDJOB', 'A query must be specified');
      }
      const delimiter = (body.columnDelimiter ?? 'COMMA') as ColumnDelimiter;
      if (!(delimiter in COLUMN_DELIMITERS)) {
        throw new SfApiError(400, 'INVALIDJOB', `Invalid columnDelimiter: ${String(body.columnDelimiter)}`);
      }
      const lineEnding = body.lineEnding ?? 'LF';
      if (lineEnding !== 'LF' && lineEnding !== 'CRLF') {
        throw new SfApiError(400, 'INVALIDJOB', `Invalid lineEnding: ${String(lineEnding)}`);
      }
      const soql = body.query;
      const compiled = compileQuery({ store: ctx.store, soql, now: ctx.store.clock.now() }, parseSoql(soql));
      if (compiled.hasSubquery) {
        throw new SfApiError(
          400,
          'FEATURENOTENABLED',
          'Aggregate Relationships not supported in Bulk Query with CSV content type',
        );
      }
      if (compiled.isCount) {
        throw new SfApiError(400, 'FEATURENOTENABLED', 'Aggregate queries are not supported in Bulk Query');
      }
      if (compiled.offset !== undefined) {
        throw new SfApiError(400, 'FEATURENOTENABLED', 'OFFSET is not supported in Bulk Query');
      }
      const job = ctx.bulk.create(
        compiled,
        operation,
        sessionOf(req).userId,
        Number(versionOf(req)),
        lineEnding,
        delimiter,
      );
      return { status: 200, body: ctx.bulk.info(job) };
    }),
    { guards },
  );

  app.route(
    'GET',
    base,
    'sf.bulk2.list',
    sfHandler(() => ({
      status: 200,
      body: { done: true, records: ctx.bulk.list().map((j) => ctx.bulk.info(j)), nextRecordsUrl: null },
    })),
    { guards },
  );

  app.route(
    'GET',
    `${base}/:id`,
    'sf.bulk2.get',
    sfHandler((req) => ({ status: 200, body: ctx.bulk.info(ctx.bulk.poll(req.params.id ?? '')) })),
    { guards },
  );

  app.route(
    'PATCH',
    `${base}/:id`,
    'sf.bulk2.abort',
    sfHandler((req) => {
      const body = jsonRequestBody(req) as { state?: unknown } | null;
      if (body?.state !== 'Aborted')
        throw new SfApiError(400, 'INVALIDJOBSTATE', 'Only state Aborted can be set on a query job');
      return { status: 200, body: ctx.bulk.info(ctx.bulk.abort(req.params.id ?? '')) };
    }),
    { guards },
  );

  app.route(
    'DELETE',
    `${base}/:id`,
    'sf.bulk2.delete',
    sfHandler((req) => {
      ctx.bulk.delete(req.params.id ?? '');
      return { status: 204 };
    }),
    { guards },
  );

  app.route(
    'GET',
    `${base}/:id/results`,
    'sf.bulk2.results',
    sfHandler((req) => {
      const job = ctx.bulk.get(req.params.id ?? '');
      const max = req.query.get('maxRecords');
      const page = ctx.bulk.results(job, req.query.get('locator'), max ? Number(max) : undefined);
      return {
        status: 200,
        headers: {
          'content-type': 'text/csv',
          'sforce-locator': page.next,
          'sforce-numberofrecords': String(page.count),
        },
        body: page.csv,
      };
    }),
    { guards },
  );
}
