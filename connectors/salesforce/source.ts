import type { Lead } from '../../src/domain/lead.ts';
import type { LeadPage, LeadSource, ReadOptions, SyncCursor } from '../../src/ports/lead-source.ts';
import { BulkQueryJob } from './bulk-query.ts';
import type { CallRunner } from './call-runner.ts';
import {
  BulkPersonStream,
  type ChangeEvent,
  dropRiders,
  type EventStream,
  isTrigger,
  PersonChangeStream,
  prefetchFirstPages,
  queryAllRowsTogether,
  type ResponseRow,
  ResponseTriggerStream,
  RestQuery,
  responseRowOf,
  rideAlong,
} from './change-streams.ts';
import { LeadAccounts } from './lead-accounts.ts';
import { LostAccounts } from './lost-accounts.ts';
import { type SalesforceMapping, valueMaps } from './mapping.ts';
import {
  accountIdOf,
  idOf,
  isConvertedRow,
  isDeletedRow,
  type SfRow,
  subqueryResponses,
  toLead,
} from './record-to-lead.ts';
import { ResponseIndex } from './response-index.ts';
import {
  changedPersonsSoql,
  chunkIdsForUrl,
  isSalesforceId,
  type ModstampWindow,
  type PersonObject,
  personsByIdSoql,
  recentResponsesSoql,
  responseTriggersSoql,
} from './soql.ts';
import type { UsageMeter } from './usage-meter.ts';
import type { WriteGuard } from './write-guard.ts';

/**
 * Incremental read of Leads and Contacts by SystemModstamp (BEHAVIOR.md has the why of each rule):
 *
 * - One window per run, `[cursor, horizon)`, where the horizon is the SERVER's clock at the start of
 *   the run (minus a lag). Every stream is bounded by it, so a record changed during the run is left
 *   entirely to the next run — never half-read, never skipped by a cursor another stream moved on.
 * - Streams: Lead and Contact changes (queryAll, so deletions come too), and campaign-response
 *   triggers (a new CampaignMember does not touch its Lead's SystemModstamp). They are merged into
 *   one (SystemModstamp, id) order, and the cursor is inclusive and tie-safe: the next run starts AT
 *   the last timestamp handed off and skips the ids already handed off at it.
 * - Small runs are REST with `Sforce-Query-Options: batchSize` and explicit queryMore, responses read
 *   in a child subquery. When page one shows more than `bulkThreshold` rows left, the rest is read
 *   by Bulk API 2.0 jobs (paged by locator) and responses by one Bulk job for the whole run.
 * - Pages of `pageSize` persons are handed off; deleted and converted records go to `deletedIds`.
 */

export interface SourceSettings {
  readBatchSize: number;
  pageSize: number;
  /** Rows left after page one above which the rest is read with Bulk; null = never Bulk. */
  bulkThreshold: number | null;
  bulkPageSize: number;
  bulkPollIntervalMs: number;
  bulkPollTimeoutMs: number;
  /** Subtracted from the server clock for the window end (commit lag of concurrent writers). */
  readLagMs: number;
  /** Leave out what the integration user modified last (BEHAVIOR.md "No echo"); settings default true. */
  excludeOwnWrites?: boolean;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const DAY_MS = 86_400_000;
/** A run's last persons up to this share of a page are handed off with the page before them. */
export const TAIL_SHARE = 0.1;
/**
 * readByIds is called per batch of 100 ids (worker, re-checks): the account index it matches Leads
 * with is kept this long across calls, so a warm worker reads the Account table at most once per
 * period, not once per batch. An Account change counts after at most this delay.
 */
export const LOOKUP_ACCOUNT_INDEX_TTL_MS = 10 * 60_000;
const OBJECTS: readonly PersonObject[] = ['Lead', 'Contact'];
/** Rows per Bulk results page of the run's campaign responses (at least; `bulkPageSize` if more). */
const RESPONSE_PAGE_ROWS = 50_000;

export class SalesforceLeadSource implements LeadSource {
  readonly crm = 'salesforce' as const;
  private readonly runner: CallRunner;
  private readonly mapping: SalesforceMapping;
  private readonly settings: SourceSettings;
  private readonly meter: UsageMeter;
  private readonly maps;
  private lookupAccounts: { accounts: LeadAccounts | null; at: number } | null = null;
  private readonly writeGuard: WriteGuard | null;

  constructor(
    runner: CallRunner,
    mapping: SalesforceMapping,
    settings: SourceSettings,
    meter: UsageMeter,
    writeGuard: WriteGuard | null = null,
  ) {
    this.runner = runner;
    this.writeGuard = writeGuard;
    this.mapping = mapping;
    this.settings = settings;
    this.meter = meter;
    this.maps = valueMaps(mapping);
  }

  async *readChanges(options: ReadOptions): AsyncGenerator<LeadPage> {
    const run = await this.startRun(options.since, options.includeOwnWrites === true);
    if (!run) return;
    const { streams, window, skip, responseMap, lost, accounts } = run;
    // The run's response index may be a temporary database (response-index.ts): gone with the run.
    try {
      // `--limit 50` means about 50, not one default-sized page.
      const pageSize = options.limit
        ? Math.min(this.settings.pageSize, options.limit)
        : this.settings.pageSize;
      // The run's last persons join the page before them when they are at most a tenth of a page: a
      // page costs calls however few persons it has (the write guard, a partial Collections batch of
      // updates and one of tasks), so a tail page of a few hundred is the dearest per person. Reading
      // that far past a full page tells whether the run ends there.
      const tail = options.limit ? 0 : Math.floor(pageSize * TAIL_SHARE);
      let page: ChangeEvent[] = [];
      let handOffs = 0;
      let total = 0;
      let cursorTs = options.since ? window.from : null;
      let cursorIds = new Set(options.since?.idsAtModifiedAt ?? []);
      /** Where the page ends unless the run ends within `tail` more persons: its length and cursor. */
      let full: { length: number; cursor: SyncCursor } | null = null;
      /**
       * The page handed off, dropped once the sync asks for the next: a generator keeps what its
       * registers last held while suspended, and a block-scoped `const` here kept the page before the
       * one being processed alive (its 10,000 leads, ~25 MB of heap at a Salesforce backfill's peak).
       */
      let out: LeadPage | null = null;
      for (;;) {
        let best: { stream: EventStream; event: ChangeEvent } | null = null;
        for (const stream of streams) {
          const event = await stream.peek();
          if (event && (!best || event.ts < best.event.ts)) best = { stream, event };
        }
        if (!best) break;
        best.stream.advance();
        const e = best.event;
        if (window.from !== null && e.ts === window.from && skip.has(e.cursorId)) continue;
        // Streams are sorted, so the merged order never goes back; the guard keeps the cursor monotonic.
        if (cursorTs === null || e.ts > cursorTs) {
          cursorTs = e.ts;
          cursorIds = new Set([e.cursorId]);
        } else if (e.ts === cursorTs) cursorIds.add(e.cursorId);
        page.push(e);
        if (e.row) handOffs++;
        if (handOffs === pageSize && !full)
          full = { length: page.length, cursor: cursorOf(cursorTs, cursorIds) };
        // Once the run goes on past the tail (at once without one), the page ends where it was full.
        if (full && (tail === 0 || handOffs > pageSize + tail)) {
          out = await this.buildPage(page.slice(0, full.length), full.cursor, responseMap, lost, accounts);
          total += out.leads.length + out.deletedIds.length;
          // The page's rows are let go before it is handed off: the sync holds its leads, not the rows.
          // What was read past it starts the next page.
          page = page.slice(full.length);
          handOffs -= pageSize;
          full = null;
          yield out;
          out = null;
          if (options.limit !== undefined && total >= options.limit) return;
        }
      }
      if (page.length > 0 && cursorTs !== null) {
        const out = await this.buildPage(page, cursorOf(cursorTs, cursorIds), responseMap, lost, accounts);
        page = [];
        yield out;
      }
    } finally {
      responseMap?.close();
    }
  }

  /**
   * The current state of the named Leads (00Q…) and Contacts (003…), for callers that know which
   * records changed (src/handlers/lead-lookup.ts). Deleted, converted and unknown ids are left out.
   */
  async readByIds(ids: readonly string[]): Promise<Lead[]> {
    const serverNow = (await this.runner.client.serverTime()) ?? this.settings.now();
    // What is read below is at most this old when written back (write-guard.ts).
    if (this.settings.excludeOwnWrites)
      this.writeGuard?.noteReadByIds(serverNow - this.settings.readLagMs, this.runner.client.userId);
    const respondedSince = serverNow - this.mapping.behaviour.lookbackDays * DAY_MS;
    const lookups: { object: PersonObject; soql: string; what: string }[] = [];
    for (const object of OBJECTS) {
      const prefix = object === 'Lead' ? '00Q' : '003';
      const wanted = [...new Set(ids.filter((id) => id.startsWith(prefix) && isSalesforceId(id)))];
      const build = (chunk: readonly string[]) =>
        personsByIdSoql(this.mapping, object, chunk, respondedSince);
      for (const chunk of chunkIdsForUrl(wanted, build))
        lookups.push({ object, soql: build(chunk), what: `${object} by id` });
    }
    // Leads and Contacts together: one Composite call for up to five look-ups.
    const answers = await queryAllRowsTogether(this.runner, lookups, 'query persons by id');
    const events: ChangeEvent[] = [];
    lookups.forEach(({ object }, i) => {
      for (const row of answers[i]!)
        events.push({ ts: 0, cursorId: idOf(row), object, row, responses: subqueryResponses(row) ?? [] });
    });
    if (this.settings.excludeOwnWrites)
      this.writeGuard?.noteReadVersions(events.flatMap((e) => (e.row ? [e.row] : [])));
    const lost = this.lostAccounts();
    const page = await this.buildPage(
      events,
      { modifiedAt: new Date(0).toISOString(), idsAtModifiedAt: [] },
      null,
      lost,
      this.accountsForLookup(lost),
    );
    return page.leads;
  }

  /**
   * Leads and Contacts from rows read outside the change stream (account-changes.ts), built like a
   * page: the same normalization, "previously lost" and lead-to-account matching with a FRESH account
   * index (an Account that changed after this run's index was read must count as changed).
   * `accountOf`: Lead id → the account it matched.
   */
  async peopleOf(
    rows: readonly { object: PersonObject; row: SfRow }[],
  ): Promise<{ leads: Lead[]; accountOf: ReadonlyMap<string, string> }> {
    const events: ChangeEvent[] = rows.map(({ object, row }) => ({
      ts: 0,
      cursorId: idOf(row),
      object,
      row,
      responses: subqueryResponses(row) ?? [],
    }));
    const lost = this.lostAccounts();
    const accounts = this.leadAccounts(lost);
    const accountOf = new Map<string, string>();
    const page = await this.buildPage(
      events,
      { modifiedAt: new Date(0).toISOString(), idsAtModifiedAt: [] },
      null,
      lost,
      accounts && {
        apply: async (leads: readonly Lead[]) => {
          const out = await accounts.apply(leads);
          for (const [k, v] of out.accountOf) accountOf.set(k, v);
          return out;
        },
      },
    );
    return { leads: page.leads, accountOf };
  }

  private lostAccounts(): LostAccounts | null {
    const source = this.mapping.account.previouslyLost;
    return source && 'source' in source ? new LostAccounts(this.runner, source.withinDays) : null;
  }

  private accountsForLookup(lost: LostAccounts | null): LeadAccounts | null {
    const now = this.settings.now();
    const kept = this.lookupAccounts;
    if (kept && now - kept.at < LOOKUP_ACCOUNT_INDEX_TTL_MS) return kept.accounts;
    this.lookupAccounts = { accounts: this.leadAccounts(lost), at: now };
    return this.lookupAccounts.accounts;
  }

  /** Per run, like LostAccounts: the account index is read at most once (lead-accounts.ts). */
  private leadAccounts(lost: LostAccounts | null): LeadAccounts | null {
    return this.mapping.lead.accountMatching.enabled
      ? new LeadAccounts(this.runner, this.mapping, lost, this.meter)
      : null;
  }

  /** Window, streams (REST page one read, Bulk jobs started and complete when chosen). */
  private async startRun(since: SyncCursor | null, includeOwnWrites = false) {
    const s = this.settings;
    // A new run learns the usage afresh (requests of the rolling 24 h may have expired meanwhile).
    this.runner.client.forgetAllowance();
    const serverNow = (await this.runner.client.serverTime()) ?? s.now() - 60_000;
    const to = Math.floor(serverNow / 1000) * 1000 - s.readLagMs;
    const from = since ? Date.parse(since.modifiedAt) : null;
    if (from !== null && Number.isNaN(from)) {
      throw new Error(`the Salesforce sync cursor is not an ISO instant: "${since?.modifiedAt}"`);
    }
    if (from !== null && from >= to) return null;
    const window: ModstampWindow = { from, to };
    const skip = new Set(since?.idsAtModifiedAt ?? []);
    const cm = this.mapping.behaviour.campaignMembers;
    const respondedSince = serverNow - this.mapping.behaviour.lookbackDays * DAY_MS;
    // Incremental runs skip what we wrote ourselves (BEHAVIOR.md "No echo"); a backfill and an explicit
    // `--since` read everything. Whatever this run writes, the next incremental run will skip: the
    // write guard watches every run.
    const userId = s.excludeOwnWrites ? this.runner.client.userId : null;
    const ownUserId = from !== null && !includeOwnWrites ? userId : null;
    this.writeGuard?.noteReadHorizon(to, userId);

    const people = OBJECTS.map(
      (object) =>
        new PersonChangeStream(
          object,
          new RestQuery(this.runner, {
            soql: changedPersonsSoql(this.mapping, object, window, {
              respondedSince,
              withResponses: cm !== null,
              notModifiedBy: ownUserId,
            }),
            scanAll: true,
            batchSize: s.readBatchSize,
            what: `${object} changes`,
          }),
          cm !== null,
        ),
    );
    const triggerQuery =
      cm && from !== null
        ? new RestQuery(this.runner, {
            soql: responseTriggersSoql({ from, to }, respondedSince, ownUserId),
            scanAll: false,
            batchSize: s.readBatchSize,
            what: 'campaign responses',
          })
        : null;
    const lost = this.lostAccounts();
    const accounts = this.leadAccounts(lost);
    // Page one of the Lead, Contact and response-trigger streams and of the account index Leads are
    // matched with, in one Composite call (at most 5 queries): a quiet incremental run (nothing
    // changed but our own writes) costs that call alone, and a large run pays nothing extra for
    // Contacts' and the index's page one.
    await prefetchFirstPages(this.runner, [
      ...people.map((p) => p.query),
      ...(triggerQuery ? [triggerQuery] : []),
      ...(accounts ? [accounts.indexQuery()] : []),
    ]);
    // The run reads the index whole at its first page with Leads; its later pages ride in the
    // Composite calls made before then (the response triggers' look-ups) instead of calls of their own.
    dropRiders(this.runner);
    if (accounts && !accounts.indexQuery().done) rideAlong(this.runner, accounts.indexQuery());
    // Page one of Leads tells how big the run is. When Leads alone exceed the threshold and Contacts'
    // page one did not come with it, Contacts go to Bulk without a REST page one of their own.
    const remaining: number[] = [await people[0]!.prime()];
    const large = (n: number) => s.bulkThreshold !== null && n > s.bulkThreshold;
    if (!large(remaining[0]!) || people[1]!.query.hasPageOne) remaining.push(await people[1]!.prime());
    const useBulk = large(remaining.reduce((a, b) => a + b, 0));
    const streams: EventStream[] = [...people];
    let responseMap: ResponseIndex | null = null;

    if (useBulk) {
      const bulkOptions = (what: string, soql: string) => ({
        operation: 'queryAll' as const,
        soql,
        what,
        pollIntervalMs: s.bulkPollIntervalMs,
        pollTimeoutMs: s.bulkPollTimeoutMs,
        pageSize: s.bulkPageSize,
        now: s.now,
        sleep: s.sleep,
      });
      const bulk = people.map((p) =>
        !p.isPrimed || p.remainingAfterFirstPage > 0
          ? new BulkPersonStream(
              this.runner,
              p.object,
              bulkOptions(
                `${p.object} changes`,
                changedPersonsSoql(this.mapping, p.object, window, {
                  respondedSince,
                  withResponses: false,
                  notModifiedBy: ownUserId,
                }),
              ),
            )
          : null,
      );
      const responsesJob = cm
        ? new BulkQueryJob(this.runner, {
            ...bulkOptions('campaign responses', recentResponsesSoql(respondedSince, from)),
            operation: 'query',
            // Read whole into the response index before the first hand-off page, a results page at a
            // time: its text is gone before the pages' work starts, so bigger pages cost no peak.
            pageSize: Math.max(s.bulkPageSize, RESPONSE_PAGE_ROWS),
          })
        : null;
      const jobs = [...bulk.map((b) => b?.job), responsesJob].filter((j): j is BulkQueryJob => !!j);
      for (const job of jobs) await job.start();
      // One poll interval per job, one after another, before any is asked for its results: a later
      // job has had longer when it is first asked, so it is usually done by then and its first
      // results page is the only call after its create (bulk-query.ts). Waiting once for all of them
      // (tried) saves a few seconds of a scheduled run but asks the slowest job again (one more call).
      for (const job of jobs) await job.waitFirstInterval();
      bulk.forEach((b, i) => {
        const p = people[i]!;
        if (b && p.isPrimed) p.continueWith(b);
        else if (b) p.readAllFrom(b);
      });
      if (responsesJob) {
        const index = new ResponseIndex(cm!.maxPerRecord);
        const triggers: ResponseRow[] = [];
        try {
          for await (const rows of responsesJob.pages()) {
            for (const raw of rows) {
              const r = responseRowOf(raw);
              if (!r) continue;
              if (r.response) index.add(r.personId, r.response);
              if (isTrigger(r, window, skip, ownUserId)) triggers.push(r);
            }
          }
          index.seal();
        } catch (e) {
          // Its temporary database, if it spilled, goes now: the run stops here.
          index.close();
          throw e;
        }
        responseMap = index;
        if (triggers.length > 0) {
          let given = false;
          const once = async () => {
            if (given) return null;
            given = true;
            return triggers;
          };
          streams.push(
            new ResponseTriggerStream(this.runner, this.mapping, respondedSince, once, () => true),
          );
        }
      }
    } else if (triggerQuery) {
      const triggers = triggerQuery;
      streams.push(
        new ResponseTriggerStream(
          this.runner,
          this.mapping,
          respondedSince,
          async () => {
            if (triggers.done) return null;
            return (await triggers.page()).map(responseRowOf).filter((r): r is ResponseRow => r !== null);
          },
          (r) => isTrigger(r, window, skip, ownUserId),
        ),
      );
    }
    return { streams, window, skip, responseMap, lost, accounts };
  }

  private async buildPage(
    events: readonly ChangeEvent[],
    cursor: SyncCursor,
    responseMap: Pick<ResponseIndex, 'get'> | null,
    lost: LostAccounts | null,
    accounts: Pick<LeadAccounts, 'apply'> | null,
  ): Promise<LeadPage> {
    const live = events.filter(
      (e) => e.row && !isDeletedRow(e.row) && !(e.object === 'Lead' && isConvertedRow(e.row)),
    );
    if (lost) {
      const accounts: string[] = [];
      for (const e of live) {
        const account = e.object === 'Contact' ? accountIdOf(this.mapping, e.row!) : null;
        if (account) accounts.push(account);
      }
      await lost.prepare(accounts);
    }
    const byId = new Map<string, Lead>();
    const deleted = new Set<string>();
    const cmRead = this.mapping.behaviour.campaignMembers !== null;
    for (const e of events) {
      if (!e.row) continue;
      const id = idOf(e.row);
      if (isDeletedRow(e.row) || (e.object === 'Lead' && isConvertedRow(e.row))) {
        // Converted leads live on as Contacts; nothing is written to the lead any more.
        deleted.add(id);
        byId.delete(id);
        continue;
      }
      const account = e.object === 'Contact' ? accountIdOf(this.mapping, e.row) : null;
      const responses = cmRead ? (e.responses ?? responseMap?.get(id) ?? []) : null;
      byId.set(
        id,
        toLead(e.object, e.row, {
          mapping: this.mapping,
          maps: this.maps,
          responses,
          accountLost: account && lost ? lost.isLost(account) : null,
        }),
      );
      deleted.delete(id);
    }
    const matched = accounts ? await accounts.apply([...byId.values()]) : null;
    const leads = matched ? matched.leads : [...byId.values()];
    this.meter.recordsRead += leads.length + deleted.size;
    return {
      leads,
      deletedIds: [...deleted],
      cursor,
      ...(matched?.tally ? { accountMatches: matched.tally } : {}),
    };
  }
}

function cursorOf(ts: number, ids: ReadonlySet<string>): SyncCursor {
  return { modifiedAt: new Date(ts).toISOString(), idsAtModifiedAt: [...ids] };
}
