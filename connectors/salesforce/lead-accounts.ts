import type { Lead } from '../../src/domain/lead.ts';
import { freeMailDomains } from '../../src/normalize/free-mail-domains.ts';
import {
  type AccountFacts,
  type AccountIndex,
  AccountIndexBuilder,
  type AccountMatch,
  matchAccount,
  withAccountFacts,
} from '../../src/routing/account-match.ts';
import { type AccountMatchTally, countMatch, emptyTally } from '../../src/routing/account-match-tally.ts';
import type { CallRunner } from './call-runner.ts';
import { RestQuery } from './change-streams.ts';
import type { LostAccounts } from './lost-accounts.ts';
import type { SalesforceMapping } from './mapping.ts';
import { type SfRow, valueAt } from './record-to-lead.ts';
import { accountIndexSoql } from './soql.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * Account facts for Leads (which have no AccountId), from lead-to-account matching
 * (src/routing/account-match.ts). The account index is read once per run, at the first page with
 * Leads (one SOQL read of every Account, 2,000 per call; page one comes with the change streams'
 * page one when the run prefetched it), and kept for the run like LostAccounts.
 * "Previously lost" of a matched account comes from the roll-up field in that read, or from
 * LostAccounts (one call per page at most) when the mapping reads Opportunities.
 */
export class LeadAccounts {
  private readonly runner: CallRunner;
  private readonly mapping: SalesforceMapping;
  private readonly lost: LostAccounts | null;
  private readonly meter: UsageMeter;
  private index: AccountIndex | null = null;

  constructor(runner: CallRunner, mapping: SalesforceMapping, lost: LostAccounts | null, meter: UsageMeter) {
    this.runner = runner;
    this.mapping = mapping;
    this.lost = lost;
    this.meter = meter;
  }

  /**
   * Leads (objectType `Lead`) with their matched account's facts; Contacts pass unchanged.
   * `accountOf`: lead id → the account it matched (account-changes.ts keeps only a changed one's).
   */
  async apply(
    leads: readonly Lead[],
  ): Promise<{ leads: Lead[]; tally: AccountMatchTally | null; accountOf: ReadonlyMap<string, string> }> {
    if (!leads.some((l) => l.objectType === 'Lead'))
      return { leads: [...leads], tally: null, accountOf: new Map() };
    const index = await this.load();
    const tally = emptyTally();
    const matches = new Map<string, AccountMatch>();
    for (const l of leads) {
      if (l.objectType !== 'Lead') continue;
      const m = matchAccount(index, { emailDomain: l.person.emailDomain, companyName: l.company.name });
      matches.set(l.id, m);
      countMatch(tally, l.id, m);
    }
    if (this.lost) {
      const ask: string[] = [];
      for (const m of matches.values())
        if (m.kind === 'matched' && m.account.previouslyLost === null) ask.push(m.account.id);
      await this.lost.prepare(ask);
    }
    const accountOf = new Map<string, string>();
    const out = leads.map((l) => {
      const m = matches.get(l.id);
      if (m?.kind !== 'matched') return l;
      accountOf.set(l.id, m.account.id);
      const lost = m.account.previouslyLost ?? this.lost?.isLost(m.account.id) ?? false;
      return withAccountFacts(l, m.account, lost);
    });
    return { leads: out, tally, accountOf };
  }

  private query: RestQuery | null = null;

  /**
   * The index's query, so a run can read its page one in the Composite call that reads page one of
   * its change streams (source.ts): a run with Leads then pays for the index's later pages only.
   */
  indexQuery(): RestQuery {
    this.query ??= new RestQuery(this.runner, {
      soql: accountIndexSoql(this.mapping),
      scanAll: false,
      batchSize: 2000,
      what: 'accounts for lead matching',
    });
    return this.query;
  }

  private async load(): Promise<AccountIndex> {
    if (this.index) return this.index;
    const query = this.indexQuery();
    // Page by page into the index: the rows of a page go before the next is read (at 1M people the
    // org has ~330k accounts, whose rows held at once were more than the index built from them).
    const builder = new AccountIndexBuilder(
      freeMailDomains(this.mapping.lead.accountMatching.extraFreeMailDomains),
    );
    do {
      const rows = await query.page();
      this.meter.accountsRead += rows.length;
      for (const r of rows) builder.add(accountFactsOf(this.mapping, r));
    } while (!query.done);
    this.index = builder.build();
    return this.index;
  }
}

function accountFactsOf(m: SalesforceMapping, row: SfRow): AccountFacts {
  const a = m.account;
  const text = (f: string | null) => {
    const v = f ? valueAt(row, f) : null;
    return v === null ? null : String(v);
  };
  const type = a.existingCustomer ? text(a.existingCustomer.field) : null;
  const lost = a.previouslyLost;
  let previouslyLost: boolean | null = false;
  if (lost && 'rollupField' in lost) {
    const n = Number(valueAt(row, lost.rollupField));
    previouslyLost = Number.isFinite(n) && n > 0;
  } else if (lost) previouslyLost = null;
  const strategic = a.strategicTarget ? valueAt(row, a.strategicTarget) : null;
  return {
    id: String(valueAt(row, 'Id')),
    name: text(a.name ?? 'Name'),
    website: text(m.lead.accountMatching.websiteField),
    ownerId: text(a.owner),
    existingCustomer: type !== null && a.existingCustomer!.values.includes(type),
    strategicTarget:
      strategic === true || (typeof strategic === 'string' && strategic.toLowerCase() === 'true'),
    previouslyLost,
  };
}
