import type { Notification } from '../ports/notifier.ts';
import { type ContentOptions, notificationContent } from './content.ts';

/**
 * Slack `chat.postMessage` arguments (without `channel`) in Block Kit. Limits honoured here, from
 * Slack's Block Kit reference (docs.slack.dev/reference/block-kit): header text ≤ 150 characters,
 * section text ≤ 3000, section fields ≤ 10 of ≤ 2000 each, button text ≤ 75, button url ≤ 3000.
 */
export interface SlackMessage {
  /** Fallback for notifications and screen readers; Slack shows blocks in the channel. */
  text: string;
  blocks: SlackBlock[];
  /** Lets an operator find the message of an episode step in Slack; not personal data. */
  metadata: { event_type: string; event_payload: Record<string, string> };
  unfurl_links: false;
  unfurl_media: false;
}

export type SlackText =
  | { type: 'plain_text'; text: string; emoji?: boolean }
  | { type: 'mrkdwn'; text: string };

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text: SlackText; fields?: SlackText[] }
  | {
      type: 'actions';
      elements: {
        type: 'button';
        text: { type: 'plain_text'; text: string };
        url: string;
        action_id: string;
      }[];
    };

export const SLACK_EVENT_TYPE = 'tossup_notification';

export function slackMessage(n: Notification, options: ContentOptions = {}): SlackMessage {
  const c = notificationContent(n, options);
  if (c.link.url.length > 3000) throw new Error('record link longer than Slack allows for a button url');
  return {
    // The fallback text is parsed as mrkdwn too (notifications, screen readers).
    text: truncate(escapeMrkdwn(`${c.title} — ${c.body}`), 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(c.title, 150), emoji: false } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(c.body), 3000) },
        fields: c.facts.slice(0, 10).map((f) => ({
          type: 'mrkdwn' as const,
          text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, 2000),
        })),
      },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: truncate(c.link.label, 75) },
            url: c.link.url,
            action_id: 'open_crm_record',
          },
        ],
      },
    ],
    metadata: {
      event_type: SLACK_EVENT_TYPE,
      event_payload: { episode_key: n.episodeKey, step: n.step, event: n.event },
    },
    unfurl_links: false,
    unfurl_media: false,
  };
}

/**
 * Slack's three control characters (docs.slack.dev "Formatting text for app surfaces"): a lead named
 * `<!channel>` must not ping the channel, and `<url|text>` must not become a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Cuts at a code point boundary and marks the cut, so limits never make Slack reject a message. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}
