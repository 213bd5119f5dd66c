import { afterEach } from 'vitest';
import {
  createHubspotConnector,
  type HubspotConnector,
  type HubspotConnectorDeps,
  type HubspotConnectorOptions,
} from '../../../connectors/hubspot/index.ts';
import type { CrmStore } from '../../../emulators/hubspot/crm-store.ts';
import {
  type HubspotEmulator,
  type HubspotEmulatorOptions,
  startHubspotEmulator,
} from '../../../emulators/hubspot/index.ts';

export { tinyWorld } from '../../emulators/hubspot/tiny-world.ts';

const running: HubspotEmulator[] = [];

/** An emulator closed after the current test. Rate limits off unless a test turns them on. */
export async function startPortal(options: HubspotEmulatorOptions = {}): Promise<HubspotEmulator> {
  const hs = await startHubspotEmulator({ rateLimits: { enabled: false }, ...options });
  running.push(hs);
  return hs;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((hs) => hs.close()));
});

/**
 * A connector for `hs` with test-speed retry delays and a budget that does not slow tests down
 * (tests about rate limits pass their own `limits`).
 */
export function connect(
  hs: HubspotEmulator,
  options: Partial<HubspotConnectorOptions> = {},
  deps: HubspotConnectorDeps = {},
): Promise<HubspotConnector> {
  return createHubspotConnector(
    {
      auth: { kind: 'private_app', accessToken: hs.accessToken },
      basePath: hs.basePath,
      retry: { baseDelayMs: 1, maxDelayMs: 20 },
      limits: {
        burst: 100_000,
        searchPerSecond: 100_000,
        safetyMarginMs: 0,
        searchSafetyMarginMs: 0,
        maxConcurrency: 8,
      },
      deletedPages: 0,
      ...options,
    },
    { now: () => hs.clock.now(), ...deps },
  );
}

/**
 * `n` bare contacts with chosen modification times (ms), created in bulk like seeded data.
 * `at(i)` gives the i-th contact's lastmodifieddate.
 */
export function seedContacts(store: CrmStore, n: number, at: (i: number) => number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const rec = store.create(
      'contacts',
      { firstname: `c${i}`, jobtitle: '部長' },
      { system: true, bulk: true, at: at(i), createdAt: at(i) },
    );
    ids.push(rec.id);
  }
  store.rebuildIndexes();
  return ids;
}

/** Every id handed off by one `readChanges` call, page by page, plus the last cursor. */
export async function readAll(
  connector: HubspotConnector,
  since: Parameters<HubspotConnector['source']['readChanges']>[0]['since'],
  onPage?: (ids: string[], pageNo: number) => void | Promise<void>,
  limit?: number,
) {
  const pages: string[][] = [];
  let cursor = since;
  const deleted: string[] = [];
  for await (const page of connector.source.readChanges({ since, ...(limit ? { limit } : {}) })) {
    const ids = page.leads.map((l) => l.id);
    pages.push(ids);
    deleted.push(...page.deletedIds);
    cursor = page.cursor;
    await onPage?.(ids, pages.length);
  }
  return { pages, ids: pages.flat(), cursor, deleted };
}

export const T0 = Date.parse('2025-04-01T00:00:00.000Z');

/** The body of HubSpot's 429 for the ten-second rolling limit (crm-apis.md). */
export const TEN_SECONDLY = {
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'x',
  policyName: 'TEN_SECONDLY_ROLLING',
  groupName: 'test',
  category: 'RATE_LIMITS',
};
