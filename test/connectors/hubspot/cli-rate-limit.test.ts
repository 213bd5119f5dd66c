import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY } from '../../../connectors/hubspot/request-runner.ts';
import { mulberry32 } from '../../../emulators/shared/faults.ts';
import { MIDNIGHT_GUARD_MS } from '../../support/local-midnight.ts';
import {
  type CliPortal,
  cliPortal,
  firedFaults,
  runCli,
  runReports,
  setFaults,
  TEN_SECONDLY,
} from './cli-kit.ts';

/** Issue 10, defect 1: a 429 must slow the CLI down, never end it. */

let portal: CliPortal | undefined;
afterEach(() => {
  portal?.close();
  portal = undefined;
});

describe('tossup sync --crm hubspot under a 429 (child process)', () => {
  it(
    'backs off and finishes the run: exit 0, the report printed, every contact planned',
    async () => {
      portal = await cliPortal(40);
      const contacts = portal.hs.store.count('contacts');
      // Another app of the same portal spent the burst: the first contact search is refused once.
      await setFaults(portal.hs, [{ route: 'hs.contacts.search', count: 1, fault: TEN_SECONDLY }]);

      const run = await runCli(['sync', '--crm', 'hubspot', '--dry-run'], portal.env);

      expect(await firedFaults(portal.hs)).toEqual([1]);
      expect(run.killed).toBe(false);
      expect(run.stderr).not.toMatch(/Error|unsettled/);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^report: .*hubspot-.*\.json$/m);
      const [report] = runReports(portal);
      expect(report).toMatchObject({ status: 'completed', dryRun: true, stop: null });
      expect(report!.counts.leadsRead).toBe(contacts);
      expect(report!.counts.planned + report!.counts.unchanged).toBe(contacts);
      // The refused search was retried, not skipped: the contact search ran twice for one page.
      expect(portal.hs.app.counters.get('hs.contacts.search')).toBe(2);
    },
    60_000 + MIDNIGHT_GUARD_MS,
  );
});

describe('retry delays (reliability-limits-costs.md §D: jitter)', () => {
  const retry = { baseDelayMs: DEFAULT_RETRY.baseDelayMs, maxDelayMs: DEFAULT_RETRY.maxDelayMs };

  it('draws each delay from [step/2, step] of an exponential step capped at maxDelayMs', () => {
    for (const attempt of [0, 1, 2, 3, 6, 10]) {
      const step = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
      expect(backoffDelay(attempt, 'http_503', retry, () => 0)).toBe(step / 2);
      expect(backoffDelay(attempt, 'http_503', retry, () => 0.999_999)).toBe(step);
    }
    // The search "secondly" limit is per second: never retried sooner than 100-200 ms.
    expect(backoffDelay(0, 'rate_limited_secondly', { baseDelayMs: 1, maxDelayMs: 10_000 }, () => 0)).toBe(
      100,
    );
  });

  it('spreads clients refused at the same moment over the whole interval (no lockstep)', () => {
    const random = mulberry32(42);
    const delays = Array.from({ length: 400 }, () =>
      backoffDelay(2, 'rate_limited_ten_secondly', retry, random),
    );
    const step = retry.baseDelayMs * 4;
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(step / 2);
    expect(Math.max(...delays)).toBeLessThanOrEqual(step);
    // Every quarter of [step/2, step] is used, and few clients share a delay.
    const quarters = new Set(delays.map((d) => Math.min(3, Math.floor(((d - step / 2) / (step / 2)) * 4))));
    expect(quarters).toEqual(new Set([0, 1, 2, 3]));
    expect(new Set(delays).size).toBeGreaterThan(200);
  });

  it('uses a random source by default, so two runners do not retry in step', () => {
    const a = Array.from({ length: 20 }, () => backoffDelay(3, 'http_503', retry));
    const b = Array.from({ length: 20 }, () => backoffDelay(3, 'http_503', retry));
    expect(a).not.toEqual(b);
  });
});
