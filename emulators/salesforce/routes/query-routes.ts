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
  ctx.app
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
