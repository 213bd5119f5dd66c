import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { notificationTargets } from '../../src/notify/notification-targets.ts';
import { parseNotificationsConfig } from '../../src/notify/notifications-config.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const routing = parseRoutingConfig(readFileSync(`${ROOT}mappings/routing.yaml`, 'utf8'));
const shipped = parseNotificationsConfig(readFileSync(`${ROOT}mappings/notifications.yaml`, 'utf8'));

const config = (yaml: string) => parseNotificationsConfig(`version: 1\n${yaml}`, 'test.yaml', { routing });

describe('notificationTargets (notifications.yaml + routing.yaml → chat targets)', () => {
  it('the shipped file: toss-up to the pool channel and the owner by e-mail; escalation to the manager', () => {
    const t = notificationTargets(shipped, routing);
    expect(t.language).toBe('ja');
    const owner = { id: '005000000000001AAA', key: 'u001', poolId: 'fs_kanto' };
    const manager = { id: '005000000000003AAA', key: 'u003' };
    expect(t.targetsFor('toss-up', { owner, manager, poolId: 'fs_kanto' })).toEqual([
      { kind: 'slack-channel', channel: '#field-sales' },
      { kind: 'slack-user', email: 'ken.sato@example.co.jp' },
    ]);
    expect(t.targetsFor('reminder', { owner, manager })).toEqual([
      { kind: 'slack-user', email: 'ken.sato@example.co.jp' },
    ]);
    expect(t.targetsFor('escalation', { owner, manager })).toEqual([
      { kind: 'slack-channel', channel: '#field-sales' },
      { kind: 'slack-user', email: 'makoto.takahashi@example.co.jp' },
    ]);
  });

  it('finds a rep by Salesforce id (15 or 18 characters) or HubSpot owner id when the key is unknown', () => {
    const t = notificationTargets(
      config('slack: {}\nevents:\n  reminder: { dm: [owner, manager] }\n'),
      routing,
    );
    expect(
      t.targetsFor('reminder', { owner: { id: '005000000000008' }, manager: { id: '90000011' } }),
    ).toEqual([
      { kind: 'slack-user', email: 'aya.nakamura@example.co.jp' },
      { kind: 'slack-user', email: 'megumi.yoshida@example.co.jp' },
    ]);
  });

  it('a rep without e-mail, no manager, or an event left out: no target for them', () => {
    const t = notificationTargets(config('slack: {}\nevents:\n  escalation: { dm: [owner, manager] }\n'), {
      reps: [{ key: 'x', name: 'X', active: true, away: [] }],
    });
    expect(t.targetsFor('escalation', { owner: { id: '1', key: 'x' }, manager: null })).toEqual([]);
    expect(t.targetsFor('toss-up', { owner: { id: '1', key: 'x' }, manager: null })).toEqual([]);
    expect(t.sends('escalation')).toBe(true);
    expect(t.sends('toss-up')).toBe(false);
  });

  it('per pool Slack channel and Teams webhook, defaults for other owners, "off" sends nothing', () => {
    const t = notificationTargets(
      config(
        [
          'language: en',
          'events:',
          '  toss-up: { team: true }',
          '  reassignment: off',
          'slack:',
          '  channels: { fs_kansai: "C0KANSAI01" }',
          'teams:',
          '  webhooks: { fs_kansai: kansai }',
          '  defaultWebhook: sales',
        ].join('\n'),
      ),
      routing,
    );
    expect(t.language).toBe('en');
    const owner = { id: '90000004', poolId: 'fs_kansai' };
    expect(t.targetsFor('toss-up', { owner, manager: null })).toEqual([
      { kind: 'slack-channel', channel: 'C0KANSAI01' },
      { kind: 'teams-webhook', webhook: 'kansai' },
    ]);
    // NotifyWho.poolId wins over the owner's (a reassignment names the pool it picked from).
    expect(t.targetsFor('toss-up', { owner, manager: null, poolId: 'inside_sales' })).toEqual([
      { kind: 'teams-webhook', webhook: 'sales' },
    ]);
    expect(t.targetsFor('reassignment', { owner, manager: null })).toEqual([]);
    expect(t.sends('reassignment')).toBe(false);
  });

  it('the same person as owner and manager gets one message', () => {
    const t = notificationTargets(
      config('slack: {}\nevents:\n  escalation: { dm: [owner, manager] }\n'),
      routing,
    );
    const u = { id: '005000000000011AAA', key: 'u011' };
    expect(t.targetsFor('escalation', { owner: u, manager: u })).toEqual([
      { kind: 'slack-user', email: 'megumi.yoshida@example.co.jp' },
    ]);
  });
});
