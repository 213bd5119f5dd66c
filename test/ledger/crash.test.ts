import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';
import { FileLedgerOutbox } from '../../src/state/file-ledger-outbox.ts';
import { clearOfTokyoMidnight, MIDNIGHT_GUARD_MS } from '../support/local-midnight.ts';
import { decisionsOf, eventsOf, ledgerRows } from './ledger-kit.ts';

/**
 * Issue 15, "Must show": a crash between the CRM write and the ledger append loses no ledger record
 * and duplicates none. A real `tossup sync` process (jsforce against the Salesforce emulator) is
 * killed with SIGKILL while the emulator holds the answer to its field write — the CRM has applied
 * the write, the process has not heard back, so nothing after the write ran. The rerun must record
 * every decision the CRM shows exactly once.
 */

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tossup-ledger-crash-'));
let emu: RunningEmulators;

beforeAll(async () => {
  emu = await startEmulators({ leads: 40, seed: 11, workDir: join(root, 'emulate'), rateLimits: false });
});
afterAll(async () => {
  await emu?.close();
  rmSync(root, { recursive: true, force: true });
});

function sync(dir: string): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: string | null; err: string }>;
} {
  const child = spawn(process.execPath, [MAIN, 'sync', '--crm', 'salesforce', '--locale', 'en'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: root,
      ...emu.info.env,
      TOSSUP_SALESFORCE_MAPPING: new URL('../../mappings/salesforce.yaml', import.meta.url).pathname,
      TOSSUP_RULES: 'large',
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exit = new Promise<{ code: number | null; signal: string | null; err: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, err })),
  );
  return { child, exit };
}

/** Leads and contacts the CRM shows a toss-up flag for (the sync reads both objects). */
const flagged = () =>
  [...emu.salesforce.store.all('Lead'), ...emu.salesforce.store.all('Contact')].filter(
    (l) => l.TossUp_Flag__c,
  );

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('the ledger across a crash between the CRM write and the append', () => {
  it(
    'SIGKILL while the CRM holds the written fields: the rerun records each written decision once, and a third run adds nothing',
    async () => {
      await clearOfTokyoMidnight(MIDNIGHT_GUARD_MS);
      const dir = join(root, 'run');
      // The first field write is applied by the emulator and then left unanswered.
      emu.salesforce.app.faults.add({ route: 'sf.collections.update', count: 1, fault: { kind: 'timeout' } });
      const first = sync(dir);
      await until(() => flagged().length > 0, 'the first field write');
      first.child.kill('SIGKILL');
      expect((await first.exit).signal).toBe('SIGKILL');

      const writtenBeforeCrash = flagged().length;
      expect(writtenBeforeCrash).toBeGreaterThan(0);
      // Nothing reached the ledger; what was written waits in the outbox, not yet known to be written.
      expect(decisionsOf(ledgerRows(join(dir, 'state')))).toEqual([]);
      const waiting = (await new FileLedgerOutbox(join(dir, 'state')).list()).filter((e) => e.awaiting);
      expect(waiting).toHaveLength(writtenBeforeCrash);

      // The sync reads up to 2 s before the server's clock (Salesforce readLagSeconds): the leads
      // written just before the crash are read by a run that starts later than that.
      await new Promise((r) => setTimeout(r, 2_500));
      const second = await sync(dir).exit;
      expect(second.err).not.toMatch(/warning: the decision ledger/);
      expect(second.code).toBe(0);

      const rows = ledgerRows(join(dir, 'state'));
      const decisions = decisionsOf(rows);
      const leads = flagged();
      // One row per lead the CRM shows a decision for, none twice, and each row is what the CRM shows.
      expect(decisions.map((d) => d.lead_id).sort()).toEqual(leads.map((l) => String(l.Id)).sort());
      expect(new Set(decisions.map((d) => d.record_id)).size).toBe(decisions.length);
      for (const l of leads) {
        const d = decisions.find((x) => x.lead_id === l.Id)!;
        expect(d.episode_key).toBe(l.TossUp_Decision_Key__c);
      }
      // Hand-offs: one event row per toss-up task, none twice.
      const handOffs = eventsOf(rows).filter((e) => e.event_type === 'handed_off');
      expect(handOffs.length).toBeGreaterThan(0);
      expect(new Set(handOffs.map((e) => e.episode_key)).size).toBe(handOffs.length);
      expect(await new FileLedgerOutbox(join(dir, 'state')).list()).toEqual([]);

      expect((await sync(dir).exit).code).toBe(0);
      expect(ledgerRows(join(dir, 'state'))).toHaveLength(rows.length);
    },
    180_000 + MIDNIGHT_GUARD_MS,
  );
});
