import type { EmuRequest, EmuResponse, Guard, Handler, HttpApp } from '../../shared/http-app.ts';
import type { ApiAllowance } from '../api-allowance.ts';
import type { AuthService, Session } from '../auth.ts';
import type { BulkQueryJobs } from '../bulk-query-jobs.ts';
import type { ChangeDataCapture } from '../change-data-capture.ts';
import type { DmlEngine } from '../dml.ts';
import type { QueryCursors } from '../query-cursors.ts';
import { errorResponse, SfApiError } from '../sf-error.ts';
import type { SalesforceStore } from '../store.ts';

/** What every Salesforce route handler can reach. */
export interface SfContext {
  app: HttpApp;
  store: SalesforceStore;
  auth: AuthService;
  allowance: ApiAllowance;
  dml: DmlEngine;
  cursors: QueryCursors;
  bulk: BulkQueryJobs;
  minVersion: number;
  maxVersion: number;
  /** Change Data Capture, null when off. */
  changeEvents: ChangeDataCapture | null;
}

export const DATA = '/services/data/:version';

const sessions = new WeakMap<EmuRequest, Session>();

/** The authenticated session of a request that passed the auth guard. */
export function sessionOf(req: EmuRequest): Session {
  const s = sessions.get(req);
  if (!s) throw new Error('route registered without the auth guard');
  return s;
}

/** `v62.0` → `62.0`; unsupported versions are a 404 like the real versioned resource tree. */
export function versionOf(req: EmuRequest): string {
  return (req.params.version ?? '').replace(/^v/, '');
}

export function sfHandler(fn: (req: EmuRequest) => EmuResponse | Promise<EmuResponse>): Handler {
  return async (req) => {
    try {
      return await fn(req);
    } catch (e) {
      if (e instanceof SfApiError) return e.toResponse();
      throw e;
    }
  };
}

/** Bearer-token check: 401 INVALID_SESSION_ID, the status jsforce refreshes on. */
export function authGuard(ctx: SfContext): Guard {
  return (req) => {
    const s = ctx.auth.authenticate(req);
    if (!s) return errorResponse(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    sessions.set(req, s);
    return undefined;
  };
}

/** Guards of every versioned REST resource: known API version, valid session, daily allowance. */
export function restGuards(ctx: SfContext): Guard[] {
  const versionGuard: Guard = (req) => {
    const v = req.params.version;
    if (v === undefined) return undefined;
    const m = /^v(\d+)\.0$/.exec(v);
    const n = m ? Number(m[1]) : Number.NaN;
    if (!(n >= ctx.minVersion && n <= ctx.maxVersion)) {
      return errorResponse(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    return undefined;
  };
  const allowanceGuard: Guard = () => {
    if (!ctx.allowance.consume(ctx.store.clock.now())) {
      return errorResponse(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    return undefined;
  };
  return [versionGuard, authGuard(ctx), allowanceGuard];
}

/** Parses a JSON request body; malformed JSON is Salesforce's 400 JSON_PARSER_ERROR. */
export function jsonRequestBody(req: EmuRequest): unknown {
  const ct = String(req.headers['content-type'] ?? '');
  if (/xml/i.test(ct)) {
    throw new SfApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Content type '${ct}' is not supported by the Salesforce emulator; send application/json`,
    );
  }
  const text = req.body.toString('utf8');
  if (text.trim() === '') {
    throw new SfApiError(
      400,
      'JSON_PARSER_ERROR',
      'No content to map due to end-of-input at [line:1, column:0]',
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const pos = m ? Number(m[1]) : text.length;
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    const ch = text[pos];
    const what = ch === undefined ? 'end-of-input' : `character ('${ch}' (code ${ch.charCodeAt(0)}))`;
    throw new SfApiError(
      400,
      'JSON_PARSER_ERROR',
      `Unexpected ${what}: was expecting a valid JSON value at [line:${line}, column:${column}]`,
    );
  }
}
