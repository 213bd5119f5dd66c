import { afterEach, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { SlackSender } from '../../src/notify/adapters/slack-sender.ts';
import { notification } from './fixtures/notifications.ts';

let slack: SlackEmulator | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

const REP = { id: 'U0SATO', email: 'hanako.sato@example.co.jp', name: 'hanako' };

function sender(emu: SlackEmulator, token = emu.token): SlackSender {
  return new SlackSender({
    token,
    slackApiUrl: emu.apiUrl,
    retries: 2,
    minRetryDelayMs: 10,
    timeoutMs: 2000,
  });
}

describe('SlackSender against the Slack Web API emulator', () => {
  it('posts Block Kit to a team channel and to a rep found by e-mail (lookup cached)', async () => {
    slack = await startSlackEmulator({ users: [REP], rateLimitsEnabled: false });
    const s = sender(slack);
    expect(await s.send(notification(), { kind: 'slack-channel', channel: 'field-sales' })).toMatchObject({
      status: 'sent',
    });
    for (const step of ['remind-75', 'breach']) {
      const out = await s.send(notification({ step, event: 'reminder' }), {
        kind: 'slack-user',
        email: REP.email,
      });
      expect(out.status).toBe('sent');
    }
    expect(slack.messages.map((m) => m.channel)).toEqual(['C0FIELDSALES', 'DU0SATO', 'DU0SATO']);
    expect(slack.requests.filter((r) => r.method === 'users.lookupByEmail')).toHaveLength(1);
    expect(slack.messages[0]!.metadata?.event_payload).toMatchObject({
      episode_key: notification().episodeKey,
      step: 'toss-up',
    });
  });

  it('honours a 429 Retry-After: the retry arrives no earlier than Retry-After after the 429', async () => {
    // Slack's chat.postMessage limit: about one message per second per channel.
    slack = await startSlackEmulator();
    const s = sender(slack);
    const target = { kind: 'slack-channel', channel: 'C0FIELDSALES' } as const;
    const outcomes = await Promise.all([
      s.send(notification({ step: 'a' }), target),
      s.send(notification({ step: 'b' }), target),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['sent', 'sent']);
    const posts = slack.requests.filter((r) => r.method === 'chat.postMessage');
    const limited = posts.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThan(0);
    const refused = posts[limited]!;
    expect(refused.retryAfterSec).toBeGreaterThanOrEqual(1);
    const retry = posts[limited + 1]!;
    expect(retry.status).toBe(200);
    expect(retry.atMs - refused.atMs).toBeGreaterThanOrEqual(refused.retryAfterSec! * 1000);
    expect(s.rateLimitWaits).toEqual([refused.retryAfterSec]);
    expect(slack.messages).toHaveLength(2);
  });

  it("onRateLimit 'defer': a 429 ends the attempt as retry with Retry-After, without waiting in the client", async () => {
    slack = await startSlackEmulator();
    const s = new SlackSender({
      token: slack.token,
      slackApiUrl: slack.apiUrl,
      onRateLimit: 'defer',
      retries: 2,
    });
    const target = { kind: 'slack-channel', channel: 'C0FIELDSALES' } as const;
    expect((await s.send(notification({ step: 'a' }), target)).status).toBe('sent');
    const second = await s.send(notification({ step: 'b' }), target);
    expect(second).toMatchObject({ status: 'retry', reason: 'ratelimited' });
    const refused = slack.requests.at(-1)!;
    expect(refused.status).toBe(429);
    expect(second.status === 'retry' && second.retryAfterMs).toBe(refused.retryAfterSec! * 1000);
    expect(slack.requests.filter((r) => r.method === 'chat.postMessage')).toHaveLength(2);
    expect(s.rateLimitWaits).toEqual([]);
  });

  it('a 5xx outage is "retry" (nothing posted); permanent errors are "failed"', async () => {
    slack = await startSlackEmulator({ users: [REP], rateLimitsEnabled: false });
    slack.app.faults.add({
      route: 'chat.postMessage',
      fault: { kind: 'status', status: 503, body: 'upstream' },
    });
    const out = await sender(slack).send(notification(), { kind: 'slack-channel', channel: 'field-sales' });
    expect(out).toMatchObject({ status: 'retry', reason: 'http_503' });
    // The client's own short retries (retries: 2) ran before giving the step back to the outbox.
    expect(slack.requests.filter((r) => r.method === 'chat.postMessage')).toHaveLength(3);
    slack.app.faults.clear();
    expect(await sender(slack).send(notification(), { kind: 'slack-channel', channel: 'nope' })).toEqual({
      status: 'failed',
      reason: 'channel_not_found',
    });
    expect(
      await sender(slack, 'xoxb-wrong').send(notification(), {
        kind: 'slack-channel',
        channel: 'field-sales',
      }),
    ).toEqual({
      status: 'failed',
      reason: 'invalid_auth',
    });
    expect(
      await sender(slack).send(notification(), { kind: 'slack-user', email: 'nobody@example.com' }),
    ).toEqual({
      status: 'failed',
      reason: 'users_not_found',
    });
    expect(slack.messages).toHaveLength(0);
  });

  it('a timeout after the request left is "unknown" and is not retried by the client (at most once)', async () => {
    slack = await startSlackEmulator({ rateLimitsEnabled: false });
    slack.app.faults.add({ route: 'chat.postMessage', fault: { kind: 'timeout' } });
    const s = new SlackSender({
      token: slack.token,
      slackApiUrl: slack.apiUrl,
      retries: 3,
      minRetryDelayMs: 10,
      timeoutMs: 200,
    });
    const out = await s.send(notification(), { kind: 'slack-channel', channel: 'field-sales' });
    expect(out.status).toBe('unknown');
    expect(slack.app.counters.get('chat.postMessage')).toBe(1);
  });

  it('a refused connection is "retry"', async () => {
    slack = await startSlackEmulator();
    const apiUrl = slack.apiUrl;
    await slack.close();
    const s = new SlackSender({ token: 'xoxb-x', slackApiUrl: apiUrl, retries: 0, timeoutMs: 500 });
    expect(await s.send(notification(), { kind: 'slack-channel', channel: 'field-sales' })).toMatchObject({
      status: 'retry',
      reason: 'connection_failed',
    });
  });
});
