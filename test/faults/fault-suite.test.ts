import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CRMS, FaultLab } from './lab.ts';
import { runScenario, type ScenarioResult, scenarios } from './scenarios.ts';
import { verify } from './verify.ts';

/**
 * The reduced fault suite CI runs (the full one is `npm run test:faults`, docs/reliability.md):
 * on each CRM, `tossup sync` as a child process is SIGKILLed while the CRM has applied its first
 * task call but not answered it, and run through a seeded 30 % 5xx storm; each is followed by a
 * clean run and the verifier. Plus proof that the verifier sees what it counts.
 */

const workDir = mkdtempSync(join(tmpdir(), 'tossup-faults-ci-'));
const lab = new FaultLab({ leads: 300, seed: 3, workDir });
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const set = scenarios({ leads: 300, quick: true, long: false, longSeconds: 0 });
const byName = (name: string) => set.find((s) => s.name === name)!;

function expectClean(r: ScenarioResult): void {
  expect(r.failures).toEqual([]);
  expect(r.verdict.people).toBe(300);
  expect(r.verdict).toMatchObject({
    duplicates: 0,
    mismatches: 0,
    unwritten: 0,
    missingTasks: 0,
    exportErrors: 0,
  });
}

describe.each(CRMS)('%s through the real CLI', (crm) => {
  it('SIGKILL after the CRM applied the first task call: the clean run leaves no duplicate, mismatch or gap', async () => {
    const r = await runScenario(lab, crm, byName('kill-mid-tasks'), null);
    expect(r.faultExits).toEqual(['KILL']);
    expectClean(r);
  }, 180_000);

  it('a seeded 30 % 5xx storm ends with a documented exit, and the clean run finishes the work', async () => {
    const r = await runScenario(lab, crm, byName('storm-5xx'), null);
    expectClean(r);
  }, 180_000);
});

describe('the verifier', () => {
  it('counts a duplicate task, a flag that differs from tossup score and a lead left unwritten', async () => {
    const cut = await lab.start('salesforce', 'verifier-check');
    try {
      const from = Date.now();
      expect((await cut.sync().done).exitCode).toBe(0);
      const to = Date.now();
      if (cut.handle.kind !== 'salesforce') throw new Error('unreachable');
      const store = cut.handle.emulator.store;
      const tasks = store.all('Task').filter((t) => t.TossUp_Key__c);
      const withTask = String(tasks[0]!.WhoId);
      const leads = store.all('Lead').filter((l) => String(l.Id) !== withTask);
      // A second task for a lead that already has one (a key of its own, as a failed idempotency would make).
      store.insert('Task', { WhoId: withTask, Subject: 'copy', TossUp_Key__c: 'tu_duplicate_by_the_test' });
      const flip = leads[0]!;
      store.update('Lead', String(flip.Id), {
        TossUp_Flag__c: flip.TossUp_Flag__c === 'いいえ' ? 'はい' : 'いいえ',
      });
      store.update('Lead', String(leads[1]!.Id), { TossUp_Flag__c: null });
      cut.advanceClock();
      const v = await verify(cut, { from, to });
      expect(v).toMatchObject({ duplicates: 1, mismatches: 1, unwritten: 1, exportErrors: 0 });
    } finally {
      await cut.close();
    }
  }, 180_000);
});
