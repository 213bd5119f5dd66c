import { closeSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLine } from '../../../connectors/hubspot/company-entries.ts';
import { readFactsCacheFile, writeFactsCacheFile } from '../../../connectors/hubspot/facts-cache-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'hs-facts-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const head = {
  version: 2,
  portalKey: 'k',
  properties: ['name', 'industry'],
  dealStageProperty: 'dealstage',
  watermarks: { companies: 1, deals: null },
  memo: { owners: { at: 3, ids: ['1'], byUser: [['u', '1']] } },
};
const companies = new Map<string, unknown>();
// ~1.7 MB of entries: more than one chunk, written and read; Japanese text across chunk boundaries.
for (let i = 0; i < 6000; i++)
  companies.set(String(1000 + i), {
    p: {
      name: `株式会社 "テスト"\\${i}\n改行`,
      industry: i % 3 ? 'Manufacturing' : null,
      note: 'あ'.repeat(100),
    },
    d: i % 2 ? [`${i}1`, `${i}2`] : null,
    at: 1_700_000_000_000 + i,
  });
const deals = new Map<string, unknown>([
  ['11', { s: 'closedlost', at: 5 }],
  ['12', { s: null, at: 6 }],
]);

describe('the facts cache file, written and read a chunk at a time', () => {
  it('gives back the head and every company and deal, one line each, with where each line starts', () => {
    const file = join(dir, 'sub', 'hubspot-facts.json');
    const { fd, companyOffsets } = writeFactsCacheFile(file, { head, companies, deals });
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(1 + companies.size + deals.size + 1);
    const read = [...readFactsCacheFile(file)];
    expect(read.map((e) => (e.kind === 'head' ? e : { ...e, offset: undefined }))).toEqual([
      { kind: 'head', head },
      ...[...companies].map(([id, value]) => ({ kind: 'company', id, value, offset: undefined })),
      ...[...deals].map(([id, value]) => ({ kind: 'deal', id, value, offset: undefined })),
    ]);
    // The offsets the writer returns and the reader gives are the lines' bytes, on the file it left open.
    for (const e of read)
      if (e.kind === 'company') {
        expect(companyOffsets.get(e.id)).toBe(e.offset);
        expect(JSON.parse(readLine(fd, e.offset!))).toEqual({ company: e.id, ...(e.value as object) });
      }
    closeSync(fd);

    closeSync(writeFactsCacheFile(file, { head, companies: new Map(), deals: new Map() }).fd);
    expect([...readFactsCacheFile(file)]).toEqual([{ kind: 'head', head }]);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['hubspot-facts.json']);
  });

  it('reads the one document an earlier build wrote (version 1) the same way', () => {
    const file = join(dir, 'v1.json');
    const { memo, ...rest } = head;
    const v1 = { ...rest, version: 1 };
    writeFileSync(
      file,
      JSON.stringify({
        ...v1,
        companies: Object.fromEntries(companies),
        deals: Object.fromEntries(deals),
        memo,
      }),
    );
    expect([...readFactsCacheFile(file)]).toEqual([
      { kind: 'head', head: { ...v1, memo } },
      ...[...companies].map(([id, value]) => ({ kind: 'company', id, value })),
      ...[...deals].map(([id, value]) => ({ kind: 'deal', id, value })),
    ]);
  });

  it('throws on a line that is not JSON or names no entry (the cache then starts cold)', () => {
    const file = join(dir, 'torn.json');
    writeFileSync(file, `${JSON.stringify(head)}\n{"company":"1","p":null,"d":null,"at":1}\n{"compa`);
    expect(() => [...readFactsCacheFile(file)]).toThrow();
    writeFileSync(file, `${JSON.stringify(head)}\n{"x":"1"}\n`);
    expect(() => [...readFactsCacheFile(file)]).toThrow(/neither a company nor a deal/);
    expect(() => [...readFactsCacheFile(join(dir, 'missing.json'))]).toThrow();
  });
});
