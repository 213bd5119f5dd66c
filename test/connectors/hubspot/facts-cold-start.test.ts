import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COLD_START_COMPANIES } from '../../../connectors/hubspot/company-facts.ts';
import type { HubspotEmulator } from '../../../emulators/hubspot/index.ts';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { generateWorld } from '../../../emulators/world/generate.ts';
import type { Lead } from '../../../src/domain/lead.ts';
import { leadLookupOf } from '../../../src/ports/lead-lookup.ts';
import { connect, startPortal } from './harness.ts';

/**
 * A backfill (cold company cache, hundreds of companies) reads the portal's lost deals once — a
 * search of the lost stages and their companies — instead of every company's deal list and every
 * deal's stage; "previously lost" must come out exactly as HubSpot holds it, then and after a deal
 * is lost later (the next run's change feed).
 */

const dir = mkdtempSync(join(tmpdir(), 'hs-cold-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Ground truth from the emulator's store: does the company have a deal in a lost stage? */
function hasLostDeal(hs: HubspotEmulator, companyId: string): boolean {
  return hs.store
    .associationsOf('companies', companyId, 'deals')
    .some((e) => hs.store.get('deals', e.to)?.props.dealstage === 'closedlost');
}

async function readAllLeads(connector: Awaited<ReturnType<typeof connect>>): Promise<Lead[]> {
  const out: Lead[] = [];
  for await (const page of connector.source.readChanges({ since: null })) out.push(...page.leads);
  return out;
}

describe('company facts on a cold cache', () => {
  it('takes lost deals from one search of the lost stages, with the same answers as HubSpot holds', async () => {
    const clock = new EmulatorClock();
    clock.pin('2026-09-01T02:00:00.000Z');
    const world = generateWorld({ seed: 42, leads: 2_400, asOf: '2026-09-01T01:00:00.000Z' });
    const hs = await startPortal({ world, clock });
    const file = join(dir, 'facts.json');
    const options = { factsCacheFile: file, factsLookbackMinutes: 0, pageSize: 5_000 };

    const backfill = await connect(hs, options);
    const leads = await readAllLeads(backfill);
    await backfill.close();
    const companyOf = new Map(
      hs.store.list('contacts').map((c) => [c.id, c.props.associatedcompanyid ?? null] as const),
    );
    const companies = new Set([...companyOf.values()].filter((id): id is string => !!id));
    expect(companies.size).toBeGreaterThanOrEqual(COLD_START_COMPANIES);
    let lost = 0;
    for (const l of leads) {
      const company = companyOf.get(l.id);
      if (!company) continue;
      expect(l.history.previouslyLost, `contact ${l.id}`).toBe(hasLostDeal(hs, company));
      if (l.history.previouslyLost) lost++;
    }
    expect(lost).toBeGreaterThan(0);
    const calls = backfill.usage().calls;
    // No company→deal association read and no deal batch read: a handful of calls for every deal fact.
    expect(calls['associations.companies-deals.batch.read']).toBeUndefined();
    expect(calls['deals.batch.read']).toBeUndefined();
    expect(calls['deals.search']).toBeGreaterThanOrEqual(1);
    expect(calls['associations.deals-companies.batch.read']).toBeGreaterThanOrEqual(1);
    // The minimum counts the company reads a cold cache cannot avoid: one per 100 companies met.
    expect(calls['companies.batch.read']).toBe(Math.ceil(companies.size / 100));
    expect(backfill.usage().minimum).toBe(Math.ceil(leads.length / 200) + Math.ceil(companies.size / 100));

    // Later a company without a lost deal loses one: the next run's change feed links the deal.
    clock.advance(60_000);
    const contact = leads.find((l) => {
      const c = companyOf.get(l.id);
      return c && !hasLostDeal(hs, c);
    })!;
    const company = companyOf.get(contact.id)!;
    hs.store.create(
      'deals',
      { dealname: 'lost later', dealstage: 'closedlost', pipeline: 'default' },
      { system: true, associations: [{ toType: 'companies', toId: company, primary: true }] },
    );
    hs.store.update('contacts', contact.id, { jobtitle: '部長' }, { system: true });
    const next = await connect(hs, options);
    const [again] = await leadLookupOf(next)!.readByIds([contact.id]);
    await next.close();
    expect(again!.history.previouslyLost).toBe(true);
  }, 120_000);
});
