import { afterEach, describe, expect, it } from 'vitest';
import { MIDNIGHT_GUARD_MS } from '../../support/local-midnight.ts';
import { type CliPortal, cliPortal, runCli, runReports, TEN_SECONDLY } from './cli-kit.ts';

/**
 * reliability-limits-costs.md §D: a sustained storm of 429s (every API request refused for 10 s,
 * starting with the first write) through the real CLI process loses no write — every lead is
 * written once the storm ends, one task per toss-up — and leaves nothing for the next run.
 */

const STORM_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let portal: CliPortal | undefined;
afterEach(() => {
  portal?.close();
  portal = undefined;
});

describe('tossup sync --crm hubspot in a 100 % 429 storm (child process)', () => {
  it(
    'writes every lead and one task per toss-up once the storm ends',
    async () => {
      portal = await cliPortal(60);
      const { hs } = portal;
      const contacts = hs.store.count('contacts');
      // The storm starts with the first write, whichever kind comes first (reads are over by then).
      hs.app.faults.set([
        { route: 'hs.contacts.batch.update', fault: TEN_SECONDLY },
        { route: 'hs.tasks.batch.create', fault: TEN_SECONDLY },
      ]);
      const run = runCli(['sync', '--crm', 'hubspot'], portal.env, 90_000);
      let refusedBeforeStorm = 0;
      const storm = (async () => {
        while (hs.app.faults.fired().every((n) => n === 0)) await sleep(20);
        // Then every API request is refused (in-process: the admin path stays reachable).
        refusedBeforeStorm = hs.app.faults.fired().reduce((a, b) => a + b, 0);
        hs.app.faults.set([{ route: '*', fault: TEN_SECONDLY }]);
        await sleep(STORM_MS);
        const refused = hs.app.faults.fired()[0]!;
        hs.app.faults.clear();
        return refused;
      })();
      const [result, refusedInStorm] = await Promise.all([run, storm]);

      expect(refusedBeforeStorm).toBeGreaterThan(0);
      // Refused over and over through the storm (the held queue sends one retry at a time, backing off).
      expect(refusedInStorm).toBeGreaterThanOrEqual(3);
      expect(result.killed).toBe(false);
      expect(result.code).toBe(0);
      const [report] = runReports(portal);
      expect(report).toMatchObject({ status: 'completed', stop: null });
      expect(report!.counts).toMatchObject({ leadsRead: contacts, failed: 0, skipped: 0, notAttempted: 0 });

      // Zero lost writes: every contact carries its flag; every task is its contact's only one.
      const all = hs.store.list('contacts');
      expect(all.filter((c) => !c.props.tossup_flag).map((c) => c.id)).toEqual([]);
      const tasks = hs.store.list('tasks');
      expect(tasks.length).toBe(report!.counts.tasksCreated);
      const keys = tasks.map((t) => t.props.tossup_task_key);
      expect(new Set(keys).size).toBe(keys.length);
      for (const t of tasks) {
        const [contact] = hs.store.associationsOf('tasks', t.id, 'contacts');
        expect(hs.store.get('contacts', contact!.to)!.props.tossup_decision_key).toBe(
          t.props.tossup_task_key,
        );
      }

      // The next run finds nothing left to do.
      const again = await runCli(['sync', '--crm', 'hubspot'], portal.env);
      expect(again.code).toBe(0);
      const second = runReports(portal)[1]!;
      expect(second.counts).toMatchObject({ written: 0, tasksCreated: 0, failed: 0 });
      expect(hs.store.count('tasks')).toBe(tasks.length);
    },
    120_000 + MIDNIGHT_GUARD_MS,
  );
});
