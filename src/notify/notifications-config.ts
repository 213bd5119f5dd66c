import { z } from 'zod';
import { closest } from '../config/did-you-mean.ts';
import { parseYamlWithSchema } from '../config/yaml-locate.ts';
import { NOTIFICATION_EVENTS } from '../ports/notifier.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';

/**
 * Schema of `mappings/notifications.yaml`: which toss-up events are posted to chat, in which language,
 * to which Slack channel or Teams webhook per team (routing.yaml pool), and which events also go to
 * the owner or the manager as a Slack direct message (found by the rep's `email` in routing.yaml).
 * Secrets (the Slack token, Teams webhook URLs) are not in this file: a webhook is named here, its URL
 * comes from the environment or the chat secret (docs/notifications.md).
 */

const RECIPIENTS = ['owner', 'manager'] as const;
export type DmRecipient = (typeof RECIPIENTS)[number];

const EVENT_HINT = `write { team: true, dm: [owner] }, or "off" to send nothing for this event`;

const EventRuleSchema = z.preprocess(
  (raw) => (raw === 'off' || raw === false ? { team: false, dm: [] } : raw),
  z.strictObject(
    {
      /** Post to the channel (Slack) / webhook (Teams) of the owner's team. */
      team: z.boolean({ error: 'write team: true or team: false' }).default(false),
      /** Also a Slack direct message to these people (by their e-mail in routing.yaml). */
      dm: z
        .preprocess(
          (v) => (typeof v === 'string' ? [v] : v),
          z.array(z.enum(RECIPIENTS, { error: 'a direct message goes to "owner" or "manager"' })),
        )
        .default([]),
    },
    { error: `not an event setting; ${EVENT_HINT}` },
  ),
);
export type EventRule = z.infer<typeof EventRuleSchema>;

/** A Slack channel id (C…, G…) or a channel name with or without `#`. */
const SlackChannelSchema = z
  .string({ error: 'write the channel id (e.g. "C0123ABCD") or its name (e.g. "#fs-kanto") in quotes' })
  .trim()
  .regex(/^(?:#?[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{8,})$/, { error: 'not a Slack channel' });
const CHANNEL_HINT =
  'use the channel id ("C0123ABCD", in the channel details) or its name in lower case without spaces ("#field-sales")';

/** Names a Teams webhook; the URL comes from TEAMS_WEBHOOK_<NAME> or the chat secret's `teamsWebhooks`. */
export const WEBHOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const WebhookNameSchema = z
  .string({ error: 'write a webhook name such as "sales_kanto"' })
  .regex(WEBHOOK_NAME, { error: 'not a webhook name' });
const WEBHOOK_HINT =
  'use lower-case letters, digits, "_" and "-", e.g. "sales_kanto" (its URL is read from TEAMS_WEBHOOK_SALES_KANTO)';

const PoolKeySchema = z.string().min(1);

const SlackSchema = z.strictObject({
  /** routing.yaml pool id → channel. */
  channels: z.record(PoolKeySchema, SlackChannelSchema).default({}),
  /** For owners in no listed pool (queues, account owners); none = no channel post for them. */
  defaultChannel: SlackChannelSchema.optional(),
});

const TeamsSchema = z.strictObject({
  /** routing.yaml pool id → webhook name. */
  webhooks: z.record(PoolKeySchema, WebhookNameSchema).default({}),
  defaultWebhook: WebhookNameSchema.optional(),
});

const eventsShape = Object.fromEntries(
  NOTIFICATION_EVENTS.map((e) => [e, EventRuleSchema.optional()]),
) as Record<(typeof NOTIFICATION_EVENTS)[number], z.ZodOptional<typeof EventRuleSchema>>;

const BaseSchema = z.strictObject({
  version: z.literal(1),
  language: z.enum(['ja', 'en'], { error: 'write language: ja or language: en' }).default('ja'),
  /** An event left out sends nothing. */
  events: z.strictObject(eventsShape).default({}),
  slack: SlackSchema.optional(),
  teams: TeamsSchema.optional(),
});
export type NotificationsConfig = z.infer<typeof BaseSchema>;

type Ctx = z.core.$RefinementCtx<NotificationsConfig>;

function issue(ctx: Ctx, path: PropertyKey[], message: string, hint?: string): void {
  ctx.addIssue({ code: 'custom', path, message, ...(hint ? { params: { hint } } : {}) });
}

/** What the schema of one field cannot see: events with nowhere to go, unknown pools. */
function checkReferences(c: NotificationsConfig, ctx: Ctx, routing: RoutingConfig | undefined): void {
  const events = c.events && typeof c.events === 'object' ? c.events : {};
  const hasTeamTarget =
    (c.slack !== undefined &&
      (Object.keys(c.slack.channels ?? {}).length > 0 || c.slack.defaultChannel !== undefined)) ||
    (c.teams !== undefined &&
      (Object.keys(c.teams.webhooks ?? {}).length > 0 || c.teams.defaultWebhook !== undefined));
  for (const event of NOTIFICATION_EVENTS) {
    const rule = events[event];
    if (!rule || typeof rule !== 'object') continue;
    if (rule.team === true && !hasTeamTarget) {
      issue(
        ctx,
        ['events', event, 'team'],
        `"${event}" is sent to the team, but no team channel or webhook is configured`,
        'add slack.channels (pool id → channel) or teams.webhooks (pool id → webhook name), or write team: false',
      );
    }
    if (Array.isArray(rule.dm) && rule.dm.length > 0 && c.slack === undefined) {
      issue(
        ctx,
        ['events', event, 'dm'],
        `"${event}" is sent as a direct message, which needs Slack`,
        'add a "slack:" section (direct messages go through Slack), or write dm: []',
      );
    }
  }
  if (!routing) return;
  const pools = routing.pools.map((p) => p.id);
  const check = (section: 'slack' | 'teams', field: 'channels' | 'webhooks', map: unknown) => {
    if (!map || typeof map !== 'object') return;
    for (const pool of Object.keys(map)) {
      if (pools.includes(pool)) continue;
      const guess = closest(pool, pools);
      issue(
        ctx,
        [section, field, pool],
        `unknown pool "${pool}" (routing.yaml has no such pool id)`,
        guess ? `did you mean "${guess}"?` : `use a pool id from routing.yaml: ${pools.join(', ')}`,
      );
    }
  };
  check('slack', 'channels', c.slack?.channels);
  check('teams', 'webhooks', c.teams?.webhooks);
}

export function notificationsConfigSchema(options?: { routing?: RoutingConfig }) {
  return BaseSchema.superRefine((c, ctx) => checkReferences(c, ctx, options?.routing), {
    when: () => true,
  });
}

/**
 * Parses and validates notifications.yaml text. With `routing`, the pool ids are checked against
 * routing.yaml. Problems become one `ConfigError` listing file:line:column, field and fix.
 */
export function parseNotificationsConfig(
  text: string,
  file = 'mappings/notifications.yaml',
  options?: { routing?: RoutingConfig },
): NotificationsConfig {
  return parseYamlWithSchema(text, file, notificationsConfigSchema(options), (i) => {
    if (i.path[0] === 'events' && i.path.length === 2 && i.code === 'invalid_type') return EVENT_HINT;
    if (i.path[0] === 'events' && i.code === 'unrecognized_keys' && i.path.length === 1) {
      const guess = closest(i.keys[0] ?? '', NOTIFICATION_EVENTS);
      return `${guess ? `did you mean "${guess}"? ` : ''}the events are ${NOTIFICATION_EVENTS.join(', ')}`;
    }
    if (i.code === 'invalid_format' && i.path[0] === 'slack') return CHANNEL_HINT;
    if (i.code === 'invalid_format' && i.path[0] === 'teams') return WEBHOOK_HINT;
    return undefined;
  });
}

/** No chat at all: what applies when no notifications file is configured. */
export function disabledNotificationsConfig(): NotificationsConfig {
  return BaseSchema.parse({ version: 1 });
}
