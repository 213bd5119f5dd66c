import { describe, expect, it } from 'vitest';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import type { Lead } from '../../../src/domain/lead.ts';
import { connect, counter, idsOf, insertContact, insertLead, readAll, startOrg, T0 } from './sf-kit.ts';

// Campaign responses (CampaignMember) as behaviour, the response triggers for leads whose own
// SystemModstamp did not move, and the Bulk API 2.0 path for large runs (same result as REST).

function campaign(emu: SalesforceEmulator, type: string, name: string): string {
  return emu.store.insert('Campaign', { Name: name, Type: type }, { at: T0 - 90 * 86_400_000 });
}

function respond(
  emu: SalesforceEmulator,
  who: { LeadId: string } | { ContactId: string },
  campaignId: string,
  on: string,
  at: number,
): string {
  return emu.store.insert(
    'CampaignMember',
    { CampaignId: campaignId, ...who, Status: 'Responded', FirstRespondedDate: on },
    { at, createdAt: at },
  );
}

/** What the pipeline gets, in a stable order, to compare two read paths. */
function digest(leads: readonly Lead[]) {
  const byTime = (a: { at: string; type: string }, b: { at: string; type: string }) =>
    a.at + a.type < b.at + b.type ? -1 : 1;
  return leads
    .map((l) => ({ ...l, activities: [...l.activities].sort(byTime) }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

describe('campaign responses', () => {
  it('become dated activities typed by campaign name rules, then Campaign.Type; old responses are not read', async () => {
    const emu = await startOrg();
    const webinar = campaign(emu, 'Webinar', '【ウェビナー】営業DX');
    const inquiry = campaign(emu, 'Website', 'Webサイト お問い合わせフォーム');
    const content = campaign(emu, 'Content', 'ホワイトペーパー: KPI設計');
    const lead = insertLead(emu, T0 - 1000);
    respond(emu, { LeadId: lead }, webinar, '2026-11-10', T0 - 500);
    respond(emu, { LeadId: lead }, inquiry, '2026-11-12', T0 - 400);
    respond(emu, { LeadId: lead }, content, '2026-01-05', T0 - 300); // outside the 90-day look-back
    const connector = await connect(emu);

    const [l] = (await readAll(connector, null)).flatMap((p) => p.leads);

    expect(l!.activities.filter((a) => a.source)).toEqual([
      { type: 'inquiry', at: '2026-11-11T15:00:00.000Z', source: 'Webサイト お問い合わせフォーム' },
      { type: 'webinar_attendance', at: '2026-11-09T15:00:00.000Z', source: '【ウェビナー】営業DX' },
    ]);
  });

  it('re-reads a lead whose only change is a new response (its SystemModstamp did not move)', async () => {
    const emu = await startOrg();
    const webinar = campaign(emu, 'Webinar', 'ウェビナー');
    const quiet = insertLead(emu, T0 - 10_000);
    const busy = insertLead(emu, T0 - 9_000);
    const contact = insertContact(emu, T0 - 8_000);
    const connector = await connect(emu);
    const first = await readAll(connector, null);
    expect(idsOf(first).sort()).toEqual([quiet, busy, contact].sort());
    const cursor = first.at(-1)!.cursor;

    // Later: the quiet lead and the contact attend a webinar; the busy lead is edited AND attends.
    emu.clock.advance(60_000);
    const now = emu.clock.now();
    const cm1 = respond(emu, { LeadId: quiet }, webinar, '2026-11-20', now - 30_000);
    respond(emu, { ContactId: contact }, webinar, '2026-11-20', now - 29_000);
    respond(emu, { LeadId: busy }, webinar, '2026-11-20', now - 28_000);
    emu.store.update('Lead', busy, { Title: '取締役' }, { at: now - 27_000 });

    const second = await readAll(connector, cursor);
    const leads = second.flatMap((p) => p.leads);
    expect(leads.map((l) => l.id).sort()).toEqual([quiet, busy, contact].sort());
    for (const l of leads) expect(l.activities.some((a) => a.type === 'webinar_attendance')).toBe(true);
    // The busy lead came through its own change (its response trigger was dropped), last.
    expect(second.at(-1)!.cursor).toEqual({
      modifiedAt: new Date(now - 27_000).toISOString(),
      idsAtModifiedAt: [busy],
    });
    // A cursor between the two triggers re-reads only the contact.
    const mid = { modifiedAt: new Date(now - 30_000).toISOString(), idsAtModifiedAt: [cm1] };
    expect(idsOf(await readAll(connector, mid)).sort()).toEqual([busy, contact].sort());
    // And nothing is handed off again afterwards.
    expect(await readAll(connector, second.at(-1)!.cursor)).toEqual([]);
  });
});

describe('Bulk API 2.0 for large runs', () => {
  async function seedOrg(emu: SalesforceEmulator) {
    const webinar = campaign(emu, 'Webinar', 'ウェビナー');
    const account = emu.store.insert(
      'Account',
      { Name: '取引先株式会社', Type: 'Customer', NumberOfEmployees: 1200 },
      { at: T0 - 86_400_000 },
    );
    emu.store.insert(
      'Opportunity',
      { Name: '失注', AccountId: account, StageName: 'Closed Lost', CloseDate: '2026-06-01' },
      { at: T0 - 86_400_000 },
    );
    for (let i = 0; i < 1_250; i++) {
      const id = insertLead(emu, T0 + Math.floor(i / 3), {
        Company: `会社, "${i}"`,
        NumberOfEmployees: i % 7 === 0 ? null : i,
        Employees_Text__c: i % 7 === 0 ? '約300名' : null,
        IS_Budget__c: i % 5 === 0 ? 'あり' : null,
        TossUp_Flag__c: i % 11 === 0 ? 'はい' : null,
      });
      if (i % 4 === 0) respond(emu, { LeadId: id }, webinar, '2026-11-01', T0 - 5000);
    }
    for (let i = 0; i < 40; i++) {
      const id = insertContact(emu, T0 + 500 + i, { AccountId: account });
      if (i % 2 === 0) respond(emu, { ContactId: id }, webinar, '2026-10-01', T0 - 5000);
    }
  }

  it('reads the same leads, behaviour and cursor as REST, paging Bulk results by locator', async () => {
    const emu = await startOrg();
    await seedOrg(emu);
    const rest = await connect(emu, { bulkThreshold: null, pageSize: 100_000 });
    const restPages = await readAll(rest, null);
    expect(counter(emu, 'sf.bulk2.create')).toBe(0);

    const bulk = await connect(emu, {
      bulkThreshold: 100,
      bulkPageSize: 1_000,
      pageSize: 100_000,
      readBatchSize: 200,
    });
    const bulkPages = await readAll(bulk, null);

    // Lead and responses went to Bulk; not Contacts: all 40 came in page one, read with the Leads'
    // page one in one Composite call.
    expect(counter(emu, 'sf.bulk2.create')).toBe(2);
    // Each job is asked for its results first: not done yet (the emulator's default: the first
    // check finds it InProgress), it answers 412, is polled once and asked again. Lead results span
    // two pages, responses one: 2 refused + 3 pages.
    expect(counter(emu, 'sf.bulk2.get')).toBe(2);
    expect(counter(emu, 'sf.bulk2.results')).toBe(5);
    const restLeads = restPages.flatMap((p) => p.leads);
    expect(restLeads).toHaveLength(1_290);
    expect(digest(bulkPages.flatMap((p) => p.leads))).toEqual(digest(restLeads));
    expect(bulkPages.at(-1)!.cursor).toEqual(restPages.at(-1)!.cursor);
    const contact = restLeads.find((l) => l.objectType === 'Contact')!;
    expect(contact.company).toMatchObject({
      name: '取引先株式会社',
      employees: 1200,
      existingCustomer: true,
    });
    expect(contact.history.previouslyLost).toBe(true);
  });

  it('asks a job whose processing time is shorter than the poll interval for its results without a status check', async () => {
    // Jobs take processing time (20 ms) rather than a number of checks; the connector waits its
    // 100 ms interval on the real clock before asking, so each job is done when first asked and
    // its one results page is the only call after its create.
    const emu = await startOrg({ bulk: { pollsUntilComplete: 0, minDurationMs: 20 } });
    await seedOrg(emu);
    const connector = await connect(
      emu,
      { bulkThreshold: 100, readBatchSize: 200, bulkPollIntervalMs: 100 },
      { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    );
    await readAll(connector, null);
    expect(counter(emu, 'sf.bulk2.create')).toBe(2);
    expect(counter(emu, 'sf.bulk2.get')).toBe(0);
    expect(counter(emu, 'sf.bulk2.results')).toBe(2);
  });

  it('finds new responses of unchanged leads in the Bulk response job of a large incremental run', async () => {
    const emu = await startOrg();
    await seedOrg(emu);
    const connector = await connect(emu, { bulkThreshold: 100, readBatchSize: 200 });
    const cursor = (await readAll(connector, null)).at(-1)!.cursor;
    emu.clock.advance(60_000);
    const now = emu.clock.now();
    const webinar = campaign(emu, 'Webinar', '秋のウェビナー');
    const leads = emu.store
      .all('Lead')
      .map((r) => r.Id as string)
      .sort();
    const quiet = leads.slice(0, 3);
    for (const id of quiet) respond(emu, { LeadId: id }, webinar, '2026-11-20', now - 20_000);
    const edited = leads.slice(100, 400);
    for (const id of edited) emu.store.update('Lead', id, { Title: '本部長' }, { at: now - 10_000 });
    const creates = counter(emu, 'sf.bulk2.create');

    const pages = await readAll(connector, cursor);

    // Leads alone make the run large: Lead changes and the responses each get a job (the Contacts
    // changed fit in page one, read in the Composite call with the Leads').
    expect(counter(emu, 'sf.bulk2.create') - creates).toBe(2);
    const got = pages.flatMap((p) => p.leads);
    expect(got.map((l) => l.id).sort()).toEqual([...quiet, ...edited].sort());
    for (const l of got.filter((x) => quiet.includes(x.id))) {
      expect(l.activities.some((a) => a.source === '秋のウェビナー')).toBe(true);
    }
  });

  it('hands off a large run page by page and resumes from a mid-run cursor', async () => {
    const emu = await startOrg();
    await seedOrg(emu);
    const connector = await connect(emu, { bulkThreshold: 100, pageSize: 400, readBatchSize: 200 });
    const before = counter(emu, 'sf.bulk2.create');
    const all: string[] = [];
    let cursor = null;
    let pages = 0;
    for await (const page of connector.source.readChanges({ since: null })) {
      all.push(...page.leads.map((l) => l.id));
      cursor = page.cursor;
      if (++pages === 2) break;
    }
    for (const page of await readAll(connector, cursor)) all.push(...page.leads.map((l) => l.id));
    expect(all).toHaveLength(1_290);
    expect(new Set(all).size).toBe(1_290);
    expect(counter(emu, 'sf.bulk2.create') - before).toBe(4); // both runs were large (Contacts: page one)
  });
});
