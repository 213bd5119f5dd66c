import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES,
  describeSettings,
  resolveSyncSettings,
  SettingsError,
} from '../../src/cli/settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'tossup-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NO_FILES: string[] = [];

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof SettingsError) return [...e.problems];
    throw e;
  }
  throw new Error('expected a SettingsError');
}

describe('sync settings', () => {
  it('uses the default rule set when none is named, so documented commands run as written', () => {
    const s = resolveSyncSettings({
      flags: { crm: 'hubspot' },
      env: { TOSSUP_HUBSPOT_ACCESS_TOKEN: 'tok' },
      profileFiles: NO_FILES,
    });
    expect(s.rules).toBe(DEFAULT_RULES);
    expect(DEFAULT_RULES).toBe('large');
  });

  it('reads Salesforce username-password settings from the environment', () => {
    const s = resolveSyncSettings({
      flags: { crm: 'salesforce', rules: 'large' },
      env: {
        TOSSUP_SALESFORCE_CLIENT_ID: 'cid',
        TOSSUP_SALESFORCE_CLIENT_SECRET: 'csecret',
        TOSSUP_SALESFORCE_USERNAME: 'admin@example.co.jp',
        TOSSUP_SALESFORCE_PASSWORD: 'pw-and-token',
        TOSSUP_STATE_DIR: '/tmp/state',
        TOSSUP_LOCALE: 'en',
      },
      profileFiles: NO_FILES,
    });
    expect(s).toMatchObject({
      crm: 'salesforce',
      rules: 'large',
      stateDir: '/tmp/state',
      locale: 'en',
      profile: null,
      connector: {
        crm: 'salesforce',
        settings: {
          loginUrl: 'https://login.salesforce.com',
          clientId: 'cid',
          username: 'admin@example.co.jp',
        },
      },
    });
    expect(s.routingFile).toMatch(/mappings[/\\]routing\.yaml$/);
    const line = describeSettings(s);
    for (const secret of ['csecret', 'pw-and-token', 'admin@example.co.jp'])
      expect(line).not.toContain(secret);
  });

  it('names every missing variable and the fix at once, without echoing secrets', () => {
    const problems = problemsOf(() =>
      resolveSyncSettings({
        flags: { crm: 'salesforce' },
        env: { TOSSUP_SALESFORCE_PASSWORD: 'pw-secret', TOSSUP_LOCALE: 'fr' },
        profileFiles: NO_FILES,
      }),
    );
    // The rule set has a default (large), so it is not among the problems.
    expect(problems).toEqual([
      '--locale / TOSSUP_LOCALE (or profiles.<name>.locale in .tossup/profiles.yaml) is not a supported locale: give ja or en',
      'TOSSUP_SALESFORCE_CLIENT_ID (or profiles.<name>.salesforce.clientId in .tossup/profiles.yaml) is not set: give the consumer key of the connected app',
      expect.stringMatching(
        /^Salesforce credentials \(environment or profiles\.<name>\.salesforce in .*\) are incomplete: give one way to log in: TOSSUP_SALESFORCE_USERNAME \+ TOSSUP_SALESFORCE_PRIVATE_KEY_FILE \(JWT bearer\)/,
      ),
    ]);
    expect(problems.join('\n')).not.toContain('pw-secret');
  });

  it('needs a readable private key file for the JWT flow', () => {
    const problems = problemsOf(() =>
      resolveSyncSettings({
        flags: { crm: 'salesforce', rules: 'mid' },
        env: {
          TOSSUP_SALESFORCE_CLIENT_ID: 'cid',
          TOSSUP_SALESFORCE_USERNAME: 'u',
          TOSSUP_SALESFORCE_PRIVATE_KEY_FILE: join(dir, 'missing.key'),
        },
        profileFiles: NO_FILES,
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^TOSSUP_SALESFORCE_PRIVATE_KEY_FILE \(or .*\) cannot be read: give the path of a readable PEM/,
      ),
    ]);
  });

  it('requires HubSpot credentials (a private-app token or an OAuth app) and a URL base path', () => {
    const problems = problemsOf(() =>
      resolveSyncSettings({
        flags: { crm: 'hubspot', rules: 'small' },
        env: { TOSSUP_HUBSPOT_BASE_PATH: 'not a url' },
        profileFiles: NO_FILES,
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^TOSSUP_HUBSPOT_BASE_PATH \(or .*\) is not a valid URL: give a URL such as/),
      expect.stringMatching(
        /^HubSpot credentials \(environment or .*\) are incomplete: give one way to log in: TOSSUP_HUBSPOT_ACCESS_TOKEN \(private app\), or TOSSUP_HUBSPOT_CLIENT_ID \+ TOSSUP_HUBSPOT_CLIENT_SECRET \+ TOSSUP_HUBSPOT_REFRESH_TOKEN \(OAuth app\)/,
      ),
    ]);
  });

  it('takes an OAuth app, tier and portal id for HubSpot, never echoing the secrets', () => {
    const s = resolveSyncSettings({
      flags: { crm: 'hubspot', rules: 'small' },
      env: {
        TOSSUP_HUBSPOT_CLIENT_ID: 'app-id',
        TOSSUP_HUBSPOT_CLIENT_SECRET: 'app-secret',
        TOSSUP_HUBSPOT_REFRESH_TOKEN: 'refresh-xyz',
        TOSSUP_HUBSPOT_TIER: 'enterprise',
        TOSSUP_HUBSPOT_PORTAL_ID: '24681357',
      },
      profileFiles: NO_FILES,
    });
    expect(s.connector).toEqual({
      crm: 'hubspot',
      settings: {
        clientId: 'app-id',
        clientSecret: 'app-secret',
        refreshToken: 'refresh-xyz',
        tier: 'enterprise',
        portalId: '24681357',
      },
    });
    expect(describeSettings(s)).not.toMatch(/app-secret|refresh-xyz/);
    expect(
      problemsOf(() =>
        resolveSyncSettings({
          flags: { crm: 'hubspot', rules: 'small' },
          env: { TOSSUP_HUBSPOT_ACCESS_TOKEN: 'pat', TOSSUP_HUBSPOT_TIER: 'gold' },
          profileFiles: NO_FILES,
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^TOSSUP_HUBSPOT_TIER \(or .*\) is not a HubSpot tier: give starter, professional or enterprise/,
      ),
    ]);
  });

  it('takes a named profile, with flags over environment over profile', () => {
    const file = join(dir, 'profiles.yaml');
    writeFileSync(
      file,
      `profiles:
  prod:
    crm: hubspot
    rules: large
    locale: en
    stateDir: /var/tossup
    runsDir: ~/tossup-runs
    queueTaskOwners: { is_sales_planning: u011 }
    hubspot: { accessToken: pat-secret, basePath: "http://localhost:4011" }
`,
    );
    chmodSync(file, 0o600);
    const s = resolveSyncSettings({
      flags: { profile: 'prod', rules: 'mid' },
      env: { TOSSUP_LOCALE: 'ja' },
      profileFiles: [join(dir, 'none.yaml'), file],
    });
    expect(s).toMatchObject({
      crm: 'hubspot',
      profile: 'prod',
      profileFile: file,
      rules: 'mid',
      locale: 'ja',
      stateDir: '/var/tossup',
      runsDir: join(homedir(), 'tossup-runs'),
      queueTaskOwners: { is_sales_planning: 'u011' },
      connector: {
        crm: 'hubspot',
        settings: { accessToken: 'pat-secret', basePath: 'http://localhost:4011' },
      },
      warnings: [],
    });
  });

  it('warns when a profiles file holding secrets is readable by others', () => {
    const file = join(dir, 'open.yaml');
    writeFileSync(
      file,
      'profiles:\n  default:\n    crm: hubspot\n    rules: small\n    hubspot: { accessToken: pat-x }\n',
    );
    chmodSync(file, 0o644);
    const s = resolveSyncSettings({ flags: {}, env: {}, profileFiles: [file] });
    expect(s.profile).toBe('default');
    expect(s.warnings).toEqual([expect.stringContaining(`chmod 600 ${file}`)]);
  });

  it('reports an unknown profile and a misspelt key by path, never by value', () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'profiles:\n  prod:\n    hubspot: { acessToken: pat-leaked }\n');
    const problems = problemsOf(() =>
      resolveSyncSettings({ flags: { profile: 'prod' }, env: {}, profileFiles: [file] }),
    );
    expect(problems.join('\n')).toContain('profiles.prod.hubspot');
    expect(problems.join('\n')).not.toContain('pat-leaked');
    const missing = problemsOf(() =>
      resolveSyncSettings({ flags: { profile: 'nope', crm: 'hubspot' }, env: {}, profileFiles: [] }),
    );
    expect(missing[0]).toMatch(/profile "nope" was asked for, but there is no profiles file/);
  });

  it('reads queue task owners from TOSSUP_QUEUE_TASK_OWNERS and rejects a malformed list', () => {
    const env = { TOSSUP_HUBSPOT_ACCESS_TOKEN: 't' };
    const ok = resolveSyncSettings({
      flags: { crm: 'hubspot', rules: 'small' },
      env: {
        ...env,
        TOSSUP_QUEUE_TASK_OWNERS: 'is_sales_planning=u011, sales_ops_overflow=005000000000002AAA',
      },
      profileFiles: NO_FILES,
    });
    expect(ok.queueTaskOwners).toEqual({
      is_sales_planning: 'u011',
      sales_ops_overflow: '005000000000002AAA',
    });
    const problems = problemsOf(() =>
      resolveSyncSettings({
        flags: { crm: 'hubspot', rules: 'small' },
        env: { ...env, TOSSUP_QUEUE_TASK_OWNERS: 'is_sales_planning:u011' },
        profileFiles: NO_FILES,
      }),
    );
    expect(problems[0]).toMatch(
      /^TOSSUP_QUEUE_TASK_OWNERS \(or .*\) is not a list of queue=owner pairs: give a list such as/,
    );
  });
});
