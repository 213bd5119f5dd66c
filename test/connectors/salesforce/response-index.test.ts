import { describe, expect, it } from 'vitest';
import type { CampaignResponse } from '../../../connectors/salesforce/record-to-lead.ts';
import { ResponseIndex } from '../../../connectors/salesforce/response-index.ts';
import { CrmError } from '../../../src/domain/errors.ts';
import { stopFromError } from '../../../src/pipeline/failure-policy.ts';
import { scratchDatabase } from '../../../src/runtime/node-sqlite.ts';

const r = (respondedOn: string, campaignName: string | null, campaignType: string | null = 'Webinar') =>
  ({ respondedOn, campaignType, campaignName }) satisfies CampaignResponse;

describe('ResponseIndex (the Bulk run campaign responses per person)', () => {
  it('gives each person its responses newest first, ties in the order read, at most max', () => {
    const index = new ResponseIndex(3);
    index.add('00Q000000000001AAA', r('2026-11-02', 'B'));
    index.add('00Q000000000001AAA', r('2026-11-05', 'A'));
    index.add('00Q000000000001', r('2026-11-02', 'C'));
    index.add('00Q000000000001AAA', r('2026-10-01', 'D'));
    expect(index.get('00Q000000000001')).toEqual([
      r('2026-11-05', 'A'),
      r('2026-11-02', 'B'),
      r('2026-11-02', 'C'),
    ]);
    // Older than every kept one with the list full: not kept; newer: the oldest goes.
    index.add('00Q000000000001AAA', r('2026-11-30', 'E'));
    expect(index.get('00Q000000000001AAA')!.map((x) => x.campaignName)).toEqual(['E', 'A', 'B']);
  });

  it('keeps nulls apart from texts and persons apart from each other', () => {
    const index = new ResponseIndex(20);
    index.add('003000000000001', r('2026-11-02', null, null));
    index.add('003000000000002', r('2026-11-02', '\u0001', '\u0001'));
    index.add('003000000000002', r('2026-11-02', '2026年 秋の展示会 東京ビッグサイト', 'Event'));
    expect(index.get('003000000000001')).toEqual([r('2026-11-02', null, null)]);
    expect(index.get('003000000000002')).toEqual([
      r('2026-11-02', '\u0001', '\u0001'),
      r('2026-11-02', '2026年 秋の展示会 東京ビッグサイト', 'Event'),
    ]);
    expect(index.get('003000000000003')).toBeUndefined();
  });

  it('shares one response object between the persons of a campaign and day', () => {
    const index = new ResponseIndex(20);
    for (let i = 0; i < 70_000; i++)
      index.add(`00Q${String(i).padStart(12, '0')}`, r('2026-11-02', `C${i % 3}`));
    // A campaign past 65,535 distinct responses still decodes (codes are two characters).
    for (let i = 0; i < 66_000; i++) index.add('00Q999999999999', r('2026-11-03', `X${i}`));
    const [a] = index.get('00Q000000000000')!;
    const [b] = index.get('00Q000000000003')!;
    expect(a).toBe(b);
    expect(index.get('00Q999999999999')!.map((x) => x.campaignName)).toEqual(
      Array.from({ length: 20 }, (_, i) => `X${i}`),
    );
  });

  it('answers the same once sealed, for every person and for ids it never read', () => {
    const index = new ResponseIndex(3);
    const ids: string[] = [];
    // Persons added in no sorted order, some with several responses (one past the max).
    for (let i = 0; i < 500; i++) ids.push(`00Q${String((i * 7919) % 1000).padStart(12, '0')}`);
    ids.forEach((id, i) => {
      for (let n = 0; n <= i % 5; n++)
        index.add(`${id}AAA`, r(`2026-11-${String(1 + ((i + n) % 28)).padStart(2, '0')}`, `C${n}`));
    });
    const unknown = ['00Q000000000001', '000000000000000', 'zzzzzzzzzzzzzzz', '003000000000000', ''];
    const before = new Map([...ids, ...unknown].map((id) => [id, index.get(id)]));
    index.seal();
    for (const [id, responses] of before) {
      expect(index.get(id)).toEqual(responses);
      expect(index.get(`${id}XYZ`)).toEqual(responses);
    }
    expect(index.get(ids[0]!)).toHaveLength(1);
    expect(index.get(ids[4]!)).toHaveLength(3);
    expect(() => index.add(ids[0]!, r('2026-11-30', 'late'))).toThrow(/after seal/);
  });

  it('seals an empty index, and keeps a map when an id is not ASCII', () => {
    const empty = new ResponseIndex(3);
    empty.seal();
    expect(empty.get('00Q000000000001')).toBeUndefined();
    const odd = new ResponseIndex(3);
    odd.add('担当者-1', r('2026-11-02', 'A'));
    odd.add('00Q000000000001', r('2026-11-03', 'B'));
    odd.seal();
    expect(odd.get('担当者-1')).toEqual([r('2026-11-02', 'A')]);
    expect(odd.get('00Q000000000001')).toEqual([r('2026-11-03', 'B')]);
    expect(odd.get('00Q000000000002')).toBeUndefined();
  });

  it('answers the same from its temporary database past spillAfter persons, before and after seal; close() removes it', () => {
    const inMemory = new ResponseIndex(3, { spillAfter: Number.POSITIVE_INFINITY });
    const spilled = new ResponseIndex(3, { spillAfter: 40 });
    const ids: string[] = [];
    for (let i = 0; i < 400; i++) ids.push(`00Q${String((i * 7919) % 1000).padStart(12, '0')}`);
    // Each person's responses come in twice, so some arrive after the move (older, newer, the same day).
    for (const round of [0, 1])
      ids.forEach((id, i) => {
        for (let n = 0; n <= (i + round) % 5; n++) {
          const response = r(
            `2026-11-${String(1 + ((i * 3 + n * 5 + round) % 9)).padStart(2, '0')}`,
            `C${round}${n}`,
          );
          inMemory.add(`${id}AAA`, response);
          spilled.add(`${id}AAA`, response);
        }
      });
    const unknown = ['00Q000000000001', '000000000000000', 'zzzzzzzzzzzzzzz', ''];
    for (const id of [...ids.slice(0, 50), ...unknown]) expect(spilled.get(id)).toEqual(inMemory.get(id));
    inMemory.seal();
    spilled.seal();
    for (const id of [...ids, ...unknown]) {
      expect(spilled.get(id)).toEqual(inMemory.get(id));
      expect(spilled.get(`${id}XYZ`)).toEqual(inMemory.get(id));
    }
    expect(spilled.get(ids[4]!)).toHaveLength(3);
    expect(() => spilled.add(ids[0]!, r('2026-11-30', 'late'))).toThrow(/after seal/);
    spilled.close();
    expect(() => spilled.get(ids[0]!)).toThrow(/after close/);
    inMemory.close();
    expect(inMemory.get(ids[0]!)).toHaveLength(3);
  });

  it('a temporary database that cannot be opened or fills up stops the run with the fix, as a retry', () => {
    const responses = (index: ResponseIndex, persons: number) => {
      for (let i = 0; i < persons; i++)
        index.add(`00Q${String(i).padStart(12, '0')}`, r('2026-11-02', `C${i}`));
    };
    const unopenable = new ResponseIndex(3, {
      spillAfter: 10,
      openScratch: () => {
        throw new Error('unable to open database file');
      },
    });
    expect(() => responses(unopenable, 20)).toThrow(
      expect.objectContaining({
        code: 'response_index_disk',
        message: expect.stringContaining('SQLite: unable to open database file'),
      }),
    );
    // A real SQLite failure: a database capped at a few pages fills up as a disk would.
    const full = new ResponseIndex(3, {
      spillAfter: 10,
      openScratch: () => {
        const db = scratchDatabase(64);
        db.exec('PRAGMA max_page_count = 4');
        return db;
      },
    });
    let error: unknown;
    try {
      responses(full, 5_000);
      full.seal();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CrmError);
    const stop = stopFromError(error);
    expect(stop).toMatchObject({ kind: 'transient', action: 'retry', code: 'response_index_disk' });
    // The fix survives the report's cut to 300 characters; SQLite's own words come after it.
    expect(stop.message).toContain('set SQLITE_TMPDIR to a writable directory with room, then run again');
    expect((error as Error).message).toMatch(/SQLite: database or disk is full/);
  });
});
