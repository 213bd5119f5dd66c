import type { SyncCursor } from './lead-source.ts';

export interface StoredCursor {
  cursor: SyncCursor;
  /** Monotonic version for compare-and-set; two runs cannot both advance the same cursor. */
  version: number;
}

export class CursorConflictError extends Error {
  constructor(key: string) {
    super(`cursor ${key} was advanced by another run`);
    this.name = 'CursorConflictError';
  }
}

/** Cursors and idempotency records; the file store (CLI) and DynamoDB store (AWS) both implement it. */
export interface StateStore {
  getCursor(key: string): Promise<StoredCursor | null>;
  /** Writes only if the stored version is still `expectedVersion` (`null` = must not exist). */
  putCursor(key: string, cursor: SyncCursor, expectedVersion: number | null): Promise<StoredCursor>;
  /** Records that a side effect identified by `key` completed, with what it produced. */
  markDone(key: string, result: string, ttlSeconds: number): Promise<void>;
  getDone(key: string): Promise<string | null>;
}

/** Who holds a run lease, for the message the next run prints. */
export interface LeaseHolder {
  /** e.g. `pid 4242 on build-01`, or `Lambda request 1f2e…`. */
  owner: string;
  /** A local process: lets a store on the same host see that it died and take over at once. */
  pid?: number;
  host?: string;
}

export interface StoredLease extends LeaseHolder {
  /** When the holder took it (ISO UTC, the store's clock). */
  since: string;
  /** Renewals push this forward; past it, anyone may take the lease. */
  expiresAtMs: number;
}

export type LeaseAttempt =
  | { acquired: true; token: string; lease: StoredLease }
  | { acquired: false; heldBy: StoredLease };

/**
 * A lease per key (one sync of one CRM and scope at a time), with expiry so that a crashed holder
 * never blocks for longer than its time to live. All three state stores implement it; taking one is
 * a single conditional write, so of two runs racing for a free lease exactly one gets it.
 */
export interface LeaseStore {
  /** Takes the lease if it is free, expired, or held by a process provably dead on this host. */
  acquireLease(key: string, holder: LeaseHolder, ttlSeconds: number): Promise<LeaseAttempt>;
  /** Extends a live lease still held with `token`; false when it expired or someone else holds it. */
  renewLease(key: string, token: string, ttlSeconds: number): Promise<boolean>;
  /** Frees the lease if `token` still holds it (a no-op otherwise). */
  releaseLease(key: string, token: string): Promise<void>;
}
