import type {
  ChatLog,
  ChatSender,
  Notification,
  NotificationTarget,
  SendOutcome,
} from '../../ports/notifier.ts';
import { teamsMessage } from '../teams-card.ts';
import { silentChatLog } from './slack-sender.ts';
import { MaybeSentError, taggingFetch } from './transport-errors.ts';

export interface TeamsSenderOptions {
  /**
   * Webhook name → URL (a Teams Workflows "When a Teams webhook request is received" URL, or a legacy
   * incoming-webhook URL). The URL carries a signature, so it is a secret: targets name it, logs
   * never show it.
   */
  webhooks: Readonly<Record<string, string>>;
  timeoutMs?: number;
  log?: ChatLog;
  fetch?: typeof fetch;
}

/** Teams through a webhook URL, one POST per message, no retries here (the outbox retries). */
export class TeamsSender implements ChatSender {
  readonly #webhooks: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;
  readonly #log: ChatLog;
  readonly #fetch: typeof fetch;

  constructor(options: TeamsSenderOptions) {
    this.#webhooks = options.webhooks;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#log = options.log ?? silentChatLog;
    this.#fetch = taggingFetch(options.fetch ?? globalThis.fetch);
  }

  accepts(target: NotificationTarget): boolean {
    return target.kind === 'teams-webhook';
  }

  async send(n: Notification, target: NotificationTarget): Promise<SendOutcome> {
    if (target.kind !== 'teams-webhook')
      return { status: 'failed', reason: `not a Teams target: ${target.kind}` };
    const url = this.#webhooks[target.webhook];
    if (!url) return { status: 'failed', reason: `no Teams webhook named "${target.webhook}" is configured` };
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(teamsMessage(n)),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      // The body is small (Workflows answers 202 with none); reading it frees the connection.
      await res.arrayBuffer();
    } catch (e) {
      if (e instanceof MaybeSentError) return { status: 'unknown', reason: e.message };
      return { status: 'retry', reason: 'connection_failed' };
    }
    if (res.ok) return { status: 'sent' };
    const reason = `http_${res.status}`;
    if (res.status === 429 || res.status >= 500 || res.status === 408) {
      const retryAfterMs = retryAfter(res.headers.get('retry-after'));
      this.#log.warn(
        { webhook: target.webhook, status: res.status },
        'teams webhook did not accept the card',
      );
      return { status: 'retry', reason, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    return { status: 'failed', reason };
  }
}

/** `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3). */
export function retryAfter(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const sec = Number(header);
  if (Number.isFinite(sec) && sec >= 0) return sec * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
