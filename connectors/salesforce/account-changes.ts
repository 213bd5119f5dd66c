import type { Lead } from '../../src/domain/lead.ts';
import { freeMailDomains } from '../../src/normalize/free-mail-domains.ts';
import { webDomainOf } from '../../src/normalize/web-domain.ts';
import type { AccountChangeSource, RelatedLeadPage } from '../../src/ports/account-changes.ts';
import type { SyncCursor } from '../../src/ports/lead-source.ts';
import type { CallRunner } from './call-runner.ts';
import { queryAllRows, queryAllRowsTogether } from './change-streams.ts';
import type { SalesforceMapping } from './mapping.ts';
import { idOf, modstampOf, type SfRow, valueAt } from './record-to-lead.ts';
import {
  changedAccountsSoql,
  chunkIdsForUrl,
  closedOpportunitiesSoql,
  contactsOfAccountsSoql,
  leadsLikeAccountsSoql,
  MAX_QUERY_URL_CHARS,
  type PersonObject,
} from './soql.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * Account-level triggers on Salesforce (src/ports/account-changes.ts; BEHAVIOR.md "Account
 * changes"). Per sync, in the window `[cursor, server clock − lag)`:
 *
 * 1. one query of the Accounts whose SystemModstamp moved (a changed Type = customer status, the
 *    strategic tag, the owner; a closed-lost Opportunity too, since it recalculates the roll-up field
 *    on its Account) — the one call every incremental run pays;
 * 2. only when the mapping reads "previously lost" from Opportunities (no roll-up field): one query of
 *    the Opportunities closed in the window, with their Account's name and website as parent fields;
 * 3. only when some Account changed: their Contacts (`AccountId IN (…)`, 2,000 rows per call) and the
 *    Leads that may match them (e-mail domain or a word of the name, one `LIKE` query), which
 *    lead-to-account matching then narrows to the Leads it really puts on a changed Account.
 *
 * So an Account becoming a customer costs 2 calls beyond the run's fixed one for up to 2,000 of its
 * Contacts (3 with matching Leads, plus the account index read those need), before the writes.
 * Salesforce does not say WHICH field changed: every change of an Account re-decides its people; the
 * plan writes only what differs, so an unrelated edit costs reads, never writes or tasks.
 */

export interface AccountChangeSettings {
  readLagMs: number;
  lookbackDays: number;
  now: () => number;
}

/** What the lead source offers this stream: people built from rows, like a page of changes. */
export interface PeopleBuilder {
  peopleOf(
    rows: readonly { object: PersonObject; row: SfRow }[],
  ): Promise<{ leads: Lead[]; accountOf: ReadonlyMap<string, string> }>;
}

interface ChangedAccount {
  id: string;
  ts: number;
  /** The id the cursor records (the Account's, or the Opportunity's that closed). */
  cursorId: string;
  name: string | null;
  website: string | null;
}

const DAY_MS = 86_400_000;

export class SalesforceAccountChanges implements AccountChangeSource {
  private readonly runner: CallRunner;
  private readonly mapping: SalesforceMapping;
  private readonly settings: AccountChangeSettings;
  private readonly meter: UsageMeter;
  private readonly people: PeopleBuilder;

  constructor(
    runner: CallRunner,
    mapping: SalesforceMapping,
    settings: AccountChangeSettings,
    meter: UsageMeter,
    people: PeopleBuilder,
  ) {
    this.runner = runner;
    this.mapping = mapping;
    this.settings = settings;
    this.meter = meter;
    this.people = people;
  }

  async *readChanges(since: SyncCursor | null): AsyncGenerator<RelatedLeadPage> {
    const serverNow = (await this.runner.client.serverTime()) ?? this.settings.now() - 60_000;
    const to = Math.floor(serverNow / 1000) * 1000 - this.settings.readLagMs;
    const horizon: SyncCursor = { modifiedAt: new Date(to).toISOString(), idsAtModifiedAt: [] };
    if (since === null) {
      // No cursor yet: this is the first sync, which reads every person anyway.
      yield { leads: [], accountIds: [], cursor: horizon };
      return;
    }
    const from = Date.parse(since.modifiedAt);
    if (Number.isNaN(from))
      throw new Error(`the Salesforce account-change cursor is not an ISO instant: "${since.modifiedAt}"`);
    if (from >= to) return;
    const skip = new Set(since.idsAtModifiedAt);
    const changed = (await this.changedAccounts({ from, to })).filter(
      (a) => !(a.ts === from && skip.has(a.cursorId)),
    );
    if (changed.length === 0) {
      yield { leads: [], accountIds: [], cursor: horizon };
      return;
    }
    // One page for the whole window: the people of every changed account are read in as few calls as
    // the URL allows, and the cursor moves to the window's end once they are all decided.
    const last = changed[changed.length - 1]!;
    const atLast = changed.filter((a) => a.ts === last.ts).map((a) => a.cursorId);
    const cursor: SyncCursor = { modifiedAt: new Date(last.ts).toISOString(), idsAtModifiedAt: atLast };
    const ids = [...new Set(changed.map((a) => a.id))];
    const leads = await this.peopleOfAccounts(changed);
    yield { leads, accountIds: ids, cursor };
    // Past the last change, the window is done: start the next run at its end.
    yield { leads: [], accountIds: [], cursor: horizon };
  }

  /** The people of the named Accounts (no webhook on Salesforce; for tests and the worker alike). */
  async readByAccountIds(_objectType: 'company' | 'deal', ids: readonly string[]): Promise<Lead[]> {
    if (ids.length === 0) return [];
    return this.peopleOfAccounts(ids.map((id) => ({ id, ts: 0, cursorId: id, name: null, website: null })));
  }

  private async changedAccounts(window: { from: number; to: number }): Promise<ChangedAccount[]> {
    const m = this.mapping;
    const name = m.account.name ?? 'Name';
    const website = m.lead.accountMatching.websiteField;
    const text = (row: SfRow, f: string | null) => {
      const v = f ? valueAt(row, f) : null;
      return v === null || v === undefined ? null : String(v);
    };
    const out: ChangedAccount[] = [];
    for (const row of await queryAllRows(this.runner, changedAccountsSoql(m, window), 'changed accounts')) {
      out.push({
        id: idOf(row),
        ts: modstampOf(row),
        cursorId: idOf(row),
        name: text(row, name),
        website: text(row, website),
      });
    }
    const lost = m.account.previouslyLost;
    if (lost && 'source' in lost) {
      for (const row of await queryAllRows(
        this.runner,
        closedOpportunitiesSoql(m, window),
        'closed opportunities',
      )) {
        out.push({
          id: String(valueAt(row, 'AccountId')),
          ts: modstampOf(row),
          cursorId: idOf(row),
          name: text(row, `Account.${name}`),
          website: text(row, `Account.${website}`),
        });
      }
      out.sort((a, b) => a.ts - b.ts || (a.cursorId < b.cursorId ? -1 : a.cursorId > b.cursorId ? 1 : 0));
    }
    this.meter.accountChecks++;
    return out;
  }

  private async peopleOfAccounts(accounts: readonly ChangedAccount[]): Promise<Lead[]> {
    const m = this.mapping;
    const respondedSince = this.settings.now() - m.behaviour.lookbackDays * DAY_MS;
    const ids = [...new Set(accounts.map((a) => a.id))];
    // The Contacts of the accounts and the Leads that may match them: every query of both in as few
    // Composite calls as hold them (5 queries each), where each would make a call of its own.
    const lookups: { object: PersonObject; soql: string; what: string }[] = [];
    if (m.contact.accountRelationship) {
      const build = (chunk: readonly string[]) => contactsOfAccountsSoql(m, chunk, respondedSince);
      for (const chunk of chunkIdsForUrl(ids, build))
        lookups.push({ object: 'Contact', soql: build(chunk), what: 'contacts of changed accounts' });
    }
    const wanted = new Set(ids.map(key));
    if (m.lead.accountMatching.enabled) {
      const isFreeMail = freeMailDomains(m.lead.accountMatching.extraFreeMailDomains);
      const probes = new Map<string, { domain: string | null; word: string | null }>();
      for (const a of accounts) {
        const domain = webDomainOf(a.website);
        const probe = { domain: domain && !isFreeMail(domain) ? domain : null, word: nameWord(a.name) };
        if (probe.domain || probe.word) probes.set(`${probe.domain}\u0000${probe.word}`, probe);
      }
      for (const chunk of chunkProbes([...probes.values()], (p) =>
        leadsLikeAccountsSoql(m, p, respondedSince),
      ))
        lookups.push({
          object: 'Lead',
          soql: leadsLikeAccountsSoql(m, chunk, respondedSince),
          what: 'leads of changed accounts',
        });
    }
    const answers = await queryAllRowsTogether(this.runner, lookups, 'query people of changed accounts');
    const rows: { object: PersonObject; row: SfRow }[] = [];
    let candidates = 0;
    lookups.forEach(({ object }, i) => {
      for (const row of answers[i]!) {
        rows.push({ object, row });
        if (object === 'Lead') candidates++;
      }
    });
    if (rows.length === 0) return [];
    const { leads, accountOf } = await this.people.peopleOf(rows);
    // Leads the LIKE search found but matching puts elsewhere (or nowhere) are not this change's.
    return candidates === 0
      ? leads
      : leads.filter((l) => l.objectType !== 'Lead' || wanted.has(key(accountOf.get(l.id) ?? '')));
  }
}

/** 15- and 18-character forms of one id share their first 15 characters. */
function key(id: string): string {
  return id.slice(0, 15);
}

const JA_LEGAL_FORMS = /株式会社|有限会社|合同会社|合資会社|合名会社|[（(]\s*[株有同資名]\s*[)）]|㈱|㈲/gu;
const EN_LEGAL_WORDS = new Set([
  'co',
  'ltd',
  'inc',
  'corp',
  'corporation',
  'company',
  'limited',
  'incorporated',
  'kabushiki',
  'kaisha',
  'kk',
  'llc',
  'gk',
  'the',
]);

/**
 * The longest word of an account name once its legal forms are gone ("株式会社山田製作所" → "山田製作所",
 * "Acme Robotics Co., Ltd." → "Robotics"): what a matching Lead's company name must contain as
 * written. Names written in another width or script than the Account's are not found this way; such
 * a Lead is decided with the new facts at its own next change (docs/crm-fields.md).
 */
export function nameWord(name: string | null): string | null {
  if (!name) return null;
  const words = name
    .replace(JA_LEGAL_FORMS, ' ')
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((w) => w.length >= 2 && !EN_LEGAL_WORDS.has(w.toLowerCase()));
  let best: string | null = null;
  for (const w of words) if (!best || w.length > best.length) best = w;
  return best;
}

/** Probes in as few Lead queries as fit the URL budget. */
function chunkProbes<T>(probes: readonly T[], build: (chunk: readonly T[]) => string): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  for (const p of probes) {
    const next = [...current, p];
    if (current.length > 0 && encodeURIComponent(build(next)).length + 60 > MAX_QUERY_URL_CHARS) {
      chunks.push(current);
      current = [p];
    } else current = next;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
