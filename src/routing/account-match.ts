import type { Lead } from '../domain/lead.ts';
import { companyNameKey } from '../normalize/company-name.ts';
import { webDomainOf } from '../normalize/web-domain.ts';

/**
 * Lead-to-account matching: a CRM Lead has no account, so the account facts the rules use (existing
 * customer, account owner, strategic target, previously lost) come from the one account it matches.
 * It never guesses: one match, none, or `ambiguous` with the candidates (docs/crm-fields.md).
 *
 * 1. E-mail domain (web-domain.ts) against the accounts' website domains, unless it is a free-mail
 *    domain. One account → matched; two or more → ambiguous (names are not used to pick one).
 * 2. Otherwise the company name key (company-name.ts). Accounts whose website is a different company
 *    domain than the lead's are no candidates (same name, different company). One left → matched;
 *    two or more → ambiguous; none → none.
 */

export interface AccountFacts {
  id: string;
  name: string | null;
  /** Website or domain as the CRM holds it ("https://www.example.co.jp/"). */
  website: string | null;
  ownerId: string | null;
  existingCustomer: boolean;
  strategicTarget: boolean;
  /** null = not known from the account row (the CRM connector looks it up when matched). */
  previouslyLost: boolean | null;
}

/** What a match gives of an account: the facts the rules use, not the name and website it was found by. */
export type MatchedAccount = Pick<
  AccountFacts,
  'id' | 'ownerId' | 'existingCustomer' | 'strategicTarget' | 'previouslyLost'
>;

/** An account as the index keeps it: its facts and its normalized website domain (null: none or free mail). */
interface IndexedAccount extends MatchedAccount {
  readonly domain: string | null;
}

/** One account under a key, or several (kept apart: no array for the usual single one). */
type Indexed = IndexedAccount | readonly IndexedAccount[];

export interface AccountIndex {
  readonly size: number;
  readonly byDomain: ReadonlyMap<string, Indexed>;
  readonly byName: ReadonlyMap<string, Indexed>;
  readonly isFreeMail: (domain: string) => boolean;
}

export type MatchVia = 'domain' | 'name';

export type AccountMatch =
  | { kind: 'matched'; via: MatchVia; account: MatchedAccount }
  | { kind: 'ambiguous'; via: MatchVia; candidateIds: string[] }
  | { kind: 'none' };

export function buildAccountIndex(
  accounts: Iterable<AccountFacts>,
  isFreeMail: (domain: string) => boolean,
): AccountIndex {
  const builder = new AccountIndexBuilder(isFreeMail);
  for (const a of accounts) builder.add(a);
  return builder.build();
}

/**
 * Builds the index an account at a time, so a caller reading the accounts page by page holds only
 * the index, not every account row (a Salesforce org of 1M people has ~330k accounts). Per account
 * the index keeps one small object: no name or website (only their keys), owner ids shared, and a
 * key with one account maps to it without an array.
 */
export class AccountIndexBuilder {
  readonly #isFreeMail: (domain: string) => boolean;
  readonly #byDomain = new Map<string, Indexed>();
  readonly #byName = new Map<string, Indexed>();
  readonly #owners = new Map<string, string>();
  #size = 0;

  constructor(isFreeMail: (domain: string) => boolean) {
    this.#isFreeMail = isFreeMail;
  }

  add(a: AccountFacts): void {
    this.#size++;
    const web = webDomainOf(a.website);
    const domain = web && !this.#isFreeMail(web) ? web : null;
    const kept: IndexedAccount = {
      id: a.id,
      ownerId: a.ownerId === null ? null : this.#owner(a.ownerId),
      existingCustomer: a.existingCustomer,
      strategicTarget: a.strategicTarget,
      previouslyLost: a.previouslyLost,
      domain,
    };
    if (domain) push(this.#byDomain, domain, kept);
    const name = companyNameKey(a.name);
    if (name) push(this.#byName, name, kept);
  }

  build(): AccountIndex {
    return { size: this.#size, byDomain: this.#byDomain, byName: this.#byName, isFreeMail: this.#isFreeMail };
  }

  #owner(id: string): string {
    const known = this.#owners.get(id);
    if (known !== undefined) return known;
    this.#owners.set(id, id);
    return id;
  }
}

export function matchAccount(
  index: AccountIndex,
  lead: { emailDomain: string | null; companyName: string | null },
): AccountMatch {
  const raw = webDomainOf(lead.emailDomain);
  const domain = raw && !index.isFreeMail(raw) ? raw : null;
  if (domain) {
    const found = listOf(index.byDomain.get(domain));
    if (found.length === 1) return { kind: 'matched', via: 'domain', account: found[0]! };
    if (found.length > 1) return { kind: 'ambiguous', via: 'domain', candidateIds: idsOf(found) };
  }
  const name = companyNameKey(lead.companyName);
  if (!name) return { kind: 'none' };
  const found = listOf(index.byName.get(name)).filter((a) => !domain || !a.domain || a.domain === domain);
  if (found.length === 1) return { kind: 'matched', via: 'name', account: found[0]! };
  if (found.length > 1) return { kind: 'ambiguous', via: 'name', candidateIds: idsOf(found) };
  return { kind: 'none' };
}

/**
 * The lead with the matched account's facts: customer status and owner come from the account; the
 * strategic tag and "previously lost" hold when either the lead or the account says so.
 */
export function withAccountFacts(lead: Lead, account: MatchedAccount, accountLost: boolean): Lead {
  return {
    ...lead,
    company: {
      ...lead.company,
      existingCustomer: account.existingCustomer,
      accountOwnerId: account.ownerId,
      strategicTarget: lead.company.strategicTarget || account.strategicTarget,
    },
    history: { ...lead.history, previouslyLost: lead.history.previouslyLost || accountLost },
  };
}

function push(map: Map<string, Indexed>, key: string, a: IndexedAccount): void {
  const there = map.get(key);
  if (there === undefined) map.set(key, a);
  else if (isList(there)) (there as IndexedAccount[]).push(a);
  else map.set(key, [there, a]);
}

function isList(x: Indexed): x is readonly IndexedAccount[] {
  return Array.isArray(x);
}

function listOf(x: Indexed | undefined): readonly IndexedAccount[] {
  return x === undefined ? [] : isList(x) ? x : [x];
}

function idsOf(accounts: readonly MatchedAccount[]): string[] {
  return accounts.map((a) => a.id).sort();
}
