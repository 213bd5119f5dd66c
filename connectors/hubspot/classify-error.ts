import { CrmError, FailureKind } from '../../src/domain/errors.ts';

/**
 * Every HubSpot failure the connector sees, reduced to data and classified ONCE, here (like
 * Airbyte's DEFAULT_ERROR_MAPPING). The request runner uses `kind` to decide whether to back off,
 * retry or stop; the sink turns per-record failures into `WriteOutcome`s with the same table.
 *
 * | failure | kind | why |
 * |---|---|---|
 * | no response: timeout, reset, refused | transient | nothing known; retried only when the request is idempotent (or de-duplicated) |
 * | 429 `DAILY` | quota_exhausted | the day's allowance is spent: stop, keep the cursor |
 * | 429 `TEN_SECONDLY_ROLLING`, `SECONDLY`, other 429 | rate_limited | back off, retry; the request was refused, not applied |
 * | 401 | auth | token wrong/expired beyond refresh |
 * | 403 | auth | the app lacks a scope (`MISSING_SCOPES`): the admin must fix the app |
 * | 400 property issue `PROPERTY_DOESNT_EXIST`, `READ_ONLY_VALUE` | config | the mapping names a property the portal does not have / cannot write |
 * | 400 property issue `INVALID_OPTION` on a mapped enumeration | config | our option map does not match the portal's options |
 * | 400 property issue `INVALID_OPTION` on an owner property, `INVALID_NUMBER`, `INVALID_DATE`, `INVALID_LONG`, `REQUIRED_PROPERTY`, other | invalid_record | this record's value is refused |
 * | 400 other (search past 10k, malformed) | config | our request is wrong: a bug or a mapping problem, not a record |
 * | 404 `OBJECT_NOT_FOUND` | invalid_record | the record was deleted or merged away |
 * | 409 `CONFLICT` | invalid_record | unique value taken (tasks treat their key conflict as "already exists") |
 * | 413, 414 | config | request too large: a bug, never worth retrying |
 * | 423, 5xx, unparseable response | transient | HubSpot-side hiccup |
 */

/** A failed call as the client saw it; every field optional because HubSpot's bodies vary. */
export interface HubspotFailure {
  /** `null` when no HTTP response arrived. */
  status: number | null;
  category?: string;
  subCategory?: string;
  message?: string;
  policyName?: string;
  /** `ECONNRESET`, `ETIMEDOUT`, `UND_ERR_SOCKET`, ... */
  networkCode?: string;
  timedOut?: boolean;
  /** Structured "Property values were not valid" entries. */
  propertyIssues?: PropertyIssue[];
  /** Seconds from `Retry-After`, when HubSpot sends one (it usually does not). */
  retryAfterSeconds?: number;
}

export interface PropertyIssue {
  name: string;
  code: string;
  message: string;
}

export interface Classification {
  kind: FailureKind;
  /** Stable, short code for reports (`rate_limited_ten_secondly`, `property_doesnt_exist`, ...). */
  code: string;
}

/** Properties whose options come from our mapping: a refused option there is a mapping problem. */
export interface ClassifyContext {
  mappedEnumerations?: ReadonlySet<string>;
}

const PROPERTY_ISSUE_KIND: Readonly<Record<string, FailureKind>> = {
  PROPERTY_DOESNT_EXIST: FailureKind.Config,
  READ_ONLY_VALUE: FailureKind.Config,
  INVALID_NUMBER: FailureKind.InvalidRecord,
  INVALID_DATE: FailureKind.InvalidRecord,
  INVALID_LONG: FailureKind.InvalidRecord,
  INVALID_INTEGER: FailureKind.InvalidRecord,
  INVALID_EMAIL: FailureKind.InvalidRecord,
  REQUIRED_PROPERTY: FailureKind.InvalidRecord,
  INVALID_PROPERTY_VALUE: FailureKind.InvalidRecord,
};

export function classifyPropertyIssue(issue: PropertyIssue, ctx: ClassifyContext = {}): Classification {
  const code = issue.code.toLowerCase();
  if (issue.code === 'INVALID_OPTION') {
    return {
      kind: ctx.mappedEnumerations?.has(issue.name) ? FailureKind.Config : FailureKind.InvalidRecord,
      code,
    };
  }
  return { kind: PROPERTY_ISSUE_KIND[issue.code] ?? FailureKind.InvalidRecord, code };
}

const BY_STATUS: Readonly<Record<number, Classification>> = {
  401: { kind: FailureKind.Auth, code: 'unauthorized' },
  403: { kind: FailureKind.Auth, code: 'forbidden' },
  404: { kind: FailureKind.InvalidRecord, code: 'object_not_found' },
  409: { kind: FailureKind.InvalidRecord, code: 'conflict' },
  413: { kind: FailureKind.Config, code: 'request_too_large' },
  414: { kind: FailureKind.Config, code: 'uri_too_long' },
  423: { kind: FailureKind.Transient, code: 'locked' },
};

export function classifyFailure(f: HubspotFailure, ctx: ClassifyContext = {}): Classification {
  if (f.status === null) {
    return {
      kind: FailureKind.Transient,
      code: f.timedOut ? 'timeout' : (f.networkCode ?? 'network').toLowerCase(),
    };
  }
  if (f.status === 429) return classifyRateLimit(f);
  if (f.status === 400) {
    const issues = f.propertyIssues ?? [];
    if (issues.length > 0) {
      // The worst issue decides: one config problem means every record of this shape would fail.
      const classes = issues.map((i) => classifyPropertyIssue(i, ctx));
      return classes.find((c) => c.kind === FailureKind.Config) ?? classes[0]!;
    }
    return { kind: FailureKind.Config, code: 'bad_request' };
  }
  const known = BY_STATUS[f.status];
  if (known) return known;
  if (f.status >= 500 || f.status === 0) return { kind: FailureKind.Transient, code: `http_${f.status}` };
  return { kind: FailureKind.InvalidRecord, code: `http_${f.status}` };
}

/**
 * Which 429: HubSpot names the policy in `policyName`; the SDK drops that field when it parses an
 * error, so the message (documented wording) and the daily-remaining header are fallbacks.
 */
function classifyRateLimit(f: HubspotFailure): Classification {
  const policy = (f.policyName ?? '').toUpperCase();
  const message = (f.message ?? '').toLowerCase();
  if (policy === 'DAILY' || message.includes('daily limit')) {
    return { kind: FailureKind.QuotaExhausted, code: 'daily_limit' };
  }
  if (policy === 'SECONDLY' || message.includes('secondly limit')) {
    return { kind: FailureKind.RateLimited, code: 'rate_limited_secondly' };
  }
  if (policy === 'TEN_SECONDLY_ROLLING' || message.includes('ten_secondly')) {
    return { kind: FailureKind.RateLimited, code: 'rate_limited_ten_secondly' };
  }
  return { kind: FailureKind.RateLimited, code: 'rate_limited' };
}

/** Per-record errors of a 207 batch answer, by HubSpot `category`. */
const BY_CATEGORY: Readonly<Record<string, FailureKind>> = {
  OBJECT_NOT_FOUND: FailureKind.InvalidRecord,
  CONFLICT: FailureKind.InvalidRecord,
  VALIDATION_ERROR: FailureKind.InvalidRecord,
  RATE_LIMITS: FailureKind.RateLimited,
  INTERNAL_ERROR: FailureKind.Transient,
  INVALID_AUTHENTICATION: FailureKind.Auth,
  MISSING_SCOPES: FailureKind.Auth,
};

export function classifyBatchError(
  category: string | undefined,
  ctx: ClassifyContext = {},
  issues: PropertyIssue[] = [],
): Classification {
  if (issues.length > 0) return classifyFailure({ status: 400, propertyIssues: issues }, ctx);
  const cat = (category ?? 'UNKNOWN').toUpperCase();
  return { kind: BY_CATEGORY[cat] ?? FailureKind.Transient, code: cat.toLowerCase() };
}

/** A run-stopping error with a message safe to show (no values, no personal data). */
export function toCrmError(c: Classification, what: string, f: HubspotFailure): CrmError {
  const status =
    f.status === null
      ? f.timedOut
        ? 'timed out'
        : `no response (${f.networkCode ?? 'network error'})`
      : `HTTP ${f.status}`;
  return new CrmError(`HubSpot ${what} failed: ${status}, ${c.code}${adviceFor(c.kind)}`, {
    kind: c.kind,
    crm: 'hubspot',
    code: c.code,
    ...(f.retryAfterSeconds !== undefined ? { retryAfterMs: f.retryAfterSeconds * 1000 } : {}),
  });
}

function adviceFor(kind: FailureKind): string {
  switch (kind) {
    case FailureKind.Auth:
      return ' — check the private-app token or OAuth app (and its scopes: crm.objects.contacts.read/write, crm.objects.companies.read, crm.objects.deals.read, crm.objects.owners.read, crm.schemas.contacts.read/write, tasks)';
    case FailureKind.Config:
      return ' — check mappings/hubspot.yaml against the portal (tossup validate --crm hubspot)';
    case FailureKind.QuotaExhausted:
      return ' — the daily API allowance is spent; the next run resumes from the saved cursor';
    default:
      return '';
  }
}
