import {
  LogLevel,
  type RetryOptions,
  type Logger as SlackLogger,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  WebClientEvent,
} from '@slack/web-api';
import type {
  ChatLog,
  ChatSender,
  Notification,
  NotificationTarget,
  SendOutcome,
} from '../../ports/notifier.ts';
import { slackMessage } from '../slack-message.ts';
import { MaybeSentError, taggingFetch } from './transport-errors.ts';

export const silentChatLog: ChatLog = { info: () => {}, warn: () => {} };

export interface SlackSenderOptions {
  /** Bot token (`xoxb-…`) with the scopes `chat:write` and `users:read.email`. */
  token: string;
  /** Slack's `https://slack.com/api/` by default; the emulator's `/api/` in tests and the demo. */
  slackApiUrl?: string;
  /** Per HTTP attempt; the attempt is aborted (AbortSignal) when it runs out. */
  timeoutMs?: number;
  /**
   * Retries inside one send for 5xx and refused connections, and after each 429 (the client waits
   * `Retry-After` first). Kept short: the outbox retries later anyway.
   */
  retries?: number;
  minRetryDelayMs?: number;
  /** How long a `users.lookupByEmail` answer is reused (reps rarely change accounts). */
  userCacheMs?: number;
  /**
   * `wait` (default): the client waits out `Retry-After` and retries, all calls of this process
   * paused meanwhile. `defer`: a 429 ends the attempt at once as `retry` with `retryAfterMs`, and the
   * outbox tries again no earlier (for a sweep with a deadline, e.g. a Lambda).
   */
  onRateLimit?: 'wait' | 'defer';
  log?: ChatLog;
  /** Clock for the user cache. */
  now?: () => number;
}

/** Slack `error` codes that mean "nothing was posted, and retrying as configured will not help". */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_blocks',
  'invalid_metadata_format',
  'msg_too_long',
  'no_text',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'users_not_found',
  'user_not_found',
  'restricted_action',
]);
/**
 * Slack documents these as "some aspect of the operation may have succeeded": posting again could
 * duplicate the message, so the step ends as `unknown` (at most once).
 */
const MAYBE_POSTED = new Set(['internal_error', 'fatal_error', 'request_timeout']);

/**
 * Slack through the official WebClient. Rate limits are the client's job: with
 * `rejectRateLimitedCalls: false` (the default `onRateLimit: 'wait'`) a 429 pauses the client's request queue for `Retry-After` seconds
 * and then retries (WebClient.makeRequest), so every call of this process waits, as Slack's tiers
 * ask. A transport failure after the request may have reached Slack (timeout, reset) stops the
 * client's retries (`onFailedAttempt` throws) so a message is never posted twice.
 */
export class SlackSender implements ChatSender {
  readonly client: WebClient;
  /** `Retry-After` seconds of every 429 the client waited out, in order (for tests and metrics). */
  readonly rateLimitWaits: number[] = [];
  readonly #log: ChatLog;
  readonly #userCacheMs: number;
  readonly #now: () => number;
  readonly #users = new Map<string, { id: string | null; atMs: number }>();

  constructor(options: SlackSenderOptions) {
    this.#log = options.log ?? silentChatLog;
    this.#userCacheMs = options.userCacheMs ?? 6 * 3600_000;
    this.#now = options.now ?? Date.now;
    const retryConfig: RetryOptions & { onFailedAttempt: (e: Error) => void } = {
      retries: options.retries ?? 3,
      factor: 2,
      minTimeout: options.minRetryDelayMs ?? 1000,
      maxTimeout: 30_000,
      randomize: true,
      onFailedAttempt: (e) => {
        if (e instanceof WebAPIRequestError && e.original instanceof MaybeSentError) throw e;
      },
    };
    this.client = new WebClient(options.token, {
      ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
      timeout: options.timeoutMs ?? 10_000,
      rejectRateLimitedCalls: options.onRateLimit === 'defer',
      retryConfig,
      fetch: taggingFetch(globalThis.fetch),
      logger: slackLogger(this.#log),
      // Requests to Slack are made only from this process's outbox drain; one at a time is enough
      // and keeps a burst from tripping the per-channel limit.
      maxRequestConcurrency: 1,
    });
    this.client.on(WebClientEvent.RATE_LIMITED, (retryAfterSec: number) => {
      if (options.onRateLimit === 'defer') {
        this.#log.info({ retryAfterSec }, 'slack rate limited; the outbox retries after Retry-After');
        return;
      }
      this.rateLimitWaits.push(retryAfterSec);
      this.#log.info({ retryAfterSec }, 'slack rate limited; waiting Retry-After before retrying');
    });
  }

  accepts(target: NotificationTarget): boolean {
    return target.kind === 'slack-channel' || target.kind === 'slack-user';
  }

  async send(n: Notification, target: NotificationTarget): Promise<SendOutcome> {
    let channel: string;
    if (target.kind === 'slack-channel') channel = target.channel;
    else if (target.kind === 'slack-user') {
      const found = await this.#lookupUser(target.email);
      if (typeof found !== 'string') return found;
      channel = found;
    } else return { status: 'failed', reason: `not a Slack target: ${target.kind}` };
    try {
      const res = await this.client.chat.postMessage({ channel, ...slackMessage(n) });
      return { status: 'sent', ...(typeof res.ts === 'string' ? { ref: res.ts } : {}) };
    } catch (e) {
      return outcomeOf(e);
    }
  }

  /** Slack user id of a rep (DMs go to the user id), cached; an outcome when it cannot be found. */
  async #lookupUser(email: string): Promise<string | SendOutcome> {
    const key = email.trim().toLowerCase();
    const hit = this.#users.get(key);
    if (hit && this.#now() - hit.atMs < this.#userCacheMs) {
      return hit.id ?? { status: 'failed', reason: 'users_not_found' };
    }
    try {
      const res = await this.client.users.lookupByEmail({ email: key });
      const id = res.user?.id;
      if (!id) return { status: 'failed', reason: 'users_not_found' };
      this.#users.set(key, { id, atMs: this.#now() });
      return id;
    } catch (e) {
      const outcome = outcomeOf(e);
      if (outcome.status === 'failed' && outcome.reason === 'users_not_found') {
        this.#users.set(key, { id: null, atMs: this.#now() });
      }
      // A lookup posts nothing, so "maybe" is simply "try again".
      return outcome.status === 'unknown' ? { status: 'retry', reason: outcome.reason } : outcome;
    }
  }
}

function outcomeOf(e: unknown): Exclude<SendOutcome, { status: 'sent' }> {
  if (e instanceof WebAPIPlatformError) {
    const code = String(e.data.error);
    if (code === 'ratelimited') return { status: 'retry', reason: code };
    if (PERMANENT.has(code)) return { status: 'failed', reason: code };
    if (MAYBE_POSTED.has(code)) return { status: 'unknown', reason: code };
    return { status: 'retry', reason: code };
  }
  if (e instanceof WebAPIRateLimitedError) {
    return { status: 'retry', reason: 'ratelimited', retryAfterMs: e.retryAfter * 1000 };
  }
  // Slack's Web API answers 200 for every call it processed; 5xx is the edge or an outage.
  if (e instanceof WebAPIHTTPError) return { status: 'retry', reason: `http_${e.statusCode}` };
  if (e instanceof WebAPIRequestError) {
    return e.original instanceof MaybeSentError
      ? { status: 'unknown', reason: e.original.message }
      : { status: 'retry', reason: 'connection_failed' };
  }
  // p-retry gives up on a 429 loop with a plain Error after the client's last wait.
  return { status: 'retry', reason: e instanceof Error ? firstLine(e.message) : 'unexpected' };
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 200);
}

/**
 * The WebClient logs through this: messages go to our logger as text at info/warn (its debug lines,
 * which include request bodies, are dropped).
 */
function slackLogger(log: ChatLog): SlackLogger {
  let level = LogLevel.INFO;
  return {
    debug: () => {},
    info: (...msg: unknown[]) => log.info({ component: 'slack-web-api' }, msg.map(String).join(' ')),
    warn: (...msg: unknown[]) => log.warn({ component: 'slack-web-api' }, msg.map(String).join(' ')),
    error: (...msg: unknown[]) => log.warn({ component: 'slack-web-api' }, msg.map(String).join(' ')),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
