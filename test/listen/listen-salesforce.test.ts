import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { listenCommand, replayCursorKey } from '../../src/cli/commands/listen.ts';
import { type CrmUnderTest, FaultLab, REPO_ROOT } from '../faults/lab.ts';

/**
 * `tossup listen --crm salesforce` against the Salesforce emulator: Change Data Capture over CometD
 * through jsforce's streaming client, each event handed to the Lambda worker handler as Event Relay
 * would hand it. Create, update, undelete, a multi-record event and a gap event are decided; a
 * delete, our own write and a change of a field no rule reads are not; a listener killed with
 * SIGKILL resumes from the replay id it saved after its last finished work: nothing lost, no event
 * received twice.
 */

const workDir = mkdtempSync(join(tmpdir(), 'tossup-listen-sf-'));
const lab = new FaultLab({ leads: 60, seed: 12, workDir });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const CHANNEL = '/data/ChangeEvents';

function sf(cut: CrmUnderTest) {
  if (cut.handle.kind !== 'salesforce') throw new Error('salesforce only');
  return cut.handle.emulator;
}

const decisionKey = (cut: CrmUnderTest, id: string) =>
  (sf(cut).store.get('Lead', id)?.TossUp_Decision_Key__c as string | null | undefined) ?? null;

async function until(
  what: string,
  ok: () => boolean,
  output: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const started = Date.now();
  while (!ok()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}\n${output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface InProcess {
  output(): string;
  batches: number;
  stop(): Promise<number>;
}

async function listenInProcess(cut: CrmUnderTest): Promise<InProcess> {
  const stop = new AbortController();
  const out = new PassThrough();
  let output = '';
  out.on('data', (d) => {
    output += d;
  });
  let ready: () => void = () => undefined;
  const listening = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const running: InProcess = { output: () => output, batches: 0, stop: async () => 0 };
  const done = listenCommand(
    { crm: 'salesforce', channel: CHANNEL },
    {
      env: { ...cut.env(), TOSSUP_LOCALE: 'en' },
      stdout: out,
      stderr: out,
      profileFiles: [],
      signal: stop.signal,
      onListening: () => ready(),
      onChangeBatch: () => {
        running.batches++;
      },
    },
  );
  await Promise.race([
    listening,
    done.then((code) => Promise.reject(new Error(`exited ${code}: ${output}`))),
  ]);
  running.stop = async () => {
    stop.abort();
    return done;
  };
  return running;
}

function listenChild(cut: CrmUnderTest): { child: ChildProcess; output(): string; ready: Promise<void> } {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) if (process.env[k]) base[k] = process.env[k]!;
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'src/cli/main.ts'), 'listen', '--crm', 'salesforce', '--channel', CHANNEL],
    {
      cwd: cut.dir,
      env: { ...base, ...cut.env(), TOSSUP_LOCALE: 'en', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      if (output.includes('receiving Salesforce change events')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`listener exited ${code}: ${output}`)));
  });
  return { child, output: () => output, ready };
}

/** The replay id the listener saved in its state directory (-1: none). */
function savedReplayId(cut: CrmUnderTest): number {
  type Cursor = { cursor?: { idsAtModifiedAt?: string[] } };
  let all: Record<string, { value?: Cursor }>;
  try {
    all = JSON.parse(readFileSync(join(cut.dir, 'state', 'cursors', 'all.json'), 'utf8')).entries ?? {};
  } catch {
    return -1;
  }
  const suffix = replayCursorKey('', CHANNEL).split('||')[1]!;
  const key = Object.keys(all).find((k) => k.startsWith('listen|salesforce|') && k.endsWith(`|${suffix}`));
  const entry = key ? all[key] : undefined;
  return Number(entry?.value?.cursor?.idsAtModifiedAt?.[0] ?? -1);
}

describe('tossup listen --crm salesforce', () => {
  it('decides creates, updates, undeletes, multi-record and gap events; ignores deletes, own writes, unread fields', async () => {
    const cut = await lab.start('salesforce', 'listen');
    const emu = sf(cut);
    const store = emu.store;
    const leads = store
      .all('Lead')
      .filter((l) => !l.IsConverted)
      .map((l) => l.Id as string);
    // Deleted before the listener starts: its undelete is a change the listener sees.
    const undeleted = leads[9]!;
    store.delete('Lead', undeleted);
    const listener = await listenInProcess(cut);
    try {
      // Update (a person edits a field the rules read): decided and written.
      store.update('Lead', leads[0]!, { Title: '代表取締役社長' });
      // Create.
      const created = store.insert('Lead', { LastName: '新規', Company: '新規商事株式会社', Title: '部長' });
      // Undelete.
      store.undelete('Lead', undeleted);
      // One transaction, the same change to three leads: one event naming them all.
      const many = [leads[1]!, leads[2]!, leads[3]!];
      store.inChangeScope(store.defaultActorId, () => {
        for (const id of many) store.update('Lead', id, { pi__score__c: 95 });
      });
      const multi = emu
        .changeEvents!.eventsAfter(CHANNEL, 0, 100)
        .find((e) => (e.payload.ChangeEventHeader.recordIds as string[]).length === 3);
      expect(multi?.payload.ChangeEventHeader.recordIds).toEqual(many);
      // A gap: Salesforce could not build the event; the named lead is read again.
      store.update('Lead', leads[4]!, { Title: 'CTO' }, { systemOnly: true });
      emu.changeEvents!.injectGap('Lead', [leads[4]!], 'GAP_UPDATE');
      const decided = [leads[0]!, created, undeleted, ...many, leads[4]!];
      await until(
        'every changed lead decided',
        () => decided.every((id) => decisionKey(cut, id) !== null),
        listener.output,
      );

      // A delete: nothing to decide, nothing fails.
      store.delete('Lead', leads[5]!);
      // Our own write (the integration user through the API): its event is ignored.
      const ownLead = leads[6]!;
      const token = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: emu.credentials.clientId,
          client_secret: emu.credentials.clientSecret,
          username: emu.credentials.username,
          password: emu.credentials.password,
        }),
      }).then((r) => r.json() as Promise<{ access_token: string }>);
      const patched = await fetch(`${emu.url}/services/data/v62.0/sobjects/Lead/${ownLead}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ Title: 'Head of IT' }),
      });
      expect(patched.status).toBe(204);
      // A person changes a field no rule reads.
      const unread = leads[7]!;
      store.update('Lead', unread, { Phone: '03-1234-5678' });
      // A marker change after them: once it is decided, the events before it were worked.
      store.update('Lead', leads[8]!, { Title: '営業部長' });
      const callsBefore = cut.calls();
      await until('the marker decided', () => decisionKey(cut, leads[8]!) !== null, listener.output);
      expect(decisionKey(cut, ownLead), 'our own write is not decided').toBeNull();
      expect(decisionKey(cut, unread), 'an unread field is not decided').toBeNull();
      expect(store.get('Lead', leads[5]!)?.IsDeleted).toBe(true);
      // Only the marker's work (a read by id, the write guard, the write, its task) reached the CRM
      // after the three ignored events; a bound, not an exact count (a session check may add one).
      expect(cut.calls() - callsBefore).toBeLessThanOrEqual(12);
    } finally {
      expect(await listener.stop()).toBe(0);
      await cut.close();
    }
    expect(listener.output()).toMatch(/"changeEventsIgnored":[1-9]/);
  }, 120_000);

  it('resumes after a SIGKILL from the replay id saved after its last work: none lost, none received twice', async () => {
    const cut = await lab.start('salesforce', 'restart');
    const store = sf(cut).store;
    const leads = store
      .all('Lead')
      .filter((l) => !l.IsConverted)
      .map((l) => l.Id as string)
      .slice(0, 24);
    // A change that changes nothing publishes no change event (the emulator, as CDC): a lead whose
    // title already is the new one gets another, so each of the 24 updates is one event. The world is
    // as of now, so which leads are picked, and their titles, move with the clock.
    const retitle = (ids: readonly string[], title: string) => {
      for (const id of ids)
        store.update('Lead', id, { Title: store.get('Lead', id)?.Title === title ? `${title}代理` : title });
    };
    const first = listenChild(cut);
    let second: ReturnType<typeof listenChild> | null = null;
    try {
      await first.ready;
      retitle(leads.slice(0, 8), '部長');
      await until(
        'the first changes decided',
        () => leads.slice(0, 8).every((id) => decisionKey(cut, id) !== null),
        first.output,
      );
      await until('the replay id saved', () => savedReplayId(cut) > 0, first.output);
      // More changes, and the kill while they are (maybe) being worked.
      retitle(leads.slice(8, 16), '課長');
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      const savedAtKill = savedReplayId(cut);
      // Changes while no listener runs: kept by the org, replayed on the next subscription.
      retitle(leads.slice(16, 24), '取締役');
      const latest = sf(cut).changeEvents!.latestReplayId();
      second = listenChild(cut);
      await second.ready;
      // On a timeout, say which leads are left and what both listeners logged (the first one's
      // last batch is where a change goes missing, if one does).
      await until(
        'every change decided',
        () => leads.every((id) => decisionKey(cut, id) !== null),
        () =>
          `undecided: ${leads.filter((id) => decisionKey(cut, id) === null).join(', ')} (changed in order: ${leads.join(', ')}); replay id saved at the kill: ${savedAtKill}\n--- first listener ---\n${first.output()}\n--- second listener ---\n${second!.output()}`,
      );
      // Its own writes make events too (ignored): wait until everything published is worked.
      await until(
        'every event worked',
        () => savedReplayId(cut) === sf(cut).changeEvents!.latestReplayId(),
        second.output,
      );
      const latestAtStop = sf(cut).changeEvents!.latestReplayId();
      expect(latestAtStop).toBeGreaterThanOrEqual(latest);
      second.child.kill('SIGTERM');
      const code = await new Promise((r) => second!.child.once('exit', (c) => r(c)));
      expect(code).toBe(0);
      // The restarted listener received exactly the events after the one saved at the kill: none
      // of those the first one finished came again, none published since was missed.
      const received = /stopped; (\d+) change events received/.exec(second.output());
      expect(received, second.output()).not.toBeNull();
      expect(savedAtKill).toBeGreaterThan(0);
      expect(Number(received![1])).toBe(latestAtStop - savedAtKill);
      // Each lead got one decision key and at most one task, however often its events came.
      const tasks = store.all('Task').filter((t) => t.TossUp_Key__c);
      const perLead = new Map<string, number>();
      for (const t of tasks) perLead.set(String(t.WhoId), (perLead.get(String(t.WhoId)) ?? 0) + 1);
      for (const id of leads) expect(perLead.get(id) ?? 0).toBeLessThanOrEqual(1);
    } finally {
      for (const p of [first, second])
        if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await cut.close();
    }
  }, 180_000);
});
