import type { Logger } from '../logging/logger.ts';
import { SlackSender } from '../notify/adapters/slack-sender.ts';
import { ChatSecretSchema } from '../notify/chat-settings.ts';
import type { NotificationsConfig } from '../notify/notifications-config.ts';
import { type SecretSource, SecretUnavailableError } from '../ports/secret-source.ts';
import { parseSecret } from './crm-secret.ts';
import type { ReportChannel } from './report-handler.ts';

/**
 * The team channel of the weekly report: notifications.yaml's default Slack channel
 * (`slack.defaultChannel`, posted with the bot token of the chat secret) or, without Slack, its
 * default Teams webhook (`teams.defaultWebhook`, the URL from the chat secret). Null — the report is
 * stored but not announced — when neither is configured or the secret cannot be read (logged).
 */
export function reportChannel(options: {
  secretId: string | undefined;
  secrets: SecretSource;
  config: NotificationsConfig | undefined;
  log: Logger;
  fetch?: typeof globalThis.fetch;
}): { get(): Promise<ReportChannel | null> } {
  const slackChannel = options.config?.slack?.defaultChannel;
  const teamsWebhook = options.config?.teams?.defaultWebhook;
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    async get() {
      if (!slackChannel && !teamsWebhook) return null;
      if (!options.secretId) {
        options.log.warn({}, 'no chat secret (TOSSUP_CHAT_SECRET_ID): the weekly report is not announced');
        return null;
      }
      let settings: ReturnType<typeof ChatSecretSchema.parse>;
      try {
        const secret = await options.secrets.get(options.secretId);
        settings = parseSecret(ChatSecretSchema, options.secretId, secret.text);
      } catch (e) {
        if (!(e instanceof SecretUnavailableError)) throw e;
        options.log.warn({ reason: e.message }, 'the weekly report is not announced');
        return null;
      }
      if (slackChannel && settings.slackBotToken) {
        const slack = new SlackSender({
          token: settings.slackBotToken,
          ...(settings.slackApiUrl ? { slackApiUrl: settings.slackApiUrl } : {}),
          retries: 1,
        });
        return {
          async post(text) {
            try {
              const res = await slack.client.chat.postMessage({
                channel: slackChannel,
                text,
                unfurl_links: false,
              });
              return res.ok === true;
            } catch (e) {
              options.log.warn({ error: (e as Error).name }, 'slack post of the weekly report failed');
              return false;
            }
          },
        };
      }
      const url = teamsWebhook ? settings.teamsWebhooks[teamsWebhook] : undefined;
      if (url) {
        return {
          async post(text) {
            try {
              const res = await doFetch(url, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ text: text.replaceAll('\n', '\n\n') }),
                signal: AbortSignal.timeout(10_000),
              });
              return res.ok;
            } catch (e) {
              options.log.warn({ error: (e as Error).name }, 'teams post of the weekly report failed');
              return false;
            }
          },
        };
      }
      options.log.warn(
        {},
        'the chat secret has no token or webhook URL for the default channel: the weekly report is not announced',
      );
      return null;
    },
  };
}
