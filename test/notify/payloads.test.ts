import { describe, expect, it } from 'vitest';
import {
  SlackBlocksSchema,
  SlackPostMessageSchema,
  TeamsMessageSchema,
} from '../../emulators/chat/chat-schemas.ts';
import { notificationContent, recordUrl } from '../../src/notify/content.ts';
import { slackMessage } from '../../src/notify/slack-message.ts';
import { teamsMessage } from '../../src/notify/teams-card.ts';
import type { ChatLanguage, CrmRecordRef } from '../../src/ports/notifier.ts';
import { EVENTS, notification } from './fixtures/notifications.ts';

const RECORDS: CrmRecordRef[] = [
  {
    crm: 'salesforce',
    instanceUrl: 'https://acme.my.salesforce.com',
    objectType: 'Lead',
    id: '00Q5g00000ABCDEFGH',
  },
  { crm: 'hubspot', portalId: '4711', contactId: '901' },
];
const LANGS: ChatLanguage[] = ['ja', 'en'];

describe('notification payloads', () => {
  for (const event of EVENTS) {
    for (const language of LANGS) {
      for (const record of RECORDS) {
        it(`${event} / ${language} / ${record.crm}: Block Kit and Adaptive Card are valid`, () => {
          const n = notification({ event, language, record, previousOwnerName: '鈴木 一郎' });
          const slack = slackMessage(n);
          expect(SlackPostMessageSchema.safeParse({ channel: 'C1', ...slack }).error).toBeUndefined();
          const teams = teamsMessage(n);
          expect(TeamsMessageSchema.safeParse(teams).error).toBeUndefined();
          const url = recordUrl(record);
          expect(JSON.stringify(slack.blocks)).toContain(JSON.stringify(url));
          expect(teams.attachments[0]!.content.actions[0]!.url).toBe(url);
          expect(slack.text).toContain('山田 太郎');
          expect(slack.text).toContain('株式会社サンプル');
        });
      }
    }
  }

  it('deep links: Lightning record page and HubSpot contact record with the portal id', () => {
    expect(recordUrl(RECORDS[0]!)).toBe(
      'https://acme.my.salesforce.com/lightning/r/Lead/00Q5g00000ABCDEFGH/view',
    );
    expect(recordUrl(RECORDS[1]!)).toBe('https://app.hubspot.com/contacts/4711/record/0-1/901');
    expect(
      recordUrl({
        crm: 'hubspot',
        portalId: '1',
        contactId: '2',
        appBaseUrl: 'https://app-eu1.hubspot.com/',
      }),
    ).toBe('https://app-eu1.hubspot.com/contacts/1/record/0-1/2');
    expect(() =>
      recordUrl({ crm: 'salesforce', instanceUrl: 'javascript:alert(1)', objectType: 'Lead', id: 'x' }),
    ).toThrow();
  });

  it('texts differ by language and event', () => {
    const ja = notificationContent(notification({ event: 'escalation', language: 'ja' }));
    const en = notificationContent(notification({ event: 'escalation', language: 'en' }));
    expect(ja.title).toBe('SLA超過: 山田 太郎（株式会社サンプル）');
    expect(en.title).toBe('SLA breached: 山田 太郎 (株式会社サンプル)');
    expect(en.body).toContain('佐藤 花子');
    // 10:00 JST is 01:00Z.
    expect(en.facts.find((f) => f.label === 'Due')?.value).toContain('10:00');
    const reassigned = notificationContent(
      notification({ event: 'reassignment', language: 'en', previousOwnerName: 'Ken' }),
    );
    expect(reassigned.body).toContain('from Ken to 佐藤 花子');
  });

  it('keeps within Slack limits for a very long lead name and neutralises mentions and links', () => {
    const n = notification({
      lead: { name: `<!channel> ${'長'.repeat(400)}`, company: '[x](https://evil.example)' },
    });
    const slack = slackMessage(n);
    expect(SlackPostMessageSchema.safeParse({ channel: 'C1', ...slack }).error).toBeUndefined();
    const header = slack.blocks[0] as { text: { text: string } };
    expect([...header.text.text].length).toBe(150);
    // plain_text (the header) is never parsed for mentions; mrkdwn and the fallback text are.
    const mrkdwn = JSON.stringify([slack.text, slack.blocks.slice(1)]);
    expect(mrkdwn).not.toContain('<!channel>');
    expect(slack.text).toContain('&lt;!channel&gt;');
    const teams = JSON.stringify(teamsMessage(n));
    expect(teams).not.toContain('[x](https://evil.example)');
    expect(TeamsMessageSchema.safeParse(teamsMessage(n)).error).toBeUndefined();
  });

  it('payloads carry nothing but name and company of the lead', () => {
    const n = notification({ event: 'reminder', language: 'en' });
    const allowed = new Set(['山田 太郎', '株式会社サンプル']);
    for (const body of [JSON.stringify(slackMessage(n)), JSON.stringify(teamsMessage(n))]) {
      expect(body).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/); // no e-mail address
      expect(body).not.toMatch(/\+?\d[\d -]{8,}\d/); // no phone number
      expect(body).not.toMatch(/xox[abpr]-/); // no Slack token
      for (const v of allowed) expect(body).toContain(v);
    }
  });
});

describe('the schemas reject what Slack and Teams reject', () => {
  const button = (id: string, url = 'https://x.example/') => ({
    type: 'button',
    text: { type: 'plain_text', text: 'Open' },
    action_id: id,
    url,
  });
  it('Block Kit limits', () => {
    const section = { type: 'section', text: { type: 'mrkdwn', text: 'hi' } };
    expect(SlackBlocksSchema.safeParse(Array(50).fill(section)).success).toBe(true);
    expect(SlackBlocksSchema.safeParse(Array(51).fill(section)).success).toBe(false);
    const header = (n: number) => [{ type: 'header', text: { type: 'plain_text', text: 'a'.repeat(n) } }];
    expect(SlackBlocksSchema.safeParse(header(150)).success).toBe(true);
    expect(SlackBlocksSchema.safeParse(header(151)).success).toBe(false);
    const sectionOf = (n: number) => [{ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(n) } }];
    expect(SlackBlocksSchema.safeParse(sectionOf(3000)).success).toBe(true);
    expect(SlackBlocksSchema.safeParse(sectionOf(3001)).success).toBe(false);
    const long = `https://x.example/${'a'.repeat(3000 - 18)}`;
    expect(SlackBlocksSchema.safeParse([{ type: 'actions', elements: [button('a', long)] }]).success).toBe(
      true,
    );
    expect(
      SlackBlocksSchema.safeParse([{ type: 'actions', elements: [button('a', `${long}b`)] }]).success,
    ).toBe(false);
    expect(
      SlackBlocksSchema.safeParse([
        { type: 'actions', elements: [button('a')] },
        { type: 'actions', elements: [button('a')] },
      ]).success,
    ).toBe(false);
  });

  it('Adaptive Card basics', () => {
    const good = teamsMessage(notification());
    expect(TeamsMessageSchema.safeParse(good).success).toBe(true);
    const card = good.attachments[0]!.content;
    const withCard = (c: unknown) => ({ ...good, attachments: [{ ...good.attachments[0], content: c }] });
    expect(TeamsMessageSchema.safeParse(withCard({ ...card, version: '1.6' })).success).toBe(false);
    expect(TeamsMessageSchema.safeParse(withCard({ ...card, body: [] })).success).toBe(false);
    expect(
      TeamsMessageSchema.safeParse(withCard({ ...card, actions: [{ type: 'Action.OpenUrl', title: 'x' }] }))
        .success,
    ).toBe(false);
    expect(
      TeamsMessageSchema.safeParse({
        ...good,
        attachments: [{ ...good.attachments[0], contentType: 'text/html' }],
      }).success,
    ).toBe(false);
  });
});
