import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { recordId } from '../../src/ledger/ledger-record.ts';
import { RecordIdSet } from '../../src/state/record-id-set.ts';

it('holds the ids recordId makes, across its growth, and tells each apart from ids never added', () => {
  const set = new RecordIdSet();
  const added = Array.from({ length: 20_000 }, (_, i) => recordId(i % 2 ? 'd' : 'e', ['lead', i]));
  const never = Array.from({ length: 20_000 }, (_, i) => recordId('d', ['other', i]));
  for (const id of added) expect(set.add(id)).toBe(true);
  expect(set.size).toBe(added.length);
  for (const id of added) expect(set.has(id)).toBe(true);
  for (const id of never) expect(set.has(id)).toBe(false);
  // Added again: nothing new.
  for (const id of added.slice(0, 100)) expect(set.add(id)).toBe(false);
  expect(set.size).toBe(added.length);
});

it('tells apart hashed ids that differ in one character of the 90 bits kept, and keeps any other id whole', () => {
  const set = new RecordIdSet();
  const base = `d_${createHash('sha256').update('x').digest('base64url').slice(0, 32)}`;
  expect(set.add(base)).toBe(true);
  for (const at of [2, 7, 12, 16]) {
    const other = base.slice(0, at) + (base[at] === 'A' ? 'B' : 'A') + base.slice(at + 1);
    expect(set.has(other)).toBe(false);
    expect(set.add(other)).toBe(true);
  }
  // Ids of another form (tests, older builds) are kept as they are.
  expect(set.add('d_1')).toBe(true);
  expect(set.has('d_1')).toBe(true);
  expect(set.has('d_2')).toBe(false);
  expect(set.add('d_1')).toBe(false);
  expect(set.size).toBe(6);
});

it('agrees with a Set of the ids over many moves of the recent ids to the database', () => {
  const set = new RecordIdSet();
  const strings = new Set<string>();
  // 120,000 adds (a few again), each checked against a Set of the strings, with ids never added asked too.
  for (let i = 0; i < 120_000; i++) {
    const id = recordId('d', ['lead', i % 7 === 0 && i > 0 ? i - 7 : i]);
    expect(set.add(id)).toBe(!strings.has(id));
    strings.add(id);
    if (i % 1000 === 0) expect(set.has(recordId('d', ['never', i]))).toBe(false);
  }
  expect(set.size).toBe(strings.size);
  for (const id of strings) expect(set.has(id)).toBe(true);
  for (const id of strings) expect(set.add(id)).toBe(false);
});

it('keeps each set to its own ids once they are on disk (one temporary database per set)', () => {
  const a = new RecordIdSet();
  const b = new RecordIdSet();
  // Past the recent table's 16,384 ids, so both have moved ids to their databases.
  for (let i = 0; i < 40_000; i++) expect(a.add(recordId('d', ['a', i]))).toBe(true);
  for (let i = 0; i < 20_000; i++) expect(b.add(recordId('d', ['b', i]))).toBe(true);
  expect(b.has(recordId('d', ['a', 0]))).toBe(false);
  expect(b.add(recordId('d', ['a', 1]))).toBe(true);
  expect(a.has(recordId('d', ['b', 0]))).toBe(false);
  expect(a.add(recordId('d', ['a', 0]))).toBe(false);
  expect([a.size, b.size]).toEqual([40_000, 20_001]);
});
