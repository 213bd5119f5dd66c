import { z } from 'zod';

/**
 * The documented shapes the chat emulators accept and the notify tests check payloads against.
 * Only what the connector sends (and what would make the service reject it) is modelled.
 *
 * Slack limits, from the Block Kit reference (docs.slack.dev/reference/block-kit): "blocks: up to 50
 * blocks per message" (chat.postMessage arguments); header block text plain_text ≤ 150 characters;
 * section block text 1–3000 characters, fields ≤ 10 items of ≤ 2000 characters; actions block ≤ 25
 * elements; button text plain_text ≤ 75, url ≤ 3000, action_id ≤ 255 and unique per message (Slack
 * asks for uniqueness within the containing block; the stricter message-wide rule keeps handlers
 * unambiguous); block_id ≤ 255.
 */
const chars = (s: string): number => [...s].length;
const maxChars = (n: number) => z.string().refine((s) => chars(s) <= n, `longer than ${n} characters`);
const nonEmptyMax = (n: number) => maxChars(n).refine((s) => s.length > 0, 'empty');

const PlainText = z
  .object({ type: z.literal('plain_text'), text: z.string(), emoji: z.boolean().optional() })
  .strict();
const Mrkdwn = z
  .object({ type: z.literal('mrkdwn'), text: z.string(), verbatim: z.boolean().optional() })
  .strict();
const TextObject = z.union([PlainText, Mrkdwn]);
const blockId = { block_id: maxChars(255).optional() };

const Button = z
  .object({
    type: z.literal('button'),
    text: PlainText.extend({ text: nonEmptyMax(75) }).strict(),
    action_id: nonEmptyMax(255),
    url: z.url({ protocol: /^https?$/ }).refine((u) => u.length <= 3000, 'url longer than 3000'),
    value: maxChars(2000).optional(),
    style: z.enum(['primary', 'danger']).optional(),
  })
  .strict();

export const SlackBlockSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('header'),
      text: PlainText.extend({ text: nonEmptyMax(150) }).strict(),
      ...blockId,
    })
    .strict(),
  z
    .object({
      type: z.literal('section'),
      text: z
        .union([PlainText.extend({ text: nonEmptyMax(3000) }), Mrkdwn.extend({ text: nonEmptyMax(3000) })])
        .optional(),
      fields: z
        .array(
          z.union([
            PlainText.extend({ text: nonEmptyMax(2000) }),
            Mrkdwn.extend({ text: nonEmptyMax(2000) }),
          ]),
        )
        .min(1)
        .max(10)
        .optional(),
      ...blockId,
    })
    .strict()
    .refine((b) => b.text !== undefined || b.fields !== undefined, 'a section needs text or fields'),
  z.object({ type: z.literal('actions'), elements: z.array(Button).min(1).max(25), ...blockId }).strict(),
  z.object({ type: z.literal('context'), elements: z.array(TextObject).min(1).max(10), ...blockId }).strict(),
  z.object({ type: z.literal('divider'), ...blockId }).strict(),
]);

export const SlackBlocksSchema = z
  .array(SlackBlockSchema)
  .max(50)
  .superRefine((blocks, ctx) => {
    const seen = new Set<string>();
    for (const b of blocks) {
      if (b.type !== 'actions') continue;
      for (const el of b.elements) {
        if (seen.has(el.action_id))
          ctx.addIssue({ code: 'custom', message: `duplicate action_id ${el.action_id}` });
        seen.add(el.action_id);
      }
    }
  });

/** `chat.postMessage` arguments as the connector sends them (after the form encoding is undone). */
export const SlackPostMessageSchema = z.object({
  channel: z.string().min(1),
  text: z.string().max(40_000).optional(),
  blocks: SlackBlocksSchema.optional(),
  metadata: z
    .object({ event_type: z.string().min(1), event_payload: z.record(z.string(), z.unknown()) })
    .optional(),
  unfurl_links: z.boolean().optional(),
  unfurl_media: z.boolean().optional(),
});

/**
 * Adaptive Card 1.4 basics (adaptivecards.io/explorer; Teams renders 1.4 in channel messages), in the
 * envelope Teams incoming webhooks and Workflows webhook triggers take (Microsoft Learn, "Create
 * Incoming Webhooks": `type: "message"`, `attachments[].contentType
 * "application/vnd.microsoft.card.adaptive"`; messages up to 28 KB).
 */
const TextBlock = z
  .object({
    type: z.literal('TextBlock'),
    text: z.string().min(1),
    wrap: z.boolean().optional(),
    weight: z.enum(['Default', 'Lighter', 'Bolder']).optional(),
    size: z.enum(['Default', 'Small', 'Medium', 'Large', 'ExtraLarge']).optional(),
    isSubtle: z.boolean().optional(),
  })
  .strict();
const FactSet = z
  .object({
    type: z.literal('FactSet'),
    facts: z.array(z.object({ title: z.string(), value: z.string() }).strict()).min(1),
  })
  .strict();
const OpenUrl = z
  .object({
    type: z.literal('Action.OpenUrl'),
    url: z.url({ protocol: /^https?$/ }),
    title: z.string().optional(),
  })
  .strict();

export const AdaptiveCardSchema = z
  .object({
    $schema: z.string().optional(),
    type: z.literal('AdaptiveCard'),
    version: z.literal('1.4'),
    body: z.array(z.discriminatedUnion('type', [TextBlock, FactSet])).min(1),
    actions: z.array(OpenUrl).optional(),
  })
  .strict();

export const TEAMS_MAX_MESSAGE_BYTES = 28 * 1024;

export const TeamsMessageSchema = z
  .object({
    type: z.literal('message'),
    attachments: z
      .array(
        z
          .object({
            contentType: z.literal('application/vnd.microsoft.card.adaptive'),
            contentUrl: z.null().optional(),
            content: AdaptiveCardSchema,
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
