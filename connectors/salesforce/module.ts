import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
import { expandHome, FilePath, HttpUrl, SettingText } from '../../src/config/settings-values.ts';
import { ConfigError } from '../../src/domain/errors.ts';
import type { CrmModule } from '../../src/ports/crm-module.ts';
import { loadLive } from './load-live.ts';
import { parseSalesforceMapping } from './mapping.ts';
import type { SalesforceOptionsInput } from './settings.ts';

/**
 * The Salesforce CRM module: its settings (one schema for a CLI profile, the environment and the
 * Lambda secret), how it connects, and its admin checks. The SDK (jsforce) is loaded only when a
 * connection is made, so commands that never connect never load it.
 */

const readable = (file: string): boolean => {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
};

export const SalesforceSettingsSchema = z
  .object({
    loginUrl: HttpUrl().default('https://login.salesforce.com'),
    clientId: z.string({ error: 'is not set' }).trim().min(1, { error: 'is not set' }),
    clientSecret: SettingText.optional(),
    username: SettingText.optional(),
    password: SettingText.optional(),
    /** A PEM key file (CLI); the Lambda secret carries the PEM text as `privateKey` instead. */
    privateKeyFile: FilePath.refine(readable, { error: 'cannot be read' }).optional(),
    privateKey: z.string().trim().includes('PRIVATE KEY', { error: 'is not a PEM private key' }).optional(),
    mapping: SettingText.transform((p) => expandHome(p)).optional(),
  })
  .refine(
    // The username-password flow needs the connected app's secret too: Salesforce's OAuth 2.0
    // username-password flow sends client_id AND client_secret with the credentials (crm-apis.md).
    (s) =>
      Boolean(
        (s.username && (s.privateKeyFile || s.privateKey)) ||
          (s.username && s.password && s.clientSecret) ||
          (s.clientSecret && !s.username),
      ),
    // `when`: reported together with the other problems, not only once they are fixed.
    { error: 'are incomplete', path: [], when: () => true },
  );

export type SalesforceSettings = z.output<typeof SalesforceSettingsSchema>;

const FIELDS = {
  loginUrl: {
    env: 'TOSSUP_SALESFORCE_LOGIN_URL',
    fix: 'an https URL such as https://login.salesforce.com or https://<domain>.my.salesforce.com',
  },
  clientId: { env: 'TOSSUP_SALESFORCE_CLIENT_ID', fix: 'the consumer key of the connected app' },
  clientSecret: {
    env: 'TOSSUP_SALESFORCE_CLIENT_SECRET',
    fix: 'the consumer secret of the connected app',
    secret: true,
  },
  username: { env: 'TOSSUP_SALESFORCE_USERNAME', fix: 'the integration user' },
  password: {
    env: 'TOSSUP_SALESFORCE_PASSWORD',
    fix: 'the password followed by the security token',
    secret: true,
  },
  privateKeyFile: {
    env: 'TOSSUP_SALESFORCE_PRIVATE_KEY_FILE',
    fix: 'the path of a readable PEM private key (JWT bearer flow)',
  },
  privateKey: {
    env: 'TOSSUP_SALESFORCE_PRIVATE_KEY',
    fix: 'the PEM text of the private key (JWT bearer flow)',
    secret: true,
  },
} as const;

/**
 * The login flow follows from the credentials present, most secure first: username + private key →
 * JWT bearer; no username + client secret → client credentials; username + password + client secret
 * → username-password (development only). The schema has already refused anything else.
 */
export function salesforceAuthOf(s: SalesforceSettings): SalesforceOptionsInput['auth'] {
  if (s.username && (s.privateKeyFile || s.privateKey)) {
    return {
      flow: 'jwt',
      clientId: s.clientId,
      username: s.username,
      ...(s.privateKey ? { privateKey: s.privateKey } : { privateKeyFile: s.privateKeyFile! }),
    };
  }
  if (!s.username && s.clientSecret)
    return { flow: 'client_credentials', clientId: s.clientId, clientSecret: s.clientSecret };
  if (s.username && s.password && s.clientSecret) {
    return {
      flow: 'password',
      clientId: s.clientId,
      clientSecret: s.clientSecret,
      username: s.username,
      password: s.password,
    };
  }
  throw new ConfigError([
    {
      file: 'settings',
      line: 0,
      column: 0,
      path: 'salesforce',
      message: 'the Salesforce credentials name no complete login flow',
      hint: 'JWT: clientId + username + privateKeyFile; client credentials: clientId + clientSecret; username-password: clientId + clientSecret + username + password',
    },
  ]);
}

/** What `createSalesforceConnector` is given for these settings. */
export function salesforceOptionsOf(s: SalesforceSettings): SalesforceOptionsInput {
  return {
    loginUrl: s.loginUrl,
    auth: salesforceAuthOf(s),
    ...(s.mapping ? { mappingFile: s.mapping } : {}),
  };
}

export const salesforceModule: CrmModule<SalesforceSettings> = {
  crm: 'salesforce',
  label: 'Salesforce',
  settings: {
    schema: SalesforceSettingsSchema,
    fields: FIELDS,
    mappingEnv: 'TOSSUP_SALESFORCE_MAPPING',
    logins: [
      { name: 'JWT bearer', keys: ['username', 'privateKeyFile'] },
      { name: 'JWT bearer, the key as PEM text', keys: ['username', 'privateKey'] },
      { name: 'username-password', keys: ['username', 'password', 'clientSecret'] },
      { name: 'client credentials, without a username', keys: ['clientSecret'] },
    ],
  },
  mappingFileOf: (s) => s.mapping,
  withMappingFile: (s, mappingFile) => ({ ...s, mapping: mappingFile }),
  describe(s) {
    const flow = salesforceAuthOf(s).flow;
    const name = flow === 'jwt' ? 'JWT' : flow === 'password' ? 'username-password' : 'client credentials';
    return `${s.loginUrl} (${name})`;
  },
  checkMapping(text, file) {
    parseSalesforceMapping(text, file);
  },
  async connect(s, context) {
    const { createSalesforceConnector } = await loadLive();
    return createSalesforceConnector(salesforceOptionsOf(s), { now: () => context.clock.now().getTime() });
  },
  admin(s) {
    return {
      async checkSchema() {
        const sf = await loadLive();
        const connector = await sf.createSalesforceConnector(salesforceOptionsOf(s));
        try {
          const result = await connector.checkSchema();
          return {
            ok: result.ok,
            report: sf.formatSchemaReport(result, s.mapping ?? 'mappings/salesforce.yaml'),
          };
        } finally {
          await connector.close();
        }
      },
    };
  },
  async setupOffline(options) {
    const sf = await loadLive();
    const mapping = sf.loadSalesforceMapping(options.mappingFile);
    const fields = sf.setupSalesforce(mapping, { outDir: options.outDir, locale: options.locale });
    if (!options.realtime) return fields;
    const realtime = sf.setupSalesforceRealtime(mapping, { outDir: options.outDir, ...options.realtime });
    return { files: [...fields.files, ...realtime.files] };
  },
};
