import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hubspotOptionsOf } from '../../connectors/hubspot/module.ts';
import { salesforceOptionsOf } from '../../connectors/salesforce/module.ts';
import { resolveSyncSettings, SettingsError } from '../../src/cli/settings.ts';
import { crmModule } from '../../src/composition/crm-registry.ts';
import { cachedConnector, connectorSettingsFromSecret } from '../../src/handlers/connector-provider.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import type { CrmSettings, SyncCrm } from '../../src/ports/crm-module.ts';
import { SecretUnavailableError } from '../../src/ports/secret-source.ts';
import { startPortal } from '../connectors/hubspot/harness.ts';

// The three ways settings reach a CRM — a CLI profile, environment variables, the Lambda secret —
// go through the CRM module's one schema: the same settings give the same connector options.

const dir = mkdtempSync(join(tmpdir(), 'tossup-crm-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keyFile = join(dir, 'server.key');
const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
writeFileSync(keyFile, pem);

type Settings = Record<string, string | number>;

function viaProfile(crm: SyncCrm, settings: Settings): CrmSettings {
  const file = join(dir, `profiles-${crm}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify({ profiles: { t: { crm, [crm]: settings } } }), { mode: 0o600 });
  return resolveSyncSettings({ flags: { profile: 't' }, env: {}, profileFiles: [file] }).connector;
}

function viaEnvironment(crm: SyncCrm, settings: Settings): CrmSettings {
  const m = crmModule(crm);
  const env = Object.fromEntries(
    Object.entries(settings).map(([k, v]) => [
      k === 'mapping' ? m.settings.mappingEnv : m.settings.fields[k]!.env,
      String(v),
    ]),
  );
  return resolveSyncSettings({ flags: { crm }, env, profileFiles: [] }).connector;
}

function viaSecret(crm: SyncCrm, settings: Settings): CrmSettings {
  return connectorSettingsFromSecret(crm, `tossup/${crm}`, JSON.stringify(settings), null);
}

const PATHS = { profile: viaProfile, environment: viaEnvironment, 'Lambda secret': viaSecret };

function optionsOf(s: CrmSettings): unknown {
  return s.crm === 'salesforce'
    ? salesforceOptionsOf(s.settings as never)
    : hubspotOptionsOf(s.settings as never, '/state');
}

const ROWS: { name: string; crm: SyncCrm; settings: Settings; expected: unknown }[] = [
  {
    name: 'Salesforce username-password',
    crm: 'salesforce',
    settings: { clientId: 'cid', clientSecret: 'cs', username: 'u@example.co.jp', password: 'pw+token' },
    expected: {
      loginUrl: 'https://login.salesforce.com',
      auth: {
        flow: 'password',
        clientId: 'cid',
        clientSecret: 'cs',
        username: 'u@example.co.jp',
        password: 'pw+token',
      },
    },
  },
  {
    name: 'Salesforce client credentials on My Domain, own mapping',
    crm: 'salesforce',
    settings: {
      loginUrl: 'https://acme.my.salesforce.com',
      clientId: 'cid',
      clientSecret: 'cs',
      mapping: 'm/sf.yaml',
    },
    expected: {
      loginUrl: 'https://acme.my.salesforce.com',
      auth: { flow: 'client_credentials', clientId: 'cid', clientSecret: 'cs' },
      mappingFile: 'm/sf.yaml',
    },
  },
  {
    name: 'Salesforce JWT, key file',
    crm: 'salesforce',
    settings: { clientId: 'cid', username: 'u', privateKeyFile: keyFile },
    expected: {
      loginUrl: 'https://login.salesforce.com',
      auth: { flow: 'jwt', clientId: 'cid', username: 'u', privateKeyFile: keyFile },
    },
  },
  {
    name: 'Salesforce JWT, key as PEM text',
    crm: 'salesforce',
    settings: { clientId: 'cid', username: 'u', privateKey: pem },
    expected: {
      loginUrl: 'https://login.salesforce.com',
      auth: { flow: 'jwt', clientId: 'cid', username: 'u', privateKey: pem.trim() },
    },
  },
  {
    name: 'HubSpot private app with portal id, tier and timeout',
    crm: 'hubspot',
    settings: {
      accessToken: 'pat-1',
      portalId: '4711',
      tier: 'enterprise',
      requestTimeoutSeconds: 30,
      basePath: 'http://localhost:4011',
    },
    expected: {
      auth: { kind: 'private_app', accessToken: 'pat-1' },
      basePath: 'http://localhost:4011',
      tier: 'enterprise',
      portalId: '4711',
      requestTimeoutMs: 30_000,
      factsCacheFile: join('/state', 'hubspot-facts.json'),
    },
  },
  {
    name: 'HubSpot OAuth app',
    crm: 'hubspot',
    settings: { clientId: 'hcid', clientSecret: 'hcs', refreshToken: 'rt', portalId: '4711' },
    expected: {
      auth: { kind: 'oauth', clientId: 'hcid', clientSecret: 'hcs', refreshToken: 'rt' },
      portalId: '4711',
      factsCacheFile: join('/state', 'hubspot-facts.json'),
    },
  },
];

describe('one settings schema per CRM: profile, environment and Lambda secret agree', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const got = Object.fromEntries(
        Object.entries(PATHS).map(([path, via]) => [path, optionsOf(via(row.crm, row.settings))]),
      );
      expect(got).toEqual({
        profile: row.expected,
        environment: row.expected,
        'Lambda secret': row.expected,
      });
    });
  }

  it('all three refuse a Salesforce username + password without the client secret', () => {
    const settings = { clientId: 'cid', username: 'u', password: 'pw' };
    expect(() => viaProfile('salesforce', settings)).toThrow(SettingsError);
    expect(() => viaEnvironment('salesforce', settings)).toThrow(SettingsError);
    expect(() => viaSecret('salesforce', settings)).toThrow(SecretUnavailableError);
    expect(() => viaSecret('salesforce', settings)).toThrow(
      /\(the secret\) holds no complete way to log in: give one way to log in: username \+ privateKeyFile \(JWT bearer\)/,
    );
  });

  it('the Lambda secret carries the HubSpot portal id: tasks the worker creates link to the record', async () => {
    const hs = await startPortal();
    const text = JSON.stringify({ accessToken: hs.accessToken, basePath: hs.basePath, portalId: '4711' });
    const provider = cachedConnector({
      crm: 'hubspot',
      secretId: 'tossup/hubspot',
      secrets: { get: async () => ({ text, versionId: 'v1', fetchedAtMs: 0 }), invalidate: () => undefined },
      mappingFile: null,
      clock: fixedClock('2026-11-20T00:00:00.000Z'),
    });
    const connector = await provider.get();
    expect(connector.recordUrl({ id: '1001', objectType: 'contact' } as never)).toBe(
      'https://app.hubspot.com/contacts/4711/record/0-1/1001',
    );
    await connector.close();
  });
});
