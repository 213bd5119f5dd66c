import { afterEach, describe, expect, it } from 'vitest';
import { startTeamsReceiver, type TeamsReceiver } from '../../emulators/chat/teams-receiver.ts';
import { retryAfter, TeamsSender } from '../../src/notify/adapters/teams-sender.ts';
import { notification } from './fixtures/notifications.ts';

let teams: TeamsReceiver | undefined;
afterEach(async () => {
  await teams?.close();
  teams = undefined;
});

const target = { kind: 'teams-webhook', webhook: 'sales' } as const;

describe('TeamsSender against the webhook receiver', () => {
  it('posts an Adaptive Card the receiver accepts (202)', async () => {
    teams = await startTeamsReceiver();
    const out = await new TeamsSender({ webhooks: teams.webhookUrls }).send(
      notification({ language: 'en' }),
      target,
    );
    expect(out).toEqual({ status: 'sent' });
    expect(teams.cards).toHaveLength(1);
    expect(teams.statuses).toEqual([202]);
  });

  it('429 and 5xx are "retry" (with Retry-After); unknown webhook and a bad signature are "failed"', async () => {
    teams = await startTeamsReceiver();
    teams.app.faults.add({
      route: 'teams.webhook',
      count: 1,
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '7' } },
    });
    teams.app.faults.add({ route: 'teams.webhook', count: 1, fault: { kind: 'status', status: 502 } });
    const s = new TeamsSender({
      webhooks: { ...teams.webhookUrls, forged: teams.webhookUrls.sales!.replace(/sig=\w+/, 'sig=0') },
    });
    expect(await s.send(notification(), target)).toEqual({
      status: 'retry',
      reason: 'http_429',
      retryAfterMs: 7000,
    });
    expect(await s.send(notification(), target)).toEqual({ status: 'retry', reason: 'http_502' });
    expect(await s.send(notification(), { kind: 'teams-webhook', webhook: 'forged' })).toEqual({
      status: 'failed',
      reason: 'http_401',
    });
    expect((await s.send(notification(), { kind: 'teams-webhook', webhook: 'missing' })).status).toBe(
      'failed',
    );
    expect(teams.cards).toHaveLength(0);
    expect(await s.send(notification(), target)).toEqual({ status: 'sent' });
  });

  it('a timeout is aborted and "unknown" (the card may have been posted)', async () => {
    teams = await startTeamsReceiver();
    teams.app.faults.add({ route: 'teams.webhook', fault: { kind: 'timeout' } });
    const out = await new TeamsSender({ webhooks: teams.webhookUrls, timeoutMs: 200 }).send(
      notification(),
      target,
    );
    expect(out.status).toBe('unknown');
    // The client closed the held request (AbortSignal), it did not leave it open.
    await expect.poll(() => teams!.app.abandoned.length).toBe(1);
  });

  it('Retry-After as seconds or HTTP date', () => {
    expect(retryAfter('3')).toBe(3000);
    expect(retryAfter('Wed, 02 Dec 2026 09:00:10 GMT', Date.parse('2026-12-02T09:00:00Z'))).toBe(10_000);
    expect(retryAfter(null)).toBeUndefined();
  });
});
