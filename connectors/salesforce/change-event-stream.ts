import {
  type ChangeEventHandlers,
  type ChangeEventStream,
  type ChangeEventSubscription,
  type ReplayFrom,
  ReplayRefusedError,
} from '../../src/ports/change-event-stream.ts';
import type { SalesforceClient, StreamingClient } from './client.ts';

/**
 * Change Data Capture through the Streaming API (CometD), with jsforce's own client (BEHAVIOR.md
 * "Change events"). Each subscription is a faye client on `/cometd/<version>` with two extensions:
 * the replay extension (`ext.replay = {<channel>: <from>}` on every (re)subscribe, advanced to the
 * last delivered replay id, so faye's own re-handshakes resume where they were) and an auth watch:
 * Salesforce answers an expired session `advice.reconnect = "none"`, after which faye stops — the
 * session is renewed and the caller told to subscribe again from what it has finished.
 * Streaming requests do not count toward the daily API allowance.
 */
export class SalesforceChangeEventStream implements ChangeEventStream {
  private readonly client: SalesforceClient;

  constructor(client: SalesforceClient) {
    this.client = client;
  }

  get organizationId(): string | null {
    return this.client.orgId;
  }

  async subscribe(
    channel: string,
    from: ReplayFrom,
    handlers: ChangeEventHandlers,
  ): Promise<ChangeEventSubscription> {
    let closed = false;
    let replay = from;
    const replayExtension = {
      outgoing(message: Record<string, unknown>, callback: (m: unknown) => void) {
        if (message.channel === '/meta/subscribe')
          message.ext = { ...(message.ext as object | undefined), replay: { [channel]: replay } };
        callback(message);
      },
      incoming(message: Record<string, unknown>, callback: (m: unknown) => void) {
        const id = (message.data as { event?: { replayId?: unknown } } | undefined)?.event?.replayId;
        if (message.channel === channel && typeof id === 'number') replay = id;
        callback(message);
      },
    };
    let down: ((e: Error) => void) | null = null;
    const authWatch = {
      incoming: (message: Record<string, unknown>, callback: (m: unknown) => void) => {
        const advice = message.advice as { reconnect?: string } | undefined;
        if (advice?.reconnect === 'none' && !closed) {
          down?.(new Error(String(message.error ?? 'the Streaming API ended the session')));
          return;
        }
        callback(message);
      },
    };
    const { faye: client } = await this.client.streamingClient([replayExtension, authWatch]);
    const subscription = client.subscribe(channel, (m) => {
      const data = m as { payload?: unknown; event?: { replayId?: unknown; EventUuid?: unknown } };
      const replayId = data.event?.replayId;
      if (typeof replayId !== 'number') return;
      handlers.onEvent({
        channel,
        replayId,
        eventUuid: typeof data.event?.EventUuid === 'string' ? data.event.EventUuid : null,
        payload: data.payload,
      });
    });
    await new Promise<void>((resolve, reject) => {
      down = (e) => reject(e);
      subscription.then(resolve, (e: Error) => {
        const text = String((e as { message?: unknown })?.message ?? e);
        reject(/replayId/i.test(text) ? new ReplayRefusedError(from, text) : new Error(text));
      });
    }).catch((e: unknown) => {
      closed = true;
      shutDown(client);
      throw e;
    });
    down = (e) => {
      if (closed) return;
      closed = true;
      shutDown(client);
      // A fresh session for the next subscription (the streaming client keeps the one it was given).
      this.client.refreshSession().then(
        () => handlers.onDown(e),
        (refused: Error) => handlers.onDown(refused),
      );
    };
    return {
      async close() {
        if (closed) return;
        closed = true;
        shutDown(client);
      },
    };
  }
}

/**
 * faye's `disconnect()` leaves the held long-poll's retry timer (1.2 × the 110 s poll) and its retries
 * behind, which would keep a stopped listener's process alive for minutes: drop them and the transport.
 */
function shutDown(client: StreamingClient): void {
  client.disconnect();
  const dispatcher = (
    client as unknown as {
      _dispatcher?: {
        _envelopes?: Map<unknown, { timer?: ReturnType<typeof setTimeout> }>;
        close?: () => void;
      };
    }
  )._dispatcher;
  for (const envelope of dispatcher?._envelopes?.values() ?? []) clearTimeout(envelope.timer);
  dispatcher?._envelopes?.clear();
  dispatcher?.close?.();
}
