import { CrmError, FailureKind } from '../../src/domain/errors.ts';
import { currentDeadline, hasTimeFor, outOfTimeError, runWithDeadline } from '../../src/ports/deadline.ts';
import { type ClassifyContext, classifyFailure, toCrmError } from './classify-error.ts';
import { HubspotHttpError } from './client.ts';
import type { RateBudget, RequestKind } from './rate-budget.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * The connector's ONE retry layer (the SDK's is off, see BEHAVIOR.md). Every HubSpot call goes
 * through `run`: it waits for the portal's budget, counts the attempt, classifies a failure with
 * classify-error.ts and then
 * - 429 TEN_SECONDLY_ROLLING / SECONDLY: holds the budget's queue and retries, whatever the
 *   method: HubSpot refused the request, it did not apply it;
 * - 429 DAILY: stops with `quota_exhausted` (no retry can help today);
 * - no response or 5xx: retries with exponential backoff and jitter ONLY when the call is safe to
 *   repeat (`safeToRepeat`: reads, searches, updates that set absolute values, and task creates
 *   whose unique key makes a repeat a no-op); otherwise fails with `transient`;
 * - anything else: fails at once with its kind.
 * Under a deadline (a Lambda invocation, src/ports/deadline.ts) an attempt starts only with time left
 * for it, its timeout is cut to that time (client.ts), and no retry waits past the deadline: the
 * failure is returned instead, for the next delivery to retry.
 */

export interface RetrySettings {
  /** Retries after no response / 5xx (for calls safe to repeat). */
  maxTransientRetries: number;
  /** Retries after a burst/secondly 429 before giving up with `rate_limited`. */
  maxRateLimitRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetrySettings = {
  maxTransientRetries: 4,
  maxRateLimitRetries: 12,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
};

export interface CallSpec {
  /** Usage key, e.g. `contacts.search`, `tasks.batch.create`. */
  endpoint: string;
  /** What the error message says failed, e.g. "contact search". */
  what: string;
  kind: RequestKind;
  safeToRepeat: boolean;
  classify?: ClassifyContext;
}

export interface RequestRunnerDeps {
  budget: RateBudget;
  meter: UsageMeter;
  retry: RetrySettings;
  /** OAuth: drop the cached token when HubSpot says it expired (clock skew); `undefined` for private apps. */
  onTokenExpired?: () => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class RequestRunner {
  private readonly deps: RequestRunnerDeps;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(deps: RequestRunnerDeps) {
    this.deps = deps;
    this.random = deps.random ?? Math.random;
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async run<T>(spec: CallSpec, fn: () => Promise<T>): Promise<T> {
    const { budget, meter, retry } = this.deps;
    let transientRetries = 0;
    let rateRetries = 0;
    let refreshedToken = false;
    // Taken when the call is asked for: the budget's queue may start it from another call's context.
    const deadline = currentDeadline();
    for (;;) {
      try {
        return await budget.schedule(spec.kind, () =>
          runWithDeadline(deadline, () => {
            if (!hasTimeFor(0, deadline)) throw outOfTimeError('HubSpot', spec.what);
            meter.call(spec.endpoint);
            return fn();
          }),
        );
      } catch (e) {
        if (e instanceof CrmError) throw e;
        if (!(e instanceof HubspotHttpError)) throw e;
        const f = e.failure;
        const c = classifyFailure(f, spec.classify);
        switch (c.kind) {
          case FailureKind.RateLimited: {
            if (rateRetries >= retry.maxRateLimitRetries) throw toCrmError(c, spec.what, f);
            const delay =
              f.retryAfterSeconds !== undefined
                ? f.retryAfterSeconds * 1000
                : this.backoff(rateRetries, c.code);
            rateRetries += 1;
            // Hold the whole queue: every other request would be refused the same way.
            budget.backOff(c.code === 'rate_limited_secondly' ? 'search' : spec.kind, delay);
            if (!hasTimeFor(delay, deadline)) throw toCrmError(c, spec.what, f);
            continue;
          }
          case FailureKind.QuotaExhausted:
            budget.markDailyExhausted();
            throw toCrmError(c, spec.what, f);
          case FailureKind.Transient: {
            if (!spec.safeToRepeat || transientRetries >= retry.maxTransientRetries)
              throw toCrmError(c, spec.what, f);
            const delay = this.backoff(transientRetries, c.code);
            if (!hasTimeFor(delay, deadline)) throw toCrmError(c, spec.what, f);
            transientRetries += 1;
            await this.sleep(delay);
            continue;
          }
          case FailureKind.Auth:
            if (f.category === 'EXPIRED_AUTHENTICATION' && this.deps.onTokenExpired && !refreshedToken) {
              refreshedToken = true;
              this.deps.onTokenExpired();
              continue;
            }
            throw toCrmError(c, spec.what, f);
          default:
            throw e;
        }
      }
    }
  }

  private backoff(attempt: number, code: string): number {
    return backoffDelay(attempt, code, this.deps.retry, this.random);
  }
}

/**
 * Exponential backoff with "equal jitter" (reliability-limits-costs.md §D): the delay of retry
 * `attempt` (0-based) is drawn from [step/2, step], step = min(maxDelayMs, base·2^attempt) — never
 * less than half the step, and never in lockstep with other clients refused at the same moment.
 */
export function backoffDelay(
  attempt: number,
  code: string,
  retry: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const base = code === 'rate_limited_secondly' ? Math.max(retry.baseDelayMs, 200) : retry.baseDelayMs;
  const step = Math.min(retry.maxDelayMs, base * 2 ** attempt);
  return Math.round(step / 2 + (random() * step) / 2);
}
