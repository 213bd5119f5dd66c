import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { parseRuleSet } from '../config/load-rule-set.ts';
import type { RuleSet } from '../config/rule-set-schema.ts';
import { ConfigError, type ConfigIssue } from '../domain/errors.ts';
import {
  disabledNotificationsConfig,
  type NotificationsConfig,
  parseNotificationsConfig,
} from '../notify/notifications-config.ts';
import type { QueueTaskOwners } from '../pipeline/task-owner.ts';
import type { SyncCrm } from '../ports/crm-module.ts';
import { ReasonRenderer } from '../reasons/render-reasons.ts';
import { parseRoutingConfig, type RoutingConfig } from '../routing/routing-config.ts';
import { type CompiledRuleSet, compileRuleSet } from '../scoring/compile-rule-set.ts';
import { parseSlaConfig, type SlaConfig } from '../sla/sla-config.ts';

/**
 * The admin files a function runs with, copied into its bundle at build time under `config/`
 * (scripts/build-lambdas.ts) and validated there with this same loader, so a bad rule, routing, SLA
 * or mapping file fails the build, not a Lambda in production.
 */
export const CONFIG_FILES = {
  rules: 'rules.yaml',
  routing: 'routing.yaml',
  sla: 'sla.yaml',
  /** Chat notifications (the sweep); absent = none are sent. */
  notifications: 'notifications.yaml',
  /** The connector's field mapping; absent when the default mapping is used. */
  mapping: 'mapping.yaml',
  options: 'options.json',
  /** The three files above as validated data (written by the build; saves YAML + schema work at start-up). */
  compiled: 'compiled.json',
} as const;

interface CompiledFiles {
  v: 1;
  ruleSet: RuleSet;
  routing: RoutingConfig;
  sla: SlaConfig;
  /** Absent in bundles built before notifications.yaml existed. */
  notifications?: NotificationsConfig;
}

export const BundleOptionsSchema = z.object({
  locale: z.enum(['ja', 'en']),
  queueTaskOwners: z.record(z.string(), z.string()),
  /** Where the files came from, for logs and `tossup`-style messages. */
  sources: z.record(z.string(), z.string()),
});
export type BundleOptions = z.infer<typeof BundleOptionsSchema>;

export interface BundledConfig {
  rules: CompiledRuleSet;
  renderer: ReasonRenderer;
  routing: RoutingConfig;
  sla: SlaConfig;
  /** notifications.yaml as bundled; absent (or all events off) = no chat notifications. */
  notifications?: NotificationsConfig;
  queueTaskOwners: QueueTaskOwners;
  /** Absolute path of the bundled mapping, or null for the connector's default. */
  mappingFile: string | null;
  options: BundleOptions;
}

/**
 * The function's admin files. `compiled.json`, when the build wrote it, is the already-validated
 * form of the YAML files and is used as is; otherwise (or with `fromYaml`) every YAML file is read and
 * validated, and all problems come back in one `ConfigError`.
 */
export function loadBundledConfig(
  dir: string,
  crm: SyncCrm,
  options: { fromYaml?: boolean } = {},
): BundledConfig {
  const compiledFile = join(dir, CONFIG_FILES.compiled);
  if (!options.fromYaml && existsSync(compiledFile)) {
    // Written by our own build from the validated YAML (compileBundledConfig), so not parsed again.
    const compiled = JSON.parse(readFileSync(compiledFile, 'utf8')) as CompiledFiles;
    if (compiled.v !== 1) {
      throw new ConfigError([
        {
          file: compiledFile,
          line: 0,
          column: 0,
          path: 'v',
          message: 'was written by another build',
          hint: 'rebuild with `node scripts/build-lambdas.ts`',
        },
      ]);
    }
    const bundleOptions = parseOptions(
      readFileSync(join(dir, CONFIG_FILES.options), 'utf8'),
      join(dir, CONFIG_FILES.options),
    );
    return assemble(dir, compiled, bundleOptions);
  }
  const { files, options: bundleOptions } = readYamlFiles(dir, crm);
  return assemble(dir, files, bundleOptions);
}

/**
 * Build step: validates the YAML files and writes `compiled.json` next to them. Returns false (and
 * writes nothing) if the validated data would not survive JSON unchanged; the function then parses
 * the YAML at start-up instead.
 */
export function compileBundledConfig(dir: string, crm: SyncCrm): boolean {
  const { files } = readYamlFiles(dir, crm);
  const text = JSON.stringify(files);
  if (!isDeepStrictEqual(JSON.parse(text), files)) return false;
  writeFileSync(join(dir, CONFIG_FILES.compiled), text);
  return true;
}

function assemble(dir: string, files: CompiledFiles, options: BundleOptions): BundledConfig {
  return {
    rules: compileRuleSet(files.ruleSet),
    renderer: new ReasonRenderer(options.locale, files.ruleSet.messages),
    routing: files.routing,
    sla: files.sla,
    notifications: files.notifications ?? disabledNotificationsConfig(),
    queueTaskOwners: options.queueTaskOwners,
    mappingFile: existsSync(join(dir, CONFIG_FILES.mapping)) ? join(dir, CONFIG_FILES.mapping) : null,
    options,
  };
}

function readYamlFiles(dir: string, crm: SyncCrm): { files: CompiledFiles; options: BundleOptions } {
  const issues: ConfigIssue[] = [];
  const read = (name: string): string | null => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (e) {
      issues.push({
        file: join(dir, name),
        line: 0,
        column: 0,
        path: '',
        message: `cannot read the bundled file (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        hint: 'rebuild with `node scripts/build-lambdas.ts`; it copies the files named in infra/settings.yml',
      });
      return null;
    }
  };
  const attempt = <T>(fn: () => T): T | null => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof ConfigError) {
        issues.push(...e.issues);
        return null;
      }
      throw e;
    }
  };

  const optionsText = read(CONFIG_FILES.options);
  const options =
    optionsText === null ? null : attempt(() => parseOptions(optionsText, join(dir, CONFIG_FILES.options)));
  const label = (key: string, file: string) => options?.sources[key] ?? file;

  const rulesText = read(CONFIG_FILES.rules);
  const ruleSet =
    rulesText === null ? null : attempt(() => parseRuleSet(rulesText, label('rules', CONFIG_FILES.rules)));
  const routingText = read(CONFIG_FILES.routing);
  const routing =
    routingText === null
      ? null
      : attempt(() => parseRoutingConfig(routingText, label('routing', CONFIG_FILES.routing), { crm }));
  const slaText = read(CONFIG_FILES.sla);
  const sla =
    slaText === null ? null : attempt(() => parseSlaConfig(slaText, label('sla', CONFIG_FILES.sla)));

  // Optional: a bundle without it sends no chat notifications.
  const notificationsText = existsSync(join(dir, CONFIG_FILES.notifications))
    ? read(CONFIG_FILES.notifications)
    : null;
  const notifications =
    notificationsText === null
      ? undefined
      : (attempt(() =>
          parseNotificationsConfig(
            notificationsText,
            label('notifications', CONFIG_FILES.notifications),
            routing ? { routing } : undefined,
          ),
        ) ?? undefined);

  if (issues.length > 0 || !options || !ruleSet || !routing || !sla) throw new ConfigError(issues);
  return { files: { v: 1, ruleSet, routing, sla, ...(notifications ? { notifications } : {}) }, options };
}

function parseOptions(text: string, file: string): BundleOptions {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([
      { file, line: 0, column: 0, path: '', message: `is not JSON (${(e as Error).message})` },
    ]);
  }
  const parsed = BundleOptionsSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((i) => ({
      file,
      line: 0,
      column: 0,
      path: i.path.map(String).join('.'),
      message: i.message,
      hint: 'rebuild with `node scripts/build-lambdas.ts`',
    })),
  );
}
