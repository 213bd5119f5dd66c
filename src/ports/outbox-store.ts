import type { Notification, NotificationTarget } from './notifier.ts';

/**
 * Where the notification outbox (src/state/notification-outbox.ts) keeps its entries: files in the
 * state directory for the CLI, the DynamoDB state table on AWS. The outbox's at-most-once rules
 * (pending → sending → sent/unknown/failed) rest on one primitive, an atomic read–modify–write of
 * one entry: under the state directory's lock, or a conditional write on a version.
 */

export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown';

export interface OutboxEntry {
  /** Short hash of the idempotency key; safe to log. */
  id: string;
  notification: Notification;
  target: NotificationTarget;
  state: OutboxState;
  attempts: number;
  createdAtMs: number;
  nextAttemptAtMs: number;
  /** Who is sending it right now (state `sending`): a crash leaves this behind. */
  claim?: { pid: number; host: string; atMs: number };
  lastReason?: string;
  sentAtMs?: number;
  ref?: string;
  /** Finished entries are dropped after this instant (absent = kept while open). */
  expiresAtMs?: number;
}

/** The entry's next version, or undefined to leave it as it is. */
export type OutboxChange = (current: OutboxEntry | undefined, nowMs: number) => OutboxEntry | undefined;

export interface OutboxStore {
  /**
   * Applies `change` to the entry of `key` atomically: no other update of the same key comes between
   * its read and its write. `change` may be called more than once (a lost race is re-run on the fresh
   * entry), so it must be pure. Returns the entry as stored afterwards and whether this call wrote it.
   */
  update(key: string, change: OutboxChange): Promise<{ entry: OutboxEntry | undefined; written: boolean }>;
  /**
   * The entries still open (`pending` or `sending`), read consistently. An entry queued a moment ago
   * may be missing on DynamoDB (its index is eventually consistent); the next drain finds it.
   */
  open(): Promise<OutboxEntry[]>;
  get(key: string): Promise<OutboxEntry | undefined>;
  /** Every live entry, finished ones included, where that is cheap (the file store). */
  list?(): Promise<OutboxEntry[]>;
  /**
   * Whether a `sending` claim left by another process on this host may be checked by process id
   * (true for files on one machine; false on Lambda, where containers may share a host name and pid).
   */
  readonly localClaims: boolean;
}
