import { expect, it } from 'vitest';
import type { OpportunityOutcome, OutcomeStore } from '../../src/ports/outcome-store.ts';

export const outcome = (over: Partial<OpportunityOutcome> = {}): OpportunityOutcome => ({
  crm: 'hubspot',
  opportunityId: '30000001',
  leadId: '1001',
  objectType: 'contact',
  source: 'deal_association',
  stage: 'open',
  createdAt: '2026-12-02T01:00:00.000Z',
  closedAt: null,
  lostReason: null,
  episodeKey: null,
  flagAtOpportunity: 'no',
  firstRecordedAt: '2026-12-02T02:00:00.000Z',
  updatedAt: '2026-12-02T02:00:00.000Z',
  ...over,
});

/** What every outcome store does; `reopen` = a second store object on the same data. */
export function outcomeStoreContract(
  make: () => Promise<OutcomeStore>,
  reopen: (() => OutcomeStore) | null,
): void {
  it('upserts by crm, opportunity and lead; lists one CRM; survives reopening (file)', async () => {
    const store = await make();
    await store.putMany([
      outcome(),
      outcome({ leadId: '1002' }),
      outcome({ crm: 'salesforce', opportunityId: '006A', leadId: '00QA', objectType: 'Lead' }),
    ]);
    await store.putMany([
      outcome({ stage: 'lost', lostReason: '予算不足', closedAt: '2026-12-03T00:00:00.000Z' }),
    ]);
    const again = reopen ? reopen() : store;
    const got = await again.getMany(['hubspot:30000001:1001', 'hubspot:nope:1']);
    expect([...got.keys()]).toEqual(['hubspot:30000001:1001']);
    expect(got.get('hubspot:30000001:1001')).toMatchObject({ stage: 'lost', lostReason: '予算不足' });
    expect((await again.list('hubspot')).map((o) => o.leadId).sort()).toEqual(['1001', '1002']);
    expect((await again.list('salesforce')).map((o) => o.opportunityId)).toEqual(['006A']);
  });
}
