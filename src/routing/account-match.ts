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

export interface AccountIndex {
  readonly size: number;
  readonly byDomain: ReadonlyMap<string, readonly AccountFacts[]>;
  readonly byName: ReadonlyMap<string, readonly AccountFacts[]>;
  /** Normalized domain of each indexed account (free-mail websites left out). */
  readonly domainOf: ReadonlyMap<string, string>;
  readonly isFreeMail: (domain: string) => boolean;
}

export type MatchVia = 'domain' | 'name';

export type AccountMatch =
  | { kind: 'matched'; via: MatchVia; account: AccountFacts }
  | { kind: 'ambiguous'; via: MatchVia; candidateIds: string[] }
  | { kind: 'none' };

export function buildAccountIndex(
  accounts: Iterable<AccountFacts>,
  isFreeMail: (domain: string) => boolean,
): AccountIndex {
  const byDomain = new Map<string, AccountFacts[]>();
  const byName = new Map<string, AccountFacts[]>();
  const domainOf = new Map<string, string>();
  let size = 0;
  for (const a of accounts) {
    size++;
    const domain = webDomainOf(a.website);
    if (domain && !isFreeMail(domain)) {
      push(byDomain, domain, a);
      domainOf.set(a.id, domain);
    }
    const name = companyNameKey(a.name);
    if (name) push(byName, name, a);
  }
  return { size, byDomain, byName, domainOf, isFreeMail };
}

export function matchAccount(
  index: AccountIndex,
  lead: { emailDomain: string | null; companyName: string | null },
): AccountMatch {
  const raw = webDomainOf(lead.emailDomain);
  const domain = raw && !index.isFreeMail(raw) ? raw : null;
  if (domain) {
    const found = index.byDomain.get(domain) ?? [];
    if (found.length === 1) return { kind: 'matched', via: 'domain', account: found[0]! };
    if (found.length > 1) return { kind: 'ambiguous', via: 'domain', candidateIds: idsOf(found) };
  }
  const name = companyNameKey(lead.companyName);
  if (!name) return { kind: 'none' };
  const found = (index.byName.get(name) ?? []).filter((a) => {
    const accountDomain = index.domainOf.get(a.id);
    return !domain || !accountDomain || accountDomain === domain;
  });
  if (found.length === 1) return { kind: 'matched', via: 'name', account: found[0]! };
  if (found.length > 1) return { kind: 'ambiguous', via: 'name', candidateIds: idsOf(found) };
  return { kind: 'none' };
}

/**
 * The lead with the matched account's facts: customer status and owner come from the account; the
 * strategic tag and "previously lost" hold when either the lead or the account says so.
 */
export function withAccountFacts(lead: Lead, account: AccountFacts, accountLost: boolean): Lead {
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

function push(map: Map<string, AccountFacts[]>, key: string, a: AccountFacts): void {
  const list = map.get(key);
  if (list) list.push(a);
  else map.set(key, [a]);
}

function idsOf(accounts: readonly AccountFacts[]): string[] {
  return accounts.map((a) => a.id).sort();
}
