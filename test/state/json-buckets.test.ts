import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBucketFile, JsonBuckets } from '../../src/state/json-buckets.ts';

const root = mkdtempSync(join(tmpdir(), 'tossup-buckets-'));
let n = 0;
const dirOf = () => join(root, `b${++n}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NOW = 1_000;

describe('JsonBuckets (the file state of cursors, leases and daily counts)', () => {
  it('keeps what update returns, deletes on undefined, and drops expired entries of the bucket it rewrites', () => {
    const b = new JsonBuckets<number>(dirOf(), { fanout: 1, durable: true });
    b.update('a', NOW, () => ({ value: 1 }));
    b.update('b', NOW, () => ({ value: 2, expiresAtMs: NOW + 10 }));
    expect(b.update('a', NOW, (v) => ({ value: (v ?? 0) + 1 }))).toEqual({ value: 2 });
    expect([b.get('a', NOW), b.get('b', NOW), b.get('b', NOW + 10), b.get('c', NOW)]).toEqual([
      2,
      2,
      undefined,
      undefined,
    ]);
    // Rewriting the bucket after b expired leaves it out of the file, not only out of reads.
    b.update('a', NOW + 20, () => undefined);
    expect(new JsonBuckets<number>(b.dir, { fanout: 1 }).get('b', NOW)).toBeUndefined();
    expect(readdirSync(b.dir)).toEqual(['all.json']);
  });

  it('spreads keys over `fanout` files (the layout of earlier builds that SqliteBuckets moves in), leaving no staged copy', () => {
    const b = new JsonBuckets<number>(dirOf(), { fanout: 16 });
    for (let i = 0; i < 200; i++) b.update(`k${i}`, NOW, () => ({ value: i }));
    const files = readdirSync(b.dir);
    expect(files).toHaveLength(16);
    expect(files.every((f) => isBucketFile(f) && f.endsWith('.json'))).toBe(true);
    expect(b.get('k137', NOW)).toBe(137);
    expect(isBucketFile('a.json.123.0f0f0f0f.tmp')).toBe(true);
    expect(isBucketFile('a.json.tmp')).toBe(false);
  });

  it('names the file and the fix when a bucket is corrupt', () => {
    const b = new JsonBuckets<number>(dirOf(), { fanout: 1 });
    b.update('a', NOW, () => ({ value: 1 }));
    writeFileSync(join(b.dir, 'all.json'), '{"version":1,');
    expect(() => b.get('a', NOW)).toThrow(
      /all\.json cannot be read: it is not valid JSON\. Restore it from a backup, or delete it/,
    );
    writeFileSync(join(b.dir, 'all.json'), '{"version":2,"entries":{}}');
    expect(() => b.update('a', NOW, () => undefined)).toThrow(/not a version-1 state file/);
  });
});
