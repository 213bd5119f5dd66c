import { FailureKind } from '../../src/domain/errors.ts';
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
import type { HubspotClient, HubspotRecord } from './client.ts';
import { chunks } from './company-facts.ts';
import { KeysetSearch } from './keyset-search.ts';
import type { HubspotMapping, OptionMaps } from './mapping.ts';
import type { RequestRunner } from './request-runner.ts';
import type { HubspotLeadSink } from './sink.ts';
import type { UsageMeter } from './usage-meter.ts';

/**
 * The HubSpot side of the sweep's opportunity phase (src/ports/opportunity-crm.ts; BEHAVIOR.md "Opportunity outcomes: deals"):
 * deals changed since the cursor (`hs_lastmodifieddate`, the keyset search of the lead source: no
 * 10,000 cap, tie-safe), 200 a page; per page one v4 association read deals → contacts (up to 1,000
 * deals a call) and a contact batch read per 100 contacts for their toss-up fields. A contact
 * associated later moves the deal's modification time (HubSpot recounts its contacts), so the link
 * is read then. Flags go through the sink's contact batch update (100 a call).
 */

const SEARCH_PAGE = 200;
const ASSOCIATION_BATCH = 1000;
const READ_BATCH = 100;

export interface HubspotOpportunityCrmOptions {
  client: HubspotClient;
  runner: RequestRunner;
  meter: UsageMeter;
  mapping: HubspotMapping;
  options: Pick<OptionMaps, 'flagFromPortal'>;
  sink: HubspotLeadSink;
  serverNow?: () => number | undefined;
}

export class HubspotOpportunityCrm implements OpportunityCrm {
  private readonly o: HubspotOpportunityCrmOptions;

  constructor(options: HubspotOpportunityCrmOptions) {
    this.o = options;
  }

  async *readChanged(options: { since: SyncCursor | null; limit?: number }): AsyncIterable<OpportunityPage> {
    const m = this.o.mapping.opportunity;
    const search = new KeysetSearch({
      type: 'deals',
      modifiedProperty: 'hs_lastmodifieddate',
      properties: [
        'createdate',
        'closedate',
        m.stageProperty,
        ...(m.lostReasonProperty ? [m.lostReasonProperty] : []),
      ],
      since: options.since,
      pageSize: SEARCH_PAGE,
      ...(this.o.serverNow ? { serverNow: this.o.serverNow } : {}),
      search: (req) =>
        this.o.runner.run(
          { endpoint: 'deals.search', what: 'deal change search', kind: 'search', safeToRepeat: true },
          () => this.o.client.search('deals', req),
        ),
    });
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    let read = 0;
    for (let page = await search.next(); page; page = await search.next()) {
      read += page.records.length;
      this.o.meter.noteDealsRead(page.records.length);
      yield {
        links: await this.linksOf(page.records),
        opportunities: page.records.length,
        cursor: page.cursor,
      };
      if (read >= limit) return;
    }
  }

  async writeFlags(updates: readonly OpportunityFlagUpdate[]): Promise<WriteOutcome[]> {
    const m = this.o.mapping.opportunity;
    const byId = new Map<string, Record<string, string>>();
    for (const u of updates) byId.set(u.id, { [m.flag]: 'true', [m.flagDate]: u.date });
    const written = await this.o.sink.updateRecords(
      'contacts',
      [...byId].map(([key, properties]) => ({ key, properties })),
    );
    return updates.map(
      (u) =>
        written.get(u.id) ?? {
          ok: false,
          id: u.id,
          kind: FailureKind.Transient,
          code: 'no_result',
          message: 'HubSpot returned no result for this record',
        },
    );
  }

  private async linksOf(deals: readonly HubspotRecord[]): Promise<OpportunityLink[]> {
    const contactsOf = new Map<string, string[]>();
    for (const chunk of chunks(
      deals.map((d) => d.id),
      ASSOCIATION_BATCH,
    )) {
      let ids: readonly string[] = chunk;
      let after: Map<string, string> | undefined;
      while (ids.length > 0) {
        const page = after;
        const answer = await this.o.runner.run(
          {
            endpoint: 'associations.deals-contacts.batch.read',
            what: 'deal→contact associations',
            kind: 'general',
            safeToRepeat: true,
          },
          () => this.o.client.batchReadAssociations('deals', 'contacts', ids, page),
        );
        for (const r of answer.results)
          contactsOf.set(r.fromId, [...(contactsOf.get(r.fromId) ?? []), ...r.toIds]);
        after = new Map(answer.more.map((x) => [x.fromId, x.after]));
        ids = [...after.keys()];
      }
    }
    const w = this.o.mapping.writeBack;
    const m = this.o.mapping.opportunity;
    const contactIds = [...new Set([...contactsOf.values()].flat())];
    const contacts = new Map<string, HubspotRecord>();
    for (const chunk of chunks(contactIds, READ_BATCH)) {
      const answer = await this.o.runner.run(
        { endpoint: 'contacts.batch.read', what: 'contact batch read', kind: 'general', safeToRepeat: true },
        () => this.o.client.batchRead('contacts', chunk, [w.decisionKey, w.flag, m.flag]),
      );
      for (const r of answer.results) contacts.set(r.id, r);
    }
    const links: OpportunityLink[] = [];
    for (const deal of deals) {
      const fact = this.fact(deal);
      for (const contactId of new Set(contactsOf.get(deal.id) ?? [])) {
        // A contact deleted since the association is no lead any more.
        const c = contacts.get(contactId);
        if (!c) continue;
        const key = c.properties[w.decisionKey];
        const flag = c.properties[w.flag];
        links.push({
          opportunity: fact,
          source: 'deal_association',
          leadId: contactId,
          objectType: 'contact',
          decisionKey: key ? key : null,
          flag: flag ? ((this.o.options.flagFromPortal.get(flag) as TossUpFlag | undefined) ?? null) : null,
          opportunityFlagged: c.properties[m.flag] === 'true',
        });
      }
    }
    return links;
  }

  private fact(deal: HubspotRecord): OpportunityFact {
    const m = this.o.mapping.opportunity;
    const p = deal.properties;
    const stageValue = p[m.stageProperty] ?? '';
    const stage = m.wonStages.includes(stageValue)
      ? 'won'
      : m.lostStages.includes(stageValue)
        ? 'lost'
        : 'open';
    const created = Date.parse(p.createdate ?? '');
    const closed = Date.parse(p.closedate ?? '');
    return {
      id: deal.id,
      stage,
      createdAt: new Date(Number.isNaN(created) ? 0 : created).toISOString(),
      closedAt:
        stage === 'open'
          ? null
          : new Date(
              Number.isNaN(closed) ? Date.parse(p.hs_lastmodifieddate ?? '') || 0 : closed,
            ).toISOString(),
      lostReason: stage === 'lost' && m.lostReasonProperty ? p[m.lostReasonProperty] || null : null,
    };
  }
}
