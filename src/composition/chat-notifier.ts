import { SlackSender } from '../notify/adapters/slack-sender.ts';
import { TeamsSender } from '../notify/adapters/teams-sender.ts';
import { type ChatSettings, teamsWebhookEnv, teamsWebhookUrl } from '../notify/chat-settings.ts';
import { notificationTargets } from '../notify/notification-targets.ts';
import type { NotificationsConfig } from '../notify/notifications-config.ts';
import type { Clock } from '../ports/clock.ts';
import type { ChatLog, ChatSender, NotificationTarget } from '../ports/notifier.ts';
import type { OutboxStore } from '../ports/outbox-store.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { NotificationOutbox } from '../state/notification-outbox.ts';
import type { SweepNotify } from '../sweep/notify-policy.ts';

export interface ChatNotifierOptions {
  config: NotificationsConfig;
  routing: RoutingConfig;
  chat: ChatSettings;
  /** A state directory (CLI: files) or a store (Lambda: DynamoDB). */
  store: string | OutboxStore;
  clock: Clock;
  log?: ChatLog;
  /**
   * `defer` on Lambda: a Slack 429 ends the attempt and the outbox retries after `Retry-After`, so a
   * rate limit never holds an invocation past its deadline. `wait` (CLI) waits it out.
   */
  onRateLimit?: 'wait' | 'defer';
  /** Slack client retries inside one send (5xx, refused connection); the outbox retries later anyway. */
  slackRetries?: number;
  /** A `sending` claim older than this counts as abandoned (Lambda: more than the function timeout). */
  claimTimeoutMs?: number;
  /**
   * Queue every target and build no sender (the chat secret could not be read this time): the
   * notifications wait in the outbox, pending, for an invocation that can send them.
   */
  enqueueOnly?: boolean;
}

export interface ChatNotifier {
  /** The notifier the sweep enqueues into; `drain()` sends. */
  outbox: NotificationOutbox;
  /** `SweepOptions.notify` without the record link (which needs the connector: `recordRefFrom`). */
  notify: Omit<SweepNotify, 'recordRef'>;
  /** Which services can deliver (a token or a webhook URL is set). */
  services: { slack: boolean; teams: boolean };
  /** Configuration that cannot be delivered as it stands; printed or logged, never with a secret. */
  warnings: string[];
}

/**
 * The notifier from notifications.yaml, routing.yaml and the chat secrets: an outbox on `store`, a
 * SlackSender when a bot token is set, a TeamsSender with the webhooks notifications.yaml names.
 * Targets of a service with no credentials are left out (and said so once), rather than queued to
 * fail: the token may simply not be set up yet.
 */
export function buildChatNotifier(options: ChatNotifierOptions): ChatNotifier {
  const { config, chat, clock, log } = options;
  const warnings: string[] = [];
  const senders: ChatSender[] = [];
  const slackUsed = config.slack !== undefined;
  const slack = slackUsed && chat.slackBotToken !== undefined && !options.enqueueOnly;
  if (options.enqueueOnly) {
    // No sender and no warning: the caller says why the secrets are missing.
  } else if (slack) {
    senders.push(
      new SlackSender({
        token: chat.slackBotToken!,
        ...(chat.slackApiUrl ? { slackApiUrl: chat.slackApiUrl } : {}),
        onRateLimit: options.onRateLimit ?? 'wait',
        ...(options.slackRetries !== undefined ? { retries: options.slackRetries } : {}),
        ...(log ? { log } : {}),
      }),
    );
  } else if (slackUsed) {
    warnings.push(
      'notifications.yaml sends to Slack, but no Slack bot token is set (SLACK_BOT_TOKEN, or slackBotToken in the chat secret): no Slack message is sent',
    );
  }
  const names = new Set<string>([
    ...Object.values(config.teams?.webhooks ?? {}),
    ...(config.teams?.defaultWebhook ? [config.teams.defaultWebhook] : []),
  ]);
  const webhooks: Record<string, string> = {};
  for (const name of options.enqueueOnly ? [] : names) {
    const url = teamsWebhookUrl(chat, name);
    if (url) webhooks[name] = url;
    else
      warnings.push(
        `notifications.yaml names the Teams webhook "${name}", but its URL is not set (${teamsWebhookEnv(name)}, or teamsWebhooks.${name} in the chat secret): nothing is posted to it`,
      );
  }
  const teams = Object.keys(webhooks).length > 0;
  if (teams) senders.push(new TeamsSender({ webhooks, ...(log ? { log } : {}) }));

  const outbox = new NotificationOutbox(options.store, {
    senders,
    clock,
    ...(log ? { log } : {}),
    ...(options.claimTimeoutMs !== undefined ? { claimTimeoutMs: options.claimTimeoutMs } : {}),
  });
  const targeting = notificationTargets(config, options.routing);
  const deliverable = (t: NotificationTarget) =>
    options.enqueueOnly || (t.kind === 'teams-webhook' ? webhooks[t.webhook] !== undefined : slack);
  return {
    outbox,
    notify: {
      notifier: outbox,
      language: targeting.language,
      targetsFor: (event, who) => targeting.targetsFor(event, who).filter(deliverable),
    },
    services: { slack, teams },
    warnings,
  };
}

export { recordRefFrom } from './record-ref.ts';
