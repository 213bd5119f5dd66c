import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonBuckets } from '../../src/state/json-buckets.ts';
import { killWhenItSays, spawnModuleScript } from '../support/module-script.ts';

/** The module the child processes below import: the store as a real writer process runs it. */
const MODULE = fileURLToPath(new URL('../../src/state/json-buckets.ts', import.meta.url));

const root = mkdtempSync(join(tmpdir(), 'tossup-buckets-'));
let n = 0;
const fresh = () => new JsonBuckets<number>(join(root, `b${++n}`), { fanout: 16 });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NOW = 1_000;
const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
const onDisk = (b: JsonBuckets<number>) =>
  Object.fromEntries(
    readdirSync(b.dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) =>
        Object.entries(
          (JSON.parse(readFileSync(join(b.dir, f), 'utf8')) as { entries: Record<string, { value: number }> })
            .entries,
        ).map(([k, e]) => [k, e.value]),
      ),
  );

describe('JsonBuckets sessions that let go of buckets (release)', () => {
  it('stages a released bucket: nothing changes on disk until flush, then every change at once', () => {
    const b = fresh();
    for (const k of keys) b.update(k, NOW, () => ({ value: 1 }));
    const s = b.session(NOW);
    const groups = b.byFile(keys);
    expect(groups.size).toBe(16);
    for (const [file, group] of groups) {
      for (const k of group) s.set(k, { value: (s.get(k) ?? 0) + 1 });
      s.release(file);
    }
    // Staged only: a crash here leaves the store as it was.
    expect(Object.values(onDisk(b))).toEqual(keys.map(() => 1));
    expect(readdirSync(b.dir).filter((f) => f.endsWith('.tmp'))).toHaveLength(16);
    // A released bucket read again in the section shows the section's own changes.
    expect(s.get('k0')).toBe(2);
    s.set('k0', { value: 5 });
    s.flush();
    expect(onDisk(b)).toEqual(Object.fromEntries(keys.map((k) => [k, k === 'k0' ? 5 : 2])));
    expect(readdirSync(b.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes nothing for a released bucket that did not change, and drops expired entries of one that did', () => {
    const b = fresh();
    const [a, c] = keys.filter((k) => b.fileOf(k) === b.fileOf('k0')).slice(0, 2) as [string, string];
    const other = keys.find((k) => b.fileOf(k) !== b.fileOf('k0'))!;
    b.update(a, NOW, () => ({ value: 1, expiresAtMs: NOW + 10 }));
    b.update(c, NOW, () => ({ value: 2 }));
    b.update(other, NOW, () => ({ value: 4 }));
    const later = b.session(NOW + 20);
    expect(later.get(other)).toBe(4);
    later.release(b.fileOf(other));
    expect(readdirSync(b.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    later.set(c, { value: 3 });
    later.release(b.fileOf(c));
    later.flush();
    expect(onDisk(b)).toEqual({ [c]: 3, [other]: 4 });
  });

  it('getMany reads each bucket once and leaves out missing and expired keys', () => {
    const b = fresh();
    b.update('x', NOW, () => ({ value: 7 }));
    b.update('y', NOW, () => ({ value: 8, expiresAtMs: NOW + 1 }));
    expect(b.getMany(['x', 'y', 'z', 'x'], NOW + 5)).toEqual(new Map([['x', 7]]));
    expect(b.getMany(['y'], NOW)).toEqual(new Map([['y', 8]]));
  });
});

describe('JsonBuckets after a writer was killed between release and flush', () => {
  it("leaves the store as it was, and the next process's first session removes the dead writer's staged files", async () => {
    const b = fresh();
    for (const k of keys) b.update(k, NOW, () => ({ value: 1 }));
    // A real writer process: stages every bucket, says so, and waits for a flush that never comes.
    const child = spawnModuleScript(
      `import { JsonBuckets } from ${JSON.stringify(MODULE)};
         const b = new JsonBuckets(${JSON.stringify(b.dir)}, { fanout: 16 });
         const s = b.session(${NOW});
         for (const [file, group] of b.byFile(${JSON.stringify(keys)})) {
           for (const k of group) s.set(k, { value: 9 });
           s.release(file);
         }
         process.stdout.write('staged\\n');
         setInterval(() => {}, 1000);`,
      ['ignore', 'pipe', 'inherit'],
    );
    await killWhenItSays(child, 'staged');
    const temps = () => readdirSync(b.dir).filter((f) => f.endsWith('.tmp'));
    expect(temps()).toHaveLength(16);
    expect(Object.values(onDisk(b))).toEqual(keys.map(() => 1));

    // A staged file of this (live) process is not touched: only a dead writer's are removed.
    const mine = new JsonBuckets<number>(b.dir, { fanout: 16 });
    const own = mine.session(NOW);
    own.set('k0', { value: 3 });
    own.release(mine.fileOf('k0'));
    const next = new JsonBuckets<number>(b.dir, { fanout: 16 });
    next.session(NOW);
    expect(temps()).toHaveLength(1);
    expect(temps()[0]).toContain(`.${process.pid}.`);
    own.flush();
    expect(temps()).toEqual([]);
    expect(onDisk(b)).toEqual(Object.fromEntries(keys.map((k) => [k, k === 'k0' ? 3 : 1])));
  });
});
