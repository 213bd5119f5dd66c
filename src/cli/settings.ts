import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { crmModule, loginsText } from '../composition/crm-registry.ts';
import { expandHome } from '../config/settings-values.ts';
import { ConfigError } from '../domain/errors.ts';
import { type ChatSettings, chatSettingsFrom } from '../notify/chat-settings.ts';
import { DEFAULT_RUNS_DIR } from '../pipeline/save-run-report.ts';
import type { CrmModule, CrmSettings, SyncCrm } from '../ports/crm-module.ts';
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
  /** Parsed by the CRM module's settings schema, the same one the Lambda secret goes through. */
  connector: CrmSettings;
  rules: string;
  routingFile: string;
  slaFile: string;
  /** mappings/notifications.yaml unless TOSSUP_NOTIFICATIONS or the profile names another. */
  notificationsFile: string;
  stateDir: string;
  runsDir: string;
  locale: Locale;
  queueTaskOwners: Record<string, string>;
  /** Slack token and Teams webhook URLs (SLACK_BOT_TOKEN, TEAMS_WEBHOOK_<NAME>, profile `chat:`); secrets. */
  chat: ChatSettings;
  /** Printed before a run; contains no secret. */
  warnings: string[];
}

export interface SyncFlags {
  crm?: string;
  rules?: string;
  profile?: string;
  locale?: string;
}

/**
 * The environment variables of the settings every command shares (docs/pipeline.md lists them with
 * meanings); each CRM's own are in its module's settings fields (connectors/<crm>/module.ts).
 */
export const ENV = {
  profile: 'TOSSUP_PROFILE',
  rules: 'TOSSUP_RULES',
  routing: 'TOSSUP_ROUTING',
  sla: 'TOSSUP_SLA',
  notifications: 'TOSSUP_NOTIFICATIONS',
  stateDir: 'TOSSUP_STATE_DIR',
  runsDir: 'TOSSUP_RUNS_DIR',
  locale: 'TOSSUP_LOCALE',
  queueTaskOwners: 'TOSSUP_QUEUE_TASK_OWNERS',
} as const;

const MAPPINGS_DIR = fileURLToPath(new URL('../../mappings/', import.meta.url));
/**
 * The rule set used when neither `--rules`, TOSSUP_RULES nor the profile names one, so the commands in
 * the README run as written. `large` is the preset the demo and the emulators are tuned for.
 */
export const DEFAULT_RULES = 'large';

const Text = z.string().trim().min(1);
/**
 * A profile's CRM section: the keys of the CRM module's settings (an unknown key is reported here);
 * the values are checked by the module's schema once the environment has overridden them.
 */
const crmSection = (crm: SyncCrm) => {
  const m = crmModule(crm);
  const keys = [...Object.keys(m.settings.fields), 'mapping'];
  return z.strictObject(Object.fromEntries(keys.map((k) => [k, z.unknown().optional()]))).optional();
};
const ProfileSchema = z.strictObject({
  crm: z.enum(['salesforce', 'hubspot']).optional(),
  rules: Text.optional(),
  routing: Text.optional(),
  sla: Text.optional(),
  notifications: Text.optional(),
  stateDir: Text.optional(),
  runsDir: Text.optional(),
  locale: z.enum(['ja', 'en']).optional(),
  queueTaskOwners: z.record(Text, Text).optional(),
  salesforce: crmSection('salesforce'),
  hubspot: crmSection('hubspot'),
  /** Chat secrets (docs/notifications.md); the values are checked by the chat settings schema. */
  chat: z
    .strictObject({
      slackBotToken: z.unknown().optional(),
      slackApiUrl: z.unknown().optional(),
      teamsWebhooks: z.record(z.string(), z.unknown()).optional(),
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
};

const CommonSchema = z.object({
  crm: z.enum(['salesforce', 'hubspot'], {
    error: (i) => (i.input === undefined ? 'is not set (no CRM chosen)' : 'is not a supported CRM'),
  }),
  rules: z.string({ error: 'is not set (no rule set chosen)' }).min(1),
  locale: z.enum(['ja', 'en'], { error: 'is not a supported locale' }),
  queueTaskOwners: z.record(z.string(), z.string(), { error: 'is not a list of queue=owner pairs' }),
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
  const qtoText = env(ENV.queueTaskOwners);

  // Flags over environment over profile over defaults, then one zod validation of the result.
  const common = CommonSchema.safeParse({
    crm: flags.crm ?? p.crm,
    rules: flags.rules ?? env(ENV.rules) ?? p.rules ?? DEFAULT_RULES,
    locale: flags.locale ?? env(ENV.locale) ?? p.locale ?? 'ja',
    queueTaskOwners: qtoText !== undefined ? parseQueueTaskOwners(qtoText) : (p.queueTaskOwners ?? {}),
  });
  if (!common.success) problems.push(...common.error.issues.map((i) => explain(i.path, i.message, found)));

  let connector: CrmSettings | null = null;
  const crm = flags.crm ?? p.crm;
  if (crm === 'salesforce' || crm === 'hubspot') {
    // The CRM module's one schema, fed from the environment over the profile (the Lambda feeds it the secret).
    const parsed = crmModule(crm).settings.schema.safeParse(crmInput(crm, p, env));
    if (parsed.success) connector = { crm, settings: parsed.data };
    else problems.push(...parsed.error.issues.map((i) => explain([crm, ...i.path], i.message, found)));
  }

  const chat = chatSettingsFrom(sources.env, p.chat);
  problems.push(...chat.problems);

  if (problems.length > 0 || !common.success || !connector) throw new SettingsError(problems);
  return {
    crm: connector.crm,
    profile: found?.name ?? null,
    profileFile: found?.file ?? null,
    connector,
    rules: common.data.rules,
    routingFile: expandHome(env(ENV.routing) ?? p.routing) ?? join(MAPPINGS_DIR, 'routing.yaml'),
    slaFile: expandHome(env(ENV.sla) ?? p.sla) ?? join(MAPPINGS_DIR, 'sla.yaml'),
    notificationsFile: notificationsFileOf(p, env),
    stateDir: expandHome(env(ENV.stateDir) ?? p.stateDir) ?? DEFAULT_STATE_DIR,
    runsDir: expandHome(env(ENV.runsDir) ?? p.runsDir) ?? DEFAULT_RUNS_DIR,
    locale: common.data.locale,
    queueTaskOwners: common.data.queueTaskOwners,
    chat: chat.settings,
    warnings,
  };
}

/**
 * The rule set of `score`, `explain` and `rules doc` when none is given: the one `sync` would use
 * (TOSSUP_RULES, the profile, else `large`), so the README's "defaults to large" holds for every
 * command. A broken profile is a settings problem (exit 2), reported like a config file's.
 */
export function configuredRules(env: Readonly<Record<string, string | undefined>>): string {
  try {
    return resolveFileSettings({ flags: {}, env }).rules;
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    throw new ConfigError(
      e.problems.map((message) => ({ file: 'settings', line: 0, column: 0, path: '', message })),
    );
  }
}

/** The admin-edited files a command reads, without the credentials (for offline `validate`). */
export interface FileSettings {
  rules: string;
  routingFile: string;
  slaFile: string;
  notificationsFile: string;
  /** Each CRM's mapping file, checked offline by `validate`. */
  mappings: Record<SyncCrm, string>;
}

/**
 * Which rule set, routing, SLA and mapping files apply, by the same precedence as `sync` (flags,
 * environment, profile, defaults), but needing no CRM or credentials. Profile problems throw.
 */
function notificationsFileOf(p: Profile, env: (name: string) => string | undefined): string {
  return expandHome(env(ENV.notifications) ?? p.notifications) ?? join(MAPPINGS_DIR, 'notifications.yaml');
}

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
    notificationsFile: notificationsFileOf(p, env),
    mappings: {
      salesforce: mappingOf('salesforce', p, env) ?? join(MAPPINGS_DIR, 'salesforce.yaml'),
      hubspot: mappingOf('hubspot', p, env) ?? join(MAPPINGS_DIR, 'hubspot.yaml'),
    },
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
  const src: Source = SOURCES[key] ?? crmSource(path) ?? { key, fix: 'see docs/pipeline.md' };
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

type Source = { env?: string; flag?: string; label?: string; key: string; fix: string };

/** Where a CRM setting comes from, from the CRM module's settings fields. */
function crmSource(path: readonly PropertyKey[]): Source | undefined {
  const [crm, field] = path.map(String);
  if (crm !== 'salesforce' && crm !== 'hubspot') return undefined;
  const m = crmModule(crm);
  if (field === undefined) {
    return {
      label: `${m.label} credentials`,
      key: crm,
      fix: loginsText(m, (k) => m.settings.fields[k]?.env ?? k),
    };
  }
  if (field === 'mapping')
    return { env: m.settings.mappingEnv, key: `${crm}.mapping`, fix: 'a mapping file' };
  const f = m.settings.fields[field];
  return f ? { env: f.env, key: `${crm}.${field}`, fix: f.fix } : undefined;
}

/** The CRM module's schema input: each setting from its environment variable, else from the profile. */
function crmInput(
  crm: SyncCrm,
  p: Profile,
  env: (name: string) => string | undefined,
): Record<string, unknown> {
  const m: CrmModule = crmModule(crm);
  const section: Record<string, unknown> = p[crm] ?? {};
  const input: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(m.settings.fields)) input[key] = env(field.env) ?? section[key];
  input.mapping = env(m.settings.mappingEnv) ?? section.mapping;
  return compact(input);
}

function mappingOf(crm: SyncCrm, p: Profile, env: (name: string) => string | undefined): string | undefined {
  const fromProfile = p[crm]?.mapping;
  return expandHome(
    env(crmModule(crm).settings.mappingEnv) ?? (typeof fromProfile === 'string' ? fromProfile : undefined),
  );
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
  if (p.chat?.slackBotToken !== undefined || Object.keys(p.chat?.teamsWebhooks ?? {}).length > 0) return true;
  return (['salesforce', 'hubspot'] as const).some((crm) =>
    Object.entries(crmModule(crm).settings.fields).some(
      ([key, f]) => f.secret && p[crm]?.[key] !== undefined,
    ),
  );
}

function worldReadable(file: string): boolean {
  if (process.platform === 'win32') return false;
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/** One line about what the run will use, without any secret. */
export function describeSettings(s: SyncSettings): string {
  const login = crmModule(s.crm).describe(s.connector.settings);
  return `${s.crm} via ${login}; profile ${s.profile ?? '(environment)'}; rules ${s.rules}; state ${s.stateDir}`;
}
