import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { DynamoLeadRecords } from '../../src/aws/dynamodb-lead-records.ts';
import { DynamoOutboxStore } from '../../src/aws/dynamodb-outbox-store.ts';
import { chatProvider } from '../../src/handlers/chat-provider.ts';
import { DEFAULT_PUBLISHED_METRICS, FUNCTION_COUNTS } from '../../src/handlers/published-metrics.ts';
import {
  createSweepHandler,
  type SweepLeaseHeld,
  type SweepResult,
  SweepUnsupportedError,
  sweepLeaseKey,
} from '../../src/handlers/sweep-handler.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { parseNotificationsConfig } from '../../src/notify/notifications-config.ts';
import type { CrmConnector } from '../../src/ports/crm-connector.ts';
import type { EpisodeCrm } from '../../src/ports/episode-crm.ts';
import { type SecretSource, SecretUnavailableError } from '../../src/ports/secret-source.ts';
import { NotificationOutbox } from '../../src/state/notification-outbox.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { notification } from '../notify/fixtures/notifications.ts';
import { bundledConfig, harness, LogCapture, lambdaContext } from './support/harness.ts';

let dynamo: LocalDynamo;
let slack: SlackEmulator;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackEmulator({ rateLimitsEnabled: false });
});
afterAll(async () => {
  await slack.close();
  await dynamo.close();
});

const CHAT_SECRET = 'tossup/test/chat';
const notifications = parseNotificationsConfig(
  'version: 1\nevents:\n  reminder: { team: true }\nslack:\n  defaultChannel: "#field-sales"\n',
);
/** The CRM side is not asked for anything when no episode is due. */
const noCalls = new Proxy({} as EpisodeCrm, {
  get: () => () => Promise.reject(new Error('no CRM call expected')),
});

class MapSecrets implements SecretSource {
  readonly values = new Map<string, { text: string; versionId: string }>();
  reads = 0;
  async get(secretId: string) {
    this.reads++;
    const v = this.values.get(secretId);
    if (!v) throw new SecretUnavailableError(secretId, 'cannot be read (ResourceNotFoundException)');
    return { ...v, fetchedAtMs: 0 };
  }
  invalidate(): void {}
}

async function setup(options: { episodes?: EpisodeCrm | undefined } = {}) {
  const h = await harness(dynamo);
  // Read by id (re-checks): every lead asked for is gone from the CRM.
  Object.assign(h.connector.source, { readByIds: async () => [] });
  const connector: CrmConnector = {
    ...h.connector,
    ...('episodes' in options ? { episodes: options.episodes } : { episodes: noCalls }),
  };
  const rechecks = new DynamoLeadRecords(h.table);
  const logs = new LogCapture();
  const log = createLogger({ destination: logs, level: 'debug' });
  const secrets = new MapSecrets();
  const store = new DynamoOutboxStore(h.table);
  const handler = createSweepHandler({
    crm: 'salesforce',
    scope: 'default',
    config: { ...bundledConfig, notifications },
    connectors: { get: async () => connector, invalidate: () => {} },
    episodes: new DynamoEpisodeStore(h.table),
    state: h.state,
    routingState: h.routingState,
    rechecks,
    chat: chatProvider({
      secretId: CHAT_SECRET,
      secrets,
      config: notifications,
      routing: bundledConfig.routing,
      store,
      clock: h.clock,
      log,
      claimTimeoutMs: 16 * 60_000,
    }),
    clock: h.clock,
    log,
  });
  // What a worker (or an earlier sweep) left in the outbox.
  const queued = new NotificationOutbox(store, { senders: [], clock: h.clock });
  await queued.enqueue(notification({ episodeKey: `tu_${Math.random().toString(36).slice(2)}` }), [
    { kind: 'slack-channel', channel: 'field-sales' },
  ]);
  return { h, handler, logs, secrets, store, rechecks };
}

const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event' };

afterEach(() => {
  slack.messages.length = 0;
});

describe('the scheduled sweep (Lambda)', () => {
  it('runs the sweep, then drains the outbox with the Slack token from the chat secret', async () => {
    const { handler, logs, secrets, store } = await setup();
    secrets.values.set(CHAT_SECRET, {
      text: JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
      versionId: 'v1',
    });
    const result = (await handler(scheduled, lambdaContext(300_000))) as SweepResult;
    expect(result.report).toMatchObject({ kind: 'sweep', crm: 'salesforce', dryRun: false, stop: null });
    expect(result.notifications).toMatchObject({ sent: 1, pending: 0 });
    expect(slack.messages.map((m) => m.channel)).toEqual(['C0FIELDSALES']);
    expect(await store.open()).toEqual([]);
    expect(logs.text).toMatch(/"msg":"sweep finished"/);
    expect(logs.text).not.toContain(slack.token);
    expect(logs.text).not.toContain(slack.token.slice(5));
  });

  it("writes one metrics line of the report's and the drain's counts, publishing the default list of them", async () => {
    const { handler, logs, secrets } = await setup();
    secrets.values.set(CHAT_SECRET, {
      text: JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
      versionId: 'v1',
    });
    await handler(scheduled, lambdaContext(300_000));
    const lines = logs.records().filter((r) => r.msg === 'metrics');
    expect(lines).toHaveLength(1);
    const { _aws, level, time, msg, crm, fn, runId, ...counts } = lines[0] as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
    };
    expect([crm, fn]).toEqual(['salesforce', 'sweep']);
    // The names published-metrics.ts lists (the settings check's), all of them.
    expect(Object.keys(counts).sort()).toEqual([...FUNCTION_COUNTS.sweep].sort());
    expect(counts).toMatchObject({ notificationsSent: 1, notificationsFailed: 0 });
    expect(_aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name).sort()).toEqual(
      FUNCTION_COUNTS.sweep.filter((n) => DEFAULT_PUBLISHED_METRICS.includes(n)).sort(),
    );
  });

  it('without a readable chat secret the sweep still runs; notifications wait, pending, and go once it is fixed', async () => {
    const { handler, logs, secrets, store } = await setup();
    const first = (await handler(scheduled, lambdaContext(300_000))) as SweepResult;
    expect(first.report.stop).toBeNull();
    expect(first.notifications).toBeNull();
    expect((await store.open()).map((e) => e.state)).toEqual(['pending']);
    expect(logs.text).toMatch(/chat notifications are queued but not sent/);
    expect(logs.text).toContain('tossup/test/chat');

    secrets.values.set(CHAT_SECRET, {
      text: JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
      versionId: 'v1',
    });
    const second = (await handler(scheduled, lambdaContext(300_000))) as SweepResult;
    expect(second.notifications).toMatchObject({ sent: 1 });
    expect(slack.messages).toHaveLength(1);
  });

  it('a malformed chat secret names the key, never the value, and sends nothing', async () => {
    const { handler, logs, secrets, store } = await setup();
    secrets.values.set(CHAT_SECRET, {
      text: JSON.stringify({ slackBotToken: 'not-a-slack-token-value' }),
      versionId: 'v1',
    });
    const r = (await handler(scheduled, lambdaContext(300_000))) as SweepResult;
    expect(r.notifications).toBeNull();
    expect(logs.text).toContain('slackBotToken is not a Slack bot token');
    expect(logs.text).not.toContain('not-a-slack-token-value');
    expect((await store.open()).map((e) => e.state)).toEqual(['pending']);
  });

  it('leaves the drain for the next invocation when the time left would not fit a send', async () => {
    const { handler, secrets, store } = await setup();
    secrets.values.set(CHAT_SECRET, {
      text: JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
      versionId: 'v1',
    });
    const r = (await handler(scheduled, lambdaContext(15_000))) as SweepResult;
    expect(r.notifications).toMatchObject({ sent: 0, pending: 1 });
    expect(slack.messages).toHaveLength(0);
    expect((await store.open()).map((e) => e.state)).toEqual(['pending']);
  });

  it('re-checks the leads whose recheckAt has come (recorded by the workers) in the same run', async () => {
    const { h, handler, rechecks } = await setup();
    const at = new Date(h.clock.now().getTime() - 3_600_000).toISOString();
    await rechecks.schedule('salesforce', [
      { objectType: 'Lead', leadId: '00Q000000000GONE', recheckAt: at, holdSince: null },
    ]);
    const r = (await handler(scheduled, lambdaContext(300_000))) as SweepResult;
    expect(r.report.rechecks).toMatchObject({ due: 1, gone: 1, failed: 0 });
    expect(await rechecks.dueBefore('salesforce', h.clock.now(), 10)).toEqual([]);
  });

  it('a dry run reads no chat secret and sends nothing', async () => {
    const { handler, secrets } = await setup();
    const r = (await handler({ dryRun: true, limit: 10 }, lambdaContext(300_000))) as SweepResult;
    expect(r.report.dryRun).toBe(true);
    expect(r.notifications).toBeNull();
    expect(secrets.reads).toBe(0);
  });

  it('is a no-op while another invocation holds the sweep lease of this CRM and scope', async () => {
    const { h, handler, secrets } = await setup();
    secrets.values.set(CHAT_SECRET, { text: '{}', versionId: 'v1' });
    await h.state.acquireLease(sweepLeaseKey('salesforce', 'default'), { owner: 'a manual run' }, 120);
    const r = (await handler(scheduled, lambdaContext(300_000))) as SweepLeaseHeld;
    expect(r.leaseHeld).toBe(true);
    expect(slack.messages).toHaveLength(0);
  });

  it('fails (and alarms) when the bundled connector has no sweep support', async () => {
    const { handler } = await setup({ episodes: undefined });
    await expect(handler(scheduled, lambdaContext(300_000))).rejects.toBeInstanceOf(SweepUnsupportedError);
  });
});
