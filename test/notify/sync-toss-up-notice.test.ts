import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { executeSweep } from '../../src/cli/commands/sweep.ts';
import { syncCommand } from '../../src/cli/commands/sync.ts';
import { type Clock, clockStartingAt } from '../../src/ports/clock.ts';
import { NotificationOutbox } from '../../src/state/notification-outbox.ts';
import { type CrmUnderTest, FaultLab } from '../faults/lab.ts';

/**
 * `tossup sync --crm hubspot` against the HubSpot emulator (real @hubspot/api-client) and the Slack
 * emulator (real @slack/web-api): one `toss-up` message per new toss-up, none on a re-run, none in a
 * dry run; a Slack outage during the sync loses nothing and the next sweep posts what was left; no
 * e-mail address or phone number in any message.
 */

const workDir = mkdtempSync(join(tmpdir(), 'tossup-sync-notice-'));
const lab = new FaultLab({ leads: 80, seed: 5, workDir });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// Toss-ups only, to the team channel; every owner's pool falls back to the default channel.
const NOTIFICATIONS = `version: 1
language: en
events:
  toss-up: { team: true, dm: [] }
slack:
  channels: {}
  defaultChannel: "#field-sales"
`;

function env(cut: CrmUnderTest, slack: SlackEmulator): Record<string, string> {
  const file = join(cut.dir, 'notifications.yaml');
  writeFileSync(file, NOTIFICATIONS);
  return {
    ...cut.env(),
    TOSSUP_NOTIFICATIONS: file,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    // The deep link of each message needs the portal id (HubSpot builds no link without it).
    ...(cut.handle.kind === 'hubspot'
      ? { TOSSUP_HUBSPOT_PORTAL_ID: String(cut.handle.emulator.portalId) }
      : {}),
    TOSSUP_LOCALE: 'en',
    NO_COLOR: '1',
  };
}

async function sync(
  cut: CrmUnderTest,
  e: Record<string, string>,
  opts: { dryRun?: boolean } = {},
): Promise<{ code: number; output: string }> {
  cut.advanceClock();
  const out = new PassThrough();
  let output = '';
  out.on('data', (d) => {
    output += d;
  });
  const code = await syncCommand(
    { crm: 'hubspot', ...opts },
    { env: e, stdout: out, stderr: out, profileFiles: [] },
  );
  return { code, output };
}

async function sweep(e: Record<string, string>, clock: Clock): Promise<{ code: number; output: string }> {
  const out = new PassThrough();
  let output = '';
  out.on('data', (d) => {
    output += d;
  });
  const { exitCode } = await executeSweep(
    { crm: 'hubspot' },
    { env: e, stdout: out, stderr: out, profileFiles: [], clock },
  );
  return { code: exitCode, output };
}

/** Toss-up task keys as the emulator holds them. */
function taskKeys(cut: CrmUnderTest): string[] {
  if (cut.handle.kind !== 'hubspot') throw new Error('hubspot only');
  return cut.handle.emulator.store
    .list('tasks')
    .map((t) => t.props.tossup_task_key)
    .filter((k): k is string => Boolean(k));
}

/** The episode key of each posted toss-up message (Slack message metadata). */
function postedKeys(slack: SlackEmulator): string[] {
  return slack.messages.map((m) => String(m.metadata?.event_payload.episode_key));
}

describe('hubspot: tossup sync posts the toss-up notice', () => {
  it('one message per new toss-up; none in a dry run or on a re-run; an outage loses none; no e-mail or phone', async () => {
    const cut = await lab.start('hubspot', 'notice');
    const slack = await startSlackEmulator({ rateLimitsEnabled: false });
    try {
      const e = env(cut, slack);

      const dry = await sync(cut, e, { dryRun: true });
      expect(dry.code, dry.output).toBe(0);
      expect(slack.messages).toHaveLength(0);
      expect(await new NotificationOutbox(e.TOSSUP_STATE_DIR!, { senders: [] }).list()).toHaveLength(0);

      // Slack is down for the whole first sync: the CRM work is done, the notices wait.
      slack.app.faults.add({ route: 'chat.postMessage', fault: { kind: 'status', status: 503 } });
      const first = await sync(cut, e);
      expect(first.code, first.output).toBe(0);
      const tasks = taskKeys(cut);
      expect(tasks.length).toBeGreaterThan(0);
      expect(slack.messages).toHaveLength(0);
      const queued = await new NotificationOutbox(e.TOSSUP_STATE_DIR!, { senders: [] }).list();
      expect(queued.map((q) => q.notification.episodeKey).sort()).toEqual([...tasks].sort());
      expect(queued.every((q) => q.state === 'pending' && q.notification.step === 'toss-up')).toBe(true);

      // Slack is back; the next sweep (past the outbox's back-off) posts every one, once.
      slack.app.faults.clear();
      const later = clockStartingAt(Date.now() + 2 * 3600_000);
      const swept = await sweep(e, later);
      expect([0, 3], swept.output).toContain(swept.code);
      expect(slack.messages).toHaveLength(tasks.length);
      expect(new Set(postedKeys(slack))).toEqual(new Set(tasks));

      // A re-run queues and posts nothing more.
      const again = await sync(cut, e);
      expect(again.code, again.output).toBe(0);
      expect(taskKeys(cut)).toHaveLength(tasks.length);
      expect(slack.messages).toHaveLength(tasks.length);

      // Name and company only: no e-mail address or phone number in any request Slack received.
      for (const r of slack.requests.filter((q) => q.method === 'chat.postMessage')) {
        const body = decodeURIComponent(r.body);
        expect(body).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.-]+/);
        expect(body).not.toMatch(/\b0\d{1,4}-\d{1,4}-\d{3,4}\b|\+81/);
      }
    } finally {
      await slack.close();
      await cut.close();
    }
  }, 240_000);
});
