import { buildChatNotifier, type ChatNotifier } from '../composition/chat-notifier.ts';
import type { Logger } from '../logging/logger.ts';
import { ChatSecretSchema } from '../notify/chat-settings.ts';
import type { NotificationsConfig } from '../notify/notifications-config.ts';
import type { Clock } from '../ports/clock.ts';
import { NOTIFICATION_EVENTS } from '../ports/notifier.ts';
import type { OutboxStore } from '../ports/outbox-store.ts';
import { type SecretSource, SecretUnavailableError } from '../ports/secret-source.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { parseSecret } from './crm-secret.ts';

export interface ChatProviderOptions {
  /** The chat secret (`tossup/<stage>/chat`); unset = notifications are queued but not sent. */
  secretId: string | undefined;
  secrets: SecretSource;
  config: NotificationsConfig;
  routing: RoutingConfig;
  store: OutboxStore;
  clock: Clock;
  log: Logger;
  /** Longer than the function's timeout: a claim that old was left by a crashed invocation. */
  claimTimeoutMs: number;
}

export interface ProvidedChat {
  chat: ChatNotifier;
  /** False when the secret could not be read: queue, but do not drain (nothing could be sent). */
  deliver: boolean;
}

/**
 * The Lambda's chat notifier, built from the chat secret in Secrets Manager (cached; rebuilt when the
 * secret's version changes, so a rotated token or webhook URL is picked up without a redeploy).
 * A missing or malformed secret never stops the sweep: its notifications are queued and wait in the
 * outbox until the secret is fixed. Null when notifications.yaml sends nothing.
 */
export function chatProvider(options: ChatProviderOptions): { get(): Promise<ProvidedChat | null> } {
  const sends = NOTIFICATION_EVENTS.some((e) => {
    const rule = options.config.events[e];
    return rule !== undefined && (rule.team || rule.dm.length > 0);
  });
  let current: { versionId: string; provided: ProvidedChat } | null = null;
  let warned = false;

  const build = (chat: Parameters<typeof buildChatNotifier>[0]['chat'], enqueueOnly: boolean) =>
    buildChatNotifier({
      config: options.config,
      routing: options.routing,
      chat,
      store: options.store,
      clock: options.clock,
      log: options.log,
      onRateLimit: 'defer',
      // One quick retry: an invocation's time is better spent on the next message; the outbox retries.
      slackRetries: 1,
      claimTimeoutMs: options.claimTimeoutMs,
      enqueueOnly,
    });

  const undeliverable = (why: string): ProvidedChat => {
    if (!warned) options.log.warn({ reason: why }, 'chat notifications are queued but not sent');
    warned = true;
    return { chat: build({ teamsWebhooks: {} }, true), deliver: false };
  };

  return {
    async get() {
      if (!sends) return null;
      if (!options.secretId) return undefinedSecret();
      let secret: Awaited<ReturnType<SecretSource['get']>>;
      try {
        secret = await options.secrets.get(options.secretId);
      } catch (e) {
        if (e instanceof SecretUnavailableError) return undeliverable(e.message);
        throw e;
      }
      if (current?.versionId === secret.versionId) return current.provided;
      let provided: ProvidedChat;
      try {
        const chat = build(parseSecret(ChatSecretSchema, options.secretId, secret.text), false);
        for (const w of chat.warnings) options.log.warn({}, w);
        provided = { chat, deliver: true };
        warned = false;
      } catch (e) {
        if (e instanceof SecretUnavailableError) return undeliverable(e.message);
        throw e;
      }
      current = { versionId: secret.versionId, provided };
      return provided;
    },
  };

  function undefinedSecret(): ProvidedChat {
    return undeliverable('the function has no chat secret (TOSSUP_CHAT_SECRET_ID is not set)');
  }
}
