import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HubspotHttpError,
  type HubspotRecord,
  type SearchRequest,
} from '../../../connectors/hubspot/client.ts';
import { KeysetSearch } from '../../../connectors/hubspot/keyset-search.ts';
import { CrmError, FailureKind } from '../../../src/domain/errors.ts';

/** A contacts pager from the start, 200 a page by default, with HubSpot's clock known. */
const contactsPager = (search: ConstructorParameters<typeof KeysetSearch>[0]['search'], pageSize = 200) =>
  new KeysetSearch({
    type: 'contacts',
    modifiedProperty: 'lastmodifieddate',
    properties: [],
    since: null,
    pageSize,
    search,
    serverNow: () => 1_800_000_000_000,
  });

/**
 * The pager against a fake search that keeps HubSpot's documented promises ONLY: filters and the
 * one sort are honoured, but records sharing a sort value come back in any order — a different
 * one on every call — and `after` is never needed.
 */

interface Row {
  id: number;
  ts: number;
}

function fakeSearch(rows: Row[], seed: number, refuse?: (req: SearchRequest) => Error | null) {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const calls: SearchRequest[] = [];
  const search = async (req: SearchRequest) => {
    calls.push(req);
    const refused = refuse?.(req);
    if (refused) throw refused;
    // Groups are ORed, filters inside a group ANDed (no group: everything).
    const groups = req.filterGroups.length ? req.filterGroups.map((g) => g.filters) : [[]];
    const hit = rows.filter((r) =>
      groups.some((filters) =>
        filters.every((f) => {
          const v = f.propertyName === 'hs_object_id' ? r.id : r.ts;
          const x = Number(f.value);
          switch (f.operator) {
            case 'GTE':
              return v >= x;
            case 'GT':
              return v > x;
            case 'LTE':
              return v <= x;
            case 'EQ':
              return v === x;
            case 'NEQ':
              return v !== x;
            case 'NOT_IN':
              return !f.values!.map(Number).includes(v);
            default:
              throw new Error(`unexpected operator ${f.operator}`);
          }
        }),
      ),
    );
    const sort = req.sorts[0]!;
    const key = (r: Row) => (sort.propertyName === 'hs_object_id' ? r.id : r.ts);
    const dir = sort.direction === 'DESCENDING' ? -1 : 1;
    const shuffled = hit
      .map((r) => ({ r, k: rand() }))
      .sort((a, b) => (key(a.r) - key(b.r)) * dir || a.k - b.k);
    const results: HubspotRecord[] = shuffled
      .slice(0, req.limit)
      .map(({ r }) => ({ id: String(r.id), properties: { lastmodifieddate: new Date(r.ts).toISOString() } }));
    return { total: hit.length, results };
  };
  return { search, calls };
}

async function drain(pager: KeysetSearch): Promise<string[]> {
  const out: string[] = [];
  for (let page = await pager.next(); page; page = await pager.next())
    out.push(...page.records.map((r) => r.id));
  return out;
}

const rowsArb = fc
  .array(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 500 })
  .map((times) => times.map((t, i) => ({ id: i + 1, ts: 1_700_000_000_000 + t * 1000 })));

/** 100 to 300 records over 11 milliseconds: most pages end inside a tie of more than 8. */
const tieHeavyRowsArb = fc
  .array(fc.integer({ min: 0, max: 10 }), { minLength: 100, maxLength: 300 })
  .map((times) => times.map((t, i) => ({ id: i + 1, ts: 1_700_000_000_000 + t })));

describe('KeysetSearch', () => {
  it('hands off every record exactly once whatever order ties come back in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(rowsArb, tieHeavyRowsArb),
        fc.integer(),
        fc.constantFrom(3, 7, 20, 200),
        async (rows, seed, pageSize) => {
          const { search } = fakeSearch(rows, seed);
          const ids = await drain(contactsPager(search, pageSize));
          expect(new Set(ids).size).toBe(ids.length);
          expect(ids.map(Number).sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('resumes from any cursor it handed out without re-reading or skipping', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(rowsArb, tieHeavyRowsArb),
        fc.integer(),
        fc.integer({ min: 1, max: 30 }),
        async (rows, seed, stopAfter) => {
          const { search } = fakeSearch(rows, seed);
          const options = {
            type: 'contacts' as const,
            modifiedProperty: 'lastmodifieddate',
            properties: [],
            pageSize: 7,
            search,
          };
          const first = new KeysetSearch({ ...options, since: null, serverNow: () => 1_800_000_000_000 });
          const seen: string[] = [];
          let cursor = null;
          for (let i = 0; i < stopAfter; i++) {
            const page = await first.next();
            if (!page) break;
            seen.push(...page.records.map((r) => r.id));
            cursor = page.cursor;
          }
          // Without HubSpot's clock the second pager probes for its upper bound instead.
          const rest = await drain(new KeysetSearch({ ...options, since: cursor }));
          const all = [...seen, ...rest];
          expect(new Set(all).size).toBe(all.length);
          expect(all.map(Number).sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('fills every page with new records and asks no empty search after the last', async () => {
    // 1,000 records a second apart: the one handed off last at T is left out by id, not re-read.
    const rows = Array.from({ length: 1_000 }, (_, i) => ({ id: i + 1, ts: 1_700_000_000_000 + i * 1000 }));
    const { search, calls } = fakeSearch(rows, 1);
    const pager = contactsPager(search);
    const ids = await drain(pager);
    expect(ids.map(Number)).toEqual(rows.map((r) => r.id));
    // Was 6: 200 + 199 × 4 = 996 after five pages (each re-read the record at T), then one more.
    expect(calls).toHaveLength(5);
    expect(calls.every((c) => c.limit === 200)).toBe(true);
  });

  it('leaves a tie cut by the page end out with NOT_IN: every search brings a full page of new records', async () => {
    // Batch writes of 90 sharing one millisecond: pages of 200 end inside a tie, 20 to 90 deep.
    const rows = Array.from({ length: 3_700 }, (_, i) => ({
      id: i + 1,
      ts: 1_700_000_000_000 + Math.floor(i / 90) * 1000,
    }));
    const { search, calls } = fakeSearch(rows, 7);
    const pager = contactsPager(search);
    const ids = await drain(pager);
    expect(ids.map(Number).sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
    // ceil(3,700 / 200): no search re-reads the handed-off part of a tie (36 searches before).
    expect(calls).toHaveLength(19);
    const notIns = calls
      .flatMap((c) => c.filterGroups.flatMap((g) => g.filters))
      .filter((f) => f.operator === 'NOT_IN');
    expect(notIns.length).toBeGreaterThan(0);
    expect(notIns.every((f) => f.values!.length > 8 && f.values!.length <= 100)).toBe(true);
  });

  it('falls back to re-reading the ties when HubSpot refuses the NOT_IN (a 400), and misses nothing', async () => {
    let refusedRuns = 0;
    await fc.assert(
      fc.asyncProperty(tieHeavyRowsArb, fc.integer(), async (rows, seed) => {
        // As the source's guard makes it, or raw from the runner (company facts, deals).
        const refusal =
          seed % 2 === 0
            ? new CrmError('400 too many values', {
                kind: FailureKind.Config,
                crm: 'hubspot',
                code: 'bad_request',
              })
            : new HubspotHttpError('contacts search', { status: 400, category: 'VALIDATION_ERROR' });
        const { search, calls } = fakeSearch(rows, seed, (req) =>
          req.filterGroups.some((g) => g.filters.some((f) => f.operator === 'NOT_IN')) ? refusal : null,
        );
        const pager = contactsPager(search, 20);
        const ids = await drain(pager);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.map(Number).sort((a, b) => a - b)).toEqual(rows.map((r) => r.id));
        // Refused once, never asked again.
        const asked = calls.filter((c) =>
          c.filterGroups.some((g) => g.filters.some((f) => f.operator === 'NOT_IN')),
        );
        expect(asked.length).toBeLessThanOrEqual(1);
        refusedRuns += asked.length;
      }),
      { numRuns: 100 },
    );
    expect(refusedRuns).toBeGreaterThan(10);
  });

  it('lets any other failure of a NOT_IN search surface', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      id: i + 1,
      ts: 1_700_000_000_000 + Math.floor(i / 30),
    }));
    const outage = new CrmError('503', { kind: FailureKind.Transient, crm: 'hubspot', code: 'server_error' });
    const { search } = fakeSearch(rows, 3, (req) =>
      req.filterGroups.some((g) => g.filters.some((f) => f.operator === 'NOT_IN')) ? outage : null,
    );
    const pager = contactsPager(search, 20);
    await expect(drain(pager)).rejects.toBe(outage);
  });

  it('reads again a record handed off at the cursor that was modified since (left out only at T)', async () => {
    const t0 = 1_700_000_000_000;
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, ts: t0 + i * 1000 }));
    const options = {
      type: 'contacts' as const,
      modifiedProperty: 'lastmodifieddate',
      properties: [],
      pageSize: 200,
      serverNow: () => 1_800_000_000_000,
    };
    const first = new KeysetSearch({ ...options, since: null, search: fakeSearch(rows, 1).search });
    expect(await drain(first)).toHaveLength(10);
    const cursor = first.cursor()!;
    expect(cursor.idsAtModifiedAt).toEqual(['10']);
    // Someone edits record 10 again, and record 11 is created at the cursor's very millisecond.
    const later = [...rows.slice(0, 9), { id: 10, ts: t0 + 60_000 }, { id: 11, ts: t0 + 9_000 }];
    const { search, calls } = fakeSearch(later, 2);
    const again = await drain(new KeysetSearch({ ...options, since: cursor, search }));
    expect(again.sort()).toEqual(['10', '11']);
    expect(calls).toHaveLength(1);
  });

  it('probes for the upper bound once when HubSpot sends no Date header, then pages without it', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, ts: 1_700_000_000_000 + i }));
    const { search, calls } = fakeSearch(rows, 1);
    const pager = new KeysetSearch({
      type: 'contacts',
      modifiedProperty: 'lastmodifieddate',
      properties: [],
      since: null,
      pageSize: 20,
      search,
    });
    expect(await drain(pager)).toHaveLength(50);
    expect(calls.map((c) => `${c.sorts[0]!.direction} ${c.limit}`)).toEqual([
      'ASCENDING 20',
      'DESCENDING 1',
      'ASCENDING 20',
      'ASCENDING 20',
    ]);
  });
});
