import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { DynamoEpisodeStore } from '../../src/aws/dynamodb-episode-store.ts';
import { DynamoOutboxStore } from '../../src/aws/dynamodb-outbox-store.ts';
import { DynamoRoutingState } from '../../src/aws/dynamodb-routing-state.ts';
import { DynamoStateStore } from '../../src/aws/dynamodb-state-store.ts';
import { episodeEvent } from '../../src/episodes/episode.ts';
import { chatProvider } from '../../src/handlers/chat-provider.ts';
import { withLambdaLedger } from '../../src/handlers/ledger-wiring.ts';
import { createSweepHandler, type SweepResult } from '../../src/handlers/sweep-handler.ts';
import type { LedgerWiring } from '../../src/ledger/flush-ledger.ts';
import type { LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { parseNotificationsConfig } from '../../src/notify/notifications-config.ts';
import type { CrmConnector } from '../../src/ports/crm-connector.ts';
import type { SecretSource } from '../../src/ports/secret-source.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { MemoryLedgerOutbox } from '../../src/state/memory-ledger-outbox.ts';
import { sweepSchedule } from '../../src/sweep/sweep-schedule.ts';
import { type LocalDynamo, startLocalDynamo } from '../aws/local-dynamodb.ts';
import { sla } from '../pipeline/pipeline-fixtures.ts';
import { testClock } from '../state/state-store.contract.ts';
import { FakeEpisodeCrm } from '../sweep/fake-episode-crm.ts';
import { ID, ROUTING_YAML, T } from '../sweep/sweep-kit.ts';
import { bundledConfig, fakeProvider, LogCapture, lambdaContext } from './support/harness.ts';

/**
 * The scheduled sweep end to end on the AWS side: a toss-up episode in the DynamoDB store (dynalite),
 * the real runSweep and handler, notifications.yaml targeting, the DynamoDB outbox and the Slack
 * emulator reached with the token from the chat secret.
 */
let dynamo: LocalDynamo;
let slack: SlackEmulator;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  slack = await startSlackEmulator({
    rateLimitsEnabled: false,
    users: [
      { id: 'U0R1', email: 'r1@example.test', name: 'r1' },
      { id: 'U0M1', email: 'm1@example.test', name: 'm1' },
    ],
  });
});
afterAll(async () => {
  await slack.close();
  await dynamo.close();
});

const routing = parseRoutingConfig(ROUTING_YAML);
const notifications = parseNotificationsConfig(
  `version: 1
language: en
events:
  reminder: { dm: [owner] }
  escalation: { team: true, dm: [manager] }
slack:
  channels: { fs: "#field-sales" }
`,
  'notifications.yaml',
  { routing },
);

/**
 * `handedOffLead`: the name recorded with the hand-off; given, the CRM's facts name nobody (as the real
 * connectors' do), so the sweep's notices must take the name from the episode.
 */
async function world(
  handedOffLead?: { name: string; company?: string },
  key = 'tu_lambda',
  ledger?: LedgerWiring,
) {
  const clock = testClock(T.handOff);
  const table = await dynamo.table(clock);
  const episodes = new DynamoEpisodeStore(table);
  const crm = new FakeEpisodeCrm();
  crm.addLead('00Q000000000001', ID.r1, '山田 太郎');
  if (handedOffLead) crm.factsNameLeads = false;
  const taskId = crm.addTask(key, '00Q000000000001', ID.r1);
  await episodes.recordStep(
    key,
    episodeEvent({
      type: 'handed_off',
      at: T.handOff,
      cause: 'rule',
      crm: 'salesforce',
      leadId: '00Q000000000001',
      objectType: 'Lead',
      nextAction: 'field_sales_tossup',
      owner: { id: ID.r1, key: 'r1', poolId: 'fs' },
      taskId,
      ...(handedOffLead ? { lead: handedOffLead } : {}),
    }),
    sweepSchedule(sla),
  );
  const connector = {
    crm: 'salesforce',
    episodes: crm,
    recordUrl: (l: { objectType: string; id: string }) =>
      `https://example.my.salesforce.com/lightning/r/${l.objectType}/${l.id}/view`,
    usage: () => ({ calls: {}, minimum: 0 }),
    close: async () => {},
  } as unknown as CrmConnector;
  const secrets: SecretSource = {
    get: async () => ({
      text: JSON.stringify({ slackBotToken: slack.token, slackApiUrl: slack.apiUrl }),
      versionId: 'v1',
      fetchedAtMs: 0,
    }),
    invalidate: () => {},
  };
  const logs = new LogCapture();
  const log = createLogger({ destination: logs, level: 'debug' });
  const store = new DynamoOutboxStore(table);
  const handler = createSweepHandler({
    crm: 'salesforce',
    scope: 'default',
    config: { ...bundledConfig, routing, sla, notifications },
    connectors: fakeProvider(connector),
    episodes: withLambdaLedger(episodes, ledger, sla),
    ...(ledger ? { ledger } : {}),
    state: new DynamoStateStore(table),
    routingState: new DynamoRoutingState(table),
    chat: chatProvider({
      secretId: 'tossup/test/chat',
      secrets,
      config: notifications,
      routing,
      store,
      clock,
      log,
      claimTimeoutMs: 16 * 60_000,
    }),
    clock,
    log,
  });
  return { clock, crm, handler, logs, store };
}

const at = (clock: ReturnType<typeof testClock>, iso: string) =>
  clock.advance(Date.parse(iso) - clock.now().getTime());
const posted = () => slack.messages.map((m) => `${m.metadata?.event_payload.step}|${m.channel}`).sort();

describe('the sweep function, end to end on the AWS adapters', () => {
  it('reminds the owner by DM, then escalates to the team channel and the manager, each once; an outage delays and loses nothing', async () => {
    const { clock, handler, logs, store } = await world();
    const run = async () => (await handler({}, lambdaContext(300_000))) as SweepResult;

    at(clock, T.beforeRemind);
    expect((await run()).notifications).toEqual({ sent: 0, retried: 0, failed: 0, unknown: 0, pending: 0 });
    expect(slack.messages).toHaveLength(0);

    at(clock, T.afterRemind);
    const reminded = await run();
    expect(reminded.report.counts).toMatchObject({ reminders: 1, notificationsQueued: 1 });
    expect(reminded.notifications).toMatchObject({ sent: 1 });
    expect(posted()).toEqual(['r0.remind_owner|DU0R1']);
    // A second tick at the same time does nothing again.
    await run();
    expect(slack.messages).toHaveLength(1);

    // Slack is down when the escalation comes: the CRM work is done, the messages wait.
    slack.app.faults.add({ route: 'chat.postMessage', fault: { kind: 'status', status: 503 } });
    at(clock, T.afterEscalation);
    const escalated = await run();
    expect(escalated.report.counts.escalations).toBe(1);
    expect(escalated.notifications).toMatchObject({ sent: 0, retried: 1, pending: 1 });
    expect((await store.open()).map((e) => e.state)).toEqual(['pending', 'pending']);

    slack.app.faults.clear();
    clock.advance(3_600_000);
    expect((await run()).notifications).toMatchObject({ sent: 2, pending: 0 });
    expect(posted()).toEqual([
      'r0.notify_manager|C0FIELDSALES',
      'r0.notify_manager|DU0M1',
      'r0.remind_owner|DU0R1',
    ]);
    // Only the lead's name and company: no e-mail address, token or webhook in a message or a log.
    const bodies = JSON.stringify(slack.messages.map((m) => [m.text, m.blocks]));
    expect(bodies).toContain('山田 太郎');
    expect(bodies).not.toMatch(/@example\.test/);
    expect(logs.text).not.toMatch(/@example\.test|山田/);
    expect(logs.text).not.toContain(slack.token);
  });

  it("the reminder names the person and company recorded at the hand-off when the CRM's facts name nobody: never the record id, no e-mail or phone", async () => {
    const { clock, handler, logs } = await world(
      { name: '佐藤 花子', company: '佐藤商事株式会社' },
      'tu_named',
    );
    const before = slack.messages.length;
    at(clock, T.afterRemind);
    const reminded = (await handler({}, lambdaContext(300_000))) as SweepResult;
    expect(reminded.notifications).toMatchObject({ sent: 1 });
    const mine = slack.messages.slice(before);
    expect(mine.map((m) => m.metadata?.event_payload.step)).toEqual(['r0.remind_owner']);
    const text = JSON.stringify([mine[0]!.text, mine[0]!.blocks]);
    expect(text).toContain('佐藤 花子');
    expect(text).toContain('佐藤商事株式会社');
    // The deep link carries the id; the words of the message do not.
    expect(mine[0]!.text).not.toContain('00Q000000000001');
    expect(text).not.toMatch(/@example\.test|\+?\d{2,4}-\d{2,4}-\d{3,4}/);
    expect(logs.text).not.toMatch(/佐藤/);
  });

  it('records its ladder steps to the ledger; rows the ledger refused go with a later run of the container', async () => {
    const appended: LedgerRecord[] = [];
    let ledgerUp = false;
    const errors: string[] = [];
    const ledger: LedgerWiring = {
      ledger: {
        append: async (records) => {
          if (!ledgerUp) throw new Error('ServiceUnavailableException');
          appended.push(...records);
          return { appended: records.length };
        },
      },
      outbox: new MemoryLedgerOutbox(),
      onError: (m) => {
        errors.push(m);
      },
    };
    const { clock, handler } = await world(undefined, 'tu_ledger', ledger);
    const run = async () => (await handler({}, lambdaContext(300_000))) as SweepResult;

    at(clock, T.afterRemind);
    expect((await run()).report.counts).toMatchObject({ reminders: 1 });
    expect(appended).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);

    // Nothing due on the next tick; its end-of-run flush appends what waited.
    ledgerUp = true;
    clock.advance(60_000);
    await run();
    expect(appended.map((r) => (r.kind === 'event' ? [r.episode_key, r.event_type] : null))).toContainEqual([
      'tu_ledger',
      'ladder_step',
    ]);
  });
});
