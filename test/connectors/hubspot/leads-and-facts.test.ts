import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHubspotMapping } from '../../../connectors/hubspot/mapping.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import type { Lead } from '../../../src/domain/lead.ts';
import { LeadSchema } from '../../../src/domain/lead.ts';
import { leadLookupOf } from '../../../src/ports/lead-lookup.ts';
import { connect, readAll, startPortal, tinyWorld } from './harness.ts';

/** Contacts → Leads with the project normalizers, and company/deal facts read cheaply. */

const dir = mkdtempSync(join(tmpdir(), 'hs-facts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function leadsOf(connector: Awaited<ReturnType<typeof connect>>): Promise<Map<string, Lead>> {
  const out = new Map<string, Lead>();
  for await (const page of connector.source.readChanges({ since: null }))
    for (const l of page.leads) out.set(l.id, l);
  return out;
}

describe('HubSpot contacts as leads', () => {
  it('normalizes a contact with its primary company, hearing, behaviour and request', async () => {
    const hs = await startPortal({ world: tinyWorld() });
    const ids = hs.seedSummary!.ids;
    const leads = await leadsOf(await connect(hs));
    for (const lead of leads.values()) expect(LeadSchema.safeParse(lead).success).toBe(true);

    const p1 = leads.get(ids.contacts.get('p1')!)!;
    expect(p1).toMatchObject({
      crm: 'hubspot',
      objectType: 'contact',
      ownerId: ids.owners.get('u001'),
      company: {
        name: '株式会社アルファ',
        employees: 1200,
        revenueJpy: 5_000_000_000,
        industry: 'manufacturing',
        region: '東京都',
        existingCustomer: true,
        accountOwnerId: ids.owners.get('u001'),
        strategicTarget: false,
      },
      person: { title: '取締役 営業本部長', titleRank: 'officer', emailDomain: 'alpha.example.jp' },
      maBehaviourScore: 120,
      hearing: {
        budget: 'yes',
        decisionMaker: 'yes',
        decisionInvolved: 'unknown',
        clearProblem: 'yes',
        timelineMonths: 3,
      },
      history: { previouslyLost: false },
      dataIssues: [],
    });
    // One activity per date HubSpot keeps; the conversion names pick the types.
    expect(p1.activities.map((a) => [a.type, a.page ?? a.source ?? null])).toEqual([
      ['webinar_attendance', '春のウェビナー'],
      ['form_submission', '導入事例集'],
      ['page_view', 'pricing'],
      ['page_view', null],
      ['email_open', null],
      ['email_click', null],
    ]);

    // Company without a number of employees: the contact's free text "about 300" is used.
    const p3 = leads.get(ids.contacts.get('p3')!)!;
    expect(p3.company).toMatchObject({ name: 'ベータ商事', employees: 300, strategicTarget: true });
    expect(p3.history.previouslyLost).toBe(true); // the company has a closedlost deal
    expect(p3.manualRequest).toEqual({ requestedBy: ids.owners.get('u001'), at: null });
    expect(p3.person.titleRank).not.toBeNull();
  });

  it('reads exact dated events instead, one call per contact, when the mapping asks for them', async () => {
    const world = tinyWorld();
    const clock = new EmulatorClock();
    clock.pin(world.asOf);
    const hs = await startPortal({ world, clock });
    const text = readFileSync('mappings/hubspot.yaml', 'utf8').replace(
      '    enabled: false',
      '    enabled: true',
    );
    const connector = await connect(hs, {}, { mapping: parseHubspotMapping(text, 'events.yaml') });
    const leads = await leadsOf(connector);
    const p1 = leads.get(hs.seedSummary!.ids.contacts.get('p1')!)!;
    const expected = world.people
      .find((p) => p.key === 'p1')!
      .activities.filter((a) => Date.parse(a.at) > Date.parse(world.asOf) - 90 * 86_400_000)
      .map((a) => [a.type, new Date(a.at).toISOString(), a.page ?? null]);
    expect(p1.activities.map((a) => [a.type, a.at, a.page ?? null])).toEqual(expected);
    expect(expected.length).toBeGreaterThan(3);
    expect(connector.usage().calls['events.list']).toBe(leads.size);
  });

  it('turns unreadable values into data issues and unknown options into unknown_value, never throwing', async () => {
    const hs = await startPortal({ world: tinyWorld() });
    const id = hs.seedSummary!.ids.contacts.get('p2')!;
    const company = hs.store.get('contacts', id)!.props.associatedcompanyid!;
    hs.store.update('companies', company, { numberofemployees: '' }, { system: true });
    hs.store.update(
      'contacts',
      id,
      {
        company_size: '大企業（たぶん）',
        tossup_flag: 'hold',
        is_budget: 'unknown',
        is_timeline_months: '240',
      },
      { system: true },
    );
    // A stale option value the portal still holds on the record (option since removed).
    hs.store.get('contacts', id)!.props.tossup_next_action = 'call_back_later';
    const lead = (await leadsOf(await connect(hs))).get(id)!;
    expect(lead.company.employees).toBeNull();
    expect(lead.current.flag).toBe('hold');
    expect(lead.current.nextAction).toBeNull();
    expect(lead.hearing).toMatchObject({ budget: 'unknown', timelineMonths: null });
    expect(lead.dataIssues).toEqual(
      expect.arrayContaining([
        { field: 'company.employees', raw: '大企業（たぶん）', problem: 'unparseable' },
        { field: 'current.nextAction', raw: 'call_back_later', problem: 'unknown_value' },
        { field: 'hearing.timelineMonths', raw: '240', problem: 'out_of_range' },
      ]),
    );
  });

  it('reads named contacts by id for webhook refreshes, leaving out deleted ones', async () => {
    const hs = await startPortal({ world: tinyWorld() });
    const ids = hs.seedSummary!.ids.contacts;
    const connector = await connect(hs);
    const lookup = leadLookupOf(connector);
    expect(lookup).not.toBeNull();
    hs.store.archive('contacts', ids.get('p4')!);
    const leads = await lookup!.readByIds([ids.get('p1')!, ids.get('p4')!, ids.get('p3')!, ids.get('p1')!]);
    expect(leads.map((l) => l.id).sort()).toEqual([ids.get('p1')!, ids.get('p3')!].sort());
    const p3 = leads.find((l) => l.id === ids.get('p3'))!;
    expect(p3).toMatchObject({
      company: { name: 'ベータ商事', employees: 300 },
      history: { previouslyLost: true },
    });
    expect(connector.usage().calls['contacts.batch.read']).toBe(1);
  });

  it('reads each company and its deals once per run, 100 companies per batch read', async () => {
    const hs = await startPortal({ world: tinyWorld() });
    const connector = await connect(hs, { pageSize: 200 });
    await readAll(connector, null);
    // 6 contacts at 3 companies: one batch read each for companies, associations and deals.
    expect(connector.usage().calls).toEqual({
      'contacts.search': 1,
      'companies.batch.read': 1,
      'associations.companies-deals.batch.read': 1,
      'deals.batch.read': 1,
    });
  });

  it('keeps facts between runs and refreshes exactly what changed, with one search per object type', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-04-01T00:00:00.000Z');
    const hs = await startPortal({ world: tinyWorld(), clock });
    const ids = hs.seedSummary!.ids;
    const file = join(dir, 'facts.json');
    const options = { factsCacheFile: file, factsLookbackMinutes: 0 };

    const run1 = await connect(hs, options);
    const first = await readAll(run1, null);
    await run1.close();

    // Meanwhile in HubSpot: Gamma becomes a customer, Alpha loses a new deal, p5 and p1 change.
    clock.advance(60_000);
    const gamma = ids.companies.get('c3')!;
    const alpha = ids.companies.get('c1')!;
    hs.store.update('companies', gamma, { lifecyclestage: 'customer' }, { system: true });
    hs.store.create(
      'deals',
      { dealname: 'Alpha expansion', dealstage: 'closedlost', pipeline: 'default' },
      { system: true, associations: [{ toType: 'companies', toId: alpha, primary: true }] },
    );
    const p5 = ids.contacts.get('p5')!;
    const p1 = ids.contacts.get('p1')!;
    hs.store.update('contacts', p5, { jobtitle: '代表取締役' }, { system: true });
    hs.store.update('contacts', p1, { jobtitle: '部長' }, { system: true });

    const run2 = await connect(hs, options);
    const second = await readAll(run2, first.cursor, undefined);
    await run2.close();
    expect(second.ids.sort()).toEqual([p1, p5].sort());
    const leads = new Map<string, Lead>();
    for await (const page of (await connect(hs, options)).source.readChanges({ since: first.cursor })) {
      for (const l of page.leads) leads.set(l.id, l);
    }
    expect(leads.get(p5)!.company.existingCustomer).toBe(true);
    expect(leads.get(p1)!.history.previouslyLost).toBe(true);
    // No company or deal batch read: two change searches and one association lookup for the new deal.
    expect(run2.usage().calls).toEqual({
      'contacts.search': 1,
      'companies.search': 1,
      'deals.search': 1,
      'associations.deals-companies.batch.read': 1,
    });
    // The minimum counts the two change searches (no other API says which companies and deals
    // changed) with the contact search; the association read of the new deal is above it.
    expect(run2.usage().minimum).toBe(3);
  });

  it('remembers the owner list and the task-key check between runs, re-reading owners for an unknown id', async () => {
    const hs = await startPortal({ world: tinyWorld() });
    const file = join(dir, 'memo.json');
    const contact = hs.seedSummary!.ids.contacts.get('p1')!;
    const owner = hs.seedSummary!.ids.owners.get('u001')!;
    const task = (key: string, ownerId: string) => ({
      key,
      leadId: contact,
      objectType: 'contact',
      ownerId,
      subject: 's',
      body: 'b',
      dueAt: '2025-04-02T00:00:00Z',
      dueDate: '2025-04-02',
      priority: 'low' as const,
    });
    const run1 = await connect(hs, { factsCacheFile: file });
    await run1.sink.createTasks([task('m1', owner)]);
    await run1.close();
    expect(run1.usage().calls).toMatchObject({ 'owners.list': 1, 'properties.get': 1 });

    const run2 = await connect(hs, { factsCacheFile: file });
    await run2.sink.createTasks([task('m2', owner)]);
    expect(run2.usage().calls).toEqual({ 'tasks.batch.create': 1 });
    // A rep added in HubSpot after the list was kept: one fresh read, then the task is created.
    const newcomer = hs.store.owners.add({ email: 'new@seller.example', firstName: '新', lastName: '人' });
    const [o] = await run2.sink.createTasks([task('m3', newcomer.id)]);
    expect(o).toMatchObject({ ok: true, created: true });
    expect(run2.usage().calls).toEqual({ 'tasks.batch.create': 2, 'owners.list': 1 });
  });

  it('ignores a cache file written for another portal', async () => {
    const file = join(dir, 'other.json');
    const a = await startPortal({ world: tinyWorld() });
    const runA = await connect(a, { factsCacheFile: file });
    await readAll(runA, null);
    await runA.close();
    const b = await startPortal({ world: tinyWorld() });
    const runB = await connect(b, { factsCacheFile: file });
    await readAll(runB, null);
    expect(runB.usage().calls['companies.batch.read']).toBe(1);
  });
});
