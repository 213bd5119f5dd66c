import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { type SlackEmulator, startSlackEmulator } from '../../emulators/chat/slack-emulator.ts';
import { signatureV3, WebhookSender } from '../../emulators/hubspot/webhook-sender.ts';
import { LISTEN_ENV, listenCommand } from '../../src/cli/commands/listen.ts';
import { type CrmUnderTest, FaultLab } from '../faults/lab.ts';

/**
 * `tossup listen --crm hubspot` against the HubSpot emulator, whose webhook sender posts signed
 * batches to the listener: a change becomes a flag and a task while the listener runs; our own
 * writes, unread properties and bad signatures are not acted on; a redelivery is acted on once; and
 * what changed while the listener was down arrives with the sender's retries after a restart.
 */

const workDir = mkdtempSync(join(tmpdir(), 'tossup-listen-'));
const lab = new FaultLab({ leads: 60, seed: 11, workDir });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const CLIENT_SECRET = 'listen-test-client-secret';
const PATH = '/webhooks/hubspot';

interface Running {
  url: string;
  stop(): Promise<number>;
  output(): string;
}

// Toss-up notices to the team channel (every pool falls back to the default channel).
const NOTIFICATIONS = `version: 1
language: en
events:
  toss-up: { team: true, dm: [] }
slack:
  channels: {}
  defaultChannel: "#field-sales"
`;

function chatEnv(cut: CrmUnderTest, slack: SlackEmulator): Record<string, string> {
  const file = join(cut.dir, 'notifications.yaml');
  writeFileSync(file, NOTIFICATIONS);
  return {
    TOSSUP_NOTIFICATIONS: file,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    TOSSUP_HUBSPOT_PORTAL_ID: String(hubspot(cut).portalId),
  };
}

async function listen(
  cut: CrmUnderTest,
  port: number,
  appId: number,
  extraEnv: Record<string, string>,
): Promise<Running> {
  const stop = new AbortController();
  const out = new PassThrough();
  let output = '';
  out.on('data', (d) => {
    output += d;
  });
  let ready: (url: string) => void = () => undefined;
  const listening = new Promise<string>((resolve) => {
    ready = resolve;
  });
  const done = listenCommand(
    { crm: 'hubspot', port },
    {
      env: {
        ...cut.env(),
        [LISTEN_ENV.clientSecret]: CLIENT_SECRET,
        [LISTEN_ENV.appId]: String(appId),
        TOSSUP_LOCALE: 'en',
        ...extraEnv,
      },
      stdout: out,
      stderr: out,
      profileFiles: [],
      signal: stop.signal,
      onListening: ready,
    },
  );
  const url = await Promise.race([
    listening,
    done.then((code) => Promise.reject(new Error(`exited ${code}: ${output}`))),
  ]);
  return {
    url,
    output: () => output,
    async stop() {
      stop.abort();
      return done;
    },
  };
}

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

function tasksFor(cut: CrmUnderTest, contactId: string): string[] {
  const store = hubspot(cut).store;
  return store
    .list('tasks')
    .filter((t) => t.props.tossup_task_key)
    .filter((t) => store.associationsOf('tasks', t.id, 'contacts').some((a) => a.to === contactId))
    .map((t) => t.id);
}

function decisionOf(cut: CrmUnderTest, contactId: string) {
  const props = hubspot(cut).store.get('contacts', contactId)?.props;
  return { key: props?.tossup_decision_key ?? null, flag: props?.tossup_flag ?? null };
}

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('tossup listen --crm hubspot', () => {
  it('decides changes at once, ignores echoes, unread properties and bad signatures, survives a restart', async () => {
    const cut = await lab.start('hubspot', 'listen');
    const hs = hubspot(cut);
    const appId = 4242;
    const slack = await startSlackEmulator({ rateLimitsEnabled: false });
    const extraEnv = chatEnv(cut, slack);
    let listener = await listen(cut, 0, appId, extraEnv);
    const port = Number(new URL(listener.url).port);
    const sender = new WebhookSender({
      targetUrl: `${listener.url}${PATH}`,
      clientSecret: CLIENT_SECRET,
      portalId: hs.portalId,
      appId,
      clock: hs.clock,
      subscriptions: ['contact.creation', 'contact.propertyChange', 'company.propertyChange'],
      retryDelayMs: () => 150,
      maxAttempts: 60,
    });
    const detach = sender.attach(hs.store);
    try {
      // A rep raises the MA score of a handful of contacts in the CRM: each is decided and written.
      const contacts = hs.store
        .list('contacts')
        .slice(0, 12)
        .map((c) => c.id);
      for (const id of contacts) raiseScore(hs, id);
      await sender.idle();
      for (const id of contacts) expect(decisionOf(cut, id).key, listener.output()).not.toBeNull();
      const tossedUp = contacts.filter((id) => decisionOf(cut, id).flag === 'yes');
      expect(tossedUp.length, 'a contact with a top MA score is tossed up').toBeGreaterThan(0);
      for (const id of tossedUp) expect(tasksFor(cut, id)).toHaveLength(1);
      // One toss-up notice per toss-up, sent by the time the request was answered.
      const taskKeys = hs.store
        .list('tasks')
        .map((t) => t.props.tossup_task_key)
        .filter(Boolean);
      expect(slack.messages.map((m) => String(m.metadata?.event_payload.episode_key)).sort()).toEqual(
        [...taskKeys].sort(),
      );
      expect(sender.deliveries.every((d) => d.delivered)).toBe(true);

      // Our own writes came back as webhooks (INTEGRATION, our app id) and were not acted on.
      await sender.idle();
      expect(listener.output()).toMatch(/"ownWrites":[1-9]/);
      // A write with our token to a property rules read: one call (the write), no read, no decision.
      const own = contacts[0]!;
      const keyBefore = decisionOf(cut, own).key;
      const callsBeforeOwn = cut.calls();
      const patched = await fetch(`${hs.basePath}/crm/v3/objects/contacts/${own}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${hs.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { ma_behaviour_score: '0' } }),
      });
      expect(patched.status).toBe(200);
      await sender.idle();
      expect(cut.calls()).toBe(callsBeforeOwn + 1);
      expect(decisionOf(cut, own).key).toBe(keyBefore);

      // A property no rule reads: acknowledged, nothing read or written.
      const before = cut.calls();
      hs.store.update('contacts', contacts[1]!, { website: 'https://example.com/about' });
      await sender.idle();
      expect(cut.calls()).toBe(before);

      // A bad signature: 401, nothing processed.
      const body = JSON.stringify([
        {
          eventId: 1,
          subscriptionType: 'contact.creation',
          objectId: Number(contacts[2]),
          portalId: hs.portalId,
        },
      ]);
      const ts = Date.now();
      const bad = await fetch(`${listener.url}${PATH}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hubspot-signature-v3': signatureV3('not-the-secret', 'POST', `${listener.url}${PATH}`, body, ts),
          'x-hubspot-request-timestamp': String(ts),
        },
        body,
      });
      expect(bad.status).toBe(401);
      expect(cut.calls()).toBe(before);

      // A redelivery of an event already acted on (same event id, re-signed): no second task.
      const first = tossedUp[0]!;
      const tasksBefore = hs.store.list('tasks').length;
      const replayBody = JSON.stringify([
        {
          eventId: 7_000_001,
          subscriptionType: 'contact.propertyChange',
          objectId: Number(first),
          portalId: hs.portalId,
          propertyName: 'ma_behaviour_score',
          changeSource: 'CRM_UI',
        },
      ]);
      for (let i = 0; i < 2; i++) {
        const at = Date.now();
        const res = await fetch(`${listener.url}${PATH}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hubspot-signature-v3': signatureV3(
              CLIENT_SECRET,
              'POST',
              `${listener.url}${PATH}`,
              replayBody,
              at,
            ),
            'x-hubspot-request-timestamp': String(at),
          },
          body: replayBody,
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { accepted: number }).accepted).toBe(i === 0 ? 1 : 0);
      }
      expect(hs.store.list('tasks').length).toBe(tasksBefore);
      expect(tasksFor(cut, first)).toHaveLength(1);

      // A company change (account-level trigger): the contacts whose primary company it is are decided.
      const decided = new Set(contacts);
      const company = hs.store.list('companies').find((c) => {
        const people = hs.store.associationsOf('companies', c.id, 'contacts').map((a) => a.to);
        return people.length > 0 && people.every((p) => !decided.has(p) && decisionOf(cut, p).key === null);
      });
      expect(company, 'a company none of whose contacts was decided yet').toBeDefined();
      const people = hs.store.associationsOf('companies', company!.id, 'contacts').map((a) => a.to);
      hs.store.update('companies', company!.id, { lifecyclestage: 'customer' });
      await sender.idle();
      for (const id of people) expect(decisionOf(cut, id).key, listener.output()).not.toBeNull();

      // The listener stops; changes made meanwhile are retried by the sender and decided after restart.
      expect(await listener.stop()).toBe(0);
      const later = hs.store
        .list('contacts')
        .slice(20, 26)
        .map((c) => c.id);
      for (const id of later) raiseScore(hs, id);
      await until('a failed delivery', () => sender.deliveries.some((d) => !d.delivered));
      listener = await listen(cut, port, appId, extraEnv);
      await sender.idle();
      for (const id of later) expect(decisionOf(cut, id).key, listener.output()).not.toBeNull();
      for (const id of later.filter((c) => decisionOf(cut, c).flag === 'yes'))
        expect(tasksFor(cut, id)).toHaveLength(1);
    } finally {
      detach();
      await sender.close();
      await listener.stop().catch(() => undefined);
      await cut.close();
      await slack.close();
    }
  }, 120_000);

  it('refuses to start without the client secret, or Salesforce without its login (exit 2, nothing listening)', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => {
      text += d;
    });
    const io = { env: {}, stdout: out, stderr: out, profileFiles: [] };
    expect(await listenCommand({ crm: 'hubspot', port: 0 }, io)).toBe(2);
    expect(text).toContain(LISTEN_ENV.clientSecret);
    // Salesforce needs no webhook secret (change events come over the Streaming API), but its login.
    text = '';
    expect(await listenCommand({ crm: 'salesforce' }, io)).toBe(2);
    expect(text).not.toContain(LISTEN_ENV.clientSecret);
    expect(text).toContain('TOSSUP_SALESFORCE_');
  });
});
