import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { FUNCTIONS } from '../../../scripts/build-lambdas.ts';
import type { DeploySettings } from '../../../scripts/deploy-settings.ts';

const ROOT = resolve('.');
const OSLS = createRequire(import.meta.url).resolve('osls/bin/serverless.js');

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON, read by path in assertions
type Json = any;
export type Template = {
  Resources: Record<string, { Type: string; Properties: Json; [k: string]: unknown }>;
};

/**
 * The CloudFormation template `osls package` makes of serverless.yml and infra/ with these settings,
 * offline (no AWS credentials): in `work`, a private copy, with placeholder zips standing in for the
 * Lambda bundles (what is inside them is test/infra/stack.test.ts's business; packaging only names
 * them). Seconds, not the minute of a full build.
 */
export function packageTemplate(work: string, name: string, settings: DeploySettings): Template {
  const dir = join(work, name);
  mkdirSync(join(dir, 'dist', 'lambda'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  cpSync(join(ROOT, 'serverless.yml'), join(dir, 'serverless.yml'));
  cpSync(join(ROOT, 'infra'), join(dir, 'infra'), { recursive: true });
  for (const f of FUNCTIONS) writeFileSync(join(dir, 'dist', 'lambda', `${f.name}.zip`), 'placeholder');
  writeFileSync(join(dir, 'infra', 'settings.test.yml'), toYaml(settings));
  const r = spawnSync(process.execPath, [OSLS, 'package', '--stage', 'test', '--package', join(dir, 'out')], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_REGION: 'ap-northeast-1',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      TOSSUP_SETTINGS: join(dir, 'infra', 'settings.test.yml'),
    },
    timeout: 90_000,
  });
  if (r.status !== 0) throw new Error(`osls package failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(
    readFileSync(join(dir, 'out', 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
}
