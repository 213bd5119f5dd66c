import { describe, expect, it } from 'vitest';
import type { RecheckRecord, RecheckStore } from '../../src/ports/recheck-store.ts';
import { type TestClock, testClock } from '../state/state-store.contract.ts';

const rec = (leadId: string, recheckAt: string | null, holdSince: string | null = null): RecheckRecord => ({
  objectType: 'Lead',
  leadId,
  recheckAt,
  holdSince,
});

/** What every RecheckStore does; the file store and the DynamoDB store (dynalite) run it. */
export function describeRecheckStoreContract(
  name: string,
  create: (clock: TestClock) => Promise<{ store: RecheckStore; other: () => RecheckStore }>,
): void {
  describe(`RecheckStore contract: ${name}`, () => {
    it('schedules, finds what is due earliest first, and moves an entry when rescheduled', async () => {
      const clock = testClock('2026-11-24T01:00:00.000Z');
      const { store } = await create(clock);
      await store.schedule('salesforce', [
        rec('00Q3', '2026-11-30T15:00:00.000Z'),
        rec('00Q1', '2026-11-25T15:00:00.000Z'),
        rec('00Q2', '2026-12-10T03:00:00.000Z', '2026-11-10T03:00:00.000Z'),
        rec('00Q4', null, '2026-11-01T00:00:00.000Z'),
      ]);
      expect(await store.dueBefore('salesforce', new Date('2026-11-24T02:00:00Z'), 10)).toEqual([]);
      expect(await store.dueBefore('salesforce', new Date('2026-12-01T00:00:00Z'), 10)).toEqual([
        { objectType: 'Lead', leadId: '00Q1', recheckAt: '2026-11-25T15:00:00.000Z' },
        { objectType: 'Lead', leadId: '00Q3', recheckAt: '2026-11-30T15:00:00.000Z' },
      ]);
      expect(await store.dueBefore('salesforce', new Date('2026-12-31T00:00:00Z'), 2)).toHaveLength(2);
      // Rescheduled later: no longer due then; the old day no longer lists it.
      await store.schedule('salesforce', [rec('00Q1', '2026-12-20T15:00:00.000Z')]);
      expect(
        (await store.dueBefore('salesforce', new Date('2026-12-01T00:00:00Z'), 10)).map((d) => d.leadId),
      ).toEqual(['00Q3']);
      const all = await store.getMany('salesforce', [
        { objectType: 'Lead', leadId: '00Q2' },
        { objectType: 'Lead', leadId: '00Q4' },
        { objectType: 'Lead', leadId: 'none' },
      ]);
      // BatchGetItem answers in no particular order.
      expect([...all.values()].sort((a, b) => (a.leadId < b.leadId ? -1 : 1))).toEqual([
        rec('00Q2', '2026-12-10T03:00:00.000Z', '2026-11-10T03:00:00.000Z'),
        rec('00Q4', null, '2026-11-01T00:00:00.000Z'),
      ]);
    });

    it('keeps a record holding only the decision-inputs fingerprint, never lists it as due', async () => {
      const clock = testClock('2026-11-24T01:00:00.000Z');
      const { store } = await create(clock);
      await store.schedule('hubspot', [{ ...rec('701', null), inputs: 'fp-1' }]);
      const ref = [{ objectType: 'Lead', leadId: '701' }];
      expect([...(await store.getMany('hubspot', ref)).values()]).toEqual([
        { ...rec('701', null), inputs: 'fp-1' },
      ]);
      expect(await store.dueBefore('hubspot', new Date('2027-01-01T00:00:00Z'), 10)).toEqual([]);
      // A later record without it (a re-check that kept the CRM's hand-off) drops it.
      await store.schedule('hubspot', [rec('701', '2026-11-30T00:00:00.000Z')]);
      expect([...(await store.getMany('hubspot', ref)).values()]).toEqual([
        rec('701', '2026-11-30T00:00:00.000Z'),
      ]);
    });

    it('keeps CRMs apart, removes, and drops a record with nothing left to keep', async () => {
      const clock = testClock('2026-11-24T01:00:00.000Z');
      const { store } = await create(clock);
      await store.schedule('salesforce', [rec('X', '2026-11-25T00:00:00.000Z')]);
      await store.schedule('hubspot', [rec('X', '2026-11-26T00:00:00.000Z', '2026-11-20T00:00:00.000Z')]);
      const later = new Date('2026-12-01T00:00:00Z');
      expect((await store.dueBefore('hubspot', later, 10))[0]?.recheckAt).toBe('2026-11-26T00:00:00.000Z');
      await store.remove('salesforce', [{ objectType: 'Lead', leadId: 'X' }]);
      expect(await store.dueBefore('salesforce', later, 10)).toEqual([]);
      expect(await store.dueBefore('hubspot', later, 10)).toHaveLength(1);
      await store.schedule('hubspot', [rec('X', null, null)]);
      expect(await store.dueBefore('hubspot', later, 10)).toEqual([]);
      expect((await store.getMany('hubspot', [{ objectType: 'Lead', leadId: 'X' }])).size).toBe(0);
    });

    it('finds a past-due entry after time moved on, from another client, across many days', async () => {
      const clock = testClock('2026-11-24T01:00:00.000Z');
      const { store, other } = await create(clock);
      await store.schedule('salesforce', [
        rec('early', '2026-11-24T00:00:00.000Z'), // already due when scheduled
        rec('far', '2027-01-15T00:00:00.000Z'),
      ]);
      expect((await other().dueBefore('salesforce', clock.now(), 10)).map((d) => d.leadId)).toEqual([
        'early',
      ]);
      clock.advance(60 * 86_400_000);
      const sweep = other();
      // Sweeps every day move the floor up; nothing is lost.
      expect(await sweep.dueBefore('salesforce', new Date('2027-01-14T00:00:00Z'), 10)).toHaveLength(1);
      expect((await sweep.dueBefore('salesforce', clock.now(), 10)).map((d) => d.leadId)).toEqual([
        'early',
        'far',
      ]);
    });
  });
}
