import { CrmError, FailureKind } from '../../src/domain/errors.ts';
import type { ApiAllowance } from './client.ts';

/**
 * Stops the connector before the org's daily API allowance is spent, leaving the rest for people,
 * other integrations and the next run (Stitch and Apache Camel do the same, reliability A5). The
 * usage comes from `Sforce-Limit-Info` on every response, so checking costs no call; it lags by
 * the calls in flight, at most the write concurrency.
 */
export class AllowanceGuard {
  readonly share: number;

  constructor(share: number) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`allowance share must be in (0, 1], got ${share}`);
    this.share = share;
  }

  /** Throws `CrmError` (quota_exhausted) once `used` has reached `share × limit`. */
  check(allowance: ApiAllowance | null): void {
    if (!allowance || allowance.limit <= 0) return;
    const stopAt = Math.floor(this.share * allowance.limit);
    if (allowance.used >= stopAt) {
      throw new CrmError(
        `Salesforce API allowance guard: ${allowance.used} of ${allowance.limit} daily requests used, ` +
          `the connector stops at ${Math.round(this.share * 100)}% (${stopAt}) to leave the rest for the org — ` +
          'the next run resumes from the saved cursor (raise allowanceShare to let it use more)',
        { kind: FailureKind.QuotaExhausted, crm: 'salesforce', code: 'allowance_guard' },
      );
    }
  }
}
