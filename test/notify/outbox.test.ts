import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { startTeamsReceiver, type TeamsReceiver } from '../../emulators/chat/teams-receiver.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { SlackSender } from '../../src/notify/adapters/slack-sender.ts';
import { TeamsSender } from '../../src/notify/adapters/teams-sender.ts';
import type { Clock } from '../../src/ports/clock.ts';
import type { ChatSender, NotificationTarget } from '../../src/ports/notifier.ts';
import { NotificationOutbox } from '../../src/state/notification-outbox.ts';
import { notification } from './fixtures/notifications.ts';

const CHILD = new URL('./fixtures/drain-child.ts', import.meta.url).pathname;
const REP = { id: 'U0SATO', email: 'hanako.sato@example.co.jp', name: 'hanako' };

let slack: SlackEmulator | undefined;
let teams: TeamsReceiver | undefined;
afterEach(async () => {
  await slack?.close();
  await teams?.close();
  slack = undefined;
  teams = undefined;
});

function stateDir(): string {
  return mkdtempSync(join(tmpdir(), 'tossup-outbox-'));
}

function steppedClock(startIso = '2026-12-02T00:00:00Z'): Clock & { advance(ms: number): void } {
  let t = Date.parse(startIso);
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
  };
}

function slackSender(emu: SlackEmulator): SlackSender {
  return new SlackSender({
    token: emu.token,
    slackApiUrl: emu.apiUrl,
    retries: 1,
    minRetryDelayMs: 10,
    timeoutMs: 2000,
  });
}

/** Every (episode key, step, channel) posted, in order. */
function posted(emu: SlackEmulator): string[] {
  return emu.messages.map(
    (m) => `${m.metadata?.event_payload.episode_key}|${m.metadata?.event_payload.step}|${m.channel}`,
  );
}

describe('notification outbox', () => {
  it('enqueue is idempotent on episode key + step + target', async () => {
    const outbox = new NotificationOutbox(stateDir(), { senders: [] });
    const channel: NotificationTarget = { kind: 'slack-channel', channel: 'field-sales' };
    const rep: NotificationTarget = { kind: 'slack-user', email: 'Hanako.Sato@example.co.jp ' };
    expect(await outbox.enqueue(notification(), [channel, rep])).toBe(2);
    expect(await outbox.enqueue(notification(), [channel, { kind: 'slack-user', email: REP.email }])).toBe(0);
    expect(await outbox.enqueue(notification({ step: 'remind-75', event: 'reminder' }), [channel])).toBe(1);
    expect((await outbox.list()).map((e) => e.state)).toEqual(['pending', 'pending', 'pending']);
  });

  it('a Slack outage delays messages and loses none: after recovery each is posted exactly once', async () => {
    slack = await startSlackEmulator({ users: [REP], rateLimitsEnabled: false });
    const clock = steppedClock();
    const outbox = new NotificationOutbox(stateDir(), {
      senders: [slackSender(slack)],
      clock,
      baseBackoffMs: 60_000,
    });
    const keys = ['tu_one', 'tu_two', 'tu_three'];
    for (const episodeKey of keys) {
      await outbox.notify(notification({ episodeKey }), [
        { kind: 'slack-channel', channel: 'field-sales' },
        { kind: 'slack-user', email: REP.email },
      ]);
    }
    slack.app.faults.add({
      route: 'chat.postMessage',
      fault: { kind: 'status', status: 503, body: 'outage' },
    });
    const during = await outbox.drain();
    // The first failure marks Slack down for this drain: one attempt, the rest wait.
    expect(during).toEqual({ sent: 0, retried: 1, failed: 0, unknown: 0, pending: 5 });
    clock.advance(30_000); // before the back-off has run out: the failed one waits, others are tried
    expect((await outbox.drain()).retried).toBe(1);
    clock.advance(10 * 60_000);
    expect((await outbox.drain()).sent).toBe(0);
    expect(slack.messages).toHaveLength(0);

    slack.app.faults.clear();
    clock.advance(60 * 60_000);
    const after = await outbox.drain();
    expect(after).toEqual({ sent: 6, retried: 0, failed: 0, unknown: 0, pending: 0 });
    expect(await outbox.drain()).toEqual({ sent: 0, retried: 0, failed: 0, unknown: 0, pending: 0 });
    const all = posted(slack);
    expect(all).toHaveLength(6);
    expect(new Set(all).size).toBe(6);
    for (const k of keys) expect(all.filter((p) => p.startsWith(`${k}|`))).toHaveLength(2);
    expect((await outbox.list()).every((e) => e.state === 'sent')).toBe(true);
  });

  it('two drains at once (two processes on one state directory) send each notification once', async () => {
    slack = await startSlackEmulator({ rateLimitsEnabled: false });
    const dir = stateDir();
    const a = new NotificationOutbox(dir, { senders: [slackSender(slack)] });
    const b = new NotificationOutbox(dir, { senders: [slackSender(slack)] });
    for (const episodeKey of ['tu_1', 'tu_2', 'tu_3', 'tu_4']) {
      await a.enqueue(notification({ episodeKey }), [{ kind: 'slack-channel', channel: 'inside-sales' }]);
    }
    const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
    expect(ra.sent + rb.sent).toBe(4);
    expect(posted(slack).sort()).toEqual(
      ['tu_1', 'tu_2', 'tu_3', 'tu_4'].map((k) => `${k}|toss-up|C0INSIDESALES`),
    );
  });

  it('gives up after maxAttempts and never throws, even when a sender throws or the state is unwritable', async () => {
    const clock = steppedClock();
    const throwing: ChatSender = {
      accepts: () => true,
      send: () => {
        throw new Error('boom');
      },
    };
    const alwaysRetry: ChatSender = {
      accepts: () => true,
      send: async () => ({ status: 'retry', reason: 'http_503' }),
    };
    const a = new NotificationOutbox(stateDir(), { senders: [throwing], clock });
    await a.enqueue(notification(), [{ kind: 'slack-channel', channel: 'x' }]);
    expect((await a.drain()).unknown).toBe(1);
    const b = new NotificationOutbox(stateDir(), {
      senders: [alwaysRetry],
      clock,
      maxAttempts: 3,
      baseBackoffMs: 1000,
    });
    await b.enqueue(notification(), [{ kind: 'slack-channel', channel: 'x' }]);
    for (let i = 0; i < 3; i++) {
      await b.drain();
      clock.advance(3_600_000);
    }
    expect((await b.list())[0]).toMatchObject({ state: 'failed', attempts: 3, lastReason: 'http_503' });

    const ro = stateDir();
    // A file where the outbox directory should be: every read and write of the outbox fails.
    writeFileSync(join(ro, 'notifications'), 'not a directory');
    const broken = new NotificationOutbox(ro, { senders: [alwaysRetry], clock, lock: { timeoutMs: 200 } });
    await expect(
      broken.notify(notification(), [{ kind: 'slack-channel', channel: 'x' }]),
    ).resolves.toBeUndefined();
    await expect(broken.drain()).resolves.toMatchObject({ sent: 0 });
  });

  it('waits at least Retry-After (when longer than the back-off) before the next attempt', async () => {
    const clock = steppedClock();
    let calls = 0;
    const limited: ChatSender = {
      accepts: () => true,
      send: async () => {
        calls += 1;
        return calls === 1
          ? { status: 'retry', reason: 'ratelimited', retryAfterMs: 7_200_000 }
          : { status: 'sent' };
      },
    };
    const outbox = new NotificationOutbox(stateDir(), { senders: [limited], clock, baseBackoffMs: 1000 });
    await outbox.enqueue(notification(), [{ kind: 'slack-channel', channel: 'x' }]);
    expect((await outbox.drain()).retried).toBe(1);
    clock.advance(7_200_000 - 1);
    expect(await outbox.drain()).toMatchObject({ sent: 0, pending: 1 });
    clock.advance(1);
    expect(await outbox.drain()).toMatchObject({ sent: 1, pending: 0 });
    expect(calls).toBe(2);
  });

  it('a crash between send and mark does not send twice (child process SIGKILLed mid-send)', async () => {
    slack = await startSlackEmulator({ rateLimitsEnabled: false });
    const dir = stateDir();
    const outbox = new NotificationOutbox(dir, { senders: [slackSender(slack)] });
    await outbox.enqueue(notification({ episodeKey: 'tu_crash' }), [
      { kind: 'slack-channel', channel: 'field-sales' },
    ]);
    // Slack records the message, then holds the answer: the child dies before it can mark it sent.
    slack.app.faults.add({ route: 'chat.postMessage', fault: { kind: 'latency', delayMs: 30_000 } });
    const child = spawn(process.execPath, [CHILD, dir, slack.apiUrl], {
      env: { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: slack.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_c, sig) => resolve(sig)),
    );
    await expect.poll(() => slack!.messages.length, { timeout: 8000 }).toBe(1);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect((await outbox.list())[0]!.state).toBe('sending');

    slack.app.faults.clear();
    await outbox.enqueue(notification({ episodeKey: 'tu_after' }), [
      { kind: 'slack-channel', channel: 'field-sales' },
    ]);
    expect(await outbox.drain()).toEqual({ sent: 1, retried: 0, failed: 0, unknown: 1, pending: 0 });
    expect(await outbox.drain()).toEqual({ sent: 0, retried: 0, failed: 0, unknown: 0, pending: 0 });
    expect(posted(slack)).toEqual(['tu_crash|toss-up|C0FIELDSALES', 'tu_after|toss-up|C0FIELDSALES']);
    expect((await outbox.list()).find((e) => e.notification.episodeKey === 'tu_crash')).toMatchObject({
      state: 'unknown',
      lastReason: 'interrupted while sending',
    });
  });

  it('no token, webhook secret or personal data beyond name and company in any message or log', async () => {
    slack = await startSlackEmulator({ users: [REP], rateLimitsEnabled: false });
    teams = await startTeamsReceiver();
    let logs = '';
    const pinoLog = createLogger({
      level: 'debug',
      destination: new Writable({
        write(chunk, _enc, cb) {
          logs += chunk.toString();
          cb();
        },
      }),
    });
    // What our code hands to the logger, before the logger's own scrubbing (which must not be needed).
    let raw = '';
    const log = {
      info: (obj: Record<string, unknown>, msg: string) => {
        raw += `${JSON.stringify(obj)} ${msg}\n`;
        pinoLog.info(obj, msg);
      },
      warn: (obj: Record<string, unknown>, msg: string) => {
        raw += `${JSON.stringify(obj)} ${msg}\n`;
        pinoLog.warn(obj, msg);
      },
    };
    const clock = steppedClock();
    const outbox = new NotificationOutbox(stateDir(), {
      clock,
      log,
      senders: [
        new SlackSender({ token: slack.token, slackApiUrl: slack.apiUrl, retries: 0, timeoutMs: 2000, log }),
        new TeamsSender({ webhooks: teams.webhookUrls, log }),
      ],
    });
    const targets: NotificationTarget[] = [
      { kind: 'slack-channel', channel: 'field-sales' },
      { kind: 'slack-user', email: REP.email },
      { kind: 'teams-webhook', webhook: 'sales' },
    ];
    // One round with failures too, so error paths log as well.
    slack.app.faults.add({ route: 'chat.postMessage', count: 1, fault: { kind: 'status', status: 500 } });
    teams.app.faults.add({
      route: 'teams.webhook',
      count: 1,
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    });
    for (const event of ['toss-up', 'reminder', 'escalation', 'reassignment'] as const) {
      await outbox.notify(
        notification({ event, step: event, language: 'en', previousOwnerName: 'Ken' }),
        targets,
      );
    }
    for (let i = 0; i < 4; i++) {
      await outbox.drain();
      clock.advance(3_600_000);
    }
    expect(slack.messages).toHaveLength(8);
    expect(teams.cards).toHaveLength(4);
    expect(logs).toContain('notification sent');
    expect(logs).toContain('notification not sent');

    const secrets = [
      slack.token,
      ...Object.values(teams.webhookUrls).map((u) => new URL(u).searchParams.get('sig')!),
    ];
    const bodies = [...slack.messages.map((m) => m.body), ...teams.cards.map((c) => c.body)];
    for (const text of [...bodies, logs, raw]) {
      for (const s of secrets) expect(text).not.toContain(s);
      expect(text).not.toContain(REP.email);
      expect(text).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
      expect(text).not.toMatch(/\+?\d{2,4}-\d{2,4}-\d{3,4}/);
    }
    for (const b of bodies) expect(decodeURIComponent(b.replaceAll('+', ' '))).toContain('山田 太郎');
    // The lead's name reaches chat, not the logs.
    expect(logs).not.toContain('山田');
    expect(raw).not.toContain('山田');
  });
});
