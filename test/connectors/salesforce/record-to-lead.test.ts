import { describe, expect, it } from 'vitest';
import type { Lead } from '../../../src/domain/lead.ts';
import { titleRank } from '../../../src/normalize/title-rank.ts';
import { worldOrg } from './pipeline-kit.ts';
import { connect, insertLead, readAll, startOrg, T0 } from './sf-kit.ts';

// Salesforce rows → the normalized Lead: Leads carry company facts themselves, Contacts read their
// Account; picklists map to our values; bad values become data issues, never exceptions.

const DAY = 86_400_000;
const RESPONSES = new Set([
  'document_request',
  'webinar_attendance',
  'event_attendance',
  'form_submission',
  'inquiry',
]);

describe('Salesforce rows as Leads', () => {
  it('reads a seeded world faithfully: company, person, hearing, MA score, tags, history', async () => {
    const { emu, world } = await worldOrg(150);
    const connector = await connect(emu);
    const leads = (await readAll(connector, null)).flatMap((p) => p.leads);
    expect(leads).toHaveLength(150);

    const byId = new Map<string, Lead>(leads.map((l) => [l.id, l]));
    const companies = new Map(world.companies.map((c) => [c.key, c]));
    let heard = 0;
    let responses = 0;
    for (const p of world.people) {
      const id = (p.kind === 'lead' ? emu.seeded!.leads : emu.seeded!.contacts).get(p.key)!;
      const lead = byId.get(id)!;
      const co = companies.get(p.companyKey)!;
      expect(lead.objectType).toBe(p.kind === 'lead' ? 'Lead' : 'Contact');
      expect(lead.ownerId).toBe(emu.seeded!.users.get(p.ownerKey) ?? emu.seeded!.queues.get(p.ownerKey));
      expect(lead.maBehaviourScore).toBe(p.maScore);
      expect(lead.person.titleRank).toBe(titleRank(p.title));
      expect(lead.person.emailDomain).toBe(p.email.split('@')[1]!.toLowerCase());
      expect(lead.company.strategicTarget).toBe(co.strategicTarget);
      if (co.employees !== null) expect(lead.company.employees).toBe(co.employees);
      expect(lead.company.industry).toBe(
        co.industry === null
          ? null
          : [
                'manufacturing',
                'it_software',
                'finance',
                'retail',
                'healthcare',
                'logistics',
                'construction',
                'public',
              ].includes(co.industry)
            ? co.industry
            : 'Other',
      );
      if (p.kind === 'contact') {
        expect(lead.company.existingCustomer).toBe(co.existingCustomer);
        expect(lead.company.accountOwnerId).toBe(
          emu.seeded!.users.get(co.ownerKey) ?? emu.store.integrationUserId,
        );
        expect(lead.history.previouslyLost).toBe(co.opportunities.some((o) => o.stage === 'Closed Lost'));
      } else {
        expect(lead.company.existingCustomer).toBe(false);
      }
      if (p.hearing) {
        heard++;
        expect(lead.hearing).toMatchObject({
          budget: p.hearing.budget,
          decisionMaker: p.hearing.decisionMaker,
          decisionInvolved: p.hearing.decisionInvolved,
          clearProblem: p.hearing.clearProblem,
          timelineMonths: p.hearing.timelineMonths,
        });
      } else expect(lead.hearing).toBeNull();
      expect(lead.manualRequest === null).toBe(p.manualRequestByKey === null);
      // One activity per campaign whose first response falls within the 90-day look-back.
      const cutoff = new Date(emu.clock.now() - 90 * DAY).toISOString().slice(0, 10);
      const firstResponse = new Map<string, string>();
      for (const a of [...p.activities].sort((x, y) => (x.at < y.at ? -1 : 1))) {
        if (!a.campaignKey || !RESPONSES.has(a.type) || firstResponse.has(a.campaignKey)) continue;
        firstResponse.set(a.campaignKey, a.at.slice(0, 10));
      }
      const expected = [...firstResponse.values()].filter((d) => d >= cutoff).length;
      const fromCampaigns = lead.activities.filter((a) => a.source !== undefined);
      expect(fromCampaigns).toHaveLength(Math.min(expected, 20));
      responses += fromCampaigns.length;
    }
    expect(heard).toBeGreaterThan(10);
    expect(responses).toBeGreaterThan(20);
  });

  it('maps the current toss-up values back from the org picklists, and keeps bad values as data issues', async () => {
    const emu = await startOrg();
    const good = insertLead(emu, T0, {
      TossUp_Flag__c: '一時保留',
      TossUp_Next_Action__c: 'inside_sales_hearing',
      TossUp_Attribute_Score__c: 55,
      TossUp_Due__c: '2026-11-21T01:00:00Z',
      TossUp_Decision_Key__c: 'tu_prev',
      IS_Budget__c: 'なし',
      IS_Timeline_Months__c: 6,
    });
    const bad = insertLead(emu, T0 + 1, {
      NumberOfEmployees: null,
      Employees_Text__c: 'たくさん',
      AnnualRevenue: null,
      Email: 'someone@',
    });
    const connector = await connect(emu);
    const leads = new Map((await readAll(connector, null)).flatMap((p) => p.leads).map((l) => [l.id, l]));

    expect(leads.get(good)!.current).toEqual({
      flag: 'hold',
      reason: null,
      nextAction: 'inside_sales_hearing',
      attributeScore: 55,
      behaviourScore: null,
      dueAt: '2026-11-21T01:00:00.000Z',
      decisionKey: 'tu_prev',
      // No override set; who last modified the record and when, read in the same query.
      override: { flag: null, modifiedBy: expect.stringMatching(/^005/), modifiedAt: expect.any(String) },
    });
    expect(leads.get(good)!.hearing).toMatchObject({
      budget: 'no',
      decisionMaker: 'unknown',
      timelineMonths: 6,
    });
    const b = leads.get(bad)!;
    expect(b.company.employees).toBeNull();
    expect(b.dataIssues).toEqual([
      { field: 'company.employees', raw: 'たくさん', problem: 'unparseable' },
      { field: 'person.email', raw: '(redacted)@', problem: 'unparseable' },
    ]);
  });
});
