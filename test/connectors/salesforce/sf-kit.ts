import { generateKeyPairSync } from 'node:crypto';
import { afterEach } from 'vitest';
import { AllowanceGuard } from '../../../connectors/salesforce/allowance-guard.ts';
import { CallRunner } from '../../../connectors/salesforce/call-runner.ts';
import { SalesforceClient } from '../../../connectors/salesforce/client.ts';
import {
  createSalesforceConnector,
  type SalesforceConnector,
  type SalesforceRuntime,
} from '../../../connectors/salesforce/index.ts';
import { loadSalesforceMapping } from '../../../connectors/salesforce/mapping.ts';
import type { SalesforceOptionsInput } from '../../../connectors/salesforce/settings.ts';
import {
  type SalesforceEmulator,
  type SalesforceEmulatorOptions,
  startSalesforceEmulator,
} from '../../../emulators/salesforce/index.ts';
import type { LeadPage, SyncCursor } from '../../../src/ports/lead-source.ts';

/**
 * Shared set-up of the Salesforce connector tests: an emulator on loopback (closed after each test),
 * a connector through real jsforce, and small helpers to arrange records at exact timestamps.
 */

export const T0 = Date.parse('2026-11-20T00:00:00.000Z');
export const mapping = loadSalesforceMapping('mappings/salesforce.yaml');

const emulators: SalesforceEmulator[] = [];
const connectors: SalesforceConnector[] = [];

afterEach(async () => {
  await Promise.all(connectors.splice(0).map((c) => c.close()));
  await Promise.all(emulators.splice(0).map((e) => e.close()));
});

/** An emulator with its clock pinned at T0 + 1 h (records are arranged before that). */
export async function startOrg(options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
  const emu = await startSalesforceEmulator({ rateLimits: true, ...options });
  emulators.push(emu);
  emu.clock.pin(new Date(T0 + 3_600_000).toISOString());
  return emu;
}

export function passwordAuth(emu: SalesforceEmulator): SalesforceOptionsInput['auth'] {
  const c = emu.credentials;
  return {
    flow: 'password',
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    username: c.username,
    password: c.password,
  };
}

/** A connector with test-friendly defaults: no read lag, instant backoff and Bulk polling. */
export async function connect(
  emu: SalesforceEmulator,
  options: Partial<SalesforceOptionsInput> = {},
  runtime: SalesforceRuntime = {},
): Promise<SalesforceConnector> {
  const connector = await createSalesforceConnector(
    {
      loginUrl: emu.loginUrl,
      auth: passwordAuth(emu),
      readLagSeconds: 0,
      bulkPollIntervalMs: 0,
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 2 },
      ...options,
    },
    { now: () => emu.clock.now(), mapping, sleep: async () => undefined, ...runtime },
  );
  connectors.push(connector);
  return connector;
}

let seq = 0;

/** A Lead written directly into the org at `at` (ms), as a user or an import would. */
export function insertLead(
  emu: SalesforceEmulator,
  at: number,
  fields: Record<string, unknown> = {},
): string {
  seq += 1;
  return emu.store.insert(
    'Lead',
    {
      LastName: `Lead ${seq}`,
      Company: `会社${seq}`,
      Title: '部長',
      NumberOfEmployees: 500,
      State: '東京都',
      ...fields,
    },
    { at, createdAt: at },
  );
}

export function insertContact(
  emu: SalesforceEmulator,
  at: number,
  fields: Record<string, unknown> = {},
): string {
  seq += 1;
  return emu.store.insert(
    'Contact',
    { LastName: `Contact ${seq}`, Title: '課長', ...fields },
    { at, createdAt: at },
  );
}

/** Every page of one `readChanges` call. */
export async function readAll(
  connector: SalesforceConnector,
  since: SyncCursor | null,
  limit?: number,
): Promise<LeadPage[]> {
  const pages: LeadPage[] = [];
  for await (const page of connector.source.readChanges({ since, ...(limit ? { limit } : {}) }))
    pages.push(page);
  return pages;
}

export function idsOf(pages: readonly LeadPage[]): string[] {
  return pages.flatMap((p) => p.leads.map((l) => l.id));
}

/** An RSA key pair for the JWT bearer flow: the private key for the connector, the public one for the org. */
export function jwtKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function counter(emu: SalesforceEmulator, route: string): number {
  return emu.app.counters.get(route) ?? 0;
}

/** A call runner over a real client logged in to the emulator, with no waits between retries. */
export async function emulatorRunner(
  emu: SalesforceEmulator,
  retry = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
): Promise<CallRunner> {
  const client = await SalesforceClient.connect({
    loginUrl: emu.loginUrl,
    apiVersion: '62.0',
    auth: { flow: 'password', ...emu.credentials },
    requestTimeoutMs: 30_000,
    proxy: null,
    now: () => emu.clock.now(),
  });
  return new CallRunner(client, {
    concurrency: 2,
    retry,
    guard: new AllowanceGuard(0.8),
    sleep: async () => undefined,
  });
}
