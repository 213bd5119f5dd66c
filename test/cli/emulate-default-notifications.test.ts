import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulators } from '../../emulators/start-emulators.ts';
import { executeSweep } from '../../src/cli/commands/sweep.ts';
import { syncCommand } from '../../src/cli/commands/sync.ts';

/**
 * `tossup emulate`, then `tossup sync --crm hubspot` and `tossup sweep --crm hubspot` with the env it
 * prints and nothing else: the bundled notifications.yaml names pools of the bundled routing.yaml
 * that emulate's generated routing file lacks. That is one warning, not exit 2.
 */

const dir = mkdtempSync(join(tmpdir(), 'tossup-emulate-notifications-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io(env: Record<string, string>) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => {
    text += d;
  });
  return { io: { env, stdout: out, stderr: out, profileFiles: [] }, text: () => text };
}

describe('tossup emulate + sync + sweep with the bundled notifications.yaml', () => {
  it('both exit 0 and warn once about the pools the generated routing file lacks', async () => {
    const emulators = await startEmulators({
      leads: 40,
      seed: 3,
      rateLimits: false,
      workDir: join(dir, 'emu'),
    });
    try {
      const env = {
        ...emulators.info.env,
        TOSSUP_STATE_DIR: join(dir, 'state'),
        TOSSUP_RUNS_DIR: join(dir, 'runs'),
        TOSSUP_LOCALE: 'en',
        NO_COLOR: '1',
      };
      const sync = io(env);
      expect(await syncCommand({ crm: 'hubspot' }, sync.io), sync.text()).toBe(0);
      const sweep = io(env);
      const { exitCode } = await executeSweep({ crm: 'hubspot' }, sweep.io);
      expect(exitCode, sweep.text()).toBe(0);
      for (const text of [sync.text(), sweep.text()]) {
        expect(text.match(/name pools your routing file does not have/g), text).toHaveLength(1);
        expect(text).toContain('fs_kanto_enterprise');
        expect(text).not.toContain('unknown pool');
      }
    } finally {
      await emulators.close();
    }
  }, 120_000);
});
