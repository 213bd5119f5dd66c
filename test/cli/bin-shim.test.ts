import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliNodeFlags } from '../../bench/scale/cli-node-flags.ts';

/**
 * `bin/tossup.js` is what `npm link` puts on PATH, so it runs on the machine's own `node`, which may
 * be older than the Node 22 the project pins. These tests run it with such a Node.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/tossup.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A Node on this machine without type stripping (< 22.18), e.g. the system's Node 20. */
function olderNode(): string | undefined {
  let listed: string[] = [];
  try {
    listed = execFileSync('which', ['-a', 'node'], { encoding: 'utf8' }).split('\n');
  } catch {
    // `which` missing or no node on PATH: fall back to the usual places.
  }
  for (const candidate of [...listed, '/usr/local/bin/node', '/usr/bin/node']) {
    if (!candidate || !existsSync(candidate)) continue;
    const v = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major = 0, minor = 0] = v.split('.').map(Number);
    if (major < 22 || (major === 22 && minor < 18)) return candidate;
  }
  return undefined;
}

const OLD_NODE = olderNode();

describe.skipIf(!OLD_NODE)(`bin/tossup.js on an older Node (${OLD_NODE})`, () => {
  it('runs the CLI with the pinned Node 22 instead of crashing on the .ts entry', () => {
    const r = spawnSync(OLD_NODE!, [BIN, '--version'], { encoding: 'utf8', cwd: ROOT });
    expect(r.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(
      new RegExp(`^tossup ${VERSION.replaceAll('.', '\\.')} \\(Node 22\\.\\d+\\.\\d+\\)$`),
    );
  });

  it("passes the CLI's exit code through", () => {
    const r = spawnSync(OLD_NODE!, [BIN, 'validate', join(tmpdir(), 'no-such-rules.yaml')], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('cannot read the rule file');
  });

  it('says in one line what to do when the pinned Node is not installed', () => {
    const copy = mkdtempSync(join(tmpdir(), 'tossup-bin-'));
    mkdirSync(join(copy, 'bin'));
    copyFileSync(BIN, join(copy, 'bin/tossup.js'));
    const r = spawnSync(OLD_NODE!, [join(copy, 'bin/tossup.js'), '--version'], {
      encoding: 'utf8',
      cwd: copy,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^tossup needs Node 22\.18 or later \(this is Node \d+\.\d+\.\d+\): run `npm install` in /,
    );
  });
});

describe("the CLI's Node flags", () => {
  // A V8 heap flag counts only when the process starts: `npm run tossup` and `tossup` on PATH (the
  // shebang, or the pinned Node the shim re-runs) must start it alike, and the scale bench's sync
  // reads them from the script (bench/scale/cli-node-flags.ts).
  const bin = readFileSync(BIN, 'utf8');
  const shebang = /^#!\/usr\/bin\/env -S node((?: --\S+)*)\n/.exec(bin);
  const respawned = /^const NODE_FLAGS = \[(.*)\];$/m.exec(bin);

  it('are the same in the tossup script, the shebang of bin/tossup.js and its re-run', () => {
    const flags = cliNodeFlags();
    expect(flags).toContain('--max-semi-space-size=2');
    expect(flags).toContain('--optimize-for-size');
    expect(shebang?.[1]?.trim().split(' ')).toEqual(flags);
    expect(JSON.parse(`[${respawned?.[1]?.replaceAll("'", '"')}]`)).toEqual(flags);
  });

  it('are read only from a script that starts src/cli/main.ts with node', () => {
    const pkg = (tossup: string) => JSON.stringify({ scripts: { tossup } });
    expect(cliNodeFlags(pkg('node src/cli/main.ts'))).toEqual([]);
    expect(cliNodeFlags(pkg('node --a=1 --b src/cli/main.ts'))).toEqual(['--a=1', '--b']);
    expect(() => cliNodeFlags(pkg('tsx src/cli/main.ts'))).toThrow(/not "node \[flags\] src\/cli\/main.ts"/);
  });
});

describe('tossup --version', () => {
  it('prints the version and the Node running it', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', cwd: ROOT });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`tossup ${VERSION} (Node ${process.versions.node})`);
  });
});

describe('output into a pipe whose reader has gone (`tossup validate | head -1`)', () => {
  it("ends quietly with the command's own exit code, not an EPIPE stack trace", async () => {
    const child = spawn(process.execPath, [join(ROOT, 'src/cli/main.ts'), 'validate'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Close our end before the CLI writes anything: every write it makes meets EPIPE.
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
