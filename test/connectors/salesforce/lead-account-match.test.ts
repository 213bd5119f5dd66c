import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSalesforceMapping } from '../../../connectors/salesforce/mapping.ts';
import { LOOKUP_ACCOUNT_INDEX_TTL_MS } from '../../../connectors/salesforce/source.ts';
import type { SalesforceEmulator } from '../../../emulators/salesforce/index.ts';
import type { Lead } from '../../../src/domain/lead.ts';
import type { LeadOutcome } from '../../../src/pipeline/process-leads.ts';
import { runSync } from '../../../src/pipeline/run-sync.ts';
import { syncOptions, worldOrg } from './pipeline-kit.ts';
import { connect, counter, insertLead, mapping, T0 } from './sf-kit.ts';

// Salesforce Leads have no AccountId: the connector matches them to an Account by e-mail domain
// (then company name) through real jsforce against the emulator, so an existing customer's lead goes
// to the account owner. Ambiguous matches are reported with ids and never guessed.

const AT = T0 + 1_000;

function arrange(emu: SalesforceEmulator, ownerId: string) {
  const account = (fields: Record<string, unknown>) =>
    emu.store.insert('Account', { Type: 'Customer', OwnerId: ownerId, ...fields }, { at: AT, createdAt: AT });
  const customer = account({ Name: '株式会社テスト精機', Website: 'https://www.test-seiki.example.jp/ja/' });
  const twinA = account({ Name: 'ツイン工業株式会社', Website: 'twin.example.jp' });
  const twinB = account({ Name: 'ツイン工業 東日本支社', Website: 'https://twin.example.jp/east' });
  const lead = (email: string, company: string) =>
    insertLead(emu, AT, {
      Email: email,
      Company: company,
      // A small company: the rules would not toss it up on scores. Its MA score (30) is above the
      // large preset's intent floor for customers (15), below the toss-up threshold (40).
      NumberOfEmployees: 20,
      Title: '担当',
      pi__score__c: 30,
    });
  return {
    customer,
    twins: [twinA, twinB].sort(),
    byDomain: lead('taro.yamada@test-seiki.example.jp', 'テスト精機'),
    byName: lead('hanako@gmail.com', '（株）テスト精機'),
    ambiguous: lead('jiro@twin.example.jp', 'ツイン工業'),
    freeMail: lead('saburo@yahoo.co.jp', '無関係商店'),
  };
}

async function sync(emu: SalesforceEmulator, routing: Parameters<typeof syncOptions>[2], m = mapping) {
  const connector = await connect(emu, { pageSize: 10 }, { mapping: m });
  const outcomes = new Map<string, LeadOutcome>();
  // Read calls: REST queries, their later pages and Composite calls of several page ones.
  const reads = () => counter(emu, 'sf.query') + counter(emu, 'sf.queryMore') + counter(emu, 'sf.composite');
  const before = reads();
  const report = await runSync(
    syncOptions(emu, connector, routing, {
      onLead: async (o) => {
        outcomes.set(o.leadId, o);
      },
    }),
  );
  return { report, outcomes, queries: reads() - before };
}

describe('lead-to-account matching (Salesforce Leads)', () => {
  it('decides a lead whose e-mail domain is a customer account as an existing customer, routed to the account owner', async () => {
    const { emu, routing } = await worldOrg(40);
    const owner = [...emu.seeded!.users.values()][1]!;
    const r = arrange(emu, owner);

    const { report, outcomes } = await sync(emu, routing);

    for (const id of [r.byDomain, r.byName]) {
      const o = outcomes.get(id)!;
      expect(o.decision).toMatchObject({ ruleId: 'existing_customer', flag: 'yes' });
      expect(o.task?.ownerId).toBe(owner);
    }
    const tasks = emu.store.all('Task').filter((t) => t.WhoId === r.byDomain);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.OwnerId).toBe(owner);
    expect(emu.store.get('Lead', r.byDomain)).toMatchObject({ TossUp_Flag__c: 'はい' });

    // Ambiguous (two accounts on twin.example.jp) and free-mail leads are not customers.
    for (const id of [r.ambiguous, r.freeMail]) {
      expect(outcomes.get(id)!.decision!.ruleId).not.toBe('existing_customer');
    }
    const am = report.accountMatching!;
    expect(am.ambiguous).toBe(1);
    expect(am.ambiguousSamples).toEqual([{ leadId: r.ambiguous, via: 'domain', candidateIds: r.twins }]);
    expect(am.matchedByDomain).toBeGreaterThanOrEqual(1);
    expect(am.matchedByName).toBeGreaterThanOrEqual(1);
    expect(report.routeVia.account_owner).toBeGreaterThanOrEqual(2);
  });

  it('reads the accounts once per run (at no extra call: page one comes with the page one of the streams), and not at all when switched off', async () => {
    // Two identical orgs (same seed), one run each: the index (under 2,000 accounts) is read in the
    // Composite call that reads page one of the Lead and Contact streams, so the calls are the same.
    const orgs = [await worldOrg(40), await worldOrg(40)];
    const arranged = orgs.map(({ emu }) => arrange(emu, [...emu.seeded!.users.values()][1]!));
    const off = parseSalesforceMapping(
      readFileSync('mappings/salesforce.yaml', 'utf8').replace(
        '  accountMatching:\n    enabled: true\n',
        '  accountMatching:\n    enabled: false\n',
      ),
      'salesforce.yaml',
    );
    expect(off.lead.accountMatching.enabled).toBe(false);
    // Mappings written before matching existed get it switched on.
    const older = parseSalesforceMapping(
      readFileSync('mappings/salesforce.yaml', 'utf8').replace(/ {2}accountMatching:\n(?: {4}.*\n)+/, ''),
      'salesforce.yaml',
    );
    expect(older.lead.accountMatching).toEqual({
      enabled: true,
      websiteField: 'Website',
      extraFreeMailDomains: [],
    });

    const without = await sync(orgs[0]!.emu, orgs[0]!.routing, off);
    expect(without.report.accountMatching).toBeUndefined();
    expect(without.outcomes.get(arranged[0]!.byDomain)!.decision!.ruleId).not.toBe('existing_customer');
    expect(without.report.counts.pages).toBeGreaterThan(2);

    const withMatching = await sync(orgs[1]!.emu, orgs[1]!.routing);
    expect(withMatching.outcomes.get(arranged[1]!.byDomain)!.decision!.ruleId).toBe('existing_customer');
    expect(withMatching.report.counts.pages).toBe(without.report.counts.pages);
    expect(withMatching.report.accountMatching).toBeDefined();
    expect(withMatching.queries - without.queries).toBe(0);
  });

  it('matches Leads read by id too, keeping the account index across calls for ten minutes', async () => {
    const { emu } = await worldOrg(10);
    const owner = [...emu.seeded!.users.values()][1]!;
    const r = arrange(emu, owner);
    const connector = await connect(emu);
    const lookup = connector.source as unknown as { readByIds(ids: string[]): Promise<Lead[]> };
    const queries = () => counter(emu, 'sf.query');

    const start = queries();
    const [first] = await lookup.readByIds([r.byDomain]);
    expect(first!.company).toMatchObject({ existingCustomer: true, accountOwnerId: owner });
    const afterFirst = queries();
    const [second] = await lookup.readByIds([r.ambiguous]);
    expect(second!.company.existingCustomer).toBe(false);
    // The second call reads the Lead (and responses) only: the same calls minus the index read.
    expect(queries() - afterFirst).toBe(afterFirst - start - 1);

    emu.clock.pin(new Date(emu.clock.now() + LOOKUP_ACCOUNT_INDEX_TTL_MS).toISOString());
    const beforeThird = queries();
    await lookup.readByIds([r.byName]);
    expect(queries() - beforeThird).toBe(afterFirst - start);
  });
});
