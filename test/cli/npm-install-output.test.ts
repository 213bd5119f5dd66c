import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * First contact: `npm install` on a machine whose Node is older than the pinned Node 22. Run as a
 * dry run against the lockfile, offline, with the project's .npmrc, on the machine's own npm and Node.
 */

const ROOT = new URL('../../', import.meta.url).pathname;

/** The machine's npm CLI script and a Node older than 22 to run it with (as a fresh clone would). */
function machineNpm(): { node: string; npmCli: string } | undefined {
  const find = (cmd: string) => {
    try {
      return execFileSync('which', ['-a', cmd], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const node = [...find('node'), '/usr/local/bin/node', '/usr/bin/node'].find((n) => {
    if (!existsSync(n)) return false;
    const major = Number(
      spawnSync(n, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.split('.')[0],
    );
    return major > 0 && major < 22;
  });
  const npm = find('npm').find((p) => !p.includes('node_modules/.bin'));
  if (!node || !npm) return undefined;
  const npmCli = join(dirname(realpathSync(npm)), 'npm-cli.js');
  return existsSync(npmCli) ? { node, npmCli } : undefined;
}

const NPM = machineNpm();

function project(extraDependency?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tossup-npm-'));
  for (const f of ['package-lock.json', '.npmrc'])
    if (existsSync(join(ROOT, f))) copyFileSync(join(ROOT, f), join(dir, f));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  if (extraDependency) pkg.dependencies[extraDependency] = '1.0.0';
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  return dir;
}

function npmInstall(dir: string) {
  const r = spawnSync(NPM!.node, [NPM!.npmCli, 'install', '--dry-run', '--offline', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_cache: join(dir, '.npm-cache') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!NPM)(`npm install on an older Node (${NPM?.node})`, () => {
  it('reads as success: no EBADENGINE warnings, the "added" line', () => {
    const r = npmInstall(project());
    expect(r.code).toBe(0);
    expect(`${r.out}${r.err}`).not.toContain('EBADENGINE');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/added \d+ packages/);
  });

  it('still prints real errors', () => {
    const r = npmInstall(project('tossup-no-such-package'));
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('npm error');
    expect(r.err).toContain('tossup-no-such-package');
  });
});
