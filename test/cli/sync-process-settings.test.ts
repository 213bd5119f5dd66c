import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { SYNC_PROCESS_ENV } from '../../src/cli/sync-process-settings.ts';

/**
 * `applyProcessSettings` re-executes the process with the sync's settings (`tossup sync` and the
 * scale bench's sync call it first): a real child process reports what it ended up running with.
 */

/** glibc's settings: the process starts again only on Linux. */
const LINUX = process.platform === 'linux';
const MODULE = new URL('../../src/cli/sync-process-settings.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tossup-process-settings-'));
const script = join(dir, 'report.ts');
writeFileSync(
  script,
  `import { applyProcessSettings, SYNC_PROCESS_ENV } from ${JSON.stringify(MODULE)};
process.stdout.write('started\\n');
applyProcessSettings(SYNC_PROCESS_ENV);
process.stdout.write(JSON.stringify({ pid: process.pid, execArgv: process.execArgv, argv: process.argv.slice(2),
  env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('MALLOC_'))) }));
`,
);

async function run(nodeArgs: string[], env: Record<string, string> = {}) {
  const child = promisify(execFile)(process.execPath, [...nodeArgs, script, 'a', '--b'], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const pid = child.child.pid;
  const { stdout } = await child;
  const lines = stdout.split('\n');
  return { pid, starts: lines.filter((l) => l === 'started').length, report: JSON.parse(lines.at(-1)!) };
}

it.runIf(LINUX)('runs the process again, same pid, Node flags and arguments, with the settings', async () => {
  const { pid, starts, report } = await run(['--max-old-space-size=512', '--max-semi-space-size=2']);
  // The script ran twice: once as started, once with the settings.
  expect(starts).toBe(2);
  expect(report.pid).toBe(pid);
  expect(report.argv).toEqual(['a', '--b']);
  expect(report.execArgv).toEqual(['--max-old-space-size=512', '--max-semi-space-size=2']);
  expect(report.env).toEqual(SYNC_PROCESS_ENV);
});

it('runs once when started with the settings already applied', async () => {
  const { starts, report } = await run([], { TOSSUP_PROCESS_SETTINGS: '1' });
  expect(starts).toBe(1);
  expect(report.env).toEqual({});
});

it.runIf(LINUX)('keeps a variable the caller set', async () => {
  const { starts, report } = await run([], { MALLOC_ARENA_MAX: '4' });
  expect(starts).toBe(2);
  expect(report.env).toEqual({ ...SYNC_PROCESS_ENV, MALLOC_ARENA_MAX: '4' });
});
