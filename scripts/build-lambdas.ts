/**
 * Builds the Lambda deployment packages serverless.yml deploys: one esbuild bundle per function with
 * the admin files it runs with, zipped to dist/lambda/<function>.zip.
 *
 *   node scripts/build-lambdas.ts                     all functions, settings from infra/settings.yml
 *   TOSSUP_SETTINGS=infra/settings.prod.yml node scripts/build-lambdas.ts
 *   node scripts/build-lambdas.ts --only worker-hubspot --out /tmp/lambda
 *   node scripts/build-lambdas.ts --only worker-salesforce --analyze   what is in the bundle, by size
 *
 * Before bundling it validates the settings and every admin file (rules, routing, SLA, mapping) with
 * the loaders the functions use at start-up, and exits 1 with every problem listed: a bad file fails
 * the build and therefore the deploy, never a function in production.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { resolveRuleSetPath } from '../src/config/load-rule-set.ts';
import { ConfigError, formatConfigIssues } from '../src/domain/errors.ts';
import { type BundleOptions, CONFIG_FILES, compileBundledConfig } from '../src/handlers/bundled-config.ts';
import {
  type DeployCrm,
  type DeploySettings,
  DeploySettingsError,
  loadDeploySettings,
  settingsFile,
} from './deploy-settings.ts';
import { trimHolidayJp } from './trim-holiday-jp.ts';
import { trimHubspotSdk } from './trim-hubspot-sdk.ts';
import { trimJsforceStreaming } from './trim-jsforce-streaming.ts';
import { trimMimeDb } from './trim-mime-db.ts';
import { trimUndici } from './trim-undici.ts';
import { trimZod } from './trim-zod.ts';
import { zipDirectory } from './zip-directory.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CRMS: readonly DeployCrm[] = ['salesforce', 'hubspot'];

export type FunctionKind = 'sync' | 'worker' | 'sweep' | 'webhook' | 'report';

export interface LambdaFunction {
  /** `worker-hubspot`: the folder and zip name under the output directory. */
  name: string;
  kind: FunctionKind;
  crm: DeployCrm;
}

/** Every function of the stack; serverless.yml names the same artifacts. */
export const FUNCTIONS: readonly LambdaFunction[] = [
  ...CRMS.flatMap((crm) => [
    { name: `sync-${crm}`, kind: 'sync' as const, crm },
    { name: `worker-${crm}`, kind: 'worker' as const, crm },
    { name: `sweep-${crm}`, kind: 'sweep' as const, crm },
  ]),
  { name: 'webhook-hubspot', kind: 'webhook', crm: 'hubspot' },
  // The weekly review over the ledger (Athena): no connector; the rule, routing, SLA and notification
  // files are the same for both CRMs, so it carries them as staged for Salesforce.
  { name: 'report', kind: 'report', crm: 'salesforce' },
];

export interface BuildOptions {
  outDir?: string;
  settingsPath?: string;
  /** Function names to build (default: all). */
  only?: readonly string[];
  sourcemap?: boolean;
  /** Also write esbuild's metafile to <outDir>/<function>.meta.json (outside the zip) for size analysis. */
  metafile?: boolean;
}

export interface BuiltFunction extends LambdaFunction {
  bundleFile: string;
  bundleBytes: number;
  zipFile: string;
  zipBytes: number;
  /** Whether the CRM connector is inside (connectors/<crm>/module.ts existed). */
  connector: boolean;
  /** esbuild's metafile (what is in the bundle and why), when asked for. */
  metafileFile?: string;
}

export interface BuildResult {
  functions: BuiltFunction[];
  warnings: string[];
}

export class BuildError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `the Lambda build stopped:\n${problems.map((p) => `  - ${p.replace(/\n/g, '\n    ')}`).join('\n')}`,
    );
    this.name = 'BuildError';
    this.problems = problems;
  }
}

export async function buildLambdas(options: BuildOptions = {}): Promise<BuildResult> {
  const outDir = resolve(options.outDir ?? join(ROOT, 'dist', 'lambda'));
  const settingsPath = options.settingsPath ?? settingsFile(process.env, ROOT);
  const settings = loadDeploySettings(settingsPath);
  const selected = FUNCTIONS.filter((f) => !options.only || options.only.includes(f.name));
  const problems: string[] = [];
  const warnings: string[] = [];

  // 1. Validate and stage each CRM's admin files once; every function of that CRM bundles them.
  const staged = new Map<DeployCrm, string>();
  for (const crm of new Set(selected.filter((f) => f.kind !== 'webhook').map((f) => f.crm))) {
    const dir = join(outDir, '.config', crm);
    const found = await stageConfig(crm, settings, dir);
    const target = settings.crms[crm].enabled ? problems : warnings;
    target.push(...found.map((p) => (settings.crms[crm].enabled ? p : `${crm} is disabled, but: ${p}`)));
    if (settings.crms[crm].enabled && !existsSync(moduleFile(crm))) {
      problems.push(
        `crms.${crm}.enabled is true, but ${moduleFile(crm)} does not exist: this build cannot carry the ${crm} connector (add it, or set crms.${crm}.enabled: false)`,
      );
    }
    staged.set(crm, dir);
  }
  if (problems.length) throw new BuildError(problems);

  // 2. Bundle, add the admin files, zip.
  const functions: BuiltFunction[] = [];
  for (const fn of selected) {
    const fnDir = join(outDir, fn.name);
    rmSync(fnDir, { recursive: true, force: true });
    mkdirSync(fnDir, { recursive: true });
    const bundleFile = join(fnDir, 'index.mjs');
    const connector = fn.kind !== 'webhook' && fn.kind !== 'report' && existsSync(moduleFile(fn.crm));
    const built = await esbuild.build({
      metafile: options.metafile ?? false,
      entryPoints: [join(ROOT, 'src', 'handlers', 'lambda', `${fn.kind}.ts`)],
      outfile: bundleFile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      // Short lines: Node prints the source line of an uncaught error (an init failure, e.g. a bad
      // admin file), and a minified line of 100+ KB made that log entry unreadable and, through a
      // pipe, cut the error itself off.
      lineLimit: 500,
      sourcemap: options.sourcemap ? 'linked' : false,
      legalComments: 'none',
      // The runtime provides AWS SDK v3 for nodejs22.x; bundling it is a settings choice.
      external: settings.bundleAwsSdk ? [] : ['@aws-sdk/*'],
      // CommonJS dependencies call require() for Node built-ins; ESM output has no require of its own.
      banner: {
        js: "import{createRequire as __tossupRequire}from'node:module';const require=__tossupRequire(import.meta.url);",
      },
      plugins: [oneCrmModule(connector ? fn.crm : null), ...dependencyTrims(fn.crm, connector)],
      logLevel: 'silent',
    });
    const metafileFile = built.metafile ? join(outDir, `${fn.name}.meta.json`) : undefined;
    if (metafileFile) writeFileSync(metafileFile, JSON.stringify(built.metafile));
    if (fn.kind !== 'webhook') copyConfig(staged.get(fn.crm)!, join(fnDir, 'config'));
    const zipFile = join(outDir, `${fn.name}.zip`);
    const zipBytes = zipDirectory(fnDir, zipFile);
    functions.push({
      ...fn,
      bundleFile,
      bundleBytes: statSync(bundleFile).size,
      zipFile,
      zipBytes,
      connector,
      ...(metafileFile ? { metafileFile } : {}),
    });
    if (!connector && fn.kind !== 'webhook' && fn.kind !== 'report') {
      warnings.push(
        `${fn.name} was built without a connector (${moduleFile(fn.crm)} is missing); it cannot run until one is added`,
      );
    }
  }
  rmSync(join(outDir, '.config'), { recursive: true, force: true });
  return { functions, warnings };
}

/**
 * The plugins that keep a function's dependencies to what it runs; each scripts/trim-*.ts says what
 * it leaves out and why that cannot change behaviour. Exported for the tests that bundle probes the
 * way the functions are bundled.
 */
export function dependencyTrims(crm: DeployCrm, connector: boolean): esbuild.Plugin[] {
  return [
    ...(connector && crm === 'hubspot' ? [trimHubspotSdk(join(ROOT, 'connectors', 'hubspot')).plugin] : []),
    ...(connector && crm === 'salesforce' ? [trimJsforceStreaming()] : []),
    trimZod(),
    trimUndici(),
    trimHolidayJp(),
    trimMimeDb(),
  ];
}

function moduleFile(crm: DeployCrm): string {
  return join(ROOT, 'connectors', crm, 'module.ts');
}

/**
 * The CRM registry (src/composition/crm-registry.ts) imports every CRM module; in a function's bundle
 * each module but its own CRM's (none for the webhook) is `undefined`, so the bundle carries exactly
 * one connector and its SDK, and asking for another CRM says it is not in this build.
 */
function oneCrmModule(keep: DeployCrm | null): esbuild.Plugin {
  return {
    name: 'tossup-one-crm-module',
    setup(build) {
      build.onResolve({ filter: /[\\/]connectors[\\/](salesforce|hubspot)[\\/]module\.ts$/ }, (args) => {
        const crm = /(salesforce|hubspot)[\\/]module\.ts$/.exec(args.path)![1]!;
        return crm === keep ? undefined : { path: crm, namespace: 'tossup-absent-crm' };
      });
      build.onLoad({ filter: /.*/, namespace: 'tossup-absent-crm' }, (args) => ({
        contents: `export const ${args.path}Module = undefined;`,
        loader: 'ts',
      }));
      // The kept module's SDK, imported statically: a dynamic import would wrap it and its imports
      // (zod) in lazy initialisers that keep every export, every zod locale included.
      build.onLoad({ filter: /[\\/]connectors[\\/](salesforce|hubspot)[\\/]load-live\.ts$/ }, (args) => ({
        contents: "import * as live from './live.ts';\nexport const loadLive = async () => live;\n",
        loader: 'ts',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/**
 * Copies the admin files named in the settings into `dir` under their bundle names and validates
 * them there with the same loader the function runs at start-up. Returns the problems found.
 */
async function stageConfig(crm: DeployCrm, settings: DeploySettings, dir: string): Promise<string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const problems: string[] = [];
  const sources: Record<string, string> = {};
  const copy = (key: string, from: string, to: string, setting: string) => {
    const path = resolve(ROOT, from);
    if (!existsSync(path)) {
      problems.push(`${setting}: ${path} does not exist`);
      return;
    }
    copyFileSync(path, join(dir, to));
    // Messages name the file as the admin knows it (relative to the repository).
    sources[key] = path.startsWith(ROOT) ? relative(ROOT, path) : path;
  };
  copy('rules', resolveRuleSetPath(settings.config.rules), CONFIG_FILES.rules, 'config.rules');
  copy('routing', settings.config.routing, CONFIG_FILES.routing, 'config.routing');
  copy('sla', settings.config.sla, CONFIG_FILES.sla, 'config.sla');
  copy('notifications', settings.config.notifications, CONFIG_FILES.notifications, 'config.notifications');
  const mapping = settings.crms[crm].mapping;
  copy('mapping', mapping, CONFIG_FILES.mapping, `crms.${crm}.mapping`);
  const options: BundleOptions = {
    locale: settings.config.locale,
    queueTaskOwners: settings.config.queueTaskOwners,
    sources,
  };
  writeFileSync(join(dir, CONFIG_FILES.options), `${JSON.stringify(options, null, 2)}\n`);
  if (problems.length) return problems;

  try {
    // The loader the function runs at start-up, on exactly the files it will get.
    if (!compileBundledConfig(dir, crm)) {
      problems.push(
        `the validated admin files of ${crm} do not survive JSON; the function will parse the YAML at start-up`,
      );
    }
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(formatConfigIssues(e.issues));
  }
  problems.push(...(await validateMapping(crm, join(dir, CONFIG_FILES.mapping), mapping)));
  return problems;
}

/**
 * The connector owns its mapping format; its module exports a `parse…Mapping(text, file)` that throws
 * `ConfigError`. Until the connector exists the file is only checked to be there.
 */
async function validateMapping(crm: DeployCrm, path: string, label: string): Promise<string[]> {
  const module = join(ROOT, 'connectors', crm, 'mapping.ts');
  if (!existsSync(module)) return [];
  const exports = (await import(pathToFileURL(module).href)) as Record<string, unknown>;
  const parse = Object.entries(exports).find(
    ([name, v]) => /^parse\w*Mapping$/.test(name) && typeof v === 'function',
  );
  if (!parse) return [];
  try {
    (parse[1] as (text: string, file: string) => unknown)(readFileSync(path, 'utf8'), label);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return [formatConfigIssues(e.issues)];
    return [`${label}: ${(e as Error).message}`];
  }
}

function copyConfig(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of Object.values(CONFIG_FILES)) {
    const file = join(from, name);
    if (existsSync(file)) copyFileSync(file, join(to, name));
  }
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

async function main(argv: string[]): Promise<number> {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  try {
    const result = await buildLambdas({
      outDir: value('--out'),
      settingsPath: value('--settings') ? resolve(value('--settings')!) : undefined,
      only: value('--only')?.split(','),
      sourcemap: argv.includes('--sourcemap'),
      metafile: argv.includes('--metafile') || argv.includes('--analyze'),
    });
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    for (const f of result.functions) {
      process.stdout.write(
        `${f.name.padEnd(18)} bundle ${kb(f.bundleBytes).padStart(9)}  zip ${kb(f.zipBytes).padStart(8)}  ${dirname(f.zipFile)}/${f.name}.zip\n`,
      );
      if (argv.includes('--analyze') && f.metafileFile) {
        const metafile = JSON.parse(readFileSync(f.metafileFile, 'utf8')) as esbuild.Metafile;
        process.stdout.write(await esbuild.analyzeMetafile(metafile));
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof BuildError || e instanceof DeploySettingsError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
