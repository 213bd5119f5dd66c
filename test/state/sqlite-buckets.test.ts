import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { StateUnavailableError } from '../../src/ports/state-unavailable-error.ts';
import { JsonBuckets } from '../../src/state/json-buckets.ts';
import { SQLITE_BUCKETS_FILE, SqliteBuckets } from '../../src/state/sqlite-buckets.ts';
import { killWhenItSays, spawnModuleScript } from '../support/module-script.ts';
import { sqliteBucketsVersion, writeSqliteBucketsV1 } from '../support/sqlite-buckets-v1.ts';

/** The module the child processes below import: the store as a real writer process runs it. */
const MODULE = fileURLToPath(new URL('../../src/state/sqlite-buckets.ts', import.meta.url));

const root = mkdtempSync(join(tmpdir(), 'tossup-sqlite-buckets-'));
let n = 0;
const freshDir = () => join(root, `b${++n}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NOW = 1_000;
const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
/** What another process sees: a second store object on the same directory. */
const stored = (dir: string) => Object.fromEntries(new SqliteBuckets<number>(dir).entries(NOW));

describe('SqliteBuckets sessions', () => {
  it('change nothing on disk until flush, then every change at once; a section sees its own changes', () => {
    const dir = freshDir();
    const b = new SqliteBuckets<number>(dir);
    for (const k of keys) b.update(k, NOW, () => ({ value: 1 }));
    const s = b.session(NOW);
    for (const k of keys) s.set(k, { value: (s.get(k) ?? 0) + 1 });
    s.set('k1', undefined);
    expect(s.get('k0')).toBe(2);
    expect(s.get('k1')).toBeUndefined();
    expect(Object.values(stored(dir))).toEqual(keys.map(() => 1));
    s.flush();
    const after = Object.fromEntries(keys.filter((k) => k !== 'k1').map((k) => [k, 2]));
    expect(stored(dir)).toEqual(after);
    // A second flush writes what changed since the first, and only that.
    s.set('k0', { value: 5 });
    s.flush();
    expect(stored(dir)).toEqual({ ...after, k0: 5 });
  });

  it('leave out expired entries and drop them when the store is written; getMany leaves out missing ones', () => {
    const dir = freshDir();
    const b = new SqliteBuckets<number>(dir);
    b.update('x', NOW, () => ({ value: 7 }));
    b.update('y', NOW, () => ({ value: 8, expiresAtMs: NOW + 1 }));
    expect(b.getMany(['x', 'y', 'z', 'x'], NOW + 5)).toEqual(new Map([['x', 7]]));
    expect(b.getMany(['y'], NOW)).toEqual(new Map([['y', 8]]));
    expect(b.get('y', NOW + 1)).toBeUndefined();
    const s = b.session(NOW + 5);
    s.set('x', { value: 9, expiresAtMs: NOW + 6 });
    expect(s.get('x')).toBe(9);
    expect(b.session(NOW + 6).get('x')).toBe(7);
    s.flush();
    // Read as of before its expiry: 'y' was dropped by the write, not only hidden.
    expect(b.getMany(['x', 'y'], NOW)).toEqual(new Map([['x', 9]]));
  });

  it('list entries in the order their keys were first written, an overwrite keeping its place', () => {
    const b = new SqliteBuckets<number>(freshDir());
    for (const k of ['c', 'a', 'b']) b.update(k, NOW, () => ({ value: 1 }));
    b.update('c', NOW, () => ({ value: 2 }));
    expect([...b.entries(NOW)]).toEqual([
      ['c', 2],
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('roll back an update whose function throws', () => {
    const dir = freshDir();
    const b = new SqliteBuckets<number>(dir);
    b.update('x', NOW, () => ({ value: 1 }));
    expect(() =>
      b.update('x', NOW, () => {
        throw new Error('conflict');
      }),
    ).toThrow('conflict');
    b.update('y', NOW, () => ({ value: 2 }));
    expect(stored(dir)).toEqual({ x: 1, y: 2 });
  });

  it('create nothing when a store that was never written is read', () => {
    const dir = freshDir();
    const b = new SqliteBuckets<number>(dir);
    expect(b.get('x', NOW)).toBeUndefined();
    expect(b.getMany(['x'], NOW).size).toBe(0);
    expect([...b.entries(NOW)]).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('SqliteBuckets after a writer was killed in the middle of its flush', () => {
  it('leave the store as it was, and the next writer writes', async () => {
    const dir = freshDir();
    new SqliteBuckets<number>(dir).writeAll(new Map(keys.map((k) => [k, { value: 1 }])), NOW);
    // A real writer process: its flush has written half the keys inside the transaction when it says
    // so, and then waits for ever (the changes are handed over by an iterator that stops there).
    const child = spawnModuleScript(
      `import { writeSync } from 'node:fs';
         import { SqliteBuckets } from ${JSON.stringify(MODULE)};
         const keys = ${JSON.stringify(keys)};
         class Stalling extends Map {
           *[Symbol.iterator]() {
             for (const [i, k] of keys.entries()) {
               if (i === keys.length / 2) {
                 writeSync(1, 'halfway\\n');
                 Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
               }
               yield [k, { value: 9 }];
             }
           }
           get size() { return keys.length; }
         }
         new SqliteBuckets(${JSON.stringify(dir)}).writeAll(new Stalling(), ${NOW});`,
      ['ignore', 'pipe', 'inherit'],
    );
    await killWhenItSays(child, 'halfway');
    expect(Object.values(stored(dir))).toEqual(keys.map(() => 1));
    const next = new SqliteBuckets<number>(dir);
    next.update('k0', NOW, () => ({ value: 3 }));
    expect(stored(dir)).toEqual(Object.fromEntries(keys.map((k) => [k, k === 'k0' ? 3 : 1])));
  });
});

describe('SqliteBuckets at the end of a process', () => {
  it('closes its databases, also on process.exit: the WAL is copied in and removed', async () => {
    const dir = freshDir();
    const child = spawnModuleScript(
      `import { SqliteBuckets } from ${JSON.stringify(MODULE)};
         const b = new SqliteBuckets(${JSON.stringify(dir)});
         const s = b.session(${NOW});
         for (const k of ${JSON.stringify(keys)}) s.set(k, { value: 4 });
         s.flush();
         // process.exit, as a command that ends that way: Node closes nothing itself then.
         process.exit((await import('node:fs')).existsSync(b.file + '-wal') ? 0 : 3);`,
      ['ignore', 'ignore', 'inherit'],
    );
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(readdirSync(dir)).toEqual([SQLITE_BUCKETS_FILE]);
    expect(Object.values(stored(dir))).toEqual(keys.map(() => 4));
  });

  it("drops node:sqlite's ExperimentalWarning as it loads, and no other warning", async () => {
    const dir = freshDir();
    const child = spawnModuleScript(
      `import { SqliteBuckets } from ${JSON.stringify(MODULE)};
         new SqliteBuckets(${JSON.stringify(dir)}).update('k', ${NOW}, () => ({ value: 1 }));
         process.emitWarning('a warning of our own', 'ExperimentalWarning');`,
      ['ignore', 'ignore', 'pipe'],
    );
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    expect(stderr).toContain('a warning of our own');
    expect(stderr).not.toContain('SQLite');
  });
});

describe('SqliteBuckets on a store an earlier build wrote as JSON bucket files', () => {
  it('moves its entries into the database on first open, expiry kept, and removes the files', () => {
    const dir = freshDir();
    const json = new JsonBuckets<number>(dir, { fanout: 16 });
    for (const k of keys) json.update(k, NOW, () => ({ value: 1 }));
    json.update('soon', NOW, () => ({ value: 2, expiresAtMs: NOW + 10 }));
    // A writer of that build killed before its flush left a staged bucket behind.
    writeFileSync(join(dir, '0.json.999999.0a0b0c0d.tmp'), '{"version":1,"entries":{}}');
    const b = new SqliteBuckets<number>(dir);
    expect(b.get('k7', NOW)).toBe(1);
    expect(b.get('soon', NOW)).toBe(2);
    expect(b.get('soon', NOW + 10)).toBeUndefined();
    expect(readdirSync(dir).filter((f) => !f.startsWith(SQLITE_BUCKETS_FILE))).toEqual([]);
    expect(Object.keys(stored(dir))).toHaveLength(keys.length + 1);
  });

  it('does not move them again: a bucket file found after the move is removed, not read', () => {
    const dir = freshDir();
    new SqliteBuckets<number>(dir).update('x', NOW, () => ({ value: 1 }));
    // As after a crash between the move's commit and the removal of the files.
    new JsonBuckets<number>(dir, { fanout: 16 }).update('x', NOW, () => ({ value: 0 }));
    expect(new SqliteBuckets<number>(dir).get('x', NOW)).toBe(1);
    expect(readdirSync(dir).some((f) => f.endsWith('.json'))).toBe(false);
  });

  it('names a corrupt bucket file, and moves nothing', () => {
    const dir = freshDir();
    new JsonBuckets<number>(dir, { fanout: 16 }).update('x', NOW, () => ({ value: 1 }));
    writeFileSync(join(dir, 'f.json'), '{ not json');
    const err = (() => {
      try {
        new SqliteBuckets<number>(dir).get('x', NOW);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StateUnavailableError);
    expect((err as Error).message).toContain(join(dir, 'f.json'));
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(2);
  });
});

describe('SqliteBuckets on a corrupt database', () => {
  it('throws StateUnavailableError naming the file', () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, SQLITE_BUCKETS_FILE),
      'this is not a database, just text long enough '.repeat(20),
    );
    const b = new SqliteBuckets<number>(dir);
    expect(() => b.get('x', NOW)).toThrow(StateUnavailableError);
    expect(() => b.update('x', NOW, () => ({ value: 1 }))).toThrow(join(dir, SQLITE_BUCKETS_FILE));
  });
});

describe('SqliteBuckets due index', () => {
  const dueAt = (v: { at: number | null }) => v.at;

  it('lists entries due at or before a time, earliest first then by key, at most the limit; moved and removed with the value', () => {
    const b = new SqliteBuckets<{ at: number | null }>(freshDir(), { dueAt });
    b.writeAll(
      new Map([
        ['c', { value: { at: 30 } }],
        ['a', { value: { at: 20 } }],
        ['b', { value: { at: 20 } }],
        ['never', { value: { at: null } }],
        ['late', { value: { at: 99 } }],
        ['gone', { value: { at: 10 }, expiresAtMs: NOW + 1 }],
      ]),
      NOW,
    );
    const keysDue = (at: number, limit: number, now = NOW) => b.dueBefore(at, now, limit).map((d) => d.key);
    expect(keysDue(30, 10)).toEqual(['gone', 'a', 'b', 'c']);
    expect(keysDue(30, 10, NOW + 1)).toEqual(['a', 'b', 'c']);
    expect(keysDue(30, 2, NOW + 1)).toEqual(['a', 'b']);
    expect(keysDue(19, 10, NOW + 1)).toEqual([]);
    expect(b.dueBefore(20, NOW + 1, 1)).toEqual([{ key: 'a', value: { at: 20 }, dueAtMs: 20 }]);
    const s = b.session(NOW + 1);
    s.set('a', { value: { at: 100 } });
    s.set('b', undefined);
    s.set('c', { value: { at: null } });
    s.flush();
    expect(keysDue(1000, 10, NOW + 1)).toEqual(['late', 'a']);
  });

  it('is empty for a store without dueAt, and for one never written', () => {
    const dir = freshDir();
    expect(new SqliteBuckets<{ at: number }>(dir, { dueAt }).dueBefore(1e15, NOW, 10)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    const plain = new SqliteBuckets<{ at: number }>(dir);
    plain.update('x', NOW, () => ({ value: { at: 1 } }));
    expect(plain.dueBefore(1e15, NOW, 10)).toEqual([]);
  });

  it("adds the column to an earlier build's database, entries kept, and reindexDue fills it from the values", () => {
    const dir = freshDir();
    writeSqliteBucketsV1(dir, { x: { at: 5 }, y: { at: null }, z: { at: 3 } });
    const b = new SqliteBuckets<{ at: number | null }>(dir, { dueAt });
    expect(b.get('x', NOW)).toEqual({ at: 5 });
    expect(sqliteBucketsVersion(dir)).toBe(2);
    expect(b.dueBefore(10, NOW, 10)).toEqual([]);
    b.reindexDue(NOW);
    expect(b.dueBefore(10, NOW, 10).map((d) => d.key)).toEqual(['z', 'x']);
    // Idempotent: again (as after a crash before the caller's clean-up) changes nothing.
    b.reindexDue(NOW);
    expect(b.dueBefore(10, NOW, 10).map((d) => d.key)).toEqual(['z', 'x']);
    expect(Object.keys(stored(dir)).sort()).toEqual(['x', 'y', 'z']);
  });
});
