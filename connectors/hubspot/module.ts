import { join } from 'node:path';
import { z } from 'zod';
import { expandHome, HttpUrl, SettingText } from '../../src/config/settings-values.ts';
import type { CrmModule } from '../../src/ports/crm-module.ts';
import type { HubspotConnectorOptions } from './index.ts';
import { loadLive } from './load-live.ts';
import { parseHubspotMapping } from './mapping.ts';

/**
 * The HubSpot CRM module: its settings (one schema for a CLI profile, the environment and the Lambda
 * secret), how it connects, and its admin checks and setup. The SDK (@hubspot/api-client) is loaded
 * only when a connection is made, so commands that never connect never load it.
 */

export const HubspotSettingsSchema = z
  .object({
    accessToken: SettingText.optional(),
    basePath: HttpUrl(true).optional(),
    clientId: SettingText.optional(),
    clientSecret: SettingText.optional(),
    refreshToken: SettingText.optional(),
    tier: z.enum(['starter', 'professional', 'enterprise'], { error: 'is not a HubSpot tier' }).optional(),
    /** Without it, tasks carry no record link (the link names the portal). */
    portalId: z.coerce.string().regex(/^\d+$/, { error: 'is not a numeric portal id' }).optional(),
    requestTimeoutSeconds: z.coerce
      .number({ error: 'is not a number of seconds' })
      .int({ error: 'is not a whole number of seconds' })
      .min(1, { error: 'is too short' })
      .max(600, { error: 'is too long' })
      .optional(),
    mapping: SettingText.transform((p) => expandHome(p)).optional(),
  })
  .refine((hs) => Boolean(hs.accessToken || (hs.clientId && hs.clientSecret && hs.refreshToken)), {
    error: 'are incomplete',
    path: [],
    when: () => true,
  });

export type HubspotSettings = z.output<typeof HubspotSettingsSchema>;

const FIELDS = {
  accessToken: {
    env: 'TOSSUP_HUBSPOT_ACCESS_TOKEN',
    fix: 'the access token of a private app with the crm.objects.contacts read/write scopes',
    secret: true,
  },
  basePath: {
    env: 'TOSSUP_HUBSPOT_BASE_PATH',
    fix: 'a URL such as https://api.hubapi.com or http://localhost:4011 (the emulator)',
  },
  clientId: { env: 'TOSSUP_HUBSPOT_CLIENT_ID', fix: 'the client id of the OAuth app' },
  clientSecret: {
    env: 'TOSSUP_HUBSPOT_CLIENT_SECRET',
    fix: 'the client secret of the OAuth app',
    secret: true,
  },
  refreshToken: {
    env: 'TOSSUP_HUBSPOT_REFRESH_TOKEN',
    fix: 'a refresh token the OAuth app was granted for the portal',
    secret: true,
  },
  tier: {
    env: 'TOSSUP_HUBSPOT_TIER',
    fix: 'starter, professional or enterprise (sets the burst and daily API limits)',
  },
  portalId: {
    env: 'TOSSUP_HUBSPOT_PORTAL_ID',
    fix: 'the numeric portal (hub) id, used for record links in task notes',
  },
  requestTimeoutSeconds: {
    env: 'TOSSUP_HUBSPOT_REQUEST_TIMEOUT_SECONDS',
    fix: 'whole seconds from 1 to 600 that one HubSpot call may take before it is aborted (default 60)',
  },
} as const;

/** A private-app token wins when both are given: it needs no refresh and cannot expire mid-run. */
function authOf(s: HubspotSettings): HubspotConnectorOptions['auth'] {
  if (s.accessToken) return { kind: 'private_app', accessToken: s.accessToken };
  return {
    kind: 'oauth',
    clientId: s.clientId!,
    clientSecret: s.clientSecret!,
    refreshToken: s.refreshToken!,
  };
}

/** What `createHubspotConnector` is given for these settings (`cacheDir`: where facts are kept between runs). */
export function hubspotOptionsOf(s: HubspotSettings, cacheDir?: string): HubspotConnectorOptions {
  return {
    auth: authOf(s),
    ...(s.basePath ? { basePath: s.basePath } : {}),
    ...(s.tier ? { tier: s.tier } : {}),
    ...(s.portalId ? { portalId: s.portalId } : {}),
    ...(s.requestTimeoutSeconds ? { requestTimeoutMs: s.requestTimeoutSeconds * 1000 } : {}),
    // Company and deal facts change rarely: keeping them between runs is what keeps calls near the minimum.
    ...(cacheDir ? { factsCacheFile: join(cacheDir, 'hubspot-facts.json') } : {}),
    ...(s.mapping ? { mappingFile: s.mapping } : {}),
  };
}

export const hubspotModule: CrmModule<HubspotSettings> = {
  crm: 'hubspot',
  label: 'HubSpot',
  settings: {
    schema: HubspotSettingsSchema,
    fields: FIELDS,
    mappingEnv: 'TOSSUP_HUBSPOT_MAPPING',
    logins: [
      { name: 'private app', keys: ['accessToken'] },
      { name: 'OAuth app', keys: ['clientId', 'clientSecret', 'refreshToken'] },
    ],
  },
  mappingFileOf: (s) => s.mapping,
  withMappingFile: (s, mappingFile) => ({ ...s, mapping: mappingFile }),
  describe: (s) => s.basePath ?? 'api.hubapi.com',
  checkMapping(text, file) {
    parseHubspotMapping(text, file);
  },
  // Token lifetimes and cache ages run on the wall clock, never on the (possibly fixed) decision clock.
  async connect(s, context) {
    const { createHubspotConnector } = await loadLive();
    return createHubspotConnector(hubspotOptionsOf(s, context.cacheDir));
  },
  admin(s) {
    const admin = async () => (await loadLive()).createHubspotAdmin(hubspotOptionsOf(s));
    return {
      async checkSchema() {
        const hs = await loadLive();
        const result = await (await admin()).checkSchema();
        return { ok: result.ok, report: hs.formatSchemaCheck(result) };
      },
      async setup() {
        const hs = await loadLive();
        const result = await (await admin()).setup();
        return { ok: result.check.ok, report: hs.formatSetup(result) };
      },
    };
  },
};
