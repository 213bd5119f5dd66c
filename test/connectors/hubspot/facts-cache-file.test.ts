import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFactsCacheFile } from '../../../connectors/hubspot/facts-cache-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'hs-facts-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the facts cache file written a chunk at a time', () => {
  it('is the text JSON.stringify gives for the whole document, across chunk boundaries', () => {
    const head = {
      version: 1,
      portalKey: 'k',
      properties: ['name', 'industry'],
      dealStageProperty: 'dealstage',
      watermarks: { companies: 1, deals: null },
    };
    const companies = new Map<string, unknown>();
    // ~1.7 MB of entries: more than one chunk.
    for (let i = 0; i < 6000; i++)
      companies.set(String(1000 + i), {
        p: {
          name: `株式会社 "テスト"\\${i}`,
          industry: i % 3 ? 'Manufacturing' : null,
          note: 'x'.repeat(200),
        },
        d: i % 2 ? [`${i}1`, `${i}2`] : null,
        at: 1_700_000_000_000 + i,
      });
    const deals = new Map<string, unknown>([
      ['11', { s: 'closedlost', at: 5 }],
      ['12', { s: null, at: 6 }],
    ]);
    const memo = { owners: { at: 3, ids: ['1'], byUser: [['u', '1']] } };
    const file = join(dir, 'sub', 'hubspot-facts.json');
    writeFactsCacheFile(file, { head, companies, deals, memo });
    const expected = JSON.stringify({
      ...head,
      companies: Object.fromEntries(companies),
      deals: Object.fromEntries(deals),
      memo,
    });
    expect(readFileSync(file, 'utf8')).toBe(expected);

    writeFactsCacheFile(file, { head, companies: new Map(), deals: new Map(), memo: {} });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ ...head, companies: {}, deals: {}, memo: {} });
    expect(readdirSync(join(dir, 'sub'))).toEqual(['hubspot-facts.json']);
  });
});
