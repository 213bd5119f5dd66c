import './no-proxy.ts';
import { describe, expect, it } from 'vitest';
import { checksumSuffix, normalizeId } from '../../../emulators/salesforce/ids.ts';
import { createSalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import { generatePeople, generateWorld, planWorld } from '../../../emulators/world/generate.ts';
import { smallWorld } from './fixtures/small-world.ts';
import { login, startEmu } from './sf-test-kit.ts';

// Seeding rules are the brief's (Leads vs Contacts, Accounts from companies, CampaignMembers from
// campaign activities); shapes are read back through jsforce as the connector would read them.

describe('seedFromWorld', () => {
  it('seeds users, the queue, accounts, opportunities, campaigns, leads, contacts and members', async () => {
    const emu = await startEmu({ world: smallWorld() });
    const ids = emu.seeded!;
    const conn = await login(emu);

    expect(ids.users.get('u001')).toMatch(/^005[A-Za-z0-9]{15}$/);
    expect(ids.queues.get('q_is')).toMatch(/^00G/);
    const users = await conn.query<Record<string, unknown>>(
      'SELECT Username, IsActive, Sales_Role__c, Territory__c FROM User ORDER BY Username',
    );
    expect(users.records.map((u) => [u.Username, u.IsActive, u.Sales_Role__c])).toContainEqual([
      'takahashi@example.co.jp',
      false,
      'account_manager',
    ]);
    const queue = await conn.query<Record<string, unknown>>('SELECT Name, Type FROM Group');
    expect(queue.records[0]).toMatchObject({ Name: 'IS/Sales planning', Type: 'Queue' });

    // Accounts: the customer with a contact and the strategic target with a lost deal; not c003.
    expect([...ids.accounts.keys()].sort()).toEqual(['c001', 'c002']);
    const accounts = await conn.query<Record<string, unknown>>(
      'SELECT Name, Type, Strategic_Target__c, NumberOfEmployees, AnnualRevenue, Industry, BillingState, Owner.Email, (SELECT StageName FROM Opportunities) FROM Account ORDER BY Name',
    );
    const byName = Object.fromEntries(accounts.records.map((a) => [a.Name, a]));
    expect(byName.株式会社アルファ).toMatchObject({
      Type: 'Customer',
      Strategic_Target__c: false,
      NumberOfEmployees: 1200,
      AnnualRevenue: 12_000_000_000,
      Industry: 'Manufacturing',
      BillingState: '東京都',
      Owner: { Email: 'sato@example.co.jp' },
      Opportunities: { totalSize: 1, records: [expect.objectContaining({ StageName: 'Closed Won' })] },
    });
    expect(byName.ベータ商事).toMatchObject({
      Type: 'Prospect',
      Strategic_Target__c: true,
      NumberOfEmployees: null,
      Industry: 'Retail',
    });

    const leads = await conn.query<Record<string, unknown>>(
      'SELECT Id, Company, NumberOfEmployees, Employees_Text__c, Title, Department__c, Email, Phone, Status, LeadSource, pi__score__c, IS_Heard_At__c, IS_Budget__c, IS_Decision_Maker__c, IS_Decision_Involved__c, IS_Clear_Problem__c, IS_Timeline_Months__c, IS_Hearing_Notes__c, Sales_TossUp_Request__c, Sales_TossUp_Requested_By__c, Strategic_Target__c, State, Industry, Owner.Name, Pricing_Page_Last_Viewed__c, Web_Page_Views_30d__c, Email_Last_Opened__c, Email_Last_Clicked__c, CreatedDate, LastModifiedDate, (SELECT Id, Status, HasResponded, FirstRespondedDate, Campaign.Type FROM CampaignMembers) FROM Lead ORDER BY Email',
    );
    expect(leads.totalSize).toBe(2);
    const [anna, tanaka] = leads.records;
    expect(tanaka).toMatchObject({
      Id: ids.leads.get('p002'),
      Company: 'ベータ商事',
      NumberOfEmployees: null,
      Employees_Text__c: '50-99',
      Title: '課長代理',
      Department__c: '情報システム部',
      Phone: null,
      Status: 'Closed - Not Converted',
      LeadSource: 'Seminar',
      pi__score__c: 45,
      IS_Heard_At__c: '2026-11-02T05:00:00.000+0000',
      IS_Budget__c: 'あり',
      IS_Decision_Maker__c: '不明',
      IS_Decision_Involved__c: 'あり',
      IS_Clear_Problem__c: 'なし',
      IS_Timeline_Months__c: 3,
      IS_Hearing_Notes__c: '来期予算で検討',
      Sales_TossUp_Request__c: true,
      Sales_TossUp_Requested_By__c: ids.users.get('u001'),
      Strategic_Target__c: true,
      State: '大阪府',
      Industry: 'Retail',
      Owner: { Name: '鈴木 花子' },
      Pricing_Page_Last_Viewed__c: '2026-10-01T00:00:00.000+0000',
      Web_Page_Views_30d__c: 1,
      Email_Last_Opened__c: '2026-09-02T00:00:00.000+0000',
      Email_Last_Clicked__c: '2026-09-03T00:00:00.000+0000',
      CreatedDate: '2026-08-01T00:00:00.000+0000',
      LastModifiedDate: '2026-11-02T05:00:00.000+0000',
      CampaignMembers: {
        totalSize: 1,
        done: true,
        records: [
          expect.objectContaining({
            Status: 'Sent',
            HasResponded: false,
            FirstRespondedDate: null,
            Campaign: expect.objectContaining({ Type: 'Email' }),
          }),
        ],
      },
    });
    expect(anna).toMatchObject({
      NumberOfEmployees: 30,
      Employees_Text__c: null,
      Status: 'Open - Not Contacted',
      Owner: { attributes: { type: 'Group' }, Name: 'IS/Sales planning' },
      Sales_TossUp_Request__c: false,
      Web_Page_Views_30d__c: null,
      CampaignMembers: {
        records: [
          expect.objectContaining({
            Status: 'Responded',
            HasResponded: true,
            FirstRespondedDate: '2026-11-18',
          }),
        ],
      },
    });

    const contacts = await conn.query<Record<string, unknown>>(
      'SELECT Id, Title, Department, Account.Type, Account.OwnerId, pi__score__c, Pricing_Page_Last_Viewed__c, (SELECT Status, HasResponded, FirstRespondedDate, Campaign.Type FROM CampaignMembers) FROM Contact',
    );
    expect(contacts.records[0]).toMatchObject({
      Id: ids.contacts.get('p001'),
      Title: '取締役 営業本部長',
      Department: '営業本部',
      Account: { Type: 'Customer', OwnerId: ids.users.get('u001') },
      pi__score__c: 120,
      Pricing_Page_Last_Viewed__c: '2026-11-10T01:00:00.000+0000',
      CampaignMembers: {
        records: [
          expect.objectContaining({
            Status: 'Responded',
            HasResponded: true,
            FirstRespondedDate: '2026-10-05',
            Campaign: expect.objectContaining({ Type: 'Webinar' }),
          }),
        ],
      },
    });
    expect(ids.campaignMembers).toBe(3);
    // World users can authenticate (shared emulator password); inactive ones cannot.
    const res = await fetch(`${emu.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: emu.credentials.clientId,
        client_secret: emu.credentials.clientSecret,
        username: 'takahashi@example.co.jp',
        password: emu.credentials.password,
      }),
    });
    expect(res.status).toBe(400);
  });

  it('derives valid, deterministic 18-char ids with the right key prefixes from world keys', () => {
    const a = createSalesforceEmulator({ world: smallWorld() }).seeded!;
    const b = createSalesforceEmulator({ world: smallWorld() }).seeded!;
    expect([...a.leads]).toEqual([...b.leads]);
    expect([...a.accounts]).toEqual([...b.accounts]);
    const prefixes: Array<[Map<string, string>, string]> = [
      [a.users, '005'],
      [a.queues, '00G'],
      [a.accounts, '001'],
      [a.opportunities, '006'],
      [a.campaigns, '701'],
      [a.leads, '00Q'],
      [a.contacts, '003'],
    ];
    for (const [map, prefix] of prefixes) {
      for (const id of map.values()) {
        expect(id.startsWith(prefix)).toBe(true);
        expect(id).toHaveLength(18);
        expect(id.slice(15)).toBe(checksumSuffix(id.slice(0, 15)));
        expect(normalizeId(id.slice(0, 15))).toBe(id);
      }
    }
  });

  it('seeds a generated world, also from a streamed people iterator', () => {
    const world = generateWorld({ seed: 3, leads: 300, asOf: '2026-11-20T00:00:00Z' });
    const emu = createSalesforceEmulator({ world });
    const people = world.people.length;
    expect(emu.store.count('Lead') + emu.store.count('Contact')).toBe(people);
    expect(emu.store.count('User')).toBe(world.users.length + 2);
    const plan = planWorld({ seed: 3, leads: 300, asOf: '2026-11-20T00:00:00Z' });
    const streamed = createSalesforceEmulator({ world: { ...plan.frame, people: generatePeople(plan) } });
    expect([...streamed.seeded!.leads]).toEqual([...emu.seeded!.leads]);
    expect([...streamed.seeded!.contacts]).toEqual([...emu.seeded!.contacts]);
    // Every contact points at a seeded account.
    for (const c of emu.store.all('Contact'))
      expect(emu.store.get('Account', c.AccountId as string)).toBeDefined();
  });
});
