import { mkdtempSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RecheckRecord, recheckKey } from '../../src/ports/recheck-store.ts';
import { FileRecheckStore } from '../../src/state/file-recheck-store.ts';
import { JsonBuckets } from '../../src/state/json-buckets.ts';
import { SqliteBuckets } from '../../src/state/sqlite-buckets.ts';
import { testClock } from '../state/state-store.contract.ts';
import { writeSqliteBucketsV1 } from '../support/sqlite-buckets-v1.ts';
import { describeRecheckStoreContract } from './recheck-store.contract.ts';

describeRecheckStoreContract('FileRecheckStore', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'rechecks-'));
  return { store: new FileRecheckStore(dir, { clock }), other: () => new FileRecheckStore(dir, { clock }) };
});

it('a batch of many leads due the same day: each moved and removed in the one index entry, which goes with the last', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rechecks-'));
  const store = new FileRecheckStore(dir, { clock: testClock('2026-11-24T01:00:00.000Z') });
  const ids = Array.from({ length: 500 }, (_, i) => `00Q${String(i).padStart(4, '0')}`);
  const at = (leadId: string, recheckAt: string | null) => ({
    objectType: 'Lead',
    leadId,
    recheckAt,
    holdSince: null,
  });
  await store.schedule('salesforce', [...ids.map((id) => at(id, '2026-11-25T15:00:00.000Z'))]);
  const day = new Date('2026-11-26T00:00:00Z');
  expect(await store.dueBefore('salesforce', day, 1000)).toHaveLength(500);
  // One batch: the first 200 move to the next month, the next 299 are removed, one stays.
  await store.schedule('salesforce', [
    ...ids.slice(0, 200).map((id) => at(id, '2026-12-25T15:00:00.000Z')),
    ...ids.slice(200, 499).map((id) => at(id, null)),
  ]);
  expect((await store.dueBefore('salesforce', day, 1000)).map((d) => d.leadId)).toEqual([ids[499]]);
  expect(await store.dueBefore('salesforce', new Date('2026-12-26T00:00:00Z'), 1000)).toHaveLength(201);
  await store.remove(
    'salesforce',
    ids.map((leadId) => ({ objectType: 'Lead', leadId })),
  );
  expect(await store.dueBefore('salesforce', new Date('2027-01-01T00:00:00Z'), 1000)).toEqual([]);
  // Nothing left: the records, and with them their index entries, are gone.
  const items = new SqliteBuckets<RecheckRecord>(join(dir, 'rechecks', 'salesforce', 'items'));
  expect([...items.entries(0)]).toEqual([]);
  expect(readdirSync(join(dir, 'rechecks', 'salesforce'))).toEqual(['items']);
});

describe('FileRecheckStore on state an earlier build wrote (per-day index in due/ and days/)', () => {
  const NOW = '2026-11-24T01:00:00.000Z';
  const lead = (i: number) => `00Q${String(i).padStart(5, '0')}`;
  /** Days 25..29 of November, one lead in 7 never due (a hold only), one in 5 with inputs. */
  const records = Array.from(
    { length: 2500 },
    (_, i): RecheckRecord => ({
      objectType: 'Lead',
      leadId: lead(i),
      recheckAt: i % 7 === 0 ? null : `2026-11-${25 + (i % 5)}T0${i % 10}:00:00.000Z`,
      holdSince: i % 7 === 0 ? '2026-11-01T00:00:00.000Z' : null,
      ...(i % 5 === 0 ? { inputs: `fp${i}` } : {}),
    }),
  );
  const writeOldLayout = (dir: string) => {
    const base = join(dir, 'rechecks', 'salesforce');
    writeSqliteBucketsV1(
      join(base, 'items'),
      Object.fromEntries(records.map((r) => [`Lead|${r.leadId}`, r])),
    );
    const days: Record<string, Record<string, string>> = {};
    for (const r of records) {
      if (!r.recheckAt) continue;
      const day = r.recheckAt.slice(0, 10);
      days[day] = { ...days[day], [`Lead|${r.leadId}`]: r.recheckAt };
    }
    writeSqliteBucketsV1(join(base, 'due'), days);
    new JsonBuckets<string[]>(join(base, 'days'), { fanout: 1 }).update('days', Date.parse(NOW), () => ({
      value: Object.keys(days).sort(),
    }));
    return base;
  };
  const expected = records
    .filter((r) => r.recheckAt !== null)
    .map((r) => ({ objectType: 'Lead', leadId: r.leadId, recheckAt: r.recheckAt! }))
    .sort((a, b) =>
      a.recheckAt !== b.recheckAt ? (a.recheckAt < b.recheckAt ? -1 : 1) : a.leadId < b.leadId ? -1 : 1,
    );

  it('reads it: the due index rebuilt from the records on first open, the old index removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rechecks-'));
    const base = writeOldLayout(dir);
    const store = new FileRecheckStore(dir, { clock: testClock(NOW) });
    const end = new Date('2026-12-01T00:00:00Z');
    expect(await store.dueBefore('salesforce', end, 5000)).toEqual(expected);
    expect(await store.dueBefore('salesforce', end, 10)).toEqual(expected.slice(0, 10));
    expect(await store.dueBefore('salesforce', new Date('2026-11-26T00:00:00Z'), 5000)).toEqual(
      expected.filter((d) => d.recheckAt < '2026-11-26'),
    );
    expect(readdirSync(base)).toEqual(['items']);
    const refs = records.map((r) => ({ objectType: 'Lead', leadId: r.leadId }));
    const got = await store.getMany('salesforce', refs);
    expect(refs.map((r) => got.get(recheckKey(r)))).toEqual(records);
    // And writes on as the current build does.
    await store.schedule('salesforce', [{ ...records[1]!, recheckAt: '2026-11-24T00:30:00.000Z' }]);
    expect((await store.dueBefore('salesforce', end, 1))[0]?.leadId).toBe(records[1]!.leadId);
  });

  it('rebuilds it again when a crash left the old files after the rebuild committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rechecks-'));
    const base = writeOldLayout(dir);
    await new FileRecheckStore(dir, { clock: testClock(NOW) }).dueBefore('salesforce', new Date(NOW), 1);
    const store = new FileRecheckStore(dir, { clock: testClock(NOW) });
    await store.schedule('salesforce', [{ ...records[1]!, recheckAt: null, holdSince: null }]);
    // As if the first open had been killed before removing them: written again, stale for lead 1.
    writeOldLayout(join(dir, 'stale'));
    renameSync(join(dir, 'stale', 'rechecks', 'salesforce', 'due'), join(base, 'due'));
    renameSync(join(dir, 'stale', 'rechecks', 'salesforce', 'days'), join(base, 'days'));
    const next = new FileRecheckStore(dir, { clock: testClock(NOW) });
    expect(await next.dueBefore('salesforce', new Date('2026-12-01T00:00:00Z'), 5000)).toEqual(
      expected.filter((d) => d.leadId !== records[1]!.leadId),
    );
    expect(readdirSync(base)).toEqual(['items']);
  });
});
