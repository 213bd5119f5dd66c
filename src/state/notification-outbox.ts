import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { type Clock, systemClock } from '../ports/clock.ts';
import {
  type ChatLog,
  type ChatSender,
  type Notification,
  type NotificationTarget,
  type Notifier,
  type SendOutcome,
  targetKey,
} from '../ports/notifier.ts';
import type { OutboxEntry, OutboxState, OutboxStore } from '../ports/outbox-store.ts';
import { type DirectoryLockOptions, isAlive } from './directory-lock.ts';
import { FileOutboxStore } from './file-outbox-store.ts';

export type { OutboxEntry, OutboxState, OutboxStore } from '../ports/outbox-store.ts';

export interface OutboxOptions {
  senders: readonly ChatSender[];
  clock?: Clock;
  log?: ChatLog;
  /** After this many attempts that all ended in `retry`, the entry ends as `failed`. */
  maxAttempts?: number;
  /** Back-off after the n-th failed attempt: min(maxBackoffMs, baseBackoffMs · 2^(n-1)). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * A `sending` claim older than this is taken to be from a crashed process (on this host a dead pid
   * is recognised at once, with a file store). Longer than any send: timeouts × retries plus
   * Retry-After waits; on Lambda, longer than the function's timeout.
   */
  claimTimeoutMs?: number;
  /** How long finished entries are kept, so a re-run of the same episode step stays a no-op. */
  retentionMs?: number;
  /** The file store's lock (when the outbox is given a state directory). */
  lock?: DirectoryLockOptions;
}

export interface DrainReport {
  sent: number;
  retried: number;
  failed: number;
  /** Interrupted or ambiguous sends that are not retried (at most once). */
  unknown: number;
  /** Left pending (not due yet, or their service is failing in this drain). */
  pending: number;
}

const FINISHED: ReadonlySet<OutboxState> = new Set(['sent', 'failed', 'unknown']);

/**
 * The notification outbox, on an `OutboxStore`: files in the state directory (give a directory) or
 * the DynamoDB state table on AWS (give a `DynamoOutboxStore`).
 *
 * Delivery is at most once per episode step and target, as issue 13 asks:
 * - `enqueue` is idempotent on (episode key, step, target);
 * - before the chat call the entry is durably marked `sending`; a process that dies before it can
 *   record the answer leaves `sending` behind, and the next drain turns that into `unknown`, not into
 *   a second message (Slack's `chat.postMessage` has no idempotency key that would make a retry safe);
 * - an attempt that certainly posted nothing (429, 5xx, refused connection) goes back to `pending`
 *   with back-off, so an outage delays messages and loses none.
 * Nothing here throws into the caller: a chat problem never blocks or undoes a CRM write.
 */
export class NotificationOutbox implements Notifier {
  readonly store: OutboxStore;
  readonly #senders: readonly ChatSender[];
  readonly #clock: Clock;
  readonly #log: ChatLog | undefined;
  readonly #maxAttempts: number;
  readonly #baseBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #claimTimeoutMs: number;
  readonly #retentionMs: number;
  readonly #host = hostname();

  constructor(store: string | OutboxStore, options: OutboxOptions) {
    this.#clock = options.clock ?? systemClock;
    this.store =
      typeof store === 'string'
        ? new FileOutboxStore(store, { clock: this.#clock, ...(options.lock ? { lock: options.lock } : {}) })
        : store;
    this.#senders = options.senders;
    this.#log = options.log;
    this.#maxAttempts = options.maxAttempts ?? 12;
    this.#baseBackoffMs = options.baseBackoffMs ?? 30_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30 * 60_000;
    this.#claimTimeoutMs = options.claimTimeoutMs ?? 10 * 60_000;
    this.#retentionMs = options.retentionMs ?? 30 * 24 * 3600_000;
  }

  async notify(notification: Notification, targets: readonly NotificationTarget[]): Promise<void> {
    await this.enqueue(notification, targets);
  }

  /** Records the notification for each target; returns how many were new. Never throws. */
  async enqueue(notification: Notification, targets: readonly NotificationTarget[]): Promise<number> {
    let added = 0;
    for (const target of targets) {
      const key = outboxKey(notification, target);
      try {
        const { written } = await this.store.update(key, (current, now) => {
          if (current) return undefined;
          return {
            id: shortId(key),
            notification: structuredClone(notification),
            target: structuredClone(target),
            state: 'pending',
            attempts: 0,
            createdAtMs: now,
            nextAttemptAtMs: now,
          };
        });
        if (written) added += 1;
      } catch (e) {
        this.#log?.warn(
          { id: shortId(key), err: errorName(e) },
          'notification could not be queued; the CRM write goes on without it',
        );
      }
    }
    return added;
  }

  /**
   * Sends what is due, oldest first. Never throws; a failing service is skipped for this drain.
   * `stopWhen` is asked before each send (a Lambda's remaining time): what is left stays pending.
   */
  async drain(options: { limit?: number; stopWhen?: () => boolean } = {}): Promise<DrainReport> {
    const report: DrainReport = { sent: 0, retried: 0, failed: 0, unknown: 0, pending: 0 };
    try {
      const open = await this.store.open();
      await this.#recoverInterrupted(open, report);
      const due = open.filter((e) => e.state === 'pending').sort((a, b) => a.createdAtMs - b.createdAtMs);
      const down = new Set<ChatSender>();
      let attempted = 0;
      for (const entry of due) {
        const sender = this.#senders.find((s) => s.accepts(entry.target));
        if (entry.nextAttemptAtMs > this.#now() || (sender && down.has(sender))) {
          report.pending += 1;
          continue;
        }
        if ((options.limit !== undefined && attempted >= options.limit) || options.stopWhen?.()) {
          report.pending += 1;
          continue;
        }
        attempted += 1;
        const outcome = await this.#attempt(entry, sender);
        if (outcome === undefined) continue; // claimed by someone else meanwhile
        if (outcome.status === 'sent') report.sent += 1;
        else if (outcome.status === 'unknown') report.unknown += 1;
        else if (outcome.status === 'failed') report.failed += 1;
        else {
          report.retried += 1;
          if (sender) down.add(sender);
        }
      }
    } catch (e) {
      this.#log?.warn({ err: errorName(e) }, 'notification outbox drain stopped early; it resumes next time');
    }
    return report;
  }

  /** Every entry the store can list (the file store lists all; DynamoDB the open ones). */
  async list(): Promise<OutboxEntry[]> {
    return this.store.list ? this.store.list() : this.store.open();
  }

  /** Claims, sends and records one entry; undefined if another drain got to it first. */
  async #attempt(entry: OutboxEntry, sender: ChatSender | undefined): Promise<SendOutcome | undefined> {
    const key = outboxKey(entry.notification, entry.target);
    const claim = await this.store.update(key, (current, now) => {
      if (current?.state !== 'pending' || current.nextAttemptAtMs > now) return undefined;
      return {
        ...current,
        state: 'sending',
        attempts: current.attempts + 1,
        claim: { pid: process.pid, host: this.#host, atMs: now },
      };
    });
    const claimed = claim.written ? claim.entry : undefined;
    if (!claimed) return undefined;
    let outcome: SendOutcome;
    if (!sender)
      outcome = { status: 'failed', reason: `no chat service configured for ${entry.target.kind}` };
    else {
      try {
        outcome = await sender.send(claimed.notification, claimed.target);
      } catch (e) {
        // Senders do not throw; if one does, whether it posted is not known.
        outcome = { status: 'unknown', reason: errorName(e) };
      }
    }
    const attempts = claimed.attempts;
    await this.store.update(key, (current, now) => {
      const base: OutboxEntry = { ...(current ?? claimed) };
      delete base.claim;
      let next: OutboxEntry;
      if (outcome.status === 'sent') {
        next = { ...base, state: 'sent', sentAtMs: now, ...(outcome.ref ? { ref: outcome.ref } : {}) };
        delete next.lastReason;
      } else if (outcome.status === 'retry' && attempts < this.#maxAttempts) {
        const backoff = Math.min(this.#maxBackoffMs, this.#baseBackoffMs * 2 ** (attempts - 1));
        next = {
          ...base,
          state: 'pending',
          nextAttemptAtMs: now + Math.max(backoff, outcome.retryAfterMs ?? 0),
          lastReason: outcome.reason,
        };
      } else {
        const state = outcome.status === 'retry' ? 'failed' : outcome.status;
        next = { ...base, state, lastReason: outcome.reason };
      }
      return this.#withExpiry(next);
    });
    const fields = {
      id: entry.id,
      event: entry.notification.event,
      step: entry.notification.step,
      target: entry.target.kind,
      attempt: attempts,
      status: outcome.status,
      ...(outcome.status === 'sent' ? {} : { reason: outcome.reason }),
    };
    if (outcome.status === 'sent') this.#log?.info(fields, 'notification sent');
    else this.#log?.warn(fields, 'notification not sent');
    return outcome;
  }

  /** `sending` left by a dead process (or a claim too old) ends as `unknown`: it may have been posted. */
  async #recoverInterrupted(open: readonly OutboxEntry[], report: DrainReport): Promise<void> {
    for (const entry of open) {
      if (entry.state !== 'sending') continue;
      const key = outboxKey(entry.notification, entry.target);
      const { written } = await this.store.update(key, (current, now) => {
        if (current?.state !== 'sending' || !this.#abandoned(current, now)) return undefined;
        const next: OutboxEntry = { ...current, state: 'unknown', lastReason: 'interrupted while sending' };
        delete next.claim;
        return this.#withExpiry(next);
      });
      if (written) {
        report.unknown += 1;
        this.#log?.warn(
          {
            id: entry.id,
            event: entry.notification.event,
            step: entry.notification.step,
            target: entry.target.kind,
          },
          'notification was being sent when its process stopped; not sent again (at most once)',
        );
      }
    }
  }

  #abandoned(entry: OutboxEntry, now: number): boolean {
    const c = entry.claim;
    if (!c || now - c.atMs > this.#claimTimeoutMs) return true;
    if (this.store.localClaims && c.host === this.#host) return c.pid !== process.pid && !isAlive(c.pid);
    return false;
  }

  /** Finished entries expire after the retention period; open ones are kept. */
  #withExpiry(entry: OutboxEntry): OutboxEntry {
    if (!FINISHED.has(entry.state)) return entry;
    return { ...entry, expiresAtMs: (entry.sentAtMs ?? entry.createdAtMs) + this.#retentionMs };
  }

  #now(): number {
    return this.#clock.now().getTime();
  }
}

export function outboxKey(n: Pick<Notification, 'episodeKey' | 'step'>, target: NotificationTarget): string {
  return `${n.episodeKey}\u0000${n.step}\u0000${targetKey(target)}`;
}

function shortId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** Only the error's class name: messages of file-system errors carry paths, chat errors carry URLs. */
function errorName(e: unknown): string {
  return e instanceof Error ? e.name : typeof e;
}
