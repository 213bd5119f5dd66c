/**
 * One error base per concern, each with a stable `name`. Per-record CRM failures are data
 * (`WriteOutcome`), not exceptions; these classes are for what stops a run or a command.
 */

/** How a failed CRM call should be treated; decided once, in each connector's classification table. */
export const FailureKind = {
  /** Worth retrying now (5xx, timeout, connection reset, lock contention). */
  Transient: 'transient',
  /** Back off, then retry (429, concurrency limit). */
  RateLimited: 'rate_limited',
  /** The allowance for the day is spent: stop cleanly, keep the cursor, resume later. */
  QuotaExhausted: 'quota_exhausted',
  /** Credentials are wrong or expired beyond refresh: stop the run. */
  Auth: 'auth',
  /** The mapping does not fit the org (unknown field, bad picklist value): stop the run. */
  Config: 'config',
  /** This one record cannot be written (validation rule, deleted, converted): skip it, report it. */
  InvalidRecord: 'invalid_record',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** One problem in an admin-edited file, precise enough to fix without reading code. */
export interface ConfigIssue {
  file: string;
  /** 1-based; 0 when the problem is not tied to a line (e.g. the file is missing). */
  line: number;
  column: number;
  /** Dotted path inside the document, e.g. `rules[2].when.all[0].op`. */
  path: string;
  message: string;
  hint?: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(formatConfigIssues(issues));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues
    .map((i) => {
      const where = i.line > 0 ? `${i.file}:${i.line}:${i.column}` : i.file;
      const path = i.path ? ` ${i.path}:` : '';
      return `${where}${path} ${i.message}${i.hint ? `\n  hint: ${i.hint}` : ''}`;
    })
    .join('\n');
}

/** A CRM call failed in a way the whole run must react to (not a single-record failure). */
export class CrmError extends Error {
  readonly kind: FailureKind;
  readonly crm: string;
  readonly code: string;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    details: { kind: FailureKind; crm: string; code: string; retryAfterMs?: number },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CrmError';
    this.kind = details.kind;
    this.crm = details.crm;
    this.code = details.code;
    this.retryAfterMs = details.retryAfterMs;
  }
}
