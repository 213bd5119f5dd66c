import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_NOTIFICATIONS_FILE, loadNotificationsFile } from '../../src/cli/notifications-file.ts';
import { ConfigError } from '../../src/domain/errors.ts';
import { notificationTargets } from '../../src/notify/notification-targets.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { routingYaml } from '../sweep/crm-sweep.contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'tossup-notifications-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A routing file with one pool, `fs` (as `tossup emulate`'s or an org's own has other pools than the bundled one).
const routing = parseRoutingConfig(
  routingYaml('hubspot', { r1: '1', r3: '3', r4: '4', m1: '9', other: '8' }),
  'routing.yaml',
  { crm: 'hubspot' },
);

describe('notifications.yaml for sync and sweep', () => {
  it('the bundled default with another routing file: unknown pools are one warning, the rest applies', () => {
    const { config, warnings } = loadNotificationsFile(BUNDLED_NOTIFICATIONS_FILE, routing);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('fs_kanto_enterprise');
    expect(warnings[0]).toContain('fs_regional');
    expect(warnings[0]).toContain('TOSSUP_NOTIFICATIONS');
    const t = notificationTargets(config, routing);
    expect(t.sends('toss-up')).toBe(true);
    // An owner of pool `fs` goes to the default channel.
    expect(t.targetsFor('toss-up', { owner: { id: '1', key: 'r1', poolId: 'fs' }, manager: null })).toEqual([
      { kind: 'slack-channel', channel: '#inside-sales' },
    ]);
  });

  it('the same file chosen by the admin must name routing.yaml pools (an error naming the pool)', () => {
    const own = join(dir, 'notifications.yaml');
    copyFileSync(BUNDLED_NOTIFICATIONS_FILE, own);
    expect(() => loadNotificationsFile(own, routing)).toThrow(ConfigError);
    expect(() => loadNotificationsFile(own, routing)).toThrow(/unknown pool "fs_kanto_enterprise"/);
  });

  it('no file: no chat, no warning', () => {
    const { config, warnings } = loadNotificationsFile(join(dir, 'none.yaml'), routing);
    expect(warnings).toEqual([]);
    expect(notificationTargets(config, routing).sends('toss-up')).toBe(false);
  });
});
