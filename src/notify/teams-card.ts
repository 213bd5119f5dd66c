import type { Notification } from '../ports/notifier.ts';
import { type ContentOptions, notificationContent } from './content.ts';

/**
 * The body POSTed to a Teams incoming webhook or a Workflows "post to a channel when a webhook
 * request is received" URL: a `message` with one Adaptive Card attachment (schema 1.4, the version
 * Teams renders in channels; Microsoft Learn, "Create an Incoming Webhook" and the Adaptive Cards
 * schema explorer, adaptivecards.io/explorer).
 */
export interface TeamsMessage {
  type: 'message';
  attachments: {
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: AdaptiveCard;
  }[];
}

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.4';
  body: AdaptiveElement[];
  actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
}

export type AdaptiveElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap?: boolean;
      weight?: 'Default' | 'Lighter' | 'Bolder';
      size?: 'Default' | 'Small' | 'Medium' | 'Large' | 'ExtraLarge';
    }
  | { type: 'FactSet'; facts: { title: string; value: string }[] };

export function teamsMessage(n: Notification, options: ContentOptions = {}): TeamsMessage {
  const c = notificationContent(n, options);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: plain(c.title), wrap: true, weight: 'Bolder', size: 'Medium' },
            { type: 'TextBlock', text: plain(c.body), wrap: true },
            {
              type: 'FactSet',
              facts: c.facts.map((f) => ({ title: plain(f.label), value: plain(f.value) })),
            },
          ],
          actions: [{ type: 'Action.OpenUrl', title: c.link.label, url: c.link.url }],
        },
      },
    ],
  };
}

/**
 * TextBlock renders a Markdown subset: a lead named `[x](https://…)` must not become a link. Teams
 * does not document backslash escapes, so square brackets become their full-width forms.
 */
function plain(text: string): string {
  return text.replaceAll('[', '［').replaceAll(']', '］');
}
