import { ChangeEventPayloadSchema, type ChangeObject } from '../changes/salesforce-change-event.ts';
import type { Logger } from '../logging/logger.ts';
import type {
  ChangeEventStream,
  ChangeEventSubscription,
  ReceivedChangeEvent,
} from '../ports/change-event-stream.ts';
import { ReplayRefusedError } from '../ports/change-event-stream.ts';
import type { MessageQueue, OutgoingMessage } from '../ports/message-queue.ts';
import type { StateStore } from '../ports/state-store.ts';

/**
 * `tossup listen --crm salesforce`: Change Data Capture events, received over the Streaming API,
 * handed to the Lambda worker handler as the Event Relay path hands them (an EventBridge event per
 * change event, src/handlers/relayed-change-event.ts), so the listener and AWS share every rule — the
 * core's interpretation (src/changes/salesforce-change-event.ts), per-lead version claims, the write
 * guard, tasks idempotent per episode key.
 *
 * - **Order and batches.** Events are worked in arrival (replay id) order, in batches of what arrived
 *   while the previous batch was worked (at most `maxBatch`), one worker call per batch.
 * - **The replay id is saved after the work.** Only when the worker has finished a batch is the last
 *   replay id written to the state directory: a crash replays the unfinished events instead of losing
 *   them, and what a replay repeats is harmless (a lead at a version already done is not decided
 *   again; a task is found by its key). A batch the worker could not finish is retried, with growing
 *   delays, before anything after it.
 * - **Once per event.** Events at or below the last replay id received, or whose EventUuid was seen,
 *   are dropped (a re-subscription after a refused session replays from what is finished).
 * - **Retention.** A stored replay id older than the org keeps (72 hours) is refused: the listener
 *   subscribes to every retained event instead and reads what changed since the last event it
 *   finished (an overflow read per object, bounded; the scheduled sync reconciles the rest).
 */

export interface ChangeListenerOptions {
  stream: ChangeEventStream;
  channel: string;
  /** Where the replay id is kept (the CLI's file state), under `cursorKey`. */
  state: StateStore;
  cursorKey: string;
  /** The worker, as a queue: returns once the messages are done, throws when some are not. */
  queue: MessageQueue;
  /** The partner event source the worker accepts (`relaySourceOf`). */
  source: string;
  log: Logger;
  maxBatch?: number;
  /** Wait before retrying a batch the worker could not finish (attempt 1, 2, …). */
  retryDelayMs?: (attempt: number) => number;
  /** After each finished batch (tests and the freshness benchmark watch it). */
  onBatch?: (info: { events: number; lastReplayId: number }) => void;
}

/** The partner event source name the listener's events carry (the worker checks the org in it). */
export function relaySourceOf(organizationId: string | null, channel: string): string {
  const org = organizationId ?? '00D000000000000AAA';
  return `aws.partner/salesforce.com/${org}/${channel.replace(/^\/data\//, '').replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** One received change event in the Event Relay shape the worker reads (null when malformed). */
export function relayedMessageOf(e: ReceivedChangeEvent, source: string): OutgoingMessage | null {
  const parsed = ChangeEventPayloadSchema.safeParse(e.payload);
  if (!parsed.success) return null;
  const entity = parsed.data.ChangeEventHeader.entityName;
  const id = e.eventUuid ?? `replay-${e.replayId}`;
  const body = {
    version: '0',
    id,
    'detail-type': `${entity}ChangeEvent`,
    source,
    time: new Date(parsed.data.ChangeEventHeader.commitTimestamp).toISOString(),
    detail: { payload: e.payload, id, event: { replayId: e.replayId } },
  };
  const messageId =
    e.replayId >= 0 ? `c-${e.replayId}` : `c-${id.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 80);
  return { id: messageId, body: JSON.stringify(body), attributes: { tossupId: messageId } };
}

const DEFAULT_MAX_BATCH = 200;
const REMEMBERED_UUIDS = 10_000;

interface Stored {
  replayId: number;
  commitTimestamp: number;
  version: number;
}

export class SalesforceChangeListener {
  readonly #o: ChangeListenerOptions;
  readonly #pending: ReceivedChangeEvent[] = [];
  readonly #uuids = new Set<string>();
  #highestReceived = -1;
  #stored: Stored | null = null;
  #subscription: ChangeEventSubscription | null = null;
  /** Resolves the idle wait for events. */
  #wake: (() => void) | null = null;
  /** Cuts a retry delay short (stop only: new events wait behind the batch being retried). */
  #cancelSleep: (() => void) | null = null;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #attempt = 0;
  /** Counts since start, for the log and tests. */
  readonly counts = { received: 0, duplicates: 0, malformed: 0, batches: 0, retries: 0 };

  constructor(options: ChangeListenerOptions) {
    this.#o = options;
  }

  /** Subscribes from the stored replay id (new events only on a first start) and starts working. */
  async start(): Promise<void> {
    const stored = await this.#o.state.getCursor(this.#o.cursorKey);
    if (stored) {
      this.#stored = {
        replayId: Number(stored.cursor.idsAtModifiedAt[0] ?? -1),
        commitTimestamp: Date.parse(stored.cursor.modifiedAt),
        version: stored.version,
      };
      this.#highestReceived = this.#stored.replayId;
    }
    await this.#subscribe(this.#stored ? this.#stored.replayId : -1);
    this.#loop = this.#run();
  }

  /** Stops taking events, finishes the batch in hand, and closes the subscription. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    this.#cancelSleep?.();
    await this.#loop;
    await this.#subscription?.close();
  }

  /** The replay id of the last event whose work is done (-1: none yet). */
  get lastDoneReplayId(): number {
    return this.#stored?.replayId ?? -1;
  }

  async #subscribe(from: number): Promise<void> {
    const handlers = {
      onEvent: (e: ReceivedChangeEvent) => this.#receive(e),
      onDown: (reason: Error) => {
        this.#o.log.warn({ err: reason }, 'the change event subscription ended; subscribing again');
        void this.#resubscribe();
      },
    };
    try {
      this.#subscription = await this.#o.stream.subscribe(this.#o.channel, from, handlers);
      this.#o.log.info({ channel: this.#o.channel, replayFrom: from }, 'subscribed to change events');
    } catch (e) {
      if (!(e instanceof ReplayRefusedError) || !this.#stored) throw e;
      this.#o.log.warn(
        { replayId: from },
        'the stored replay id is past the retention window: every retained event, and a read of what changed since the last event worked',
      );
      this.#subscription = await this.#o.stream.subscribe(this.#o.channel, -2, handlers);
      this.#highestReceived = -1;
      this.#pending.unshift(...catchUpEvents(this.#stored.commitTimestamp));
    }
  }

  async #resubscribe(): Promise<void> {
    if (this.#stopping) return;
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        await this.#subscribe(this.#highestReceived);
        return;
      } catch (e) {
        this.#o.log.warn({ err: e, attempt }, 'subscribing to change events failed; trying again');
        await sleep(this.#delay(attempt));
      }
    }
  }

  #receive(e: ReceivedChangeEvent): void {
    this.counts.received++;
    if (e.replayId <= this.#highestReceived || (e.eventUuid !== null && this.#uuids.has(e.eventUuid))) {
      this.counts.duplicates++;
      return;
    }
    this.#highestReceived = e.replayId;
    if (e.eventUuid !== null) {
      this.#uuids.add(e.eventUuid);
      if (this.#uuids.size > REMEMBERED_UUIDS)
        this.#uuids.delete(this.#uuids.values().next().value as string);
    }
    this.#pending.push(e);
    this.#wake?.();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      if (this.#pending.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = null;
        continue;
      }
      const batch = this.#pending.slice(0, this.#o.maxBatch ?? DEFAULT_MAX_BATCH);
      const done = await this.#work(batch);
      if (done) {
        this.#pending.splice(0, batch.length);
        this.#attempt = 0;
      } else {
        this.#attempt++;
        this.counts.retries++;
        await this.#interruptibleSleep(this.#delay(this.#attempt));
      }
    }
  }

  /** Hands one batch to the worker; true once done and its last replay id is saved. */
  async #work(batch: ReceivedChangeEvent[]): Promise<boolean> {
    const messages: OutgoingMessage[] = [];
    for (const e of batch) {
      const m = relayedMessageOf(e, this.#o.source);
      if (m) messages.push(m);
      else {
        this.counts.malformed++;
        this.#o.log.error(
          { replayId: e.replayId },
          'not a change event (no valid ChangeEventHeader): skipped',
        );
      }
    }
    try {
      await this.#o.queue.sendAll(messages);
    } catch (e) {
      this.#o.log.warn(
        { err: e, events: batch.length, attempt: this.#attempt + 1 },
        'the worker could not finish these change events; retrying them before any later one',
      );
      return false;
    }
    const last = batch.reduce((a, b) => (b.replayId > a.replayId ? b : a));
    if (last.replayId >= 0) await this.#save(last);
    this.counts.batches++;
    this.#o.onBatch?.({ events: batch.length, lastReplayId: this.lastDoneReplayId });
    return true;
  }

  async #save(last: ReceivedChangeEvent): Promise<void> {
    const header = ChangeEventPayloadSchema.safeParse(last.payload);
    const commitTimestamp = header.success
      ? header.data.ChangeEventHeader.commitTimestamp
      : (this.#stored?.commitTimestamp ?? Date.now());
    const saved = await this.#o.state.putCursor(
      this.#o.cursorKey,
      { modifiedAt: new Date(commitTimestamp).toISOString(), idsAtModifiedAt: [String(last.replayId)] },
      this.#stored?.version ?? null,
    );
    this.#stored = { replayId: last.replayId, commitTimestamp, version: saved.version };
  }

  #delay(attempt: number): number {
    return this.#o.retryDelayMs?.(attempt) ?? Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6));
  }

  async #interruptibleSleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#cancelSleep = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.#cancelSleep = null;
  }
}

/**
 * After a refused replay: an overflow event per object from the last event worked, so the worker
 * reads what changed meanwhile (bounded) exactly as it does for Salesforce's own overflow events.
 */
function catchUpEvents(sinceCommitMs: number): ReceivedChangeEvent[] {
  const objects: ChangeObject[] = ['Lead', 'Contact', 'Account'];
  return objects.map((entity) => ({
    channel: 'catch-up',
    replayId: -1,
    eventUuid: `catch-up-${entity}-${sinceCommitMs}`,
    payload: {
      ChangeEventHeader: {
        entityName: entity,
        recordIds: [],
        changeType: 'GAP_OVERFLOW',
        changedFields: [],
        commitTimestamp: sinceCommitMs,
        commitUser: '',
      },
    },
  }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
