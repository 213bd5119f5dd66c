import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { signatureV3, WebhookSender } from '../../emulators/hubspot/webhook-sender.ts';
import { LISTEN_ENV } from '../../src/cli/commands/listen.ts';
import { type CrmUnderTest, FaultLab } from '../faults/lab.ts';

/**
 * Issue 16's must-shows for HubSpot with `tossup listen` run as the operator runs it (a child process,
 * killed with a real SIGKILL): create, update as a multi-record batch, delete (archive), undelete
 * (restore), a redelivery across a restart not acted on again (event ids in the state directory),
 * the changes made while the listener was dead arriving with the sender's retries (none lost, none
 * decided twice), and HubSpot's "gap" — the sender gave up after its retries — closed by the next
 * scheduled sync. Own writes and unread properties: test/listen/listen-hubspot.test.ts.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'src/cli/main.ts');
const workDir = mkdtempSync(join(tmpdir(), 'tossup-listen-must-'));
const lab = new FaultLab({ leads: 40, seed: 12, workDir });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const CLIENT_SECRET = 'listen-must-show-secret';
const PATH = '/webhooks/hubspot';
const APP_ID = 4343;

function hubspot(cut: CrmUnderTest) {
  if (cut.handle.kind !== 'hubspot') throw new Error('hubspot only');
  return cut.handle.emulator;
}

/**
 * A rep raises a contact's MA score to 100 (to 101 where it already is 100: a property set to its own
 * value changes nothing, and HubSpot sends no propertyChange for it; the lab's world is as of now, so
 * which contacts are picked moves with the clock).
 */
function raiseScore(hs: ReturnType<typeof hubspot>, id: string): void {
  const now = hs.store.valueOf(hs.store.get('contacts', id)!, 'ma_behaviour_score');
  hs.store.update('contacts', id, { ma_behaviour_score: now === '100' ? '101' : '100' });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function shellEnv(): Record<string, string> {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const v = process.env[k];
    if (v !== undefined) base[k] = v;
  }
  return base;
}

/** `tossup listen --crm hubspot --port <port>` as a child process; resolves once it listens. */
async function listenChild(
  cut: CrmUnderTest,
  port: number,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'listen', '--crm', 'hubspot', '--port', String(port)], {
    cwd: cut.dir,
    env: {
      ...shellEnv(),
      ...cut.env(),
      [LISTEN_ENV.clientSecret]: CLIENT_SECRET,
      [LISTEN_ENV.appId]: String(APP_ID),
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (d: Buffer) => {
    output += d.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (output.includes('receiving HubSpot webhooks')) {
        clearInterval(check);
        resolve();
      }
    }, 25);
    child.once('exit', (code, signal) => {
      clearInterval(check);
      reject(new Error(`listener exited (${code ?? signal}): ${output}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, output: () => output };
}

async function sigkill(child: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

function decisionOf(cut: CrmUnderTest, contactId: string) {
  const props = hubspot(cut).store.get('contacts', contactId)?.props;
  return { key: props?.tossup_decision_key ?? null, flag: props?.tossup_flag ?? null };
}

function tasksFor(cut: CrmUnderTest, contactId: string): number {
  const store = hubspot(cut).store;
  return store
    .list('tasks')
    .filter((t) => t.props.tossup_task_key)
    .filter((t) => store.associationsOf('tasks', t.id, 'contacts').some((a) => a.to === contactId)).length;
}

async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One signed webhook batch posted by hand (the sender's own events have their own ids). */
async function post(
  url: string,
  events: Record<string, unknown>[],
): Promise<{ status: number; accepted: number }> {
  const body = JSON.stringify(events);
  const at = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signatureV3(CLIENT_SECRET, 'POST', url, body, at),
      'x-hubspot-request-timestamp': String(at),
    },
    body,
  });
  const json = (await res.json().catch(() => ({}))) as { accepted?: number };
  return { status: res.status, accepted: json.accepted ?? -1 };
}

describe('tossup listen --crm hubspot: the must-shows, with a real SIGKILL', () => {
  it('create, multi-record update, delete, undelete, restart replay, gap', async () => {
    const cut = await lab.start('hubspot', 'listen-must-show');
    const hs = hubspot(cut);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}${PATH}`;
    let listener = await listenChild(cut, port);
    const subscriptions = [
      'contact.creation',
      'contact.propertyChange',
      'contact.deletion',
      'contact.restore',
    ] as const;
    const newSender = (maxAttempts: number) =>
      new WebhookSender({
        targetUrl: url,
        clientSecret: CLIENT_SECRET,
        portalId: hs.portalId,
        appId: APP_ID,
        clock: hs.clock,
        subscriptions: [...subscriptions],
        retryDelayMs: () => 200,
        maxAttempts,
      });
    let sender = newSender(400);
    let detach = sender.attach(hs.store);
    const updates = () => hs.app.counters.get('hs.contacts.batch.update') ?? 0;
    try {
      // Update: four contacts in one batch (one POST naming them all), each decided once.
      const contacts = hs.store.list('contacts').map((c) => c.id);
      const batch = contacts.slice(0, 4);
      for (const id of batch) raiseScore(hs, id);
      await sender.idle();
      expect(
        sender.deliveries.some((d) => d.eventIds.length >= 4),
        'one delivery carried the batch',
      ).toBe(true);
      for (const id of batch) expect(decisionOf(cut, id).key, listener.output()).not.toBeNull();
      for (const id of batch.filter((c) => decisionOf(cut, c).flag === 'yes'))
        expect(tasksFor(cut, id)).toBe(1);

      // Create: a new contact is decided.
      const created = hs.store.create('contacts', {
        email: 'new.person@example.co.jp',
        jobtitle: '代表取締役',
        ma_behaviour_score: '100',
      }).id;
      await sender.idle();
      expect(decisionOf(cut, created).key, listener.output()).not.toBeNull();

      // Delete: nothing to decide, no CRM call (an open episode is closed by the next sweep, which
      // finds the record gone). Undelete: the contact is read again; its inputs are those of its last
      // decision, so nothing is decided or written.
      const gone = batch[0]!;
      const callsBeforeDelete = cut.calls();
      hs.store.archive('contacts', gone);
      await sender.idle();
      expect(cut.calls()).toBe(callsBeforeDelete);
      const writesBeforeRestore = updates();
      expect(hs.store.restore('contacts', gone)).toBe(true);
      await sender.idle();
      expect(cut.calls()).toBeGreaterThan(callsBeforeDelete); // read
      expect(updates()).toBe(writesBeforeRestore); // nothing written
      expect(decisionOf(cut, gone).key).not.toBeNull();

      // An event handled before a real SIGKILL is not acted on again after the restart.
      const replay = [
        {
          eventId: 8_100_001,
          subscriptionType: 'contact.propertyChange',
          objectId: Number(batch[1]),
          portalId: hs.portalId,
          propertyName: 'ma_behaviour_score',
          changeSource: 'CRM_UI',
        },
      ];
      expect(await post(url, replay)).toEqual({ status: 200, accepted: 1 });
      await sigkill(listener.child);

      // Changes while the listener is dead: the sender keeps retrying them.
      const whileDown = contacts.slice(10, 14);
      for (const id of whileDown) raiseScore(hs, id);
      await until('a failed delivery', () => sender.deliveries.some((d) => !d.delivered));
      const writesBeforeRestart = updates();
      listener = await listenChild(cut, port);
      await sender.idle();
      for (const id of whileDown) expect(decisionOf(cut, id).key, listener.output()).not.toBeNull();
      for (const id of whileDown.filter((c) => decisionOf(cut, c).flag === 'yes'))
        expect(tasksFor(cut, id)).toBe(1);
      // None decided twice: one write per contact at most (a contact may need none).
      expect(updates() - writesBeforeRestart).toBeLessThanOrEqual(whileDown.length);
      const callsBeforeReplay = cut.calls();
      expect(await post(url, replay)).toEqual({ status: 200, accepted: 0 });
      expect(cut.calls()).toBe(callsBeforeReplay);
      for (const id of batch.filter((c) => decisionOf(cut, c).flag === 'yes'))
        expect(tasksFor(cut, id)).toBe(1);

      // The gap: HubSpot has no gap event; a sender that gives up after its retries drops the change.
      detach();
      await sender.close();
      sender = newSender(2);
      detach = sender.attach(hs.store);
      await sigkill(listener.child);
      const missed = contacts[20]!;
      raiseScore(hs, missed);
      await sender.idle();
      expect(sender.deliveries.some((d) => !d.delivered && d.eventIds.length > 0)).toBe(true);
      expect(decisionOf(cut, missed).key).toBeNull();
      // The next scheduled sync reconciles: it reads what changed and decides it.
      cut.advanceClock();
      const sync = await cut.sync().done;
      expect(sync.exitCode, sync.output).toBe(0);
      expect(decisionOf(cut, missed).key).not.toBeNull();
      listener = await listenChild(cut, port);
    } finally {
      detach();
      await sender.close();
      if (listener.child.exitCode === null && listener.child.signalCode === null)
        await sigkill(listener.child);
      await cut.close();
    }
  }, 240_000);
});
