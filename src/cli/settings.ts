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
  hsMapping: 'TOSSUP_HUBSPOT_MAPPING',
} as const;

const MAPPINGS_DIR = fileURLToPath(new URL('../../mappings/', import.meta.url));
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
  const where = (key: string) =>
    found
      ? `profiles.${found.name}.${key} in ${found.file}`
      : `profiles.<name>.${key} in .tossup/profiles.yaml`;

  const crm = flags.crm ?? p.crm;
  if (crm !== 'salesforce' && crm !== 'hubspot') {
    problems.push(
      crm === undefined
        ? `no CRM chosen: pass --crm salesforce|hubspot, or set crm in ${where('crm')}`
        : `--crm "${crm}" is not supported: use salesforce or hubspot`,
    );
  }
  const locale = flags.locale ?? env(ENV.locale) ?? p.locale ?? 'ja';
  if (locale !== 'ja' && locale !== 'en')
    problems.push(`${ENV.locale}="${locale}" is not a locale: use ja or en`);
  const rules = flags.rules ?? env(ENV.rules) ?? p.rules;
  if (!rules) {
    problems.push(
      `no rule set chosen: pass --rules small|mid|large|<file>, set ${ENV.rules}, or set ${where('rules')}`,
    );
  }

  let queueTaskOwners: Record<string, string> = { ...(p.queueTaskOwners ?? {}) };
  const qto = env(ENV.queueTaskOwners);
  if (qto) {
    const parsed = parseQueueTaskOwners(qto);
    if (parsed) queueTaskOwners = parsed;
    else
      problems.push(`${ENV.queueTaskOwners} must look like "is_sales_planning=u011,sales_ops_overflow=u002"`);
  }

  let connector: ConnectorSettings | null = null;
  if (crm === 'salesforce') connector = salesforceSettings(env, p, where, problems);
  if (crm === 'hubspot') connector = hubspotSettings(env, p, where, problems);

  if (problems.length > 0 || !connector || !rules) throw new SettingsError(problems);
  return {
    crm: connector.crm,
    profile: found?.name ?? null,
    profileFile: found?.file ?? null,
    connector,
    rules,
    routingFile: env(ENV.routing) ?? p.routing ?? join(MAPPINGS_DIR, 'routing.yaml'),
    slaFile: env(ENV.sla) ?? p.sla ?? join(MAPPINGS_DIR, 'sla.yaml'),
    stateDir: env(ENV.stateDir) ?? p.stateDir ?? DEFAULT_STATE_DIR,
    runsDir: env(ENV.runsDir) ?? p.runsDir ?? DEFAULT_RUNS_DIR,
    locale: locale as Locale,
    queueTaskOwners,
    warnings,
  };
}

function salesforceSettings(
  env: (name: string) => string | undefined,
  p: Profile,
  where: (key: string) => string,
  problems: string[],
): ConnectorSettings {
  const sf = p.salesforce ?? {};
  const loginUrl = env(ENV.sfLoginUrl) ?? sf.loginUrl ?? DEFAULT_SF_LOGIN_URL;
  if (!isHttpUrl(loginUrl)) {
    problems.push(
      `${ENV.sfLoginUrl} (or ${where('salesforce.loginUrl')}) must be an https URL such as https://login.salesforce.com or https://<domain>.my.salesforce.com`,
    );
  }
  const clientId = env(ENV.sfClientId) ?? sf.clientId;
  const clientSecret = env(ENV.sfClientSecret) ?? sf.clientSecret;
  const username = env(ENV.sfUsername) ?? sf.username;
  const password = env(ENV.sfPassword) ?? sf.password;
  const privateKeyFile = env(ENV.sfPrivateKeyFile) ?? sf.privateKeyFile;
  const mappingFile = env(ENV.sfMapping) ?? sf.mapping;

  if (!clientId) {
    problems.push(
      `${ENV.sfClientId} is not set (or ${where('salesforce.clientId')}): give the consumer key of the connected app`,
    );
  }
  const jwt = Boolean(username && privateKeyFile);
  const userPassword = Boolean(username && password);
  const clientCredentials = Boolean(clientSecret && !username);
  if (!jwt && !userPassword && !clientCredentials) {
    problems.push(
      `Salesforce needs one way to log in: ${ENV.sfUsername} + ${ENV.sfPrivateKeyFile} (JWT bearer), ` +
        `${ENV.sfUsername} + ${ENV.sfPassword} (username-password, with ${ENV.sfClientSecret}), ` +
        `or ${ENV.sfClientSecret} alone (client credentials); the same keys can go under ${where('salesforce')}`,
    );
  }
  if (privateKeyFile && !readable(privateKeyFile)) {
    problems.push(
      `${ENV.sfPrivateKeyFile} names ${privateKeyFile}, which cannot be read: check the path and permissions`,
    );
  }
  return {
    crm: 'salesforce',
    salesforce: {
      loginUrl,
      ...(clientId ? { clientId } : {}),
      ...(clientSecret ? { clientSecret } : {}),
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(privateKeyFile ? { privateKeyFile: resolve(privateKeyFile) } : {}),
    },
    ...(mappingFile ? { mappingFile } : {}),
  };
}

function hubspotSettings(
  env: (name: string) => string | undefined,
  p: Profile,
  where: (key: string) => string,
  problems: string[],
): ConnectorSettings {
  const hs = p.hubspot ?? {};
  const accessToken = env(ENV.hsAccessToken) ?? hs.accessToken;
  const basePath = env(ENV.hsBasePath) ?? hs.basePath;
  const mappingFile = env(ENV.hsMapping) ?? hs.mapping;
  if (!accessToken) {
    problems.push(
      `${ENV.hsAccessToken} is not set (or ${where('hubspot.accessToken')}): create a private app with the crm.objects.contacts read/write scopes and use its access token`,
    );
  }
  if (basePath && !isHttpUrl(basePath, true)) {
    problems.push(
      `${ENV.hsBasePath} must be a URL such as https://api.hubapi.com or http://localhost:4011 (the emulator)`,
    );
  }
  return {
    crm: 'hubspot',
    hubspot: { accessToken: accessToken ?? '', ...(basePath ? { basePath } : {}) },
    ...(mappingFile ? { mappingFile } : {}),
  };
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
