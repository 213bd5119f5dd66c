import { describe, expect, it } from 'vitest';
import type { SalesforceConnector } from '../../../connectors/salesforce/index.ts';
import type { SyncCursor } from '../../../src/ports/lead-source.ts';
import type { OpportunityPage } from '../../../src/ports/opportunity-crm.ts';
import { connect, insertContact, insertLead, mapping, startOrg, T0 } from './sf-kit.ts';

// The opportunity phase's reads and writes on Salesforce (connectors/salesforce/opportunities.ts)
// through real jsforce against the emulator: conversions, contact roles, the account mode, the
// loss reason, the flag on the converted contact, the cursor, and the calls per page.

async function readAll(c: SalesforceConnector, since: SyncCursor | null): Promise<OpportunityPage[]> {
  const pages: OpportunityPage[] = [];
  for await (const p of c.opportunities.readChanged({ since })) pages.push(p);
  return pages;
}

const queries = (c: SalesforceConnector) => c.usage().calls.query ?? 0;

describe('Salesforce opportunities', () => {
  it('a conversion links the Lead (flag target: its Contact), contact roles link Contacts; closed lost carries its reason', async () => {
    const emu = await startOrg();
    const c = await connect(emu);
    const lead = insertLead(emu, T0, { TossUp_Decision_Key__c: 'tu_lead', TossUp_Flag__c: 'はい' });
    const { contactId, opportunityId } = emu.store.convertLead(lead, { opportunity: {} });
    const account = emu.store.insert('Account', { Name: 'B' });
    const other = insertContact(emu, T0, {
      AccountId: account,
      TossUp_Decision_Key__c: 'tu_c',
      TossUp_Flag__c: 'いいえ',
    });
    const opp2 = emu.store.insert('Opportunity', {
      Name: 'o2',
      AccountId: account,
      StageName: 'Prospecting',
      CloseDate: '2026-12-31',
    });
    emu.store.insert('OpportunityContactRole', { OpportunityId: opp2, ContactId: other });

    const before = queries(c);
    const pages = await readAll(c, null);
    expect(queries(c) - before).toBe(3);
    expect(pages).toHaveLength(1);
    const links = pages[0]!.links;
    expect(pages[0]!.opportunities).toBe(2);
    // The converted contact's own contact role is the Lead's person: one link, through the Lead.
    expect(links.map((l) => [l.source, l.objectType, l.decisionKey, l.flag])).toEqual([
      ['lead_conversion', 'Lead', 'tu_lead', 'yes'],
      ['contact_role', 'Contact', 'tu_c', 'no'],
    ]);
    expect(links[0]).toMatchObject({
      leadId: lead,
      opportunityFlagged: false,
      flagTarget: { id: contactId, objectType: 'Contact' },
      opportunity: { id: opportunityId, stage: 'open', closedAt: null, lostReason: null },
    });

    const written = await c.opportunities.writeFlags([
      { id: contactId, objectType: 'Contact', at: '2026-11-20T01:00:00.000Z', date: '2026-11-20' },
    ]);
    expect(written[0]).toMatchObject({ ok: true });
    expect(emu.store.get('Contact', contactId)).toMatchObject({
      TossUp_Opportunity__c: true,
      TossUp_Opportunity_Date__c: '2026-11-20',
    });

    // Nothing changed since the cursor: an empty read. Then the opportunity is lost.
    const cursor = pages[0]!.cursor;
    expect(await readAll(c, cursor)).toEqual([]);
    emu.clock.pin(new Date(T0 + 7_200_000).toISOString());
    emu.store.update('Opportunity', opportunityId!, {
      StageName: 'Closed Lost',
      Loss_Reason__c: 'Competitor',
      CloseDate: '2026-11-20',
    });
    const later = await readAll(c, cursor);
    expect(later.flatMap((p) => p.links)).toEqual([
      expect.objectContaining({
        source: 'lead_conversion',
        opportunityFlagged: true,
        opportunity: expect.objectContaining({
          stage: 'lost',
          lostReason: 'Competitor',
          closedAt: '2026-11-20T00:00:00.000Z',
        }),
      }),
    ]);
  });

  it('pages of 200 with a tie-safe cursor: 450 opportunities sharing one SystemModstamp are each read once', async () => {
    const emu = await startOrg();
    const c = await connect(emu);
    const account = emu.store.insert('Account', { Name: 'A' });
    for (let i = 0; i < 450; i++)
      emu.store.insert('Opportunity', {
        Name: `o${i}`,
        AccountId: account,
        StageName: 'Prospecting',
        CloseDate: '2026-12-31',
      });
    let cursor: SyncCursor | null = null;
    // One page per call, resumed from the committed cursor as the next sweep would.
    let total = 0;
    for (let round = 0; round < 5; round++) {
      for await (const p of c.opportunities.readChanged({ since: cursor, limit: 1 })) {
        total += p.opportunities;
        cursor = p.cursor;
      }
    }
    expect(total).toBe(450);
  });

  it('linkBy account: every contact of the opportunity account is linked', async () => {
    const emu = await startOrg();
    const c = await connect(
      emu,
      {},
      { mapping: { ...mapping, opportunity: { ...mapping.opportunity, linkBy: 'account' } } },
    );
    const account = emu.store.insert('Account', { Name: 'A' });
    const a = insertContact(emu, T0, { AccountId: account });
    const b = insertContact(emu, T0, { AccountId: account });
    emu.store.insert('Opportunity', {
      Name: 'o',
      AccountId: account,
      StageName: 'Closed Won',
      CloseDate: '2026-11-20',
    });
    const links = (await readAll(c, null)).flatMap((p) => p.links);
    expect(links.map((l) => [l.source, l.leadId, l.opportunity.stage]).sort()).toEqual(
      [
        ['account', a, 'won'],
        ['account', b, 'won'],
      ].sort(),
    );
  });
});
