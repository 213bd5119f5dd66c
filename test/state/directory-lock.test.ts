import { spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryLock } from '../../src/state/directory-lock.ts';
import { FileStateStore } from '../../src/state/file-state-store.ts';
import { testClock } from './state-store.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-lock-'));
let n = 0;
const freshDir = () => {
  const dir = join(root, `s${++n}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Back-dates a file, as if the process that left it crashed a few seconds ago. */
const age = (path: string, seconds: number) => {
  const at = new Date(Date.now() - seconds * 1000);
  utimesSync(path, at, at);
};

// timeoutMs 0: one attempt, so "proceeds at once" is checked without measuring time.
const store = (dir: string) => new FileStateStore(dir, { clock: testClock(), lock: { timeoutMs: 0 } });

describe('DirectoryLock after a crash', () => {
  it('breaks a 0-byte lock (created, then SIGKILLed before its holder was written) at once', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, '.lock'), '');
    age(join(dir, '.lock'), 5);
    expect(await store(dir).countOnce('q', 'a', 60)).toBe(1);
    expect(readdirSync(dir).filter((f) => f.startsWith('.lock'))).toEqual([]);
  });

  it('clears the temp file of a holder killed between writing it and linking it', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, '.lock'), '');
    writeFileSync(join(dir, '.lock.0123456789abcdef.tmp'), '{"pid":1');
    age(join(dir, '.lock'), 5);
    age(join(dir, '.lock.0123456789abcdef.tmp'), 5);
    expect(await store(dir).countOnce('q', 'a', 60)).toBe(1);
    expect(readdirSync(dir).filter((f) => f.startsWith('.lock'))).toEqual([]);
  });

  it('breaks a lock with a garbled holder at once', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, '.lock'), '{"pid":12');
    age(join(dir, '.lock'), 5);
    expect(await store(dir).countOnce('q', 'a', 60)).toBe(1);
  });

  it('respects an unreadable lock younger than the grace (an older tossup may be writing it)', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, '.lock'), '');
    await expect(store(dir).countOnce('q', 'a', 60)).rejects.toThrow(/held by another process/);
  });

  it('a lock file never exists without its holder', async () => {
    const dir = freshDir();
    const lock = new DirectoryLock(join(dir, 'sub', '.lock'));
    const seen = await lock.withLock(() => JSON.parse(readLock(join(dir, 'sub', '.lock'))));
    expect(seen).toMatchObject({ pid: process.pid });
    expect(readdirSync(join(dir, 'sub'))).toEqual([]); // no lock, no temp file left
  });

  it('a real process SIGKILLed while holding the lock does not block the next one', async () => {
    const dir = freshDir();
    const script = join(root, 'holder.ts');
    const lockUrl = new URL('../../src/state/directory-lock.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { writeSync } from 'node:fs';
       import { DirectoryLock } from '${lockUrl}';
       await new DirectoryLock(process.argv[2]).withLock(() => {
         writeSync(1, 'held\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // hold it until killed
       });`,
    );
    const child = spawn(process.execPath, [script, join(dir, '.lock')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_c, s) => resolve(s)));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', () => resolve());
      child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
    });
    expect(JSON.parse(readLock(join(dir, '.lock')))).toMatchObject({ pid: child.pid });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(await store(dir).countOnce('q', 'a', 60)).toBe(1);
  });
});

function readLock(path: string): string {
  return readFileSync(path, 'utf8');
}
