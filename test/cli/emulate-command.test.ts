import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `tossup emulate` as scripts and people start it: through `npm run`, whose banner comes first on
 * stdout, and stopped by stopping whatever started it.
 */

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tossup-emulate-'));
const started: ChildProcess[] = [];
afterAll(() => {
  // Only if a test failed half-way: SIGTERM lets npm pass the stop on to the emulator.
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
});

interface Info {
  salesforce: { loginUrl: string };
  hubspot: { basePath: string; accessToken: string };
  env: Record<string, string>;
}

/** Env without the caller's TOSSUP_* settings, with the pinned Node first on PATH (as npm scripts have). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TOSSUP_') && v) env[k] = v;
  env.PATH = `${join(ROOT, 'node_modules/.bin')}:${env.PATH ?? ''}`;
  env.HOME = dir;
  return env;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  // Polls until the condition holds; the limit only turns a hang into a readable failure.
  for (let i = 0; i < 600; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function closed(info: Info): Promise<true | undefined> {
  const open = (await portOpen(info.salesforce.loginUrl)) || (await portOpen(info.hubspot.basePath));
  return open ? undefined : true;
}

describe('tossup emulate through npm', () => {
  it('gives parseable JSON, absolute paths and a complete env; sync runs on it as documented; stopping npm stops the emulators', async () => {
    const jsonOut = join(dir, 'emulate.json');
    const npm = spawn(
      'npm',
      ['run', 'tossup', '--', 'emulate', '--leads', '20', '--seed', '3', '--json-out', jsonOut],
      { cwd: ROOT, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    started.push(npm);
    let stdout = '';
    npm.stdout!.on('data', (d) => {
      stdout += d;
    });
    const info = await waitFor('the JSON file', () =>
      existsSync(jsonOut) ? (JSON.parse(readFileSync(jsonOut, 'utf8')) as Info) : undefined,
    );
    // npm's banner comes first on stdout; the JSON line itself is whole and last.
    await waitFor('the JSON line', () => (stdout.includes('\n{') ? true : undefined));
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual(info);
    expect(isAbsolute(info.env.TOSSUP_ROUTING!)).toBe(true);
    expect(existsSync(info.env.TOSSUP_ROUTING!)).toBe(true);

    // README: `npm run tossup -- sync --crm hubspot --dry-run` with the emulator's env and no --rules.
    const { TOSSUP_RULES: _named, ...envWithoutRules } = info.env;
    const sync = spawnSync(process.execPath, [MAIN, 'sync', '--crm', 'hubspot', '--dry-run'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...baseEnv(),
        ...envWithoutRules,
        TOSSUP_STATE_DIR: join(dir, 'state'),
        TOSSUP_RUNS_DIR: join(dir, 'runs'),
      },
    });
    expect(sync.stderr).not.toContain('--rules');
    expect(sync.status).toBe(0);

    // SIGTERM to npm (the parent), not to the emulator process: the ports must close all the same.
    npm.kill('SIGTERM');
    await waitFor('the ports to close', () => closed(info));
    await waitFor('the JSON file to go', () => (existsSync(jsonOut) ? undefined : true));
  });

  it('prints only the JSON line with `npm run --silent`, so it pipes into jq', async () => {
    // Its own process group, like a terminal's foreground job, so Ctrl-C can be sent as a terminal does.
    const npm = spawn('npm', ['run', '--silent', 'tossup', '--', 'emulate', '--leads', '10'], {
      cwd: ROOT,
      env: baseEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    started.push(npm);
    let stdout = '';
    npm.stdout!.on('data', (d) => {
      stdout += d;
    });
    await waitFor('the JSON line', () => (stdout.endsWith('\n') ? true : undefined));
    const info = JSON.parse(stdout) as Info;
    expect(info.env.TOSSUP_HUBSPOT_BASE_PATH).toBe(info.hubspot.basePath);
    // Ctrl-C: SIGINT to the whole foreground group (npm, its shell and the emulator).
    process.kill(-npm.pid!, 'SIGINT');
    await waitFor('the ports to close', () => closed(info));
  });
});

describe('tossup emulate --at', () => {
  it('serves the same data set for the same seed and instant', async () => {
    const firstLeadDates: string[] = [];
    for (let run = 0; run < 2; run++) {
      const child = spawn(
        process.execPath,
        [MAIN, 'emulate', '--leads', '10', '--seed', '5', '--at', '2026-12-01T10:00:00+09:00'],
        { cwd: ROOT, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      started.push(child);
      let stdout = '';
      child.stdout!.on('data', (d) => {
        stdout += d;
      });
      const info = await waitFor('the JSON line', () =>
        stdout.endsWith('\n') ? (JSON.parse(stdout) as Info) : undefined,
      );
      const res = await fetch(
        `${info.hubspot.basePath}/crm/v3/objects/contacts?limit=5&properties=lastmodifieddate,createdate`,
        { headers: { authorization: `Bearer ${info.hubspot.accessToken}` } },
      );
      const body = (await res.json()) as { results: Array<{ properties: Record<string, string> }> };
      firstLeadDates.push(JSON.stringify(body.results.map((r) => r.properties)));
      // The emulators' clock starts at --at too.
      expect(new Date(res.headers.get('date')!).toISOString().slice(0, 10)).toBe('2026-12-01');
      child.kill('SIGTERM');
      await waitFor('the ports to close', () => closed(info));
    }
    expect(firstLeadDates[0]).toBe(firstLeadDates[1]);
  });
});
