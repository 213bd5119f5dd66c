import { BulkQueryJob, type BulkQueryOptions } from './bulk-query.ts';
import type { CallRunner } from './call-runner.ts';
import type { SalesforceMapping } from './mapping.ts';
import {
  type CampaignResponse,
  idOf,
  modstampOf,
  responseOf,
  type SfRow,
  subqueryResponses,
  valueAt,
} from './record-to-lead.ts';
import { chunkIdsForUrl, type ModstampWindow, type PersonObject, personsByIdSoql } from './soql.ts';

/**
 * The sorted event streams the source merges: the Lead and Contact change streams (REST, or a REST
 * first page continued in Bulk) and the campaign-response triggers. Every stream yields events in
 * (SystemModstamp, Id) order; the source merges them into one order and one cursor.
 */

export interface ChangeEvent {
  ts: number;
  /** The id the cursor records: the person's, or the CampaignMember's for a response trigger. */
  cursorId: string;
  object: PersonObject;
  /** The person to hand off; null when there is nothing to hand off (a trigger for a vanished person). */
  row: SfRow | null;
  /** The person's campaign responses: from the row's subquery, or null = take them from the Bulk map. */
  responses: CampaignResponse[] | null;
}

export interface EventStream {
  /** The next event without consuming it; null at the end. */
  peek(): Promise<ChangeEvent | null>;
  /** Consumes the event `peek` returned. */
  advance(): void;
}

interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SfRow[];
}

/** REST query pages with `Sforce-Query-Options: batchSize` and explicit queryMore (never autoFetch). */
export class RestQuery {
  private readonly runner: CallRunner;
  private readonly soql: string;
  private readonly scanAll: boolean;
  private readonly batchSize: number;
  private readonly what: string;
  private next: string | null | undefined = undefined;
  totalSize = 0;

  constructor(
    runner: CallRunner,
    options: { soql: string; scanAll: boolean; batchSize: number; what: string },
  ) {
    this.runner = runner;
    this.soql = options.soql;
    this.scanAll = options.scanAll;
    this.batchSize = options.batchSize;
    this.what = options.what;
  }

  /** Pages Composite calls brought, in order, waiting to be read (no call left to make for them). */
  private readonly queued: QueryPage[] = [];
  /** A page call of our own is under way: a page a Composite call brings meanwhile is not taken. */
  private fetching = false;

  get done(): boolean {
    return this.next === null;
  }

  /** Page one as a Composite subrequest (prefetchFirstPages); null once page one was read. */
  firstPageSubrequest(referenceId: string): CompositeSubrequest | null {
    return this.next === undefined && this.queued.length === 0 ? this.nextPageSubrequest(referenceId) : null;
  }

  /**
   * The next page not yet read nor waiting, as a Composite subrequest (page one, or the
   * `nextRecordsUrl` of the last page read or waiting); null when there is none or while a page
   * call of our own is under way.
   */
  nextPageSubrequest(referenceId: string): CompositeSubrequest | null {
    const path = this.pendingPath();
    if (path === null) return null;
    return {
      method: 'GET',
      url: path,
      referenceId,
      httpHeaders: { 'Sforce-Query-Options': `batchSize=${this.batchSize}` },
    };
  }

  /** Page one came in a Composite call and is waiting to be read (no call left to make for it). */
  get hasPageOne(): boolean {
    return this.next === undefined && this.queued.length > 0;
  }

  /** Page one as a Composite subrequest answered it. */
  acceptFirstPage(body: QueryPage): void {
    if (this.next === undefined && this.queued.length === 0) this.acceptPage(body, this.pendingPath());
  }

  /** The page at `path` as a Composite subrequest answered it, if it still is the next one asked for. */
  acceptPage(body: QueryPage, path: string | null): void {
    if (path !== null && path === this.pendingPath()) this.queued.push(body);
  }

  /** Where the next page not yet read nor waiting is; null when there is none to ask for now. */
  private pendingPath(): string | null {
    if (this.fetching) return null;
    const last = this.queued.at(-1);
    if (last) return last.done === false && last.nextRecordsUrl ? last.nextRecordsUrl : null;
    if (this.next === null) return null;
    return this.next === undefined ? this.runner.client.dataPath(this.firstPath()) : this.next;
  }

  private firstPath(): string {
    return `/${this.scanAll ? 'queryAll' : 'query'}?q=${encodeURIComponent(this.soql)}`;
  }

  /** The next page of rows; [] once done. */
  async page(): Promise<SfRow[]> {
    if (this.next === null) return [];
    let body = this.queued.shift();
    if (!body) {
      const path = this.next === undefined ? this.firstPath() : this.next;
      this.fetching = true;
      try {
        body = (
          await this.runner.run<QueryPage>(
            { method: 'GET', path, headers: { 'Sforce-Query-Options': `batchSize=${this.batchSize}` } },
            { what: `query ${this.what}`, idempotent: true },
          )
        ).body;
      } finally {
        this.fetching = false;
      }
    }
    this.totalSize = body.totalSize ?? this.totalSize;
    // jsforce notes an empty result may leave `done` out.
    this.next = body.done === false && body.nextRecordsUrl ? body.nextRecordsUrl : null;
    return body.records ?? [];
  }
}

export interface CompositeSubrequest {
  method: 'GET';
  url: string;
  referenceId: string;
  httpHeaders: Record<string, string>;
}

/** Queries whose next page the run will read for certain, per runner (`rideAlong`). */
const riders = new WeakMap<CallRunner, Set<RestQuery>>();

/**
 * `query`'s next page may ride in the next Composite call this runner makes anyway (at most 5
 * queries per call, its own first): a query the run reads whole, such as the account index, then
 * costs no call of its own for that page. Dropped once nothing is left to ask for.
 */
export function rideAlong(runner: CallRunner, query: RestQuery): void {
  const set = riders.get(runner) ?? new Set<RestQuery>();
  riders.set(runner, set);
  set.add(query);
}

/** Forgets the riders of a run that ended (a new run registers its own). */
export function dropRiders(runner: CallRunner): void {
  riders.delete(runner);
}

/**
 * Page one of several queries in ONE call: `POST /composite`, which Salesforce counts as a single
 * call against the allowance however many subrequests it holds (at most 5 queries). A quiet
 * incremental run reads its Lead, Contact and response-trigger streams this way (BEHAVIOR.md
 * "No echo"). Room left in the call carries the next page of queries riding along (`rideAlong`);
 * with one query of its own and a rider the call is still one. A subrequest that failed is simply
 * not taken: that query then makes its own call and meets the error on the usual path
 * (classification, retries).
 */
export async function prefetchFirstPages(
  runner: CallRunner,
  queries: readonly RestQuery[],
  what = 'query page one of the change streams',
): Promise<void> {
  const subs: { query: RestQuery; sub: CompositeSubrequest; rider: boolean }[] = [];
  for (const query of queries) {
    const sub = query.firstPageSubrequest(`q${subs.length}`);
    if (sub) subs.push({ query, sub, rider: false });
  }
  if (subs.length === 0) return;
  const along = riders.get(runner);
  for (const query of along ?? []) {
    if (subs.length >= COMPOSITE_MAX_QUERIES) break;
    if (subs.some((s) => s.query === query)) continue;
    const sub = query.nextPageSubrequest(`r${subs.length}`);
    if (sub) subs.push({ query, sub, rider: true });
    else if (query.done) along!.delete(query);
  }
  if (subs.length < 2) return;
  const { body } = await runner.run<{
    compositeResponse?: { body: unknown; httpStatusCode: number; referenceId: string }[];
  }>(
    {
      method: 'POST',
      path: '/composite',
      body: { allOrNone: false, compositeRequest: subs.map((s) => s.sub) },
    },
    { what, idempotent: true },
  );
  for (const r of body.compositeResponse ?? []) {
    const hit = subs.find((s) => s.sub.referenceId === r.referenceId);
    if (!hit || r.httpStatusCode !== 200 || !r.body || typeof r.body !== 'object') continue;
    if (hit.rider) hit.query.acceptPage(r.body as QueryPage, hit.sub.url);
    else hit.query.acceptFirstPage(r.body as QueryPage);
  }
}

/** All rows of a REST query (for the small look-ups: persons by id, lost accounts). */
export async function queryAllRows(
  runner: CallRunner,
  soql: string,
  what: string,
  batchSize = 2000,
): Promise<SfRow[]> {
  const q = new RestQuery(runner, { soql, scanAll: false, batchSize, what });
  const rows: SfRow[] = [];
  do rows.push(...(await q.page()));
  while (!q.done);
  return rows;
}

/** At most this many query subrequests in one Composite call (crm-apis.md; the emulator refuses more). */
export const COMPOSITE_MAX_QUERIES = 5;

/**
 * All rows of several REST queries, their page ones read together, up to five per Composite call
 * (one call where each query alone would make one): the by-id look-ups of Leads and Contacts.
 */
export async function queryAllRowsTogether(
  runner: CallRunner,
  queries: readonly { soql: string; what: string }[],
  what: string,
): Promise<SfRow[][]> {
  const rest = queries.map(
    (q) => new RestQuery(runner, { soql: q.soql, scanAll: false, batchSize: 2000, what: q.what }),
  );
  for (let i = 0; i < rest.length; i += COMPOSITE_MAX_QUERIES)
    await prefetchFirstPages(runner, rest.slice(i, i + COMPOSITE_MAX_QUERIES), what);
  const out: SfRow[][] = [];
  for (const q of rest) {
    const rows: SfRow[] = [];
    do rows.push(...(await q.page()));
    while (!q.done);
    out.push(rows);
  }
  return out;
}

function personEvent(object: PersonObject, row: SfRow, fromSubquery: boolean): ChangeEvent {
  return {
    ts: modstampOf(row),
    cursorId: idOf(row),
    object,
    row,
    responses: fromSubquery ? (subqueryResponses(row) ?? []) : null,
  };
}

/**
 * One object's change stream. The first page is always REST (with the responses subquery); its
 * `totalSize` tells the source whether the rest is worth a Bulk job, in which case `continueWith`
 * hands the remainder to a Bulk stream that skips the rows page one already had.
 */
export class PersonChangeStream implements EventStream {
  readonly object: PersonObject;
  /** The REST query of page one (and of the rest, unless Bulk takes over). */
  readonly query: RestQuery;
  private readonly withSubquery: boolean;
  private buffer: ChangeEvent[] = [];
  private index = 0;
  private readonly firstPageIds = new Set<string>();
  private primed = false;
  private bulk: BulkPersonStream | null = null;

  constructor(object: PersonObject, query: RestQuery, withSubquery: boolean) {
    this.object = object;
    this.query = query;
    this.withSubquery = withSubquery;
  }

  /** Reads page one; returns how many rows remain after it. */
  async prime(): Promise<number> {
    if (!this.primed) {
      this.primed = true;
      await this.fill();
      for (const e of this.buffer) this.firstPageIds.add(e.cursorId);
    }
    return this.remainingAfterFirstPage;
  }

  get remainingAfterFirstPage(): number {
    return this.query.done ? 0 : Math.max(0, this.query.totalSize - this.firstPageIds.size);
  }

  /** From now on, rows after page one come from `bulk` (same window, same order). */
  continueWith(bulk: BulkPersonStream): void {
    this.bulk = bulk;
  }

  /** The whole stream from `bulk`, with no REST page one (the run is already known to be large). */
  readAllFrom(bulk: BulkPersonStream): void {
    if (this.primed) throw new Error(`${this.object} changes: page one was read already`);
    this.primed = true;
    this.bulk = bulk;
  }

  get isPrimed(): boolean {
    return this.primed;
  }

  async peek(): Promise<ChangeEvent | null> {
    if (!this.primed) await this.prime();
    if (this.index < this.buffer.length) return this.buffer[this.index]!;
    if (this.bulk) {
      // Page one is read: its events (rows with their responses, ~1 KB each) go, its ids stay.
      if (this.buffer.length > 0) {
        this.buffer = [];
        this.index = 0;
      }
      for (;;) {
        const e = await this.bulk.peek();
        if (e === null || !this.firstPageIds.has(e.cursorId)) return e;
        this.bulk.advance();
      }
    }
    while (this.index >= this.buffer.length && !this.query.done) await this.fill();
    return this.index < this.buffer.length ? this.buffer[this.index]! : null;
  }

  advance(): void {
    if (this.index < this.buffer.length) this.index++;
    else this.bulk?.advance();
  }

  private async fill(): Promise<void> {
    const rows = await this.query.page();
    this.buffer = rows.map((r) => personEvent(this.object, r, this.withSubquery));
    this.index = 0;
  }
}

/** Rows of a Bulk query job, page by page (no subqueries in Bulk: responses come from the Bulk map). */
export class BulkPersonStream implements EventStream {
  readonly job: BulkQueryJob;
  private readonly object: PersonObject;
  private pages: AsyncGenerator<Iterable<Record<string, string | null>>> | null = null;
  /** The page being read, row by row: a row read and handed on is not held here. */
  private rows: Iterator<Record<string, string | null>> | null = null;
  private current: ChangeEvent | null = null;
  private finished = false;

  constructor(runner: CallRunner, object: PersonObject, options: BulkQueryOptions) {
    this.object = object;
    this.job = new BulkQueryJob(runner, options);
  }

  async peek(): Promise<ChangeEvent | null> {
    while (!this.current && !this.finished) {
      const row = this.rows?.next();
      if (row && !row.done) {
        this.current = personEvent(this.object, row.value, false);
        break;
      }
      this.pages ??= this.job.pages();
      const next = await this.pages.next();
      if (next.done) this.finished = true;
      else this.rows = next.value[Symbol.iterator]();
    }
    return this.current;
  }

  advance(): void {
    this.current = null;
  }
}

/** A CampaignMember row of the response query, reduced to what triggers and the Bulk map need. */
export interface ResponseRow {
  id: string;
  ts: number;
  object: PersonObject;
  personId: string;
  /** The person's SystemModstamp when the response was read. */
  personTs: number | null;
  /** The person's LastModifiedById when the response was read. */
  personModifiedBy: string | null;
  response: CampaignResponse | null;
}

export function responseRowOf(row: SfRow): ResponseRow | null {
  const leadId = valueAt(row, 'LeadId');
  const contactId = valueAt(row, 'ContactId');
  const object: PersonObject = leadId !== null ? 'Lead' : 'Contact';
  const personId = (leadId ?? contactId) as string | null;
  if (personId === null) return null;
  const personStamp = valueAt(row, `${object}.SystemModstamp`);
  const personBy = valueAt(row, `${object}.LastModifiedById`);
  return {
    id: idOf(row),
    ts: modstampOf(row),
    object,
    personId: String(personId),
    personTs: personStamp === null ? null : Date.parse(String(personStamp).replace(/\+0000$/, 'Z')),
    personModifiedBy: personBy === null ? null : String(personBy),
    response: responseOf(row),
  };
}

/**
 * Response triggers: a response in the window for a person whose own SystemModstamp is at or before
 * the window start (so the person stream will not bring them). The person is re-read by id, at most
 * once per run, in chunks, when the first trigger of a chunk reaches the head of the merge.
 */
export class ResponseTriggerStream implements EventStream {
  private readonly runner: CallRunner;
  private readonly mapping: SalesforceMapping;
  private readonly respondedSince: number;
  private readonly source: () => Promise<ResponseRow[] | null>;
  private readonly keep: (r: ResponseRow) => boolean;
  private buffer: ResponseRow[] = [];
  private index = 0;
  private finished = false;
  /** Person id → re-read row (null = not found), filled chunk by chunk. */
  private readonly persons = new Map<string, SfRow | null>();
  private readonly emitted = new Set<string>();

  /**
   * @param source the next batch of response rows (REST page or the whole Bulk map), null at the end
   * @param keep whether a row really is a trigger (window and person-timestamp rules)
   */
  constructor(
    runner: CallRunner,
    mapping: SalesforceMapping,
    respondedSince: number,
    source: () => Promise<ResponseRow[] | null>,
    keep: (r: ResponseRow) => boolean,
  ) {
    this.runner = runner;
    this.mapping = mapping;
    this.respondedSince = respondedSince;
    this.source = source;
    this.keep = keep;
  }

  async peek(): Promise<ChangeEvent | null> {
    while (this.index >= this.buffer.length && !this.finished) {
      const rows = await this.source();
      if (rows === null) this.finished = true;
      else {
        this.buffer = rows.filter(this.keep);
        this.index = 0;
      }
    }
    const head = this.buffer[this.index];
    if (!head) return null;
    if (!this.persons.has(head.personId) && !this.emitted.has(head.personId))
      await this.resolveFrom(this.index);
    const first = !this.emitted.has(head.personId);
    // A person already handed off in this run was re-read after this response existed.
    const row = first ? (this.persons.get(head.personId) ?? null) : null;
    return {
      ts: head.ts,
      cursorId: head.id,
      object: head.object,
      row,
      responses: row ? (subqueryResponses(row) ?? []) : null,
    };
  }

  advance(): void {
    const head = this.buffer[this.index];
    if (!head) return;
    this.emitted.add(head.personId);
    this.persons.delete(head.personId);
    this.index++;
  }

  /** Re-reads every not yet resolved person of the buffer, in as few `Id IN (…)` queries as fit a URL. */
  private async resolveFrom(start: number): Promise<void> {
    const want: Record<PersonObject, string[]> = { Lead: [], Contact: [] };
    const seen = new Set<string>();
    for (let i = start; i < this.buffer.length; i++) {
      const r = this.buffer[i]!;
      if (seen.has(r.personId) || this.emitted.has(r.personId) || this.persons.has(r.personId)) continue;
      seen.add(r.personId);
      want[r.object].push(r.personId);
    }
    const lookups: { chunk: readonly string[]; soql: string; what: string }[] = [];
    for (const object of ['Lead', 'Contact'] as const) {
      const build = (ids: readonly string[]) =>
        personsByIdSoql(this.mapping, object, ids, this.respondedSince);
      for (const chunk of chunkIdsForUrl(want[object], build))
        lookups.push({ chunk, soql: build(chunk), what: `${object} by id (new campaign responses)` });
    }
    // Leads and Contacts in one Composite call (each query would make its own).
    const answers = await queryAllRowsTogether(
      this.runner,
      lookups,
      'query persons with new campaign responses',
    );
    lookups.forEach(({ chunk }, i) => {
      for (const id of chunk) this.persons.set(id, null);
      for (const row of answers[i]!) this.persons.set(idOf(row), row);
    });
  }
}

/** Is `r` a trigger for the window that starts at `from` (with ids `skip` already handed off there)? */
export function isTrigger(
  r: ResponseRow,
  window: ModstampWindow,
  skip: ReadonlySet<string>,
  ownUserId: string | null = null,
): boolean {
  if (window.from === null) return false;
  if (r.ts < window.from || r.ts >= window.to) return false;
  if (r.personTs === null) return false;
  // The person stream leaves out persons we modified last, whenever that was.
  if (ownUserId && r.personModifiedBy && sameId(r.personModifiedBy, ownUserId)) return true;
  // After the window start the person stream brings the person (read after this response existed).
  if (r.personTs > window.from) return false;
  // At exactly the start: only persons the previous run already handed off; the others come again.
  if (r.personTs === window.from) return skip.has(r.personId);
  return true;
}

/** 15- and 18-character forms of one id are the same record. */
export function sameId(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}
