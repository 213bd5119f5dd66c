import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StateUnavailableError } from '../../src/ports/state-unavailable-error.ts';
import { FileStateStore } from '../../src/state/file-state-store.ts';
import { describeLeaseStoreContract, describeStateStoreContract, testClock } from './state-store.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-state-'));
let n = 0;
const freshDir = () => join(root, `s${++n}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeStateStoreContract('FileStateStore', (clock) => new FileStateStore(freshDir(), { clock }));
describeLeaseStoreContract('FileStateStore', (clock) => new FileStateStore(freshDir(), { clock }));

describe('FileStateStore on disk', () => {
  it('keeps state across instances (another run, the next day)', async () => {
    const dir = freshDir();
    const a = new FileStateStore(dir, { clock: testClock() });
    await a.putCursor('k', { modifiedAt: '2026-11-01T00:00:00.000Z', idsAtModifiedAt: ['x'] }, null);
    await a.countOnce('q', 'm', 3600);
    const b = new FileStateStore(dir, { clock: testClock() });
    expect(await b.getCursor('k')).toMatchObject({ version: 1 });
    expect(await b.counted('q')).toEqual(['m']);
  });

  it('writes by rename: no temp file and no lock is left behind', async () => {
    const dir = freshDir();
    const s = new FileStateStore(dir, { clock: testClock() });
    await s.putCursor('k', { modifiedAt: '2026-11-01T00:00:00.000Z', idsAtModifiedAt: [] }, null);
    await s.markDone('d', 'r', 60);
    const files = readdirSync(dir, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'cursors', 'all.json'), 'utf8'))).toMatchObject({ version: 1 });
  });

  it('says which file is broken and how to recover when a state file is corrupt', async () => {
    const dir = freshDir();
    const s = new FileStateStore(dir, { clock: testClock() });
    await s.putCursor('k', { modifiedAt: '2026-11-01T00:00:00.000Z', idsAtModifiedAt: [] }, null);
    writeFileSync(join(dir, 'cursors', 'all.json'), '{ not json');
    const err = await s.getCursor('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateUnavailableError);
    expect((err as Error).message).toContain(join(dir, 'cursors', 'all.json'));
    expect((err as Error).message).toMatch(/delete it to reset/);
  });

  it('breaks a lock left by a process that died, and waits for a live one', async () => {
    const dir = freshDir();
    const s = new FileStateStore(dir, { clock: testClock(), lock: { timeoutMs: 200 } });
    await s.countOnce('q', 'a', 60); // creates the directory
    const { hostname } = await import('node:os');
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), nonce: 'dead' }),
    );
    expect(await s.countOnce('q', 'b', 60)).toBe(2);

    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'alive' }));
    await expect(s.countOnce('q', 'c', 60)).rejects.toThrow(/held by another process.*delete that file/);
    rmSync(join(dir, '.lock'));
  });

  it('frees at once a run lease whose holder process died on this host; another host waits for expiry', async () => {
    const { hostname } = await import('node:os');
    const clock = testClock();
    const dir = freshDir();
    const s = new FileStateStore(dir, { clock });
    const dead = { owner: 'pid gone', pid: 2 ** 22 + 12345, host: hostname() };
    expect((await s.acquireLease('k', dead, 120)).acquired).toBe(true);
    expect(await s.acquireLease('k', { owner: 'next run' }, 120)).toMatchObject({ acquired: true });

    const elsewhere = { owner: 'pid 1 on another-host', pid: 2 ** 22 + 12345, host: 'another-host' };
    expect((await s.acquireLease('j', elsewhere, 120)).acquired).toBe(true);
    expect((await s.acquireLease('j', { owner: 'next run' }, 120)).acquired).toBe(false);
    clock.advance(120_000);
    expect((await s.acquireLease('j', { owner: 'next run' }, 120)).acquired).toBe(true);
  });

  it('two processes advancing one cursor and counting into one set lose nothing', async () => {
    const dir = freshDir();
    const script = join(root, 'worker.ts');
    const storeUrl = new URL('../../src/state/file-state-store.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { FileStateStore } from '${storeUrl}';
       const [dir, who] = process.argv.slice(2);
       const s = new FileStateStore(dir);
       let advanced = 0;
       for (let i = 0; i < 40; i++) {
         await s.countOnce('q', who + i, 3600);
         for (;;) {
           const cur = await s.getCursor('k');
           try {
             await s.putCursor('k', { modifiedAt: new Date(0).toISOString(), idsAtModifiedAt: [who + i] }, cur ? cur.version : null);
             advanced++;
             break;
           } catch (e) { if (e.name !== 'CursorConflictError') throw e; }
         }
       }
       process.stdout.write(String(advanced));`,
    );
    const run = (who: string) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [script, dir, who], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(err))));
      });
    const [a, b] = await Promise.all([run('a'), run('b')]);
    expect(a + b).toBe(80);
    const s = new FileStateStore(dir);
    expect(await s.counted('q')).toHaveLength(80);
    // Every successful compare-and-set bumped the version exactly once.
    expect((await s.getCursor('k'))?.version).toBe(80);
  });
});
