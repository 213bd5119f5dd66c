import PQueue from 'p-queue';
import { CrmError } from '../../src/domain/errors.ts';
import {
  currentDeadline,
  hasTimeFor,
  MIN_CALL_MS,
  outOfTimeError,
  runWithDeadline,
} from '../../src/ports/deadline.ts';
import type { AllowanceGuard } from './allowance-guard.ts';
import { type CallFailure, classifyCallFailure, isRetryable, toCrmError } from './classify-error.ts';
import { type CallRequest, type CallResult, SalesforceCallError, type SalesforceClient } from './client.ts';

/**
 * The connector's ONE retry layer (jsforce's own retries are switched off in client.ts):
 * - a call is retried only when it is safe to repeat: reads, sObject Collections updates that set
 *   the same values again, upserts by external id, Bulk query job creation (a second query job has
 *   no effect on data). A plain create is never retried (the connector makes none);
 * - only transient and rate-limited failures are retried (classify-error.ts decides), with capped
 *   exponential backoff and full jitter;
 * - p-queue bounds how many calls run at once; a call waiting out its backoff gives its slot up;
 * - the allowance guard is checked before every attempt;
 * - under a deadline (a Lambda invocation, src/ports/deadline.ts) an attempt starts only with time
 *   left for it, its HTTP timeout is cut to that time (client.ts), and a retry whose backoff would
 *   run past the deadline is not made: the failure is returned for the next delivery to retry.
 */

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RunOptions {
  /** What the call does, for error messages ("query Lead", "update 200 records"). */
  what: string;
  /** May the request be sent again after a failure without changing the outcome? */
  idempotent: boolean;
  /** Failures that are an answer for the caller, not to be retried (a Bulk job not complete yet). */
  answer?: (failure: CallFailure) => boolean;
}

/**
 * The wait after failed attempt `attempt` (1-based). Full jitter: uniform in
 * [0, min(max, base·2^(attempt-1))] (AWS architecture blog), so clients that failed together do not
 * retry together. Shared by every call and by the login (login.ts).
 */
export function backoffDelay(retry: RetryPolicy, attempt: number, random: () => number): number {
  const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

export class CallRunner {
  readonly client: SalesforceClient;
  readonly retry: RetryPolicy;
  private readonly queue: PQueue;
  private readonly guard: AllowanceGuard;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    client: SalesforceClient,
    options: {
      concurrency: number;
      retry: RetryPolicy;
      guard: AllowanceGuard;
      sleep?: (ms: number) => Promise<void>;
      random?: () => number;
    },
  ) {
    this.client = client;
    this.retry = options.retry;
    this.guard = options.guard;
    this.queue = new PQueue({ concurrency: options.concurrency });
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  /** Calls run at once at most. */
  get concurrency(): number {
    return this.queue.concurrency;
  }

  /** Runs the call with the retry policy; a failure that remains becomes a `CrmError`. */
  async run<T>(req: CallRequest, options: RunOptions): Promise<CallResult<T>> {
    // Taken when the call is asked for: the queue may start it from another call's context.
    const deadline = currentDeadline();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.queue.add(() =>
          runWithDeadline(deadline, () => {
            this.guard.check(this.client.allowance);
            if (!hasTimeFor(0, deadline)) throw outOfTimeError('Salesforce', options.what);
            return this.client.call<T>(req);
          }),
        );
      } catch (e) {
        if (e instanceof CrmError) throw e;
        if (!(e instanceof SalesforceCallError)) throw e;
        const failure = { status: e.status, code: e.code, message: e.message };
        const c = classifyCallFailure(failure);
        const answer = options.answer?.(failure) === true;
        if (options.idempotent && !answer && isRetryable(c.kind) && attempt < this.retry.maxAttempts) {
          // Never sooner than the server asked (Retry-After), jitter or not.
          const delay = Math.max(this.backoffMs(attempt), e.retryAfterMs ?? 0);
          if (hasTimeFor(delay, deadline)) {
            await this.sleep(delay);
            continue;
          }
        }
        throw toCrmError(c, options.what, failure, e);
      }
    }
  }

  /**
   * Like `run`, but hands the `SalesforceCallError` of a whole-request 4xx back to the caller
   * instead of throwing (the sink splits a Collections call that one bad record made fail).
   */
  async runOrRefusal<T>(
    req: CallRequest,
    options: RunOptions,
  ): Promise<{ ok: true; result: CallResult<T> } | { ok: false; refusal: SalesforceCallError }> {
    try {
      return { ok: true, result: await this.run<T>(req, options) };
    } catch (e) {
      const cause = e instanceof CrmError ? (e.cause as unknown) : undefined;
      if (cause instanceof SalesforceCallError && cause.status === 400) return { ok: false, refusal: cause };
      throw e;
    }
  }

  backoff(attempt: number): Promise<void> {
    // The sink's per-record retries wait here too: never past the deadline (the next call then
    // runs with what is left, or is not started).
    const left = currentDeadline()?.remainingMs() ?? Number.POSITIVE_INFINITY;
    return this.sleep(Math.min(this.backoffMs(attempt), Math.max(0, left - MIN_CALL_MS)));
  }

  private backoffMs(attempt: number): number {
    return backoffDelay(this.retry, attempt, this.random);
  }

  async idle(): Promise<void> {
    await this.queue.onIdle();
  }
}
