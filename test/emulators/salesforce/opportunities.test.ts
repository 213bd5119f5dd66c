import './no-proxy.ts';
import { describe, expect, it } from 'vitest';
import { login, startEmu } from './sf-test-kit.ts';

// What the sweep's opportunity phase reads in Salesforce (issue 14): lead conversion with an
// opportunity, OpportunityContactRole, the loss reason and the opportunity flag fields.

const T = Date.parse('2026-12-01T01:00:00.000Z');

describe('opportunities', () => {
  it('converting a lead with an opportunity sets ConvertedOpportunityId and makes the contact its primary contact role', async () => {
    const emu = await startEmu();
    emu.clock.pin(new Date(T).toISOString());
    const conn = await login(emu);
    const lead = emu.store.insert('Lead', { LastName: '佐藤', Company: 'アルファ' });
    const res = await fetch(`${emu.url}/__admin/sf/leads/${lead}/convert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ opportunity: { stageName: 'Qualification' } }),
    });
    expect(res.status).toBe(200);
    const { contactId, accountId, opportunityId } = (await res.json()) as Record<string, string>;
    expect(opportunityId?.startsWith('006')).toBe(true);
    const leads = await conn.query<Record<string, unknown>>(
      `SELECT IsConverted, ConvertedOpportunityId, ConvertedContactId, ConvertedDate FROM Lead WHERE Id = '${lead}'`,
    );
    expect(leads.records[0]).toMatchObject({
      IsConverted: true,
      ConvertedOpportunityId: opportunityId,
      ConvertedContactId: contactId,
      ConvertedDate: '2026-12-01',
    });
    const opp = await conn.query<Record<string, unknown>>(
      `SELECT Name, AccountId, StageName, IsClosed, CreatedDate FROM Opportunity WHERE Id = '${opportunityId}'`,
    );
    expect(opp.records[0]).toMatchObject({
      Name: 'アルファ-',
      AccountId: accountId,
      StageName: 'Qualification',
      IsClosed: false,
      CreatedDate: '2026-12-01T01:00:00.000+0000',
    });
    const roles = await conn.query<Record<string, unknown>>(
      `SELECT OpportunityId, ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId IN ('${opportunityId}')`,
    );
    expect(roles.records).toEqual([
      expect.objectContaining({ OpportunityId: opportunityId, ContactId: contactId, IsPrimary: true }),
    ]);
    // Without `opportunity` nothing is created, as before.
    const other = emu.store.insert('Lead', { LastName: '鈴木', Company: 'ベータ' });
    expect(emu.store.convertLead(other).opportunityId).toBeNull();
  });

  it('closes lost with Loss_Reason__c; the flag fields exist on Lead and Contact; converted leads refuse updates', async () => {
    const emu = await startEmu();
    emu.clock.pin(new Date(T).toISOString());
    const conn = await login(emu);
    const account = emu.store.insert('Account', { Name: 'A' });
    const opp = emu.store.insert('Opportunity', {
      Name: 'o',
      AccountId: account,
      StageName: 'Prospecting',
      CloseDate: '2026-12-20',
    });
    await conn.sobject('Opportunity').update({ Id: opp, StageName: 'Closed Lost', Loss_Reason__c: 'Price' });
    expect(emu.store.get('Opportunity', opp)).toMatchObject({
      IsClosed: true,
      IsWon: false,
      Loss_Reason__c: 'Price',
    });
    const contact = emu.store.insert('Contact', { LastName: 'c', AccountId: account });
    const saved = (await conn
      .sobject('Contact')
      .update([
        { Id: contact, TossUp_Opportunity__c: true, TossUp_Opportunity_Date__c: '2026-12-01' },
      ])) as unknown as { success: boolean }[];
    expect(saved[0]!.success).toBe(true);
    expect(emu.store.get('Contact', contact)).toMatchObject({ TossUp_Opportunity__c: true });
    const lead = emu.store.insert('Lead', { LastName: 'l', Company: 'C' });
    emu.store.convertLead(lead, { opportunity: {} });
    const refused = (await conn
      .sobject('Lead')
      .update([{ Id: lead, TossUp_Opportunity__c: true }])) as unknown as {
      success: boolean;
      errors: { statusCode: string }[];
    }[];
    expect(refused[0]!.errors[0]!.statusCode).toBe('CANNOT_UPDATE_CONVERTED_LEAD');
  });
});
