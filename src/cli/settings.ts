import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ConnectorSettings, SyncCrm } from '../pipeline/connector-registry.ts';
import { DEFAULT_RUNS_DIR } from '../pipeline/save-run-report.ts';
import type { Locale } from '../reasons/messages.ts';
import { DEFAULT_STATE_DIR } from '../state/file-state-store.ts';

/**
 * Settings of `tossup sync`, from (highest first) command-line flags, environment variables, a named
 * profile in `./.tossup/profiles.yaml` or `~/.tossup/profiles.yaml`, and defaults. Every problem is
 * reported at once, naming the environment variable and the profile key that fix it. Secret values
 * (client secret, password, access token) never appear in a message.
 */

export interface SyncSettings {
  crm: SyncCrm;
  /** Profile used, or null (environment only); also the scope of the sync cursor. */
  profile: string | null;
  profileFile: string | null;
  connector: ConnectorSettings;
  rules: string;
  routingFile: string;
  slaFile: string;
  stateDir: string;
  runsDir: string;
  locale: Locale;
  queueTaskOwners: Record<string, string>;
  /** Printed before a run; contains no secret. */
  warnings: string[];
}

export interface SyncFlags {
  crm?: string;
  rules?: string;
  profile?: string;
  locale?: string;
}

/** Every environment variable `sync` reads (docs/pipeline.md lists them with meanings). */
export const ENV = {
  profile: 'TOSSUP_PROFILE',
  rules: 'TOSSUP_RULES',
  routing: 'TOSSUP_ROUTING',
  sla: 'TOSSUP_SLA',
  stateDir: 'TOSSUP_STATE_DIR',
  runsDir: 'TOSSUP_RUNS_DIR',
  locale: 'TOSSUP_LOCALE',
  queueTaskOwners: 'TOSSUP_QUEUE_TASK_OWNERS',
  sfLoginUrl: 'TOSSUP_SALESFORCE_LOGIN_URL',
  sfClientId: 'TOSSUP_SALESFORCE_CLIENT_ID',
  sfClientSecret: 'TOSSUP_SALESFORCE_CLIENT_SECRET',
  sfUsername: 'TOSSUP_SALESFORCE_USERNAME',
  sfPassword: 'TOSSUP_SALESFORCE_PASSWORD',
  sfPrivateKeyFile: 'TOSSUP_SALESFORCE_PRIVATE_KEY_FILE',
  sfMapping: 'TOSSUP_SALESFORCE_MAPPING',
  hsAccessToken: 'TOSSUP_HUBSPOT_ACCESS_TOKEN',
  hsBasePath: 'TOSSUP_HUBSPOT_BASE_PATH',
  hsClientId: 'TOSSUP_HUBSPOT_CLIENT_ID',
  hsClientSecret: 'TOSSUP_HUBSPOT_CLIENT_SECRET',
  hsRefreshToken: 'TOSSUP_HUBSPOT_REFRESH_TOKEN',
  hsTier: 'TOSSUP_HUBSPOT_TIER',
  hsPortalId: 'TOSSUP_HUBSPOT_PORTAL_ID',
  hsRequestTimeout: 'TOSSUP_HUBSPOT_REQUEST_TIMEOUT_SECONDS',
  hsMapping: 'TOSSUP_HUBSPOT_MAPPING',
} as const;

const MAPPINGS_DIR = fileURLToPath(new URL('../../mappings/', import.meta.url));
/**
 * The rule set used when neither `--rules`, TOSSUP_RULES nor the profile names one, so the commands in
 * the README run as written. `large` is the preset the demo and the emulators are tuned for.
 */
export const DEFAULT_RULES = 'large';
const DEFAULT_SF_LOGIN_URL = 'https://login.salesforce.com';

const Text = z.string().trim().min(1);
const ProfileSchema = z.strictObject({
  crm: z.enum(['salesforce', 'hubspot']).optional(),
  rules: Text.optional(),
  routing: Text.optional(),
  sla: Text.optional(),
  stateDir: Text.optional(),
  runsDir: Text.optional(),
  locale: z.enum(['ja', 'en']).optional(),
  queueTaskOwners: z.record(Text, Text).optional(),
  salesforce: z
    .strictObject({
      loginUrl: Text.optional(),
      clientId: Text.optional(),
      clientSecret: Text.optional(),
      username: Text.optional(),
      password: Text.optional(),
      privateKeyFile: Text.optional(),
      mapping: Text.optional(),
    })
    .optional(),
  hubspot: z
    .strictObject({
      accessToken: Text.optional(),
      basePath: Text.optional(),
      clientId: Text.optional(),
      clientSecret: Text.optional(),
      refreshToken: Text.optional(),
      tier: Text.optional(),
      portalId: Text.optional(),
      requestTimeoutSeconds: z.union([z.number(), Text]).optional(),
      mapping: Text.optional(),
    })
    .optional(),
});
type Profile = z.infer<typeof ProfileSchema>;
const ProfilesFileSchema = z.strictObject({ profiles: z.record(Text, ProfileSchema) });

export class SettingsError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`sync settings are incomplete or wrong:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
    this.problems = problems;
  }
}

export interface SettingsSources {
  flags: SyncFlags;
  env: Readonly<Record<string, string | undefined>>;
  /** Profile files, first match wins; default `./.tossup/profiles.yaml`, then `~/.tossup/profiles.yaml`. */
  profileFiles?: string[];
}

export function defaultProfileFiles(cwd = process.cwd(), home = homedir()): string[] {
  return [join(cwd, '.tossup', 'profiles.yaml'), join(home, '.tossup', 'profiles.yaml')];
}

/** Where each setting comes from, to name the fix in an error. */
const SOURCES: Readonly<
  Record<string, { env?: string; flag?: string; label?: string; key: string; fix: string }>
> = {
  crm: { flag: '--crm', key: 'crm', fix: 'salesforce or hubspot' },
  rules: {
    flag: '--rules',
    env: ENV.rules,
    key: 'rules',
    fix: 'a preset (small, mid, large) or a rule file',
  },
  locale: { flag: '--locale', env: ENV.locale, key: 'locale', fix: 'ja or en' },
  queueTaskOwners: {
    env: ENV.queueTaskOwners,
    key: 'queueTaskOwners',
    fix: 'a list such as "is_sales_planning=u011,sales_ops_overflow=u002"',
  },
  'salesforce.loginUrl': {
    env: ENV.sfLoginUrl,
    key: 'salesforce.loginUrl',
    fix: 'an https URL such as https://login.salesforce.com or https://<domain>.my.salesforce.com',
  },
  'salesforce.clientId': {
    env: ENV.sfClientId,
    key: 'salesforce.clientId',
    fix: 'the consumer key of the connected app',
  },
  'salesforce.privateKeyFile': {
    env: ENV.sfPrivateKeyFile,
    key: 'salesforce.privateKeyFile',
    fix: 'the path of a readable PEM private key (JWT bearer flow)',
  },
  salesforce: {
    label: 'Salesforce credentials',
    key: 'salesforce',
    fix:
      `one way to log in: ${ENV.sfUsername} + ${ENV.sfPrivateKeyFile} (JWT bearer), ` +
      `${ENV.sfUsername} + ${ENV.sfPassword} (username-password, with ${ENV.sfClientSecret}), ` +
      `or ${ENV.sfClientSecret} alone (client credentials)`,
  },
  'hubspot.accessToken': {
    env: ENV.hsAccessToken,
    key: 'hubspot.accessToken',
    fix: 'the access token of a private app with the crm.objects.contacts read/write scopes',
  },
  hubspot: {
    label: 'HubSpot credentials',
    key: 'hubspot',
    fix: `${ENV.hsAccessToken} (private app), or ${ENV.hsClientId} + ${ENV.hsClientSecret} + ${ENV.hsRefreshToken} (OAuth app)`,
  },
  'hubspot.tier': {
    env: ENV.hsTier,
    key: 'hubspot.tier',
    fix: 'starter, professional or enterprise (sets the burst and daily API limits)',
  },
  'hubspot.portalId': {
    env: ENV.hsPortalId,
    key: 'hubspot.portalId',
    fix: 'the numeric portal (hub) id, used for record links in task notes',
  },
  'hubspot.requestTimeoutSeconds': {
    env: ENV.hsRequestTimeout,
    key: 'hubspot.requestTimeoutSeconds',
    fix: 'whole seconds from 1 to 600 that one HubSpot call may take before it is aborted (default 60)',
  },
  'hubspot.basePath': {
    env: ENV.hsBasePath,
    key: 'hubspot.basePath',
    fix: 'a URL such as https://api.hubapi.com or http://localhost:4011 (the emulator)',
  },
};

const Url = (allowHttp: boolean) =>
  z.string().refine((v) => isHttpUrl(v, allowHttp), { error: 'is not a valid URL' });

const CommonSchema = z.object({
  crm: z.enum(['salesforce', 'hubspot'], {
    error: (i) => (i.input === undefined ? 'is not set (no CRM chosen)' : 'is not a supported CRM'),
  }),
  rules: z.string({ error: 'is not set (no rule set chosen)' }).min(1),
  locale: z.enum(['ja', 'en'], { error: 'is not a supported locale' }),
  queueTaskOwners: z.record(z.string(), z.string(), { error: 'is not a list of queue=owner pairs' }),
});

const SalesforceSchema = z
  .object({
    loginUrl: Url(false),
    clientId: z.string({ error: 'is not set' }).min(1),
    clientSecret: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    privateKeyFile: z.string().refine(readable, { error: 'cannot be read' }).optional(),
  })
  .refine(
    (sf) => {
      const jwt = Boolean(sf.username && sf.privateKeyFile);
      const userPassword = Boolean(sf.username && sf.password);
      const clientCredentials = Boolean(sf.clientSecret && !sf.username);
      return jwt || userPassword || clientCredentials;
    },
    // `when`: reported together with the other problems, not only once they are fixed.
    { error: 'are incomplete', path: [], when: () => true },
  );

const HubSpotSchema = z
  .object({
    accessToken: z.string().min(1).optional(),
    basePath: Url(true).optional(),
    clientId: z.string().optional(),
    clientSecret: z.string().optional(),
    refreshToken: z.string().optional(),
    tier: z.enum(['starter', 'professional', 'enterprise'], { error: 'is not a HubSpot tier' }).optional(),
    portalId: z.string().regex(/^\d+$/, { error: 'is not a numeric portal id' }).optional(),
    requestTimeoutSeconds: z.coerce
      .number({ error: 'is not a number of seconds' })
      .int({ error: 'is not a whole number of seconds' })
      .min(1, { error: 'is too short' })
      .max(600, { error: 'is too long' })
      .optional(),
  })
  .refine((hs) => Boolean(hs.accessToken || (hs.clientId && hs.clientSecret && hs.refreshToken)), {
    error: 'are incomplete',
    path: [],
    when: () => true,
  });

export function resolveSyncSettings(sources: SettingsSources): SyncSettings {
  const { flags } = sources;
  const env = (name: string): string | undefined => {
    const v = sources.env[name]?.trim();
    return v ? v : undefined;
  };
  const problems: string[] = [];
  const warnings: string[] = [];

  const wanted = flags.profile ?? env(ENV.profile);
  const found = findProfile(wanted, sources.profileFiles ?? defaultProfileFiles(), problems, warnings);
  const p: Profile = found?.profile ?? {};
  const sf = p.salesforce ?? {};
  const hs = p.hubspot ?? {};
  const qtoText = env(ENV.queueTaskOwners);

  // Flags over environment over profile over defaults, then one zod validation of the result.
  const common = CommonSchema.safeParse({
    crm: flags.crm ?? p.crm,
    rules: flags.rules ?? env(ENV.rules) ?? p.rules ?? DEFAULT_RULES,
    locale: flags.locale ?? env(ENV.locale) ?? p.locale ?? 'ja',
    queueTaskOwners: qtoText !== undefined ? parseQueueTaskOwners(qtoText) : (p.queueTaskOwners ?? {}),
  });
  if (!common.success) problems.push(...common.error.issues.map((i) => explain(i.path, i.message, found)));

  let connector: ConnectorSettings | null = null;
  const crm = flags.crm ?? p.crm;
  if (crm === 'salesforce') {
    const parsed = SalesforceSchema.safeParse(
      compact({
        loginUrl: env(ENV.sfLoginUrl) ?? sf.loginUrl ?? DEFAULT_SF_LOGIN_URL,
        clientId: env(ENV.sfClientId) ?? sf.clientId,
        clientSecret: env(ENV.sfClientSecret) ?? sf.clientSecret,
        username: env(ENV.sfUsername) ?? sf.username,
        password: env(ENV.sfPassword) ?? sf.password,
        privateKeyFile: expandHome(env(ENV.sfPrivateKeyFile) ?? sf.privateKeyFile),
      }),
    );
    if (parsed.success) {
      const v = parsed.data;
      const mappingFile = env(ENV.sfMapping) ?? sf.mapping;
      connector = {
        crm: 'salesforce',
        salesforce: { ...v, ...(v.privateKeyFile ? { privateKeyFile: resolve(v.privateKeyFile) } : {}) },
        ...(mappingFile ? { mappingFile } : {}),
      };
    } else {
      problems.push(...parsed.error.issues.map((i) => explain(['salesforce', ...i.path], i.message, found)));
    }
  } else if (crm === 'hubspot') {
    const parsed = HubSpotSchema.safeParse(
      compact({
        accessToken: env(ENV.hsAccessToken) ?? hs.accessToken,
        basePath: env(ENV.hsBasePath) ?? hs.basePath,
        clientId: env(ENV.hsClientId) ?? hs.clientId,
        clientSecret: env(ENV.hsClientSecret) ?? hs.clientSecret,
        refreshToken: env(ENV.hsRefreshToken) ?? hs.refreshToken,
        tier: env(ENV.hsTier) ?? hs.tier,
        portalId: env(ENV.hsPortalId) ?? hs.portalId,
        requestTimeoutSeconds: env(ENV.hsRequestTimeout) ?? hs.requestTimeoutSeconds,
      }),
    );
    if (parsed.success) {
      const mappingFile = env(ENV.hsMapping) ?? hs.mapping;
      const { clientId, clientSecret, refreshToken, ...rest } = parsed.data;
      // A private-app token wins when both are given: it needs no refresh and cannot expire mid-run.
      const oauth =
        !rest.accessToken && clientId && clientSecret && refreshToken
          ? { clientId, clientSecret, refreshToken }
          : undefined;
      connector = {
        crm: 'hubspot',
        hubspot: { ...rest, ...(oauth ? { oauth } : {}) },
        ...(mappingFile ? { mappingFile } : {}),
      };
    } else {
      problems.push(...parsed.error.issues.map((i) => explain(['hubspot', ...i.path], i.message, found)));
    }
  }

  if (problems.length > 0 || !common.success || !connector) throw new SettingsError(problems);
  return {
    crm: connector.crm,
    profile: found?.name ?? null,
    profileFile: found?.file ?? null,
    connector,
    rules: common.data.rules,
    routingFile: expandHome(env(ENV.routing) ?? p.routing) ?? join(MAPPINGS_DIR, 'routing.yaml'),
    slaFile: expandHome(env(ENV.sla) ?? p.sla) ?? join(MAPPINGS_DIR, 'sla.yaml'),
    stateDir: expandHome(env(ENV.stateDir) ?? p.stateDir) ?? DEFAULT_STATE_DIR,
    runsDir: expandHome(env(ENV.runsDir) ?? p.runsDir) ?? DEFAULT_RUNS_DIR,
    locale: common.data.locale,
    queueTaskOwners: common.data.queueTaskOwners,
    warnings,
  };
}

/** The admin-edited files a command reads, without the credentials (for offline `validate`). */
export interface FileSettings {
  rules: string;
  routingFile: string;
  slaFile: string;
  salesforceMapping: string;
  hubspotMapping: string;
}

/**
 * Which rule set, routing, SLA and mapping files apply, by the same precedence as `sync` (flags,
 * environment, profile, defaults), but needing no CRM or credentials. Profile problems throw.
 */
export function resolveFileSettings(sources: SettingsSources): FileSettings {
  const env = (name: string): string | undefined => sources.env[name]?.trim() || undefined;
  const problems: string[] = [];
  const found = findProfile(
    sources.flags.profile ?? env(ENV.profile),
    sources.profileFiles ?? defaultProfileFiles(),
    problems,
    [],
  );
  if (problems.length > 0) throw new SettingsError(problems);
  const p: Profile = found?.profile ?? {};
  return {
    rules: sources.flags.rules ?? env(ENV.rules) ?? p.rules ?? DEFAULT_RULES,
    routingFile: expandHome(env(ENV.routing) ?? p.routing) ?? join(MAPPINGS_DIR, 'routing.yaml'),
    slaFile: expandHome(env(ENV.sla) ?? p.sla) ?? join(MAPPINGS_DIR, 'sla.yaml'),
    salesforceMapping:
      expandHome(env(ENV.sfMapping) ?? p.salesforce?.mapping) ?? join(MAPPINGS_DIR, 'salesforce.yaml'),
    hubspotMapping:
      expandHome(env(ENV.hsMapping) ?? p.hubspot?.mapping) ?? join(MAPPINGS_DIR, 'hubspot.yaml'),
  };
}

/**
 * E.g. "TOSSUP_SALESFORCE_CLIENT_ID (or profiles.prod.salesforce.clientId in …) is not set: give the
 * consumer key of the connected app". The setting is named; its value is never shown.
 */
function explain(
  path: readonly PropertyKey[],
  message: string,
  found: { name: string; file: string } | null,
): string {
  const key = path.map(String).join('.');
  const src = SOURCES[key] ?? { key, fix: 'see docs/pipeline.md' };
  const profileKey = found
    ? `profiles.${found.name}.${src.key} in ${found.file}`
    : `profiles.<name>.${src.key} in .tossup/profiles.yaml`;
  const names = [src.flag, src.env].filter(Boolean).join(' / ');
  const head = src.label
    ? `${src.label} (environment or ${profileKey})`
    : names
      ? `${names} (or ${profileKey})`
      : profileKey;
  return `${head} ${message}: give ${src.fix}`;
}

/** `~/x` in a profile means the home directory, as in a shell. */
function expandHome(path: string | undefined): string | undefined {
  return path?.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/** Drops undefined members so zod reports "missing", not "undefined given". */
function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function findProfile(
  wanted: string | undefined,
  files: string[],
  problems: string[],
  warnings: string[],
): { name: string; file: string; profile: Profile } | null {
  const searched: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    searched.push(file);
    let data: unknown;
    try {
      data = parseYaml(readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push(`${file} is not valid YAML (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    const parsed = ProfilesFileSchema.safeParse(data ?? { profiles: {} });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        // The path says where; the value is never echoed (it may be a secret).
        problems.push(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
      }
      continue;
    }
    const name = wanted ?? 'default';
    const profile = parsed.data.profiles[name];
    if (!profile) continue;
    if (holdsSecrets(profile) && worldReadable(file)) {
      warnings.push(`${file} holds secrets and can be read by other users; run: chmod 600 ${file}`);
    }
    return { name, file, profile };
  }
  if (wanted !== undefined) {
    problems.push(
      searched.length
        ? `profile "${wanted}" is not in ${searched.join(' or ')}: add it under profiles:, or pick another --profile`
        : `profile "${wanted}" was asked for, but there is no profiles file (${files.join(' or ')})`,
    );
  }
  return null;
}

/** `q1=u011,q2=u002` → record; anything else → null, which the schema then reports. */
function parseQueueTaskOwners(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const m = /^\s*([A-Za-z0-9][\w.-]*)\s*=\s*([\w.-]+)\s*$/.exec(part);
    if (!m) return null;
    out[m[1]!] = m[2]!;
  }
  return out;
}

function holdsSecrets(p: Profile): boolean {
  return Boolean(p.salesforce?.clientSecret || p.salesforce?.password || p.hubspot?.accessToken);
}

function worldReadable(file: string): boolean {
  if (process.platform === 'win32') return false;
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function isHttpUrl(text: string, allowHttp = false): boolean {
  try {
    const u = new URL(text);
    return (
      u.protocol === 'https:' ||
      ((allowHttp || u.hostname === 'localhost' || u.hostname === '127.0.0.1') && u.protocol === 'http:')
    );
  } catch {
    return false;
  }
}

/** One line about what the run will use, without any secret. */
export function describeSettings(s: SyncSettings): string {
  const login =
    s.connector.crm === 'salesforce'
      ? `${s.connector.salesforce.loginUrl} (${s.connector.salesforce.privateKeyFile ? 'JWT' : s.connector.salesforce.password ? 'username-password' : 'client credentials'})`
      : (s.connector.hubspot.basePath ?? 'api.hubapi.com');
  return `${s.crm} via ${login}; profile ${s.profile ?? '(environment)'}; rules ${s.rules}; state ${s.stateDir}`;
}
