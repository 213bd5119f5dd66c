/**
 * A CRM's stream of change events (Salesforce Change Data Capture over the Streaming API): the
 * connector delivers each event as received; the listener hands it to the worker, which judges it
 * with `src/changes/` (port `change-events.ts`). Replay ids order the stream: subscribing from a
 * replay id delivers what came after it.
 */
export interface ReceivedChangeEvent {
  channel: string;
  replayId: number;
  /** The event's unique id where the CRM gives one (Salesforce `EventUuid`); dedup key. */
  eventUuid: string | null;
  /** The event payload (`ChangeEventHeader` and the changed fields), not yet validated. */
  payload: unknown;
}

export interface ChangeEventHandlers {
  onEvent(event: ReceivedChangeEvent): void;
  /** The subscription ended without `close()` (the session was refused): subscribe again. */
  onDown(reason: Error): void;
}

export interface ChangeEventSubscription {
  close(): Promise<void>;
}

/** The CRM refused to replay from this id (older than its retention window). */
export class ReplayRefusedError extends Error {
  readonly replayId: number;
  constructor(replayId: number, message: string) {
    super(message);
    this.name = 'ReplayRefusedError';
    this.replayId = replayId;
  }
}

/** -1: only new events; -2: every event the CRM still keeps; n ≥ 0: the events after replay id n. */
export type ReplayFrom = number;

export interface ChangeEventStream {
  /** The org the events come from (Salesforce: the 00D… id of the session's identity), if known. */
  readonly organizationId: string | null;
  /** Rejects with `ReplayRefusedError` when `from` is past the retention window. */
  subscribe(
    channel: string,
    from: ReplayFrom,
    handlers: ChangeEventHandlers,
  ): Promise<ChangeEventSubscription>;
}
