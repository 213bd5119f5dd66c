import { randomBytes } from 'node:crypto';
import { mountAdminRoutes } from '../shared/admin-routes.ts';
import { EmulatorClock } from '../shared/emulator-clock.ts';
import { type EmuRequest, type EmuResponse, HttpApp } from '../shared/http-app.ts';
import { SlackBlocksSchema } from './chat-schemas.ts';

/**
 * A local Slack Web API for the methods the connector calls: `auth.test`, `chat.postMessage`,
 * `users.lookupByEmail`, at `<url>/api/<method>` (point WebClient's `slackApiUrl` at `apiUrl`).
 * Slack's conventions: HTTP 200 with `{ok:false, error}` for every API error; HTTP 429 with
 * `Retry-After` (seconds) and `{ok:false, error:"ratelimited"}` when a rate-limit tier is exceeded;
 * bodies form-encoded with JSON-encoded complex arguments (as WebClient sends them) or JSON.
 * Outages and 5xx come from the shared fault injector (`app.faults`, `PUT /__admin/faults`).
 */

export type SlackMethod = 'auth.test' | 'chat.postMessage' | 'users.lookupByEmail';

/**
 * A rate-limit window. Slack's tiers (docs.slack.dev/apis/web-api/rate-limits): `chat.postMessage`
 * is "special", about one message per second per channel; `users.lookupByEmail` is Tier 3 (50+ per
 * minute); `auth.test` Tier 4 (100+ per minute).
 */
export interface SlackRateLimit {
  max: number;
  windowMs: number;
  /** Count per channel (chat.postMessage) instead of per workspace. */
  perChannel?: boolean;
}

export const SLACK_RATE_LIMITS: Readonly<Record<SlackMethod, SlackRateLimit>> = {
  'chat.postMessage': { max: 1, windowMs: 1000, perChannel: true },
  'users.lookupByEmail': { max: 50, windowMs: 60_000 },
  'auth.test': { max: 100, windowMs: 60_000 },
};

export interface SlackUser {
  id: string;
  email: string;
  name: string;
}

export interface SlackEmulatorOptions {
  port?: number;
  host?: string;
  /** Bot token accepted; one is generated when omitted. */
  token?: string;
  channels?: { id: string; name: string }[];
  users?: SlackUser[];
  rateLimits?: Partial<Record<SlackMethod, SlackRateLimit>>;
  rateLimitsEnabled?: boolean;
  clock?: EmulatorClock;
}

/** Every API request as it arrived (faulted and refused ones included). */
export interface RecordedSlackRequest {
  method: string;
  atMs: number;
  status: number;
  error?: string;
  retryAfterSec?: number;
  /** The raw request body (for scans: nothing secret or personal may be in a message). */
  body: string;
}

export interface RecordedSlackMessage {
  /** Channel id it landed in (a DM channel for a user id). */
  channel: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  metadata: { event_type: string; event_payload: Record<string, unknown> } | undefined;
  ts: string;
  atMs: number;
  /** Raw request body. */
  body: string;
}

export interface SlackEmulator {
  url: string;
  /** For WebClient's `slackApiUrl`. */
  apiUrl: string;
  token: string;
  app: HttpApp;
  clock: EmulatorClock;
  messages: RecordedSlackMessage[];
  requests: RecordedSlackRequest[];
  setRateLimits(enabled: boolean): void;
  close(): Promise<void>;
}

const DEFAULT_CHANNELS = [
  { id: 'C0FIELDSALES', name: 'field-sales' },
  { id: 'C0INSIDESALES', name: 'inside-sales' },
  { id: 'C0SALESMGMT', name: 'sales-managers' },
];

export async function startSlackEmulator(options: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const clock = options.clock ?? new EmulatorClock();
  const token = options.token ?? `xoxb-emu-${randomBytes(12).toString('hex')}`;
  const channels = options.channels ?? DEFAULT_CHANNELS;
  const users = options.users ?? [];
  const limits: Record<SlackMethod, SlackRateLimit> = { ...SLACK_RATE_LIMITS, ...options.rateLimits };
  let limitsOn = options.rateLimitsEnabled ?? true;
  const windows = new Map<string, number[]>();
  const messages: RecordedSlackMessage[] = [];
  const requests: RecordedSlackRequest[] = [];
  let tsCounter = 0;

  const slackError = (error: string): EmuResponse => ({ status: 200, body: { ok: false, error } });

  const app = new HttpApp({
    notFound: () => ({ status: 404, body: { ok: false, error: 'unknown_method' } }),
    internalError: () => ({ status: 500, body: { ok: false, error: 'internal_error' } }),
  });

  // Slack reads the token from the Authorization header (or a `token` argument).
  app.guard((req) => {
    if (req.path.startsWith('/__admin')) return undefined;
    const args = argsOf(req);
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ')
      ? header.slice(7)
      : typeof args.token === 'string'
        ? args.token
        : '';
    if (!given) return slackError('not_authed');
    if (given !== token) return slackError('invalid_auth');
    return undefined;
  });

  // Tier limits, counted on accepted requests only.
  app.guard((req) => {
    const method = req.route as SlackMethod;
    const limit = limits[method];
    if (!limitsOn || !limit) return undefined;
    const now = clock.now();
    const channel = limit.perChannel ? String(argsOf(req).channel ?? '') : '';
    const key = `${method}|${channel}`;
    const times = (windows.get(key) ?? []).filter((t) => t > now - limit.windowMs);
    windows.set(key, times);
    if (times.length >= limit.max) {
      const retryAfterSec = Math.max(1, Math.ceil((times[0]! + limit.windowMs - now) / 1000));
      return {
        status: 429,
        headers: { 'retry-after': String(retryAfterSec) },
        body: { ok: false, error: 'ratelimited' },
      };
    }
    times.push(now);
    return undefined;
  });

  app.decorate((req, res) => {
    if (req.route === 'admin') return;
    const body = res.body as { ok?: boolean; error?: string } | undefined;
    const retryAfter = res.headers?.['retry-after'];
    requests.push({
      method: req.route,
      atMs: clock.now(),
      status: res.status,
      ...(typeof body === 'object' && body?.ok === false && body.error ? { error: body.error } : {}),
      ...(retryAfter ? { retryAfterSec: Number(retryAfter) } : {}),
      body: req.body.toString('utf8'),
    });
  });

  app.route('POST', '/api/auth.test', 'auth.test', () => ({
    status: 200,
    body: {
      ok: true,
      url: 'https://emulated.slack.invalid/',
      team: 'Emulated',
      user: 'tossup',
      team_id: 'T0EMULATED',
      user_id: 'U0TOSSUPBOT',
      bot_id: 'B0TOSSUP',
    },
  }));

  app.route('POST', '/api/users.lookupByEmail', 'users.lookupByEmail', (req) => {
    const email = String(argsOf(req).email ?? '').toLowerCase();
    if (!email) return slackError('invalid_arguments');
    const user = users.find((u) => u.email.toLowerCase() === email);
    if (!user) return slackError('users_not_found');
    return {
      status: 200,
      body: {
        ok: true,
        user: {
          id: user.id,
          name: user.name,
          real_name: user.name,
          profile: { email: user.email, real_name: user.name },
        },
      },
    };
  });

  app.route('POST', '/api/chat.postMessage', 'chat.postMessage', (req) => {
    const args = argsOf(req);
    const channelArg = typeof args.channel === 'string' ? args.channel : '';
    let channel: string | undefined;
    const byIdOrName = channels.find((c) => c.id === channelArg || c.name === channelArg.replace(/^#/, ''));
    if (byIdOrName) channel = byIdOrName.id;
    else if (users.some((u) => u.id === channelArg)) channel = `D${channelArg}`; // the app's DM with the user
    if (!channel) return slackError('channel_not_found');
    let blocks: unknown[] | undefined;
    if (args.blocks !== undefined) {
      const parsed = SlackBlocksSchema.safeParse(parseJson(args.blocks));
      if (!parsed.success) return slackError('invalid_blocks');
      blocks = parseJson(args.blocks) as unknown[];
    }
    const text = typeof args.text === 'string' ? args.text : undefined;
    if (!text && !blocks?.length) return slackError('no_text');
    if (text && text.length > 40_000) return slackError('msg_too_long');
    let metadata: RecordedSlackMessage['metadata'];
    if (args.metadata !== undefined) {
      const m = parseJson(args.metadata) as RecordedSlackMessage['metadata'];
      if (!m || typeof m.event_type !== 'string' || typeof m.event_payload !== 'object') {
        return slackError('invalid_metadata_format');
      }
      metadata = m;
    }
    const now = clock.now();
    tsCounter += 1;
    const ts = `${Math.floor(now / 1000)}.${String(tsCounter).padStart(6, '0')}`;
    messages.push({ channel, text, blocks, metadata, ts, atMs: now, body: req.body.toString('utf8') });
    return {
      status: 200,
      body: { ok: true, channel, ts, message: { type: 'message', text, blocks, bot_id: 'B0TOSSUP', ts } },
    };
  });

  mountAdminRoutes(app, {
    clock,
    snapshot: () => ({ messages, requests: requests.map(({ body: _b, ...r }) => r) }),
    setRateLimits: (enabled) => {
      limitsOn = enabled;
    },
  });

  const url = await app.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    apiUrl: `${url}/api/`,
    token,
    app,
    clock,
    messages,
    requests,
    setRateLimits: (enabled) => {
      limitsOn = enabled;
    },
    close: () => app.close(),
  };
}

const argsCache = new WeakMap<EmuRequest, Record<string, unknown>>();

/** Method arguments from a form-encoded or JSON body (and the query string, as Slack accepts). */
function argsOf(req: EmuRequest): Record<string, unknown> {
  const cached = argsCache.get(req);
  if (cached) return cached;
  const args: Record<string, unknown> = Object.fromEntries(req.query);
  const type = String(req.headers['content-type'] ?? '');
  const text = req.body.toString('utf8');
  if (type.includes('application/json')) {
    const parsed = parseJson(text);
    if (parsed && typeof parsed === 'object') Object.assign(args, parsed);
  } else if (text) {
    for (const [k, v] of new URLSearchParams(text)) args[k] = v;
  }
  argsCache.set(req, args);
  return args;
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}
