import { z } from 'zod';
import { WEBHOOK_NAME } from './notifications-config.ts';

/**
 * The secrets of chat delivery: the Slack bot token and the Teams webhook URLs (each URL carries a
 * signature). The CLI reads them from the environment or the profile, the Lambda from the chat secret
 * in Secrets Manager (docs/deploy.md); both go through this schema. Messages name the key, never the
 * value.
 */
export const ChatSecretSchema = z.strictObject({
  /** Bot token `xoxb-…` (scopes chat:write, users:read, users:read.email). */
  slackBotToken: z
    .string()
    .trim()
    .regex(/^xox[bp]-[A-Za-z0-9-]+$/, { error: 'is not a Slack bot token (it starts with "xoxb-")' })
    .optional(),
  /** Slack's API base; only for the local emulator (`http://127.0.0.1:<port>/api/`). */
  slackApiUrl: z.url({ protocol: /^https?$/, error: 'is not an http(s) URL' }).optional(),
  /** Webhook name (notifications.yaml) → its URL. */
  teamsWebhooks: z
    .record(
      z
        .string()
        .regex(WEBHOOK_NAME, { error: 'is not a webhook name (lower-case letters, digits, "_", "-")' }),
      z
        .url({ protocol: /^https?$/, error: 'is not an https URL' })
        // Plain http only for the local receiver (emulators/chat): a real webhook URL carries a signature.
        .refine((u) => u.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(u), {
          error: 'is not an https URL',
        }),
    )
    .default({}),
});
export type ChatSettings = z.infer<typeof ChatSecretSchema>;

export const CHAT_ENV = {
  slackBotToken: 'SLACK_BOT_TOKEN',
  slackApiUrl: 'SLACK_API_URL',
  /** `TEAMS_WEBHOOK_<NAME>`: webhook `sales-kanto` is TEAMS_WEBHOOK_SALES_KANTO. */
  teamsWebhookPrefix: 'TEAMS_WEBHOOK_',
} as const;

/** The environment variable holding the URL of Teams webhook `name`. */
export function teamsWebhookEnv(name: string): string {
  return `${CHAT_ENV.teamsWebhookPrefix}${name.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Chat settings from the environment over a profile's `chat:` section. Every `TEAMS_WEBHOOK_<NAME>`
 * variable is a webhook named `<name>` in lower case (`_` matches `-` too, see `teamsWebhookUrl`).
 * Returns the problems instead of throwing, each naming the variable or key and the fix.
 */
export function chatSettingsFrom(
  env: Readonly<Record<string, string | undefined>>,
  profile: { slackBotToken?: unknown; slackApiUrl?: unknown; teamsWebhooks?: unknown } = {},
): { settings: ChatSettings; problems: string[] } {
  const value = (name: string) => env[name]?.trim() || undefined;
  const teamsWebhooks: Record<string, unknown> = {
    ...(profile.teamsWebhooks && typeof profile.teamsWebhooks === 'object'
      ? (profile.teamsWebhooks as Record<string, unknown>)
      : {}),
  };
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith(CHAT_ENV.teamsWebhookPrefix) && v?.trim()) {
      teamsWebhooks[k.slice(CHAT_ENV.teamsWebhookPrefix.length).toLowerCase()] = v.trim();
    }
  }
  const input = {
    ...((value(CHAT_ENV.slackBotToken) ?? profile.slackBotToken)
      ? { slackBotToken: value(CHAT_ENV.slackBotToken) ?? profile.slackBotToken }
      : {}),
    ...((value(CHAT_ENV.slackApiUrl) ?? profile.slackApiUrl)
      ? { slackApiUrl: value(CHAT_ENV.slackApiUrl) ?? profile.slackApiUrl }
      : {}),
    teamsWebhooks,
  };
  const parsed = ChatSecretSchema.safeParse(input);
  if (parsed.success) return { settings: parsed.data, problems: [] };
  const problems = parsed.error.issues.map((i) => {
    const [key, name] = i.path.map(String);
    const where =
      key === 'slackBotToken'
        ? `${CHAT_ENV.slackBotToken} (or chat.slackBotToken in the profile)`
        : key === 'slackApiUrl'
          ? `${CHAT_ENV.slackApiUrl} (or chat.slackApiUrl in the profile)`
          : `${teamsWebhookEnv(name ?? '<name>')} (or chat.teamsWebhooks.${name ?? '<name>'} in the profile)`;
    return `${where} ${i.message}`;
  });
  return { settings: { teamsWebhooks: {} }, problems };
}

/** The URL of webhook `name`: `sales-kanto` is found as `sales-kanto` or `sales_kanto`. */
export function teamsWebhookUrl(settings: ChatSettings, name: string): string | undefined {
  return settings.teamsWebhooks[name] ?? settings.teamsWebhooks[name.replace(/-/g, '_')];
}
