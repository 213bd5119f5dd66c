import { afterEach, describe, expect, it } from 'vitest';
import { HubspotClient, HubspotHttpError } from '../../../connectors/hubspot/client.ts';
import type { HubspotEmulator } from '../../../emulators/hubspot/index.ts';
import { MIDNIGHT_GUARD_MS } from '../../support/local-midnight.ts';
import { type CliPortal, cliPortal, runCli, runReports, setFaults } from './cli-kit.ts';
import { startPortal } from './harness.ts';

/**
 * Issue 10, defect 7: a HubSpot call that times out is aborted — its socket closed — instead of
 * being abandoned by a `Promise.race` while the request stays open and keeps the process alive.
 */

const SEARCH = {
  filterGroups: [],
  sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' as const }],
  properties: ['email'],
  limit: 10,
};

/** Resolves once the emulator has seen `n` connections given up by their client. */
async function abandoned(hs: HubspotEmulator, n: number): Promise<HubspotEmulator['app']['abandoned']> {
  while (hs.app.abandoned.length < n) await new Promise((r) => setTimeout(r, 20));
  return hs.app.abandoned;
}

let portal: CliPortal | undefined;
afterEach(() => {
  portal?.close();
  portal = undefined;
});

describe('HubSpot request timeout', () => {
  it.each([
    ['no answer at all', { kind: 'timeout' as const }],
    ['headers, then a body that stalls', { kind: 'slow_body' as const, bodyDelayMs: 5_000 }],
  ])('aborts the request on %s: the emulator sees the connection closed', async (_, fault) => {
    const hs = await startPortal();
    hs.app.faults.set([{ route: 'hs.contacts.search', count: 1, fault }]);
    const client = new HubspotClient({
      basePath: hs.basePath,
      accessToken: async () => hs.accessToken,
      timeoutMs: 300,
    });

    const error = await client.search('contacts', SEARCH).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubspotHttpError);
    expect((error as HubspotHttpError).failure).toEqual({ status: null, timedOut: true });
    // Without the abort the held connection stays open until the emulator closes: this never ends.
    expect(await abandoned(hs, 1)).toEqual([{ route: 'hs.contacts.search', requestsBefore: 1 }]);
    // The next call gets a fresh connection and its answer.
    expect((await client.search('contacts', SEARCH)).total).toBe(0);
  });

  it(
    'a CLI whose call timed out exits by itself after its report (child process)',
    async () => {
      portal = await cliPortal(40);
      const { hs } = portal;
      const contacts = hs.store.count('contacts');
      await setFaults(hs, [{ route: 'hs.contacts.search', count: 1, fault: { kind: 'timeout' } }]);

      const run = await runCli(
        ['sync', '--crm', 'hubspot', '--dry-run'],
        { ...portal.env, TOSSUP_HUBSPOT_REQUEST_TIMEOUT_SECONDS: '1' },
        40_000,
      );

      // The child ended on its own, well before the kill deadline, with a complete run.
      expect(run.killed).toBe(false);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^report: .*hubspot-.*\.json$/m);
      const [report] = runReports(portal);
      expect(report).toMatchObject({ status: 'completed', stop: null });
      expect(report!.counts.leadsRead).toBe(contacts);
      // The held search was aborted while the run went on: its retry and the rest came after.
      const [gaveUp] = hs.app.abandoned;
      expect(gaveUp?.route).toBe('hs.contacts.search');
      expect(hs.app.apiRequests()).toBeGreaterThan(gaveUp!.requestsBefore);
    },
    60_000 + MIDNIGHT_GUARD_MS,
  );
});
