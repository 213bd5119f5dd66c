import { CrmError, FailureKind } from '../../src/domain/errors.ts';
import type { SyncCursor } from '../../src/ports/lead-source.ts';
import {
  type CrmObjectType,
  HubspotHttpError,
  type HubspotRecord,
  type SearchFilter,
  type SearchPage,
  type SearchRequest,
} from './client.ts';

/**
 * Reads every record of one object type modified in [since, upper bound] in ascending
 * modification order, through the CRM search endpoint, without gaps or duplicates:
 *
 * - Every page is its own keyset query (`modified >= T`, `after` never used), where T is the last
 *   timestamp handed off; the ids already handed off at exactly T are skipped. Paging with `after`
 *   is an OFFSET: when a record the run already passed is modified meanwhile it leaves the result
 *   set, every later record shifts down one place, and the next offset page silently skips one.
 *   A fresh keyset query per page cannot skip anything, and never gets near the 10,000-result cap.
 * - The run reads up to a fixed upper bound (the newest modification time when it started):
 *   records modified during the run — including by the connector's own write-back — move past it
 *   and are read by the next run, so a run always ends and never reads a record twice.
 * - Ties: when a whole page is records already handed off at T (more than a page shares one
 *   millisecond), the pager walks that millisecond by id (`modified = T`, `hs_object_id > last`,
 *   sorted by id), then continues with `modified > T`.
 *
 * The yielded cursor is inclusive and tie-safe (`SyncCursor`): resuming from it re-reads nothing
 * already handed off.
 */

export interface KeysetSearchOptions {
  type: CrmObjectType;
  /** `lastmodifieddate` (contacts) or `hs_lastmodifieddate` (other objects). */
  modifiedProperty: string;
  properties: readonly string[];
  since: SyncCursor | null;
  /** Results per search call (HubSpot's maximum is 200). */
  pageSize: number;
  search: (req: SearchRequest) => Promise<SearchPage>;
  /**
   * Read up to this modification time (ms); `Infinity` = no upper bound (a change feed whose next
   * run starts below anything modified meanwhile). Default: the server's clock at the first page.
   */
  upperBound?: number;
  /** HubSpot's clock (ms) from the last response's `Date` header, when known. */
  serverNow?: () => number | undefined;
}

/** Ids handed off at T left out of the next range query by NEQ filters (with EQ T: 9 in the group). */
const MAX_EXCLUDED_IDS = 8;
/**
 * More ids than that are left out by one `NOT_IN` filter of at most this many values (the cap the
 * connector keeps for `IN` too, account-changes.ts; HubSpot documents none). A page that ends inside
 * a tie (our own batch writes of 100 share one millisecond) otherwise re-reads its handed-off part.
 */
const MAX_NOT_IN_IDS = 100;

/**
 * The request itself was refused (HTTP 400): a raw `HubspotHttpError` from the runner, or the
 * `CrmError` of kind `config` a connector's guard makes of it (classify-error.ts).
 */
function refused(e: unknown): boolean {
  if (e instanceof HubspotHttpError) return e.failure.status === 400;
  return e instanceof CrmError && e.kind === FailureKind.Config;
}

export interface KeysetPage {
  records: HubspotRecord[];
  cursor: SyncCursor;
}

export class KeysetSearch {
  private readonly o: KeysetSearchOptions;
  /** Last timestamp handed off (ms), or null before the first record of a backfill. */
  private t: number | null;
  private seen: Set<string>;
  /** After a tie walk: everything at `t` is handed off, continue strictly after it. */
  private exclusive = false;
  private mode: 'range' | 'ties' = 'range';
  private tieLastId = 0;
  /** HubSpot refused a `NOT_IN` exclusion (a 400): the run re-reads the ties at T instead. */
  private notInRefused = false;
  private upper: number | undefined;
  private done = false;

  constructor(options: KeysetSearchOptions) {
    this.o = options;
    this.t = options.since ? Date.parse(options.since.modifiedAt) : null;
    this.seen = new Set(options.since?.idsAtModifiedAt ?? []);
    // A cursor holding a whole page of ties at T would make the first range page all "seen".
    if (this.t !== null && this.seen.size >= options.pageSize) this.mode = 'ties';
    this.upper = options.upperBound;
  }

  /** The cursor to resume from, as of the records handed off so far. */
  cursor(): SyncCursor | null {
    if (this.t === null) return null;
    return { modifiedAt: new Date(this.t).toISOString(), idsAtModifiedAt: [...this.seen] };
  }

  /**
   * Asks for the newest modification time in range (one search, sorted descending), the run's
   * upper bound when HubSpot's clock is unknown (no `Date` header); otherwise the first page fixes
   * the bound for free. Returns false when there is nothing (new) to read.
   */
  async start(): Promise<boolean> {
    const filters: SearchFilter[] = this.t === null ? [] : [this.filter('GTE', this.t)];
    // Asking for the ids already handed off at T as well tells "nothing new since" in this call.
    const probe = await this.o.search({
      filterGroups: filters.length ? [{ filters }] : [],
      sorts: [{ propertyName: this.o.modifiedProperty, direction: 'DESCENDING' }],
      properties: [this.o.modifiedProperty],
      limit: Math.min(this.o.pageSize, this.seen.size + 1),
    });
    const newest = probe.results[0];
    const onlySeen =
      probe.total <= probe.results.length &&
      probe.results.every((r) => this.modifiedOf(r) === this.t && this.seen.has(r.id));
    if (!newest || onlySeen) {
      this.done = true;
      return false;
    }
    this.upper = this.modifiedOf(newest);
    if (Number.isNaN(this.upper))
      throw new Error(`search returned ${this.o.modifiedProperty} that is not a time`);
    return true;
  }

  /**
   * The next page of records not handed off yet (at most `want`, one search call per page unless
   * a tie has to be walked), or null when the range is exhausted.
   */
  async next(want = this.o.pageSize): Promise<KeysetPage | null> {
    while (!this.done) {
      const page = this.mode === 'range' ? await this.rangePage(want) : await this.tiePage(want);
      if (page) return page;
    }
    return null;
  }

  private async rangePage(want: number): Promise<KeysetPage | null> {
    const filters: SearchFilter[] = [];
    const t = this.t;
    // The records already handed off at T would come back first and take room in the page. When
    // they are few, the query leaves them out instead: (modified > T) OR (modified = T AND id is
    // none of them) — two filter groups, HubSpot ORs them; at most 10 filters in a group
    // (crm-apis.md B2). A page of 200 then brings 200 new records where it brought 199. A handed-off
    // record modified again since is > T and comes back, as it must.
    // More than 8 go into one NOT_IN filter instead (up to MAX_NOT_IN_IDS), unless refused once.
    const excludeMax = this.notInRefused ? MAX_EXCLUDED_IDS : MAX_NOT_IN_IDS;
    const exclude = t !== null && !this.exclusive && this.seen.size > 0 && this.seen.size <= excludeMax;
    const notIn = exclude && this.seen.size > MAX_EXCLUDED_IDS;
    if (t !== null) filters.push(this.filter(this.exclusive || exclude ? 'GT' : 'GTE', t));
    if (this.upper !== undefined && this.upper !== Number.POSITIVE_INFINITY)
      filters.push(this.filter('LTE', this.upper));
    const filterGroups = [{ filters }];
    if (exclude)
      filterGroups.push({
        filters: [
          this.filter('EQ', t),
          ...(notIn
            ? [
                {
                  propertyName: 'hs_object_id',
                  operator: 'NOT_IN',
                  values: [...this.seen],
                } satisfies SearchFilter,
              ]
            : [...this.seen].map(
                (id): SearchFilter => ({ propertyName: 'hs_object_id', operator: 'NEQ', value: id }),
              )),
        ],
      });
    const comeBack = this.exclusive || exclude ? 0 : this.seen.size;
    const limit = Math.min(this.o.pageSize, want + comeBack);
    let answer: { rows: HubspotRecord[]; total: number };
    try {
      answer = await this.page(
        {
          filterGroups,
          sorts: [{ propertyName: this.o.modifiedProperty, direction: 'ASCENDING' }],
        },
        limit,
      );
    } catch (e) {
      // A 400 on the NOT_IN query: HubSpot documents no cap on its values, so a portal that
      // refuses them gets the plain query, which re-reads the ties at T, for the rest of the run.
      // Any other failure, or the same 400 again, surfaces.
      if (!notIn || !refused(e)) throw e;
      this.notInRefused = true;
      return null;
    }
    const { rows, total } = answer;
    if (this.upper === undefined) await this.fixUpperBound(rows);
    const fresh = rows.filter((r) => !(this.modifiedOf(r) === this.t && this.seen.has(r.id)));
    // A short page, or every match in this page (`total`): nothing is left, no empty search to ask.
    if (rows.length < limit || rows.length >= total) this.done = true;
    if (fresh.length === 0) {
      if (!this.done) {
        // A full page of records already handed off at T: walk that millisecond by id.
        this.mode = 'ties';
        this.tieLastId = 0;
      }
      return null;
    }
    return this.handOff(fresh);
  }

  private async tiePage(want: number): Promise<KeysetPage | null> {
    const t = this.t!;
    const limit = Math.min(this.o.pageSize, want);
    const { rows } = await this.page(
      {
        filterGroups: [
          {
            filters: [
              this.filter('EQ', t),
              { propertyName: 'hs_object_id', operator: 'GT', value: String(this.tieLastId) },
            ],
          },
        ],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      },
      limit,
    );
    for (const r of rows) this.tieLastId = Math.max(this.tieLastId, Number(r.id));
    if (rows.length < limit) {
      this.mode = 'range';
      this.exclusive = true;
    }
    const fresh = rows.filter((r) => this.modifiedOf(r) === t && !this.seen.has(r.id));
    return fresh.length > 0 ? this.handOff(fresh) : null;
  }

  /**
   * The first page was read without an upper bound: everything it returned existed when HubSpot
   * answered, so the bound is HubSpot's clock then (a second back: `Date` has whole seconds) or
   * the newest record returned, whichever is later. Whatever is modified afterwards — the
   * connector's own writes included — is stamped later and left to the next run.
   */
  private async fixUpperBound(rows: readonly HubspotRecord[]): Promise<void> {
    const server = this.o.serverNow?.();
    let upper = Number.NEGATIVE_INFINITY;
    if (server !== undefined) upper = server - 1000;
    else if (!(await this.start())) upper = Number.NEGATIVE_INFINITY;
    else upper = this.upper!;
    for (const r of rows) upper = Math.max(upper, this.modifiedOf(r));
    this.upper = upper;
    this.done = false;
  }

  private handOff(records: HubspotRecord[]): KeysetPage {
    for (const r of records) {
      const ts = this.modifiedOf(r);
      if (this.t === null || ts > this.t) {
        this.t = ts;
        this.seen = new Set([r.id]);
        this.exclusive = false;
      } else if (ts === this.t) {
        this.seen.add(r.id);
      }
    }
    return { records, cursor: this.cursor()! };
  }

  private async page(
    req: Pick<SearchRequest, 'filterGroups' | 'sorts'>,
    limit: number,
  ): Promise<{ rows: HubspotRecord[]; total: number }> {
    const properties = [...new Set([...this.o.properties, this.o.modifiedProperty])];
    const res = await this.o.search({ ...req, properties, limit });
    // A missing total must never end the read early.
    return { rows: res.results, total: Number.isFinite(res.total) ? res.total : Number.POSITIVE_INFINITY };
  }

  private filter(operator: SearchFilter['operator'], ms: number): SearchFilter {
    return { propertyName: this.o.modifiedProperty, operator, value: String(ms) };
  }

  private modifiedOf(r: HubspotRecord): number {
    const raw = r.properties[this.o.modifiedProperty];
    if (raw === null || raw === undefined) return Number.NaN;
    return /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  }
}
