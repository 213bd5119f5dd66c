import { CrmError, FailureKind } from '../domain/errors.ts';
import { scrubText } from './scrub.ts';

/** What a logged error carries: an allow-list, so SDK errors never bring their request along. */
export interface LoggedError {
  type: string;
  message: string;
  /** The connector's classification, when the error has one. */
  kind?: FailureKind;
  code?: string;
  crm?: string;
  status?: number;
  retryAfterMs?: number;
  stack?: string;
  cause?: LoggedError;
}

const KINDS = new Set<string>(Object.values(FailureKind));
const produced = new WeakSet<object>();
const MAX_CAUSES = 3;
const STACK_LINES = 8;

/**
 * Reduces any thrown value to `LoggedError`. jsforce, the HubSpot client and the AWS SDK attach the
 * request, response, headers (Authorization) and sometimes the body to their errors; none of those
 * fields is copied. Message and stack are scrubbed of tokens and personal data.
 */
export function serializeError(e: unknown, depth = 0): LoggedError {
  // pino runs the `err` serializer after the log formatter has already reduced the error.
  if (typeof e === 'object' && e !== null && produced.has(e)) return e as LoggedError;
  const out: LoggedError =
    e instanceof Error
      ? { type: e.name || 'Error', message: scrubText(e.message) }
      : { type: typeof e, message: typeof e === 'object' && e !== null ? shapeOf(e) : scrubText(String(e)) };
  produced.add(out);
  if (!(e instanceof Error)) return out;
  const any = e as unknown as Record<string, unknown>;
  if (e instanceof CrmError) {
    out.kind = e.kind;
    out.code = e.code;
    out.crm = e.crm;
    if (e.retryAfterMs !== undefined) out.retryAfterMs = e.retryAfterMs;
  } else {
    if (typeof any.kind === 'string' && KINDS.has(any.kind)) out.kind = any.kind as FailureKind;
    const code = any.code ?? any.errorCode;
    if (typeof code === 'string' || typeof code === 'number') out.code = scrubText(String(code));
  }
  const status = statusOf(any);
  if (status !== undefined) out.status = status;
  if (e.stack) out.stack = scrubText(e.stack.split('\n').slice(0, STACK_LINES).join('\n'));
  if (e.cause !== undefined && depth < MAX_CAUSES) out.cause = serializeError(e.cause, depth + 1);
  return out;
}

function statusOf(any: Record<string, unknown>): number | undefined {
  for (const v of [
    any.statusCode,
    any.status,
    (any.$metadata as { httpStatusCode?: unknown })?.httpStatusCode,
  ]) {
    if (typeof v === 'number') return v;
  }
  // HubSpot's ApiException keeps the HTTP status in `code`.
  return typeof any.code === 'number' ? any.code : undefined;
}

/** A thrown non-Error object: its keys say what it was; its values (possibly a request) are not logged. */
function shapeOf(o: object): string {
  return `non-Error value thrown with keys: ${Object.keys(o).slice(0, 10).join(', ') || '(none)'}`;
}
