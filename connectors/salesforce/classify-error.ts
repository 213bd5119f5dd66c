import { CrmError, FailureKind } from '../../src/domain/errors.ts';

/**
 * Every Salesforce failure the connector sees, reduced to data and classified ONCE, here (like
 * Airbyte's DEFAULT_ERROR_MAPPING). The retry layer asks `kind` whether to back off and retry;
 * the sink turns per-record failures into `WriteOutcome`s with the same table; the source and the
 * sink throw `CrmError` with it when a whole call fails.
 *
 * Per-record codes (Collections results carry them as `statusCode`, single calls as `errorCode`):
 *
 * | code | kind | why |
 * |---|---|---|
 * | UNABLE_TO_LOCK_ROW | transient | another transaction holds the row (or its account); retry shortly |
 * | ALL_OR_NONE_OPERATION_ROLLED_BACK | transient | rolled back because of another record; resend |
 * | FIELD_CUSTOM_VALIDATION_EXCEPTION | invalid_record | an org validation rule refuses this record |
 * | ENTITY_IS_DELETED, INVALID_CROSS_REFERENCE_KEY, MALFORMED_ID | invalid_record | the record is gone or the id is wrong |
 * | CANNOT_UPDATE_CONVERTED_LEAD | invalid_record | converted leads are read-only |
 * | REQUIRED_FIELD_MISSING, FIELD_INTEGRITY_EXCEPTION, INACTIVE_OWNER_OR_USER | invalid_record | this record's data or routed owner is refused |
 * | DUPLICATE_VALUE, DUPLICATE_EXTERNAL_ID | invalid_record | unique value taken by another record |
 * | INSUFFICIENT_ACCESS_OR_READONLY, INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY | invalid_record | sharing hides this record from the integration user |
 * | INVALID_FIELD, INVALID_FIELD_FOR_INSERT_UPDATE, INVALID_TYPE | config | the mapping names a field the org does not have or the user cannot write |
 * | INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, STRING_TOO_LONG, NUMBER_OUTSIDE_VALID_RANGE | config | our values come from the mapping: the org's picklist/length/precision does not fit it |
 * | INVALID_SESSION_ID | auth | session expired and could not be refreshed |
 * | REQUEST_LIMIT_EXCEEDED "TotalRequests" | quota_exhausted | the daily allowance is spent |
 * | REQUEST_LIMIT_EXCEEDED "ConcurrentRequests" | rate_limited | too many long-running requests at once |
 * | anything else | invalid_record | unknown per-record refusal: skip it, report the code |
 *
 * Whole-call failures, by HTTP status when the code does not decide:
 *
 * | status | kind |
 * |---|---|
 * | no response (reset, refused, timeout) | transient |
 * | 401 | auth |
 * | 403 | auth (except REQUEST_LIMIT_EXCEEDED, above) |
 * | 400, 404, 405, 414, 415, 431 | config (our request is wrong for this org: mapping or a bug) |
 * | 409, 412 (JOB_NOT_COMPLETE), 420, 500, 502, 503, 504 | transient |
 * | 429 | rate_limited |
 */

export interface Classification {
  kind: FailureKind;
  /** Salesforce's code, or `http_<status>` / a network code; stable, for reports. */
  code: string;
}

const BY_CODE: Readonly<Record<string, FailureKind>> = {
  UNABLE_TO_LOCK_ROW: FailureKind.Transient,
  ALL_OR_NONE_OPERATION_ROLLED_BACK: FailureKind.Transient,
  SERVER_UNAVAILABLE: FailureKind.Transient,
  JOB_NOT_COMPLETE: FailureKind.Transient,
  UNKNOWN_EXCEPTION: FailureKind.Transient,
  FIELD_CUSTOM_VALIDATION_EXCEPTION: FailureKind.InvalidRecord,
  ENTITY_IS_DELETED: FailureKind.InvalidRecord,
  CANNOT_UPDATE_CONVERTED_LEAD: FailureKind.InvalidRecord,
  INVALID_CROSS_REFERENCE_KEY: FailureKind.InvalidRecord,
  MALFORMED_ID: FailureKind.InvalidRecord,
  REQUIRED_FIELD_MISSING: FailureKind.InvalidRecord,
  FIELD_INTEGRITY_EXCEPTION: FailureKind.InvalidRecord,
  INACTIVE_OWNER_OR_USER: FailureKind.InvalidRecord,
  DUPLICATE_VALUE: FailureKind.InvalidRecord,
  DUPLICATE_EXTERNAL_ID: FailureKind.InvalidRecord,
  INVALID_EMAIL_ADDRESS: FailureKind.InvalidRecord,
  INSUFFICIENT_ACCESS_OR_READONLY: FailureKind.InvalidRecord,
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: FailureKind.InvalidRecord,
  ENTITY_IS_LOCKED: FailureKind.InvalidRecord,
  INVALID_FIELD: FailureKind.Config,
  INVALID_FIELD_FOR_INSERT_UPDATE: FailureKind.Config,
  INVALID_TYPE: FailureKind.Config,
  INVALID_TYPE_FOR_OPERATION: FailureKind.Config,
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: FailureKind.Config,
  STRING_TOO_LONG: FailureKind.Config,
  NUMBER_OUTSIDE_VALID_RANGE: FailureKind.Config,
  MALFORMED_QUERY: FailureKind.Config,
  INVALID_QUERY_FILTER_OPERATOR: FailureKind.Config,
  FEATURENOTENABLED: FailureKind.Config,
  API_DISABLED_FOR_ORG: FailureKind.Auth,
  API_CURRENTLY_DISABLED: FailureKind.Auth,
  INVALID_SESSION_ID: FailureKind.Auth,
  INVALID_AUTH_HEADER: FailureKind.Auth,
  INSUFFICIENT_ACCESS: FailureKind.Auth,
  // The token endpoint's errors (`{"error": ...}`), for grants that fail for good.
  invalid_grant: FailureKind.Auth,
  invalid_client: FailureKind.Auth,
  invalid_client_id: FailureKind.Auth,
  unsupported_grant_type: FailureKind.Auth,
};

const BY_STATUS: Readonly<Record<number, FailureKind>> = {
  400: FailureKind.Config,
  401: FailureKind.Auth,
  403: FailureKind.Auth,
  404: FailureKind.Config,
  405: FailureKind.Config,
  409: FailureKind.Transient,
  412: FailureKind.Transient,
  414: FailureKind.Config,
  415: FailureKind.Config,
  420: FailureKind.Transient,
  429: FailureKind.RateLimited,
  431: FailureKind.Config,
};

/** One per-record error of a Collections result (`statusCode`) or a REST error body (`errorCode`). */
export function classifyRecordError(code: string, message = ''): Classification {
  if (code === 'REQUEST_LIMIT_EXCEEDED') return classifyLimit(message);
  return { kind: BY_CODE[code] ?? FailureKind.InvalidRecord, code };
}

/** A failed call as the client saw it. */
export interface CallFailure {
  /** `null` when no HTTP response arrived (network error, timeout). */
  status: number | null;
  /** `errorCode` of the body, jsforce's `ERROR_HTTP_<n>`, or a network code (`ECONNRESET`, `timeout`). */
  code: string;
  message: string;
}

export function classifyCallFailure(f: CallFailure): Classification {
  if (f.status === null) return { kind: FailureKind.Transient, code: f.code.toLowerCase() };
  if (f.code === 'REQUEST_LIMIT_EXCEEDED') return classifyLimit(f.message);
  const byCode = BY_CODE[f.code];
  // A server error is transient even when it names a code we would otherwise treat as permanent.
  if (f.status >= 500) return { kind: FailureKind.Transient, code: codeOf(f) };
  if (byCode !== undefined && f.status !== 401) return { kind: byCode, code: f.code };
  return { kind: BY_STATUS[f.status] ?? FailureKind.Config, code: codeOf(f) };
}

function classifyLimit(message: string): Classification {
  // "ConcurrentRequests (Concurrent API Requests) Limit exceeded." vs "TotalRequests Limit exceeded."
  return /concurrent/i.test(message)
    ? { kind: FailureKind.RateLimited, code: 'concurrent_request_limit' }
    : { kind: FailureKind.QuotaExhausted, code: 'REQUEST_LIMIT_EXCEEDED' };
}

function codeOf(f: CallFailure): string {
  return f.code && !f.code.startsWith('ERROR_HTTP_') ? f.code : `http_${f.status}`;
}

/** Worth retrying inside this run (the retry layer decides whether the request may be repeated). */
export function isRetryable(kind: FailureKind): boolean {
  return kind === FailureKind.Transient || kind === FailureKind.RateLimited;
}

/** A run-stopping error whose message is safe to show (no record values, no tokens). */
export function toCrmError(c: Classification, what: string, f: CallFailure, cause?: unknown): CrmError {
  const status = f.status === null ? 'no response' : `HTTP ${f.status}`;
  return new CrmError(
    `Salesforce ${what} failed: ${status} ${c.code}: ${firstLine(f.message)}${adviceFor(c.kind)}`,
    { kind: c.kind, crm: 'salesforce', code: c.code },
    cause === undefined ? undefined : { cause },
  );
}

function adviceFor(kind: FailureKind): string {
  switch (kind) {
    case FailureKind.Auth:
      return ' — check the connected app, the integration user and its permission set (docs/salesforce-admin-guide.md)';
    case FailureKind.Config:
      return ' — check mappings/salesforce.yaml against the org (tossup validate --crm salesforce)';
    case FailureKind.QuotaExhausted:
      return ' — the daily API allowance is (nearly) spent; the next run resumes from the saved cursor';
    default:
      return '';
  }
}

function firstLine(message: string): string {
  const line = (message.split('\n')[0] ?? '').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
