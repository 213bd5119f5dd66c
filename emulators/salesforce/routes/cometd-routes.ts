import { randomUUID } from 'node:crypto';
import type { EmuRequest, EmuResponse } from '../../shared/http-app.ts';
import type { ChangeDataCapture } from '../change-data-capture.ts';
import type { SfContext } from './route-kit.ts';

/**
 * The Streaming API's CometD endpoint (`POST /cometd/<version>`, Bayeux 1.0 over HTTP long-polling,
 * as jsforce's streaming client — faye — speaks it): handshake, subscribe with the replay extension
 * (`ext.replay = {<channel>: -1 | -2 | <replayId>}`), connect (held until an event or the timeout),
 * unsubscribe, disconnect. Change events (change-data-capture.ts) are delivered as
 * `{channel, data: {schema, payload, event: {replayId, EventUuid}}}`.
 *
 * Salesforce's answers are followed where clients depend on them: a request without a live session
 * is HTTP 401 with `error: "401::Authentication invalid"` and `advice.reconnect: "none"` (what
 * jsforce's AuthFailure extension watches); an unknown client id `403::Unknown client` with
 * `reconnect: "handshake"`; a replay id older than the retention window `400::The replayId …`.
 */

export interface CometdOptions {
  /** How long a connect is held when nothing is there to deliver (Salesforce: 110 s). */
  connectTimeoutMs: number;
  /** A client that has not connected for this long is forgotten. */
  clientTimeoutMs: number;
}

export const DEFAULT_COMETD_OPTIONS: CometdOptions = { connectTimeoutMs: 110_000, clientTimeoutMs: 40_000 };

interface Client {
  id: string;
  /** Channel → the replay id delivered last. */
  subscriptions: Map<string, number>;
  seenAt: number;
  wake: (() => void) | null;
}

type Message = Record<string, unknown> & { channel?: unknown; id?: unknown; clientId?: unknown };

/** Events per connect answer (a backlog after a long pause arrives over a few round trips). */
const MAX_EVENTS_PER_CONNECT = 500;

export interface CometdServer {
  /** Answers every held connect, so the HTTP server can close. */
  close(): void;
  /** Clients currently known (for tests). */
  clients(): number;
}

export function mountCometdRoutes(
  ctx: SfContext,
  cdc: ChangeDataCapture,
  options: CometdOptions = DEFAULT_COMETD_OPTIONS,
): CometdServer {
  const clients = new Map<string, Client>();
  const wakeAll = () => {
    for (const c of clients.values()) {
      const w = c.wake;
      c.wake = null;
      w?.();
    }
  };
  cdc.onPublish(wakeAll);
  let closed = false;

  const now = () => Date.now();
  const forgetIdle = () => {
    for (const [id, c] of clients)
      if (!c.wake && now() - c.seenAt > options.clientTimeoutMs) clients.delete(id);
  };

  const handshake = (m: Message): Message => {
    cdc.activate();
    forgetIdle();
    const client: Client = {
      id: randomUUID().replace(/-/g, ''),
      subscriptions: new Map(),
      seenAt: now(),
      wake: null,
    };
    clients.set(client.id, client);
    return {
      channel: '/meta/handshake',
      id: m.id,
      clientId: client.id,
      version: '1.0',
      minimumVersion: '1.0',
      supportedConnectionTypes: ['long-polling'],
      successful: true,
      advice: { interval: 0, timeout: options.connectTimeoutMs, reconnect: 'retry' },
      ext: { replay: true, 'payload.format': true },
    };
  };

  const unknownClient = (m: Message): Message => ({
    channel: m.channel,
    id: m.id,
    successful: false,
    error: '403::Unknown client',
    advice: { reconnect: 'handshake', interval: 0 },
  });

  const subscribe = (m: Message, client: Client): Message[] => {
    const wanted = Array.isArray(m.subscription) ? m.subscription : [m.subscription];
    const replay = ((m.ext as { replay?: Record<string, unknown> } | undefined)?.replay ?? {}) as Record<
      string,
      unknown
    >;
    const out: Message[] = [];
    for (const channel of wanted) {
      const base = { channel: '/meta/subscribe', id: m.id, clientId: client.id, subscription: channel };
      if (typeof channel !== 'string' || !cdc.knowsChannel(channel)) {
        out.push({
          ...base,
          successful: false,
          error: `400::The channel you requested to subscribe to does not exist {${String(channel)}}`,
        });
        continue;
      }
      const from = Number(replay[channel] ?? -1);
      let cursor: number;
      if (from === -1) cursor = cdc.latestReplayId();
      else if (from === -2) cursor = 0;
      else if (Number.isInteger(from) && from >= 0 && cdc.canReplayFrom(from)) cursor = from;
      else {
        out.push({
          ...base,
          successful: false,
          error: `400::The replayId {${String(replay[channel])}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
        });
        continue;
      }
      client.subscriptions.set(channel, cursor);
      out.push({ ...base, successful: true });
    }
    return out;
  };

  /** Events waiting for `client`, across its subscriptions (cursors advance as they are taken). */
  const take = (client: Client): Message[] => {
    const out: Message[] = [];
    for (const [channel, cursor] of client.subscriptions) {
      const events = cdc.eventsAfter(channel, cursor, MAX_EVENTS_PER_CONNECT - out.length);
      for (const e of events) {
        out.push({
          channel,
          data: {
            schema: `${e.entity}ChangeEvent`,
            payload: cdc.payloadFor(e, channel),
            event: { replayId: e.replayId, EventUuid: e.eventUuid },
          },
        });
      }
      if (events.length > 0) client.subscriptions.set(channel, events[events.length - 1]!.replayId);
      if (out.length >= MAX_EVENTS_PER_CONNECT) break;
    }
    return out;
  };

  const connect = async (m: Message, client: Client, hold: boolean): Promise<Message[]> => {
    const reply = (): Message => ({
      channel: '/meta/connect',
      id: m.id,
      clientId: client.id,
      successful: true,
      advice: { interval: 0, timeout: options.connectTimeoutMs, reconnect: 'retry' },
    });
    client.wake?.();
    let events = take(client);
    if (events.length === 0 && hold && !closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          if (client.wake === done) client.wake = null;
          resolve();
        }, options.connectTimeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        client.wake = done;
      });
      events = take(client);
    }
    client.seenAt = now();
    return [...events, reply()];
  };

  const handle = async (req: EmuRequest): Promise<EmuResponse> => {
    let messages: Message[];
    try {
      const parsed = JSON.parse(req.body.toString('utf8')) as unknown;
      messages = (Array.isArray(parsed) ? parsed : [parsed]) as Message[];
    } catch {
      return { status: 400, body: [{ successful: false, error: '400::Bad request' }] };
    }
    if (!ctx.auth.authenticate(req)) {
      return {
        status: 401,
        body: messages.map((m) => ({
          channel: m.channel,
          id: m.id,
          successful: false,
          error: '401::Authentication invalid',
          advice: { reconnect: 'none' },
          ext: { sfdc: { failureReason: '401::Authentication invalid' } },
        })),
      };
    }
    const out: Message[] = [];
    // A connect batched with other messages (faye sends one with its first subscribe) is answered at
    // once, as CometD servers do: holding it would hold the subscribe's answer for the whole poll.
    const ordered = [
      ...messages.filter((m) => m.channel !== '/meta/connect'),
      ...messages.filter((m) => m.channel === '/meta/connect'),
    ];
    for (const m of ordered) {
      const channel = String(m.channel ?? '');
      if (channel === '/meta/handshake') {
        out.push(handshake(m));
        continue;
      }
      const client = clients.get(String(m.clientId ?? ''));
      if (!client) {
        out.push(unknownClient(m));
        continue;
      }
      client.seenAt = now();
      if (channel === '/meta/subscribe') out.push(...subscribe(m, client));
      else if (channel === '/meta/unsubscribe') {
        const subs = Array.isArray(m.subscription) ? m.subscription : [m.subscription];
        for (const s of subs) client.subscriptions.delete(String(s));
        out.push({ channel, id: m.id, clientId: client.id, subscription: m.subscription, successful: true });
      } else if (channel === '/meta/connect') out.push(...(await connect(m, client, messages.length === 1)));
      else if (channel === '/meta/disconnect') {
        clients.delete(client.id);
        client.wake?.();
        out.push({ channel, id: m.id, clientId: client.id, successful: true });
      } else out.push({ channel, id: m.id, successful: false, error: '403::Publishing is not supported' });
    }
    return { status: 200, headers: { 'content-type': 'application/json' }, body: out };
  };

  ctx.app.route('POST', '/cometd/:version', 'sf.cometd', handle);
  return {
    close() {
      closed = true;
      wakeAll();
    },
    clients: () => clients.size,
  };
}
