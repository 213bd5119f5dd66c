import type { EmuRequest, EmuResponse } from '../../shared/http-app.ts';
import type { QueryCursor } from '../query-cursors.ts';
import { SfApiError } from '../sf-error.ts';
import { compileQuery } from '../soql/compile.ts';
import { type ProjectContext, projectRecord, selectRows } from '../soql/execute.ts';
import { parseSoql } from '../soql/parser.ts';
import { DATA, restGuards, type SfContext, sfHandler, versionOf } from './route-kit.ts';

/** REST query, queryAll and queryMore (`/query/<locator>-<offset>`). */

const DEFAULT_BATCH = 2000;

/** `Sforce-Query-Options: batchSize=N`, clamped to Salesforce's 200..2000. */
export function batchSizeOf(req: EmuRequest): number {
  const header = req.headers['sforce-query-options'];
  const m = typeof header === 'string' ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
  if (!m) return DEFAULT_BATCH;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

export function mountQueryRoutes(ctx: SfContext): void {
  const guards = restGuards(ctx);
  const run = (scanAll: boolean) =>
    sfHandler((req) => {
      const soql = req.query.get('q');
      if (soql === null || soql.trim() === '') {
        throw new SfApiError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      }
      if (req.query.has('explain')) {
        throw new SfApiError(400, 'MALFORMED_QUERY', 'explain is not supported by the Salesforce emulator');
      }
      const now = ctx.store.clock.now();
      const compiled = compileQuery({ store: ctx.store, soql, now }, parseSoql(soql));
      const rows = selectRows(ctx.store, compiled, scanAll);
      if (compiled.isCount) return { status: 200, body: { totalSize: rows.length, done: true, records: [] } };
      return page(ctx, { rows, compiled, scanAll }, 0, batchSizeOf(req), versionOf(req));
    });
  const more = sfHandler((req) => {
    const m = /^([A-Za-z0-9]+)-(\d+)$/.exec(req.params.locator ?? '');
    const cursor = m ? ctx.cursors.get(m[1]!, ctx.store.clock.now()) : undefined;
    const offset = m ? Number(m[2]) : 0;
    if (!cursor || offset > cursor.rows.length) {
      throw new SfApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return page(ctx, cursor, offset, batchSizeOf(req), versionOf(req));
  });
  // Composite (`POST /composite`): query/queryAll/queryMore subrequests only, answered in order; the
  // whole request is one call against the allowance, as Salesforce counts it.
  const composite = sfHandler(async (req) => {
    let parsed: { compositeRequest?: unknown };
    try {
      parsed = JSON.parse(req.body.toString('utf8') || '{}');
    } catch {
      throw new SfApiError(400, 'JSON_PARSER_ERROR', 'the request body is not JSON');
    }
    const subs = parsed.compositeRequest;
    if (!Array.isArray(subs) || subs.length === 0 || subs.length > 25) {
      throw new SfApiError(400, 'INVALID_INPUT', 'compositeRequest must hold 1 to 25 subrequests');
    }
    if (subs.length > 5) {
      throw new SfApiError(400, 'INVALID_INPUT', 'at most 5 query subrequests per composite request');
    }
    const compositeResponse = [];
    for (const sub of subs as {
      method?: string;
      url?: string;
      referenceId?: string;
      httpHeaders?: Record<string, string>;
    }[]) {
      const url = new URL(String(sub.url ?? ''), 'http://composite');
      const m = /^\/services\/data\/(v[\d.]+)\/(query|queryAll)(?:\/([^/]+))?$/.exec(url.pathname);
      if (sub.method !== 'GET' || !m) {
        throw new SfApiError(
          400,
          'INVALID_INPUT',
          `the emulator's composite supports GET query subrequests only: ${sub.url}`,
        );
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(sub.httpHeaders ?? {})) headers[k.toLowerCase()] = v;
      const subReq: EmuRequest = {
        method: 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        params: { version: m[1]!, ...(m[3] ? { locator: m[3] } : {}) },
        body: Buffer.alloc(0),
        route: m[3] ? 'sf.queryMore' : m[2] === 'query' ? 'sf.query' : 'sf.queryAll',
      };
      const handler = m[3] ? more : run(m[2] === 'queryAll');
      const res = await handler(subReq);
      compositeResponse.push({
        body: res.body,
        httpHeaders: {},
        httpStatusCode: res.status,
        referenceId: sub.referenceId ?? null,
      });
    }
    return { status: 200, body: { compositeResponse } };
  });
  ctx.app
    .route('POST', `${DATA}/composite`, 'sf.composite', composite, { guards })
    .route('GET', `${DATA}/query`, 'sf.query', run(false), { guards })
    .route('GET', `${DATA}/queryAll`, 'sf.queryAll', run(true), { guards })
    .route('GET', `${DATA}/query/:locator`, 'sf.queryMore', more, { guards })
    .route('GET', `${DATA}/queryAll/:locator`, 'sf.queryMore', more, { guards });
}

/**
 * One batch; child subquery rows count toward the batch size, at least one parent row per batch.
 * A cursor is opened only when rows remain, and stays until it idles out, so a client may re-read
 * a page after a network error.
 */
function page(
  ctx: SfContext,
  cursor: Pick<QueryCursor, 'rows' | 'compiled' | 'scanAll'> & { locator?: string },
  start: number,
  batchSize: number,
  version: string,
): EmuResponse {
  const pctx: ProjectContext = { store: ctx.store, version, scanAll: cursor.scanAll, childRows: 0 };
  const records: Record<string, unknown>[] = [];
  const { rows, compiled } = cursor;
  let i = start;
  while (i < rows.length && (records.length === 0 || records.length + pctx.childRows < batchSize)) {
    records.push(projectRecord(pctx, compiled.object, rows[i]!, compiled.out));
    i += 1;
  }
  const done = i >= rows.length;
  const locator = done
    ? undefined
    : (cursor.locator ?? ctx.cursors.open(rows, compiled, cursor.scanAll, ctx.store.clock.now()).locator);
  return {
    status: 200,
    body: {
      totalSize: rows.length,
      done,
      ...(locator ? { nextRecordsUrl: `/services/data/v${version}/query/${locator}-${i}` } : {}),
      records,
    },
  };
}
