import type { TossUpFlag } from '../../src/domain/lead.ts';
import type { OpportunityFact } from '../../src/domain/opportunity.ts';
import type { WriteOutcome } from '../../src/ports/lead-sink.ts';
import type { SyncCursor } from '../../src/ports/lead-source.ts';
import type {
  OpportunityCrm,
  OpportunityFlagUpdate,
  OpportunityLink,
  OpportunityPage,
} from '../../src/ports/opportunity-crm.ts';
import type { CallRunner } from './call-runner.ts';
import { queryAllRows } from './change-streams.ts';
import { CollectionsWriter, personUpdateWork, updateRequest } from './collections-writer.ts';
import { type SalesforceMapping, valueMaps } from './mapping.ts';
import type { SfRow } from './record-to-lead.ts';
import { chunkIdsForUrl, idList, soqlDateTime } from './soql.ts';
import type { UsageMeter } from './usage-meter.ts';
import { changedSinceReadOutcome, idsByPersonObject, type WriteGuard } from './write-guard.ts';

/**
 * The Salesforce side of the sweep's opportunity phase (src/ports/opportunity-crm.ts; BEHAVIOR.md §11):
 * per page of up to 200 opportunities changed since the cursor (`SystemModstamp`, tie-safe like the
 * lead cursor), at most three queries: the page itself, the Leads converted into them
 * (`ConvertedOpportunityId IN (…)`, with the converted Contact's flag as a parent field), and their
 * contacts (`OpportunityContactRole`, with the Contact's toss-up fields as parent fields) or, with
 * `linkBy: account`, the contacts of their accounts. Flags go through Collections (200 per call),
 * except on records others changed since the sync's cursor (write-guard.ts: held back, the phase's
 * cursor stays and a later sweep writes them once the sync has read them).
 */

const PAGE = 200;

interface OpportunityRow {
  Id: string;
  AccountId: string | null;
  IsClosed: boolean;
  IsWon: boolean;
  CreatedDate: string;
  CloseDate: string | null;
  SystemModstamp: string;
  [field: string]: unknown;
}

const idKey = (id: string): string => id.slice(0, 15);

export class SalesforceOpportunityCrm implements OpportunityCrm {
  private readonly runner: CallRunner;
  private readonly mapping: SalesforceMapping;
  private readonly writer: CollectionsWriter;
  private readonly meter: UsageMeter;
  private readonly flagFrom: ReadonlyMap<string, TossUpFlag>;
  private readonly writeGuard: WriteGuard | null;

  constructor(
    runner: CallRunner,
    mapping: SalesforceMapping,
    options: { writeBatchSize: number },
    meter: UsageMeter,
    writeGuard: WriteGuard | null = null,
  ) {
    this.writeGuard = writeGuard;
    this.runner = runner;
    this.mapping = mapping;
    this.writer = new CollectionsWriter(runner, options.writeBatchSize);
    this.meter = meter;
    this.flagFrom = valueMaps(mapping).flagFromOrg;
  }

  async *readChanged(options: { since: SyncCursor | null; limit?: number }): AsyncIterable<OpportunityPage> {
    let cursor = options.since;
    let read = 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    while (read < limit) {
      const skip = new Set(cursor?.idsAtModifiedAt ?? []);
      // Ties at the cursor's instant are re-read and skipped, so the page asks for that many more, and
      // one row more than a page tells whether another page follows (no closing empty query).
      const fetched = (
        await this.query<OpportunityRow>(this.pageSoql(cursor, PAGE + skip.size + 1), 'Opportunity')
      ).filter(
        (r) => !(cursor && Date.parse(r.SystemModstamp) === Date.parse(cursor.modifiedAt) && skip.has(r.Id)),
      );
      const more = fetched.length > PAGE;
      const rows = more ? fetched.slice(0, PAGE) : fetched;
      if (rows.length === 0) return;
      read += rows.length;
      this.meter.opportunitiesRead += rows.length;
      const last = rows.at(-1)!;
      const lastAt = new Date(Date.parse(last.SystemModstamp)).toISOString();
      const sameInstant = rows.filter(
        (r) => Date.parse(r.SystemModstamp) === Date.parse(last.SystemModstamp),
      );
      const next: SyncCursor = {
        modifiedAt: lastAt,
        idsAtModifiedAt: [
          ...(cursor && Date.parse(cursor.modifiedAt) === Date.parse(lastAt) ? cursor.idsAtModifiedAt : []),
          ...sameInstant.map((r) => r.Id),
        ],
      };
      yield { links: await this.linksOf(rows), opportunities: rows.length, cursor: next };
      cursor = next;
      if (!more) return;
    }
  }

  async writeFlags(updates: readonly OpportunityFlagUpdate[]): Promise<WriteOutcome[]> {
    const o = this.mapping.opportunity;
    const persons = updates.map((u) => ({ ...u, leadId: u.id }));
    const held = this.writeGuard
      ? await this.writeGuard.changedSinceSync(idsByPersonObject(persons))
      : new Set<string>();
    const { outcomes, work } = personUpdateWork(persons, 'opportunity flag', (u) =>
      held.has(u.id)
        ? undefined
        : { attributes: { type: u.objectType }, Id: u.id, [o.flag]: true, [o.flagDate]: u.date },
    );
    this.meter.recordsUpdated += work.length;
    await this.writer.send(work, outcomes, 'opportunity flag update', updateRequest);
    updates.forEach((u, i) => {
      if (held.has(u.id)) outcomes[i] = changedSinceReadOutcome(u.id, 'sync');
    });
    return outcomes;
  }

  private pageSoql(cursor: SyncCursor | null, limit: number): string {
    const lost = this.mapping.opportunity.lostReasonField;
    const where = cursor ? ` WHERE SystemModstamp >= ${soqlDateTime(Date.parse(cursor.modifiedAt))}` : '';
    return (
      `SELECT Id, AccountId, IsClosed, IsWon, CreatedDate, CloseDate, SystemModstamp${lost ? `, ${lost}` : ''}` +
      ` FROM Opportunity${where} ORDER BY SystemModstamp, Id LIMIT ${limit}`
    );
  }

  /** The leads and contacts of a page of opportunities, with their toss-up fields. */
  private async linksOf(rows: readonly OpportunityRow[]): Promise<OpportunityLink[]> {
    const m = this.mapping;
    const w = m.writeBack;
    const o = m.opportunity;
    const facts = new Map(rows.map((r) => [idKey(r.Id), this.fact(r)]));
    const ids = rows.map((r) => r.Id);
    const links: OpportunityLink[] = [];
    const converted = new Set<string>();

    const person = [w.decisionKey, w.flag, o.flag];
    for (const lead of await this.inChunks(
      ids,
      (chunk) =>
        `SELECT Id, ConvertedOpportunityId, ConvertedContactId, ${person.join(', ')},` +
        ` ConvertedContact.${o.flag} FROM Lead WHERE ConvertedOpportunityId IN ${idList(chunk)}`,
      'Lead by ConvertedOpportunityId',
    )) {
      const fact = facts.get(idKey(String(lead.ConvertedOpportunityId)));
      if (!fact) continue;
      const contactId = typeof lead.ConvertedContactId === 'string' ? lead.ConvertedContactId : null;
      const contact = lead.ConvertedContact as SfRow | null | undefined;
      if (contactId) converted.add(`${idKey(fact.id)}:${idKey(contactId)}`);
      links.push({
        opportunity: fact,
        source: 'lead_conversion',
        leadId: String(lead.Id),
        objectType: 'Lead',
        decisionKey: str(lead[w.decisionKey]),
        flag: this.flagOf(lead),
        // Converted Leads are read-only: the flag lives on the Contact the conversion made.
        opportunityFlagged: contactId ? contact?.[o.flag] === true : lead[o.flag] === true,
        ...(contactId ? { flagTarget: { id: contactId, objectType: 'Contact' } } : {}),
      });
    }

    const contactFields = (prefix: string) => person.map((f) => `${prefix}${f}`).join(', ');
    const contactLinks: { opportunityId: string; contact: SfRow; contactId: string }[] = [];
    if (o.linkBy === 'contact_roles') {
      for (const role of await this.inChunks(
        ids,
        (chunk) =>
          `SELECT OpportunityId, ContactId, ${contactFields('Contact.')} FROM OpportunityContactRole` +
          ` WHERE OpportunityId IN ${idList(chunk)}`,
        'OpportunityContactRole',
      )) {
        const contact = role.Contact as SfRow | null | undefined;
        if (contact && typeof role.ContactId === 'string')
          contactLinks.push({
            opportunityId: String(role.OpportunityId),
            contact,
            contactId: role.ContactId,
          });
      }
    } else {
      const accounts = [...new Set(rows.flatMap((r) => (r.AccountId ? [r.AccountId] : [])))];
      const byAccount = new Map<string, string[]>();
      for (const r of rows) if (r.AccountId) push(byAccount, idKey(r.AccountId), r.Id);
      for (const contact of await this.inChunks(
        accounts,
        (chunk) =>
          `SELECT Id, AccountId, ${contactFields('')} FROM Contact WHERE AccountId IN ${idList(chunk)}`,
        'Contact by AccountId',
      )) {
        for (const opportunityId of byAccount.get(idKey(String(contact.AccountId))) ?? [])
          contactLinks.push({ opportunityId, contact, contactId: String(contact.Id) });
      }
    }
    const seen = new Set<string>();
    for (const { opportunityId, contact, contactId } of contactLinks) {
      const fact = facts.get(idKey(opportunityId));
      const pair = `${idKey(opportunityId)}:${idKey(contactId)}`;
      // The contact a conversion made is the converted Lead's person: counted once, through the Lead.
      if (!fact || converted.has(pair) || seen.has(pair)) continue;
      seen.add(pair);
      links.push({
        opportunity: fact,
        source: o.linkBy === 'account' ? 'account' : 'contact_role',
        leadId: contactId,
        objectType: 'Contact',
        decisionKey: str(contact[w.decisionKey]),
        flag: this.flagOf(contact),
        opportunityFlagged: contact[o.flag] === true,
      });
    }
    return links;
  }

  private fact(r: OpportunityRow): OpportunityFact {
    const stage = r.IsClosed ? (r.IsWon ? 'won' : 'lost') : 'open';
    const lostField = this.mapping.opportunity.lostReasonField;
    return {
      id: r.Id,
      stage,
      createdAt: new Date(Date.parse(r.CreatedDate)).toISOString(),
      // CloseDate is a day: midnight UTC (crm-apis.md A8 reads dates the same way).
      closedAt: r.IsClosed && r.CloseDate ? `${r.CloseDate.slice(0, 10)}T00:00:00.000Z` : null,
      lostReason: stage === 'lost' && lostField ? str(r[lostField]) : null,
    };
  }

  private flagOf(row: SfRow): TossUpFlag | null {
    const v = row[this.mapping.writeBack.flag];
    return typeof v === 'string' ? (this.flagFrom.get(v) ?? null) : null;
  }

  private async inChunks(
    ids: readonly string[],
    build: (chunk: readonly string[]) => string,
    what: string,
  ): Promise<SfRow[]> {
    if (ids.length === 0) return [];
    const out: SfRow[] = [];
    for (const chunk of chunkIdsForUrl(ids, build))
      out.push(...(await this.query<SfRow>(build(chunk), what)));
    return out;
  }

  private async query<T>(soql: string, what: string): Promise<T[]> {
    return (await queryAllRows(this.runner, soql, what)) as unknown as T[];
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
