import { closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CompanyEntries, HOT_ENTRIES } from '../../../connectors/hubspot/company-entries.ts';
import { writeFactsCacheFile } from '../../../connectors/hubspot/facts-cache-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'hs-company-entries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Entry = { p: string | null; at: number };
const entry = (i: number, at = 1): Entry => ({ p: i % 9 ? `["株式会社${i}","${i * 7}"]` : null, at });
/** What the cache does with a file line's value: checks it, and here marks it as read from the file. */
const fromFile = (value: unknown): Entry => {
  const v = value as Entry;
  if (typeof v.at !== 'number') throw new Error('not an entry');
  return { p: v.p, at: v.at };
};

it('gives back every entry set, past the ones it keeps parsed, and each one changed or deleted as last told', () => {
  const entries = new CompanyEntries<Entry>(fromFile);
  const n = HOT_ENTRIES + 5_000;
  for (let i = 0; i < n; i++) entries.set(String(i), entry(i));
  entries.set('7', entry(7, 2));
  entries.delete('8');
  expect(entries.size).toBe(n - 1);
  expect(entries.get('8')).toBeUndefined();
  expect(entries.get('7')).toEqual(entry(7, 2));
  // The first ones set are no longer kept parsed: read back from the run log.
  for (const i of [0, 1, 9, 4_999, n - 1]) expect(entries.get(String(i))).toEqual(entry(i));
  const all = new Map(entries.entries());
  expect(all.size).toBe(n - 1);
  for (let i = 0; i < n; i++)
    if (i !== 8) expect(all.get(String(i)), String(i)).toEqual(i === 7 ? entry(7, 2) : entry(i));
  entries.close();
  expect(entries.size).toBe(0);
});

it('reads entries from the cache file where its lines start, and from the file a save wrote', () => {
  const file = join(dir, 'facts.json');
  const n = HOT_ENTRIES + 2_000;
  const companies = new Map(Array.from({ length: n }, (_, i) => [String(i), entry(i)] as const));
  const written = writeFactsCacheFile(file, { head: { version: 2 }, companies, deals: new Map() });
  const entries = new CompanyEntries<Entry>(fromFile);
  entries.useFile(written.fd, written.companyOffsets, false);
  entries.set('3', entry(3, 5));
  expect(entries.size).toBe(n);
  for (const i of [0, 3, 17, n - 1]) expect(entries.get(String(i))).toEqual(i === 3 ? entry(3, 5) : entry(i));

  // Saved again with everything: the run log starts over, every entry read from the new file.
  const saved = writeFactsCacheFile(file, {
    head: { version: 2 },
    companies: entries.entries(),
    deals: new Map(),
  });
  entries.useFile(saved.fd, saved.companyOffsets, true);
  expect(new Map(entries.entries())).toEqual(new Map([...companies, ['3', entry(3, 5)]]));
  entries.close();
  expect(() => closeSync(saved.fd)).toThrow(); // closed with the entries
});
