import { AsyncLocalStorage } from 'node:async_hooks';
import { CrmError, FailureKind } from '../domain/errors.ts';

/**
 * How long CRM calls may still take. In a Lambda invocation it is the remaining time
 * (`context.getRemainingTimeInMillis()`) less a reserve the handler keeps to report batch item
 * failures and release its claims; the CLI sets none (no limit beyond each call's own timeout).
 *
 * It travels with the invocation's async context rather than through the connector's constructor:
 * a Lambda container builds its connector once and reuses it for every invocation, each with its
 * own deadline. The call runners read it when a call starts, cap the call's timeout to it, and stop
 * retrying when a retry could not finish before it.
 */
export interface Deadline {
  /** Milliseconds left; zero or less when spent. */
  remainingMs(): number;
}

const current = new AsyncLocalStorage<Deadline>();

/** Runs `fn` (and every call it makes, however deep) under `deadline`. */
export function runWithDeadline<T>(deadline: Deadline | undefined, fn: () => T): T {
  return deadline ? current.run(deadline, fn) : fn();
}

export function currentDeadline(): Deadline | undefined {
  return current.getStore();
}

/**
 * What a handler keeps in hand after its last CRM call, to settle claims and report batch item
 * failures: DynamoDB and SQS calls take milliseconds, so 5 s of a 60 s worker is ample.
 */
export const DEFAULT_DEADLINE_RESERVE_MS = 5_000;

/** A call is not started with less time than this left: it could not get an answer in time. */
export const MIN_CALL_MS = 1_000;

/** The deadline of a Lambda invocation: its remaining time less `reserveMs`. */
export function invocationDeadline(
  context: { getRemainingTimeInMillis(): number },
  reserveMs: number,
): Deadline {
  return { remainingMs: () => context.getRemainingTimeInMillis() - reserveMs };
}

/** `timeoutMs`, shortened so the call ends before the current deadline. */
export function callTimeoutMs(timeoutMs: number, deadline = currentDeadline()): number {
  if (!deadline) return timeoutMs;
  return Math.max(1, Math.min(timeoutMs, Math.floor(deadline.remainingMs())));
}

/** True when a call started after waiting `waitMs` would still have `MIN_CALL_MS` to run. */
export function hasTimeFor(waitMs: number, deadline = currentDeadline()): boolean {
  return !deadline || deadline.remainingMs() - waitMs >= MIN_CALL_MS;
}

/**
 * The call was not started (or not retried) because the invocation's time is nearly spent. It is
 * transient: the work returns to the queue and a fresh invocation does it.
 */
export function outOfTimeError(crm: string, what: string, cause?: unknown): CrmError {
  return new CrmError(
    `${crm} ${what}: not attempted, the invocation's time is nearly spent (it is retried by the next delivery)`,
    { kind: FailureKind.Transient, crm, code: 'invocation_deadline' },
    cause === undefined ? undefined : { cause },
  );
}
