import { isAbsolute, relative } from 'node:path';
import { type Command, Option } from 'commander';
import { crmModule } from '../../composition/crm-registry.ts';
import { loadRuleSet } from '../../config/load-rule-set.ts';
import { readConfigFile } from '../../config/read-config-file.ts';
import { ConfigError, type ConfigIssue, CrmError, formatConfigIssues } from '../../domain/errors.ts';
import { parseNotificationsConfig } from '../../notify/notifications-config.ts';
import { parseRoutingConfig, type RoutingConfig } from '../../routing/routing-config.ts';
import { parseSlaConfig } from '../../sla/sla-config.ts';
import { BUNDLED_NOTIFICATIONS_FILE, loadNotificationsFile } from '../notifications-file.ts';
import { type FileSettings, resolveFileSettings, resolveSyncSettings, SettingsError } from '../settings.ts';

interface ValidateOptions {
  crm?: 'salesforce' | 'hubspot';
  profile?: string;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check, offline, the rule files, routing.yaml, sla.yaml, notifications.yaml and both CRM mappings (salesforce.yaml, hubspot.yaml), and with --crm also the org/portal schema; every problem at once, in line order',
    )
    .argument('[rules...]', 'rule files or presets (default: the configured rule set, else large)')
    .addOption(
      new Option('--crm <crm>', 'also connect and check this CRM').choices(['salesforce', 'hubspot']),
    )
    .option('--profile <name>', 'settings profile (for --crm)')
    .action(async (files: string[], opts: ValidateOptions) => {
      process.exitCode = await validateCommand(files, opts, process.env);
    });
}

/** 0 = all good; 2 = something to fix (printed with file:line and the fix). */
export async function validateCommand(
  files: string[],
  opts: ValidateOptions,
  env: Readonly<Record<string, string | undefined>>,
  profileFiles?: string[],
): Promise<number> {
  const issues: ConfigIssue[] = [];
  const ok: string[] = [];
  const check = (what: string, fn: () => string) => {
    try {
      ok.push(`${what}: ${fn()}`);
    } catch (e) {
      if (e instanceof ConfigError) issues.push(...e.issues);
      else throw e;
    }
  };
  let paths: FileSettings;
  try {
    paths = resolveFileSettings({
      flags: { ...(opts.profile ? { profile: opts.profile } : {}) },
      env,
      ...(profileFiles ? { profileFiles } : {}),
    });
  } catch (e) {
    if (e instanceof SettingsError) {
      process.stderr.write(`${e.problems.join('\n')}\n`);
      return 2;
    }
    throw e;
  }
  const rules = files.length > 0 ? files : [paths.rules];
  for (const f of rules) check(f, () => `ok (${loadRuleSet(f).rules.length} rules)`);
  const routingFile = shown(paths.routingFile);
  let routing: RoutingConfig | undefined;
  check(routingFile, () => {
    const r = parseRoutingConfig(
      readConfigFile(paths.routingFile, 'routing file', 'set TOSSUP_ROUTING to the right file'),
      routingFile,
      opts.crm ? { crm: opts.crm } : undefined,
    );
    routing = r;
    return `ok (${r.reps.length} reps, ${r.pools.length} pools)`;
  });
  const slaFile = shown(paths.slaFile);
  check(
    slaFile,
    () =>
      `ok (time zone ${parseSlaConfig(readConfigFile(paths.slaFile, 'SLA file', 'set TOSSUP_SLA to the right file'), slaFile).timeZone})`,
  );
  const notificationsFile = shown(paths.notificationsFile);
  check(notificationsFile, () => {
    // The bundled file with another routing file: unknown pools are a warning, as in sync and sweep.
    const bundled =
      routing && paths.notificationsFile === BUNDLED_NOTIFICATIONS_FILE
        ? loadNotificationsFile(paths.notificationsFile, routing)
        : null;
    const n =
      bundled?.config ??
      parseNotificationsConfig(
        readConfigFile(
          paths.notificationsFile,
          'notifications file',
          'set TOSSUP_NOTIFICATIONS to the right file',
        ),
        notificationsFile,
        // Pool ids are checked against routing.yaml when that file is valid.
        routing ? { routing } : undefined,
      );
    const events = Object.entries(n.events)
      .filter(([, r]) => r && (r.team || r.dm.length > 0))
      .map(([e]) => e);
    const warning = bundled?.warnings.length ? `\n  warning: ${bundled.warnings.join('\n  warning: ')}` : '';
    return `ok (${events.length ? events.join(', ') : 'no events sent'}; ${n.language})${warning}`;
  });
  // Both mappings are plain files: checked offline, every time. `--crm` adds the live schema only.
  for (const crm of ['salesforce', 'hubspot'] as const) {
    const m = crmModule(crm);
    const file = shown(paths.mappings[crm]);
    check(file, () => {
      m.checkMapping(
        readConfigFile(
          paths.mappings[crm],
          `${m.label} mapping`,
          `set ${m.settings.mappingEnv} to the right file`,
        ),
        file,
      );
      return `ok (${m.label} mapping)`;
    });
  }

  let crmFailed = false;
  if (opts.crm && issues.length === 0) {
    let settings: ReturnType<typeof resolveSyncSettings>;
    try {
      settings = resolveSyncSettings({
        flags: { crm: opts.crm, profile: opts.profile, rules: rules[0] },
        env,
        ...(profileFiles ? { profileFiles } : {}),
      });
    } catch (e) {
      if (e instanceof SettingsError) {
        // Only the credentials can be missing here (the files were resolved above): say which.
        const name = opts.crm === 'salesforce' ? 'Salesforce' : 'HubSpot';
        process.stderr.write(
          `validate --crm ${opts.crm} connects to ${name} and needs its credentials:\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n` +
            `  (without --crm, validate checks the files only and needs no credentials)\n`,
        );
        return 2;
      }
      throw e;
    }
    try {
      const result = await checkCrm(settings);
      if (result.passed) ok.push(result.report);
      else {
        crmFailed = true;
        process.stderr.write(`${result.report}\n`);
      }
    } catch (e) {
      if (e instanceof ConfigError) issues.push(...e.issues);
      else if (e instanceof CrmError) {
        process.stderr.write(`${opts.crm}: ${e.message}\n`);
        return 2;
      } else throw e;
    }
  }
  for (const line of ok) process.stdout.write(`${line}\n`);
  if (issues.length > 0) process.stderr.write(`${formatConfigIssues(issues)}\n`);
  if (issues.length > 0 && opts.crm)
    process.stderr.write(`(${opts.crm} was not checked: fix the files above first)\n`);
  return issues.length > 0 || crmFailed ? 2 : 0;
}

/** A path as the admin would type it: relative to the working directory when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Describes the org/portal and compares it with the mapping; the report lists every problem with its fix. */
function checkCrm(
  settings: ReturnType<typeof resolveSyncSettings>,
): Promise<{ passed: boolean; report: string }> {
  const c = settings.connector;
  return crmModule(c.crm)
    .admin(c.settings)
    .checkSchema()
    .then((r) => ({ passed: r.ok, report: r.report }));
}
