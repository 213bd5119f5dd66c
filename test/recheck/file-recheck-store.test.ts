import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FileRecheckStore } from '../../src/state/file-recheck-store.ts';
import { SqliteBuckets } from '../../src/state/sqlite-buckets.ts';
import { testClock } from '../state/state-store.contract.ts';
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
  // Nothing left in the index.
  const due = new SqliteBuckets<Record<string, string>>(join(dir, 'rechecks', 'salesforce', 'due'));
  expect([...due.entries(0)]).toEqual([]);
});
