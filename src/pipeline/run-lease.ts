import { hostname } from 'node:os';
import type { Clock } from '../ports/clock.ts';
import type { LeaseHolder, LeaseStore, StoredLease } from '../ports/state-store.ts';

/**
 * How long a run's lease lives without renewal. A crashed run on another host (or a Lambda that
 * timed out) blocks the next run for at most this long; a local crash frees it at once (pid check).
 */
export const RUN_LEASE_TTL_SECONDS = 120;

/** Another run holds the lease: this one must not start (exit code 5 in the CLI). */
export class RunLeaseHeldError extends Error {
  readonly heldBy: StoredLease;
  constructor(key: string, heldBy: StoredLease) {
    super(
      `another run holds the lease on ${key} since ${heldBy.since} (${heldBy.owner}); nothing was done. ` +
        `Run again when it has finished; if it crashed, its lease expires at ${new Date(heldBy.expiresAtMs).toISOString()}`,
    );
    this.name = 'RunLeaseHeldError';
    this.heldBy = heldBy;
  }
}

/** The lease expired or was taken over while this run was working (e.g. the process was suspended). */
export class RunLeaseLostError extends Error {
  constructor(key: string) {
    super(
      `the run lease on ${key} was lost (not renewed in time, so another run may have started); stopped before committing more`,
    );
    this.name = 'RunLeaseLostError';
  }
}

export interface RunLease {
  readonly key: string;
  /** Throws `RunLeaseLostError` when the lease can no longer be trusted; call before each commit. */
  assertHeld(): void;
  /** Stops the heartbeat and frees the lease; never throws (an unreleased lease expires). */
  release(): Promise<void>;
}

/** The holder description of this process: `pid 4242 on build-01`. */
export function localLeaseHolder(): LeaseHolder {
  const host = hostname();
  return { owner: `pid ${process.pid} on ${host}`, pid: process.pid, host };
}

/**
 * Takes the run lease of `key` (one sync per CRM and scope at a time) or throws `RunLeaseHeldError`
 * at once. While held, a heartbeat renews it every quarter of its time to live; the timer is
 * `unref`'d, so it never keeps a finished process alive. A failed renewal (the store unreachable)
 * is retried at the next beat; the lease counts as lost once it was refused or its end has passed.
 */
export async function acquireRunLease(
  store: LeaseStore,
  key: string,
  holder: LeaseHolder,
  options: { clock: Clock; ttlSeconds?: number; heartbeatMs?: number },
): Promise<RunLease> {
  const ttlSeconds = options.ttlSeconds ?? RUN_LEASE_TTL_SECONDS;
  const attempt = await store.acquireLease(key, holder, ttlSeconds);
  if (!attempt.acquired) throw new RunLeaseHeldError(key, attempt.heldBy);
  const { token } = attempt;
  let expiresAtMs = attempt.lease.expiresAtMs;
  let refused = false;
  let renewing: Promise<void> | null = null;
  const beat = () => {
    if (renewing || refused) return;
    const until = options.clock.now().getTime() + ttlSeconds * 1000;
    renewing = store
      .renewLease(key, token, ttlSeconds)
      .then(
        (ok) => {
          if (ok) expiresAtMs = until;
          else refused = true;
        },
        () => undefined,
      )
      .finally(() => {
        renewing = null;
      });
  };
  // Four chances to renew before the lease would expire.
  const timer = setInterval(beat, options.heartbeatMs ?? (ttlSeconds * 1000) / 4);
  timer.unref();
  return {
    key,
    assertHeld() {
      if (refused || options.clock.now().getTime() >= expiresAtMs) throw new RunLeaseLostError(key);
    },
    async release() {
      clearInterval(timer);
      await (renewing as Promise<void> | null);
      await store.releaseLease(key, token).catch(() => undefined);
    },
  };
}

/**
 * Runs `fn` under the run lease of `key` and frees it afterwards; when another run holds it, does
 * not run `fn` and says who holds it since when. The scheduled sync Lambda uses this around its read.
 */
export async function underRunLease<T>(
  store: LeaseStore,
  key: string,
  holder: LeaseHolder,
  clock: Clock,
  fn: (lease: RunLease) => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false; heldBy: StoredLease; message: string }> {
  let lease: RunLease;
  try {
    lease = await acquireRunLease(store, key, holder, { clock });
  } catch (e) {
    if (e instanceof RunLeaseHeldError) return { ran: false, heldBy: e.heldBy, message: e.message };
    throw e;
  }
  try {
    return { ran: true, result: await fn(lease) };
  } finally {
    await lease.release();
  }
}
