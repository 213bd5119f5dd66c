import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHubspotEmulator } from '../../emulators/hubspot/index.ts';
import { startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { setupHubspotCommand } from '../../src/cli/commands/setup.ts';
import { validateCommand } from '../../src/cli/commands/validate.ts';
import { captureOutput } from '../support/capture-output.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('tossup validate / setup against the HubSpot emulator', () => {
  it('lists every missing property, setup creates them once, then validate passes', async () => {
    const hs = await startHubspotEmulator({ withCustomProperties: 'inputs-only' });
    closers.push(() => hs.close());
    const env = { TOSSUP_HUBSPOT_ACCESS_TOKEN: hs.accessToken, TOSSUP_HUBSPOT_BASE_PATH: hs.basePath };

    let io = captureOutput();
    expect(await validateCommand([], { crm: 'hubspot' }, env)).toBe(2);
    expect(io.err()).toMatch(/tossup_flag/);
    expect(io.err()).toMatch(/tossup_reason/);
    vi.restoreAllMocks();

    io = captureOutput();
    expect(await setupHubspotCommand({}, env)).toBe(0);
    expect(io.out()).toMatch(/created/);
    const created = io.out().match(/: created/g)?.length ?? 0;
    vi.restoreAllMocks();

    io = captureOutput();
    expect(await setupHubspotCommand({}, env)).toBe(0);
    expect(io.out()).not.toMatch(/: created/); // idempotent: everything is already there
    vi.restoreAllMocks();

    io = captureOutput();
    expect(await validateCommand([], { crm: 'hubspot' }, env)).toBe(0);
    expect(created).toBeGreaterThan(5);
  });
});

describe('tossup setup hubspot without credentials', () => {
  it('says setup needs HubSpot credentials and names the variables, not "sync settings"', async () => {
    const io = captureOutput();
    expect(await setupHubspotCommand({}, {})).toBe(2);
    expect(io.err()).toContain('setup hubspot connects to HubSpot and needs its credentials');
    expect(io.err()).toContain('TOSSUP_HUBSPOT_ACCESS_TOKEN');
    expect(io.err()).not.toContain('sync settings');
  });
});

describe('tossup validate against the Salesforce emulator', () => {
  it('passes on a matching org and reports each mismatch with its fix', async () => {
    const good = await startSalesforceEmulator({});
    closers.push(() => good.close());
    const env = (sf: typeof good) => ({
      TOSSUP_SALESFORCE_LOGIN_URL: sf.loginUrl,
      TOSSUP_SALESFORCE_CLIENT_ID: sf.credentials.clientId,
      TOSSUP_SALESFORCE_CLIENT_SECRET: sf.credentials.clientSecret,
      TOSSUP_SALESFORCE_USERNAME: sf.credentials.username,
      TOSSUP_SALESFORCE_PASSWORD: sf.credentials.password,
    });
    let io = captureOutput();
    expect(await validateCommand([], { crm: 'salesforce' }, env(good))).toBe(0);
    expect(io.out()).toMatch(/matches mappings\/salesforce.yaml/);
    vi.restoreAllMocks();

    const bad = await startSalesforceEmulator({
      schemaExtensions: [
        {
          object: 'Lead',
          removeFields: ['TossUp_Reason__c'],
          removePicklistValues: { TossUp_Flag__c: ['一時保留'] },
        },
      ],
    });
    closers.push(() => bad.close());
    io = captureOutput();
    expect(await validateCommand([], { crm: 'salesforce' }, env(bad))).toBe(2);
    expect(io.err()).toMatch(/Lead\.TossUp_Reason__c does not exist/);
    expect(io.err()).toMatch(/一時保留/);
    expect(io.err()).toMatch(/fix: /);
  });

  it('reports a broken local file before connecting anywhere', async () => {
    const io = captureOutput();
    expect(await validateCommand(['no/such/rules.yaml'], { crm: 'salesforce' }, {})).toBe(2);
    expect(io.err()).toMatch(/no\/such\/rules.yaml.*cannot read the rule file/);
  });
});

describe('tossup setup salesforce', () => {
  it('writes deployable metadata for every custom field of the mapping', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tossup-sf-meta-'));
    const sf = await import('../../connectors/salesforce/index.ts');
    const result = sf.setupSalesforce(sf.loadSalesforceMapping('mappings/salesforce.yaml'), { outDir: out });
    expect(existsSync(join(out, 'package.xml'))).toBe(true);
    expect(result.fields).toContain('Lead.TossUp_Flag__c');
    // Task custom fields are Activity fields in Salesforce metadata.
    expect(result.fields).toContain('Activity.TossUp_Key__c');
  });
});
