import { describe, expect, it } from 'vitest';
import type { HubspotConnector } from '../../../connectors/hubspot/index.ts';
import { closeDeal, createDeal } from '../../../emulators/hubspot/index.ts';
import type { SyncCursor } from '../../../src/ports/lead-source.ts';
import type { OpportunityPage } from '../../../src/ports/opportunity-crm.ts';
import { callsBetween, total } from './episodes-kit.ts';
import { connect, seedContacts, startPortal, T0 } from './harness.ts';

// The opportunity phase's reads and writes on HubSpot (connectors/hubspot/opportunities.ts) through
// the real @hubspot/api-client against the emulator: deals and their contacts, stages, the lost reason,
// the flag, the cursor, and the calls per page.

async function readAll(c: HubspotConnector, since: SyncCursor | null): Promise<OpportunityPage[]> {
  const pages: OpportunityPage[] = [];
  for await (const p of c.opportunities.readChanged({ since })) pages.push(p);
  return pages;
}

describe('HubSpot opportunities', () => {
  it('a deal links each associated contact with its toss-up fields; closed lost carries closed_lost_reason', async () => {
    const hs = await startPortal();
    const [a, b] = seedContacts(hs.store, 2, (i) => T0 + i);
    hs.store.update('contacts', a!, { tossup_decision_key: 'tu_a', tossup_flag: 'yes' }, { system: true });
    hs.clock.pin(new Date(T0 + 3_600_000).toISOString());
    const deal = createDeal(hs.store, { contactId: a! });
    hs.store.associate('deals', deal.id, 'contacts', b!);
    const c = await connect(hs);

    const before = { ...c.usage().calls };
    const pages = await readAll(c, null);
    const used = callsBetween(before, c.usage().calls);
    // A search, one association read, one contact batch read (the newest-record probe when HubSpot's
    // clock is unknown is one more search).
    expect(used['associations.deals-contacts.batch.read']).toBe(1);
    expect(used['contacts.batch.read']).toBe(1);
    expect(total(used)).toBeLessThanOrEqual(4);
    const links = pages.flatMap((p) => p.links);
    expect(links.map((l) => [l.leadId, l.decisionKey, l.flag, l.opportunityFlagged]).sort()).toEqual(
      [
        [a, 'tu_a', 'yes', false],
        [b, null, null, false],
      ].sort(),
    );
    expect(links[0]!.opportunity).toMatchObject({
      id: deal.id,
      stage: 'open',
      createdAt: new Date(T0 + 3_600_000).toISOString(),
      closedAt: null,
    });
    expect(links[0]!.source).toBe('deal_association');

    const written = await c.opportunities.writeFlags([
      { id: a!, objectType: 'contact', at: new Date(T0 + 3_600_000).toISOString(), date: '2025-04-01' },
    ]);
    expect(written[0]).toMatchObject({ ok: true });
    expect(hs.store.get('contacts', a!)!.props).toMatchObject({
      tossup_opportunity: 'true',
      tossup_opportunity_date: '2025-04-01',
    });

    const cursor = pages.at(-1)!.cursor;
    expect(await readAll(c, cursor)).toEqual([]);
    hs.clock.pin(new Date(T0 + 7_200_000).toISOString());
    closeDeal(hs.store, deal.id, { won: false, lostReason: '予算不足' });
    const later = (await readAll(c, cursor)).flatMap((p) => p.links);
    expect(later.find((l) => l.leadId === a)).toMatchObject({
      opportunityFlagged: true,
      opportunity: {
        stage: 'lost',
        lostReason: '予算不足',
        closedAt: new Date(T0 + 7_200_000).toISOString(),
      },
    });
  });

  it('300 deals: two pages, one association read per page and a contact read per 100 contacts', async () => {
    const hs = await startPortal();
    const contacts = seedContacts(hs.store, 300, (i) => T0 + i);
    hs.clock.pin(new Date(T0 + 3_600_000).toISOString());
    contacts.forEach((id, i) => {
      createDeal(hs.store, { contactId: id, at: T0 + 3_600_000 + i });
    });
    hs.clock.pin(new Date(T0 + 3_660_000).toISOString());
    const c = await connect(hs);
    const before = { ...c.usage().calls };
    const pages = await readAll(c, null);
    const used = callsBetween(before, c.usage().calls);
    expect(pages.reduce((n, p) => n + p.opportunities, 0)).toBe(300);
    expect(new Set(pages.flatMap((p) => p.links.map((l) => l.leadId))).size).toBe(300);
    expect(used['associations.deals-contacts.batch.read']).toBe(2);
    expect(used['contacts.batch.read']).toBe(3); // 200 + 100 contacts
  });
});
