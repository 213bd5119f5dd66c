import { randomUUID } from 'node:crypto';
import type { CrmName } from '../domain/lead.ts';
import type { ClaimOutcome, LeadVersions } from '../ports/lead-versions.ts';
import {
  type DueRecheck,
  keepsRecheckRecord,
  type RecheckRecord,
  type RecheckRef,
  type RecheckStore,
  recheckKey,
} from '../ports/recheck-store.ts';
import type { RecordedAssignment } from '../ports/routing-state.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import {
  dueInRosters,
  dueOrder,
  fileRosters,
  openRosters,
  ROSTER_GRACE_MS,
  type RosterKind,
  type RosterRef,
  splitIndexPage,
} from './due-rosters.ts';
import { type BatchGetOptions, batchGetLive } from './dynamo-batch-get.ts';
import { type DynamoTable, type Item, num, numberOf, SINGLE, str, stringOf } from './dynamo-table.ts';
import { DUE_INDEX } from './dynamodb-episode-store.ts';

export interface LeadRecordsOptions extends BatchGetOptions {
  /**
   * `getMany` reads eventually consistent (half the read units; docs/cost.md). Only for a caller
   * whose every decision on that read is claimed (`claimDecided`) or confirmed (`confirmRead`) before
   * anything is written: the worker. The sweep reads strongly.
   */
  eventualReads?: boolean;
}

/**
 * A lead item as `getMany` read it: the claim token, the record's fields and `rk` (whether the record
 * lives on the item, and until when) — null: absent.
 */
interface ReadSnapshot {
  token: string | null;
  fields: Record<(typeof READ_FIELDS)[number], string | null>;
  rk: number | null;
}
/** A rep's daily slot on a business date (`RoutingState.reserveSlot`). */
type Slot = { repKey: string; businessDate: string };
/** A lead's routing assignments as `getMany` read them, and as its decision uses them. */
interface LeadRoutes {
  onItem: Record<string, RecordedAssignment> | null;
  carried: Record<string, RecordedAssignment>;
  /**
   * Keys of `carried` made by this decision (not read from the item), each with the rep whose daily
   * slot was reserved for it (`dropRefused` gives it back), if any.
   */
  made: Map<string, string | undefined>;
  /** The lead's item. */
  pk: string;
}
/** The record's fields a write made on a read requires unchanged (`claimDecided`, `confirmRead`). */
const READ_FIELDS = ['recheckAt', 'holdSince', 'inputs'] as const;
/** A decision refused because its read was stale is tried again this soon (no claim is in its way). */
const STALE_READ_RETRY_MS = 1_000;

const DAY_MS = 86_400_000;
/**
 * An item outlives its last write by this much: longer than SQS keeps a message (14 days), so a late
 * stale copy still meets its newer version, and a hold that never ends still ends here.
 */
const RETENTION_SECONDS = 400 * 86_400;
/** Re-check rosters: `rkroster|<crm>|<recheckAt>|<random>` (`fileRechecks`). */
const ROSTER = 'rkroster|';
const CLAIM_ATTEMPTS = 3;
/** The decision-key prefix of a record owner's assignment (src/pipeline/record-owner.ts). */
const OWNER_OF_RECORD = 'owner_of_record';
/** Read tokens kept for claims to come (a worker batch reads at most a few hundred). */
const MAX_READ_TOKENS = 10_000;
/** The attributes of the re-check record, all removed when it holds nothing. */
const RECHECK_ATTRIBUTES = ['recheckAt', 'holdSince', 'inputs', 'dueBucket', 'dueAt'] as const;

/**
 * One item per lead on the state table for both what the worker keeps per lead: its version claim
 * (`LeadVersions`) and its re-check record (`RecheckStore`).
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `lead\|<crm>\|<objectType>\|<id>` | `-` | claim: `version` (epoch ms), `status` (`in_progress` \| `done`), `leaseUntilMs`, `token`; re-check: `recheckAt`, `holdSince`, `inputs` (decision-inputs fingerprint), `rk` (the re-check record lives here, until this epoch ms); `ttl`; `dueBucket`, `dueAt` only on items an earlier build wrote |
 * | `rkroster\|<crm>\|<recheckAt>\|<id>` | `-` | `keysz` (the leads, JSON, Brotli), `filedAtMs`, `dueBucket` = `recheck\|<crm>\|<UTC day>`, `dueAt` = `<recheckAt>#<pk>`: the leads one write filed for a re-check at that instant (src/aws/due-rosters.ts) |
 * | `recheckdue\|<crm>\|floor` | `-` | `day`: no index entry of that CRM lies in an earlier day |
 *
 * One item because DynamoDB bills a write unit per item written. The worker claims a lead once it is
 * decided, and that claim writes the lead's re-check record too (`claimDecided`): one write a lead,
 * where a claim and a completion carrying the record took two, and a claim item and a re-check item
 * three (docs/cost.md). A claim is one conditional update, so of two workers claiming the same lead
 * exactly one succeeds, and a version older than the stored one can never be claimed: a stale
 * message never overwrites a newer decision. A claim's lease ends with the claiming invocation's
 * deadline, so a crashed worker's claim is taken over by the redelivery. `claim` and `complete`
 * (claim first, decide, then complete) remain for callers that decide after claiming.
 *
 * The index `due` is the episodes' (infra/state-table.yml): its partitions here are
 * `recheck|<crm>|<day>`, which an episode sweep (hour buckets such as `2026-12-02T08`) or the outbox
 * (`outbox`) never queries, and the other way round. The entries are rosters (`fileRechecks`), not
 * the lead items. An entry is filed under the day of `max(recheckAt, now)`, never a day that has
 * passed, so `dueBefore` queries the days from the floor to the day of `at`: one or two queries per
 * sweep, never a scan.
 *
 * Earlier builds kept the re-check record in an item of its own (`recheck|<crm>|<objectType>|<id>`).
 * A lead item without `rk` may still have one: `getMany` reads it then (eventually consistent, half a
 * read unit; not for a lead with no item at all, which no earlier build claimed, unless the index
 * named its old entry: a lead an earlier build decided only for its account, with no re-check
 * pending, is decided again and its hold counted anew), and the first write of the lead's record here deletes it, with its index entry; an old
 * entry that `dueBefore` lists is deleted the same way once its lead is rescheduled.
 */
export class DynamoLeadRecords implements LeadVersions, RecheckStore {
  readonly #table: DynamoTable;
  readonly #batch: BatchGetOptions;
  readonly #eventualReads: boolean;
  readonly #floorEnsured = new Set<CrmName>();
  /** Items of the earlier layout (their pks, `recheck|…`) seen still stored, deleted at the next write. */
  readonly #legacy = new Set<string>();
  /**
   * Each lead item as `getMany` read it (null: no item), until `claimDecided` or `confirmRead` uses
   * it: a claim made on that read requires the token and the record's fields unchanged, so no other
   * claim, nor a record written without one (the sweep's re-checks, account-triggered decisions, an
   * earlier build's), came between the read and the claim — or was missed by a stale read.
   */
  readonly #reads = new Map<string, ReadSnapshot | null>();
  /**
   * Leads `fileRechecks` filed at their `recheckAt` (`<crm>|<key>|<recheckAt>`) and when, until their
   * write. Trusted within half the rosters' grace only: past the grace, a sweep may have removed a
   * roster whose record was never written (a refused claim), so the record is filed again.
   */
  readonly #filed = new Map<string, number>();
  /**
   * Routing assignments of the leads `getMany` read, by `<crm>|<leadId>` (`ClaimCarriedRouting`):
   * `onItem` as the item held them (null: the lead has no item), `carried` the ones the claim writes
   * back — those looked up or made for this decision; the rest are dropped, so the item stays small.
   */
  readonly #routes = new Map<string, LeadRoutes>();
  /**
   * The daily slots reserved for what was made for a lead whose claim `claimDecided` just refused, by
   * `<crm>|<leadId>`, for `dropRefused` to return — until then, or the lead's next read.
   */
  readonly #refused = new Map<string, Slot[]>();

  constructor(table: DynamoTable, options: LeadRecordsOptions = {}) {
    const { eventualReads = false, ...batch } = options;
    this.#table = table;
    this.#batch = batch;
    this.#eventualReads = eventualReads;
  }

  async claim(leadKey: string, version: number, leaseUntilMs: number): Promise<ClaimOutcome> {
    const pk = `lead|${leadKey}`;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const token = randomUUID();
      const claimed = await this.#table.update(
        pk,
        SINGLE,
        updateOf(claimClauses(version, leaseUntilMs, token), this.#expiryClauses()),
        claimCondition(version, this.#table.nowMs()),
      );
      if (claimed) return { status: 'claimed', token };
      const refused = await this.#refusal(pk, version, token);
      if (refused) return refused;
    }
    throw new StateUnavailableError(`claiming lead ${leadKey} kept racing with other workers; retry`);
  }

  async claimDecided(
    leadKey: string,
    version: number,
    leaseUntilMs: number,
    crm: CrmName,
    recheck: RecheckRecord | null,
  ): Promise<ClaimOutcome> {
    const pk = `lead|${leadKey}`;
    const read = this.#reads.get(pk);
    this.#reads.delete(pk);
    const token = randomUUID();
    // The record, or else the item's expiry alone (the record's update renews it too).
    const record = recheck ? await this.#recheckUpdate(crm, recheck) : this.#expiryClauses();
    // The routing assignments made or used for this decision ride on the claim (no item of their own).
    const routesKey = `${crm}|${leadKey.slice(leadKey.lastIndexOf('|') + 1)}`;
    const made = this.#routes.get(routesKey);
    const carried = made?.carried ?? {};
    this.#routes.delete(routesKey);
    const routes: Clauses = { set: [], remove: [], names: {}, values: {} };
    if (Object.keys(carried).length > 0) {
      routes.set.push('routes = :routes');
      routes.values[':routes'] = str(JSON.stringify(carried));
    }
    const base = claimCondition(version, this.#table.nowMs());
    // The record was decided on what `getMany` read: nothing may have changed it since.
    const unchanged = read === undefined ? null : asRead(read, this.#table.nowMs());
    const claimed = await this.#table.update(
      pk,
      SINGLE,
      updateOf(claimClauses(version, leaseUntilMs, token), record, routes),
      {
        expression: unchanged ? `(${base.expression}) AND ${unchanged.expression}` : base.expression,
        names: { ...base.names, ...unchanged?.names },
        values: { ...base.values, ...unchanged?.values },
      },
    );
    // Refused by the version rules, or the item changed since the read (a claim or a record came
    // between, or the read was stale): decided again from a fresh read, soon.
    const outcome: ClaimOutcome = claimed
      ? { status: 'claimed', token }
      : ((await this.#refusal(pk, version, token)) ?? this.#staleRead(version));
    if (outcome.status === 'claimed') {
      if (recheck) await this.#dropLegacy(crm, [recheck]);
      return outcome;
    }
    const slots = made ? slotsOf(made) : [];
    if (slots.length > 0) this.#refused.set(routesKey, slots);
    return outcome;
  }

  /**
   * For a decision that goes ahead without a claim (a lead without a version: account triggers):
   * null when the lead's item is still as `getMany` read it, by a strongly consistent read — one read
   * unit, only for such leads and only where `getMany` reads eventually consistent; else the refusal,
   * as a claim on that read would get it (decided again from a fresh read, soon).
   */
  async confirmRead(leadKey: string): Promise<(ClaimOutcome & { status: 'busy' }) | null> {
    const pk = `lead|${leadKey}`;
    const read = this.#reads.get(pk);
    this.#reads.delete(pk);
    if (!this.#eventualReads || read === undefined) return null;
    if (sameAsRead(read, await this.#table.getLive(pk))) return null;
    return this.#staleRead(0);
  }

  /** The refusal of a decision made on a read the item no longer matches: tried again soon. */
  #staleRead(storedVersion: number): ClaimOutcome & { status: 'busy' } {
    return { status: 'busy', storedVersion, leaseUntilMs: this.#table.nowMs() + STALE_READ_RETRY_MS };
  }

  /**
   * The routing assignment `key` of a lead this instance's `getMany` read: from its item (kept for the
   * claim), null when the lead has no item (never claimed: no assignment is stored for it), or
   * undefined when the item does not hold it (another store may: `ClaimCarriedRouting` asks it).
   */
  assignmentOnItem(crm: CrmName, leadId: string, key: string): RecordedAssignment | null | undefined {
    const routes = this.#routes.get(`${crm}|${leadId}`);
    if (!routes) return undefined;
    const found = routes.carried[key] ?? routes.onItem?.[key];
    if (found) {
      routes.carried[key] = found;
      return found;
    }
    return routes.onItem === null ? null : undefined;
  }

  /**
   * Keeps `assignment` for the lead's claim to write (`claimDecided`), with the rep whose daily slot
   * was `reserved` for it. False when the lead was not read by this instance: the caller stores it
   * elsewhere.
   */
  carryAssignment(
    crm: CrmName,
    leadId: string,
    key: string,
    assignment: RecordedAssignment,
    reserved?: string,
  ): boolean {
    const routes = this.#routes.get(`${crm}|${leadId}`);
    if (!routes) return false;
    routes.carried[key] = assignment;
    routes.made.set(key, reserved);
    return true;
  }

  /**
   * Forgets the assignments made for a lead refused its claim, storing none (nothing was handed off
   * under them), and returns the daily slots they reserved, for the caller to give back. Only
   * assignments this decision made and `carryAssignment` kept (never one read from an item or
   * another store, nor one stored already): slots this attempt reserved.
   */
  dropRefused(crm: CrmName, leadId: string): Slot[] {
    const key = `${crm}|${leadId}`;
    // Refused by `claimDecided` (which let go of the rest), or by `confirmRead` (none taken).
    const refused = this.#refused.get(key);
    const routes = this.#routes.get(key);
    this.#refused.delete(key);
    this.#routes.delete(key);
    return refused ?? (routes ? slotsOf(routes) : []);
  }

  /**
   * Gives up the assignments made for a lead decided without a claim (one refused a claim:
   * `dropRefused`). A lead read with no item gets them on a new item (`routes` alone, if there is still
   * none): its retry takes a lead with no item to have no assignment (`assignmentOnItem`), so they
   * must be found there, or a toss-up whose task exists could be routed to another rep. Returns the
   * ones left for the caller to store elsewhere (the lead has an item: those read from it stay there).
   */
  async storeUnclaimed(crm: CrmName, leadId: string): Promise<Record<string, RecordedAssignment>> {
    const routes = this.#routes.get(`${crm}|${leadId}`);
    if (!routes) return {};
    this.#routes.delete(`${crm}|${leadId}`);
    const made = Object.fromEntries([...routes.made.keys()].map((key) => [key, routes.carried[key]!]));
    if (routes.onItem !== null || Object.keys(made).length === 0) return made;
    const expiry = this.#expiryClauses();
    const created = await this.#table.update(
      routes.pk,
      SINGLE,
      updateOf(expiry, {
        set: ['routes = :routes'],
        remove: [],
        names: {},
        values: { ':routes': str(JSON.stringify(made)) },
      }),
      { expression: 'attribute_not_exists(pk)' },
    );
    return created ? {} : made;
  }

  /**
   * Why a claim at `version` with `token` was refused, from the item as it is now; null when it is
   * free again. The item holding `token` means the claim did land: its answer was lost and the SDK's
   * retry of it failed on the item it had itself written (a refusal then would give back the slot
   * of a lead whose assignment the item carries).
   */
  async #refusal(pk: string, version: number, token: string): Promise<ClaimOutcome | null> {
    const current = await this.#table.get(pk);
    if (!current || stringOf(current, 'status') === null) return null; // gone between the two calls
    if (stringOf(current, 'token') === token) return { status: 'claimed', token };
    const storedVersion = numberOf(current, 'version') ?? 0;
    if (storedVersion > version) return { status: 'stale', storedVersion };
    if (stringOf(current, 'status') === 'done' && storedVersion === version) {
      return { status: 'done', storedVersion };
    }
    const leaseUntil = numberOf(current, 'leaseUntilMs') ?? 0;
    if (leaseUntil > this.#table.nowMs()) return { status: 'busy', storedVersion, leaseUntilMs: leaseUntil };
    return null; // the lease passed between the update and the read
  }

  async complete(leadKey: string, version: number, token: string): Promise<boolean> {
    const updated = await this.#table.update(
      `lead|${leadKey}`,
      SINGLE,
      {
        expression: 'SET #s = :done REMOVE leaseUntilMs',
        names: { '#s': 'status' },
        values: { ':done': str('done') },
      },
      claimHeld(version, token),
    );
    return updated !== null;
  }

  async release(leadKey: string, version: number, token: string): Promise<void> {
    const held = claimHeld(version, token);
    await this.#table.update(
      `lead|${leadKey}`,
      SINGLE,
      { expression: 'SET leaseUntilMs = :zero', values: { ':zero': num(0) } },
      {
        expression: `${held.expression} AND #s = :busy`,
        names: { ...held.names, '#s': 'status' },
        values: { ...held.values, ':busy': str('in_progress') },
      },
    );
  }

  /**
   * Strongly consistent, or eventually consistent (half the read units) where the store was built
   * with `eventualReads` (the worker): then every decision made on the read is claimed with the
   * token and the record's fields it saw required unchanged, or confirmed (`confirmRead`), before it
   * writes anything — a read that missed a claim, or a record written without one, is refused there.
   * (Until 2026-12-05 the claim required the token alone, which a record written without a claim
   * leaves as it was; the reads were strongly consistent then.)
   */
  async getMany(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord>> {
    return this.#read(crm, refs, !this.#eventualReads);
  }

  /**
   * The records of `refs` read again, strongly consistent, where `getMany` reads eventually (null
   * otherwise: its read is fresh already). For the leads a batch would let go undecided because their
   * inputs look as last decided — the one decision made on the read that no claim checks: a stale
   * read could hide a newer record, whose writes then stand for inputs the lead no longer has.
   */
  async readFresh(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord> | null> {
    if (!this.#eventualReads) return null;
    return this.#read(crm, refs, true);
  }

  async #read(
    crm: CrmName,
    refs: readonly RecheckRef[],
    consistent: boolean,
  ): Promise<Map<string, RecheckRecord>> {
    const items = await batchGetLive(
      this.#table,
      refs.map((ref) => pkOf(crm, ref)),
      consistent ? this.#batch : { ...this.#batch, consistentRead: false },
    );
    if (this.#reads.size > MAX_READ_TOKENS) this.#reads.clear();
    if (this.#routes.size > MAX_READ_TOKENS) this.#routes.clear();
    if (this.#refused.size > MAX_READ_TOKENS) this.#refused.clear();
    for (const ref of refs) {
      const pk = pkOf(crm, ref);
      const item = items.get(pk);
      this.#reads.set(pk, item ? snapshotOf(item) : null);
      const onItem = item ? routesOf(item) : null;
      // A record owner's assignment outlives the decision that made it (it keeps a person's later
      // change of owner standing): carried on whatever the lead's next claim is.
      const kept = Object.fromEntries(
        Object.entries(onItem ?? {}).filter(([key]) => key.includes(`|${OWNER_OF_RECORD}|`)),
      );
      // Read again before its claim: what was made for it stays; what was read is read afresh.
      const before = this.#routes.get(`${crm}|${ref.leadId}`);
      // A refusal before this read is no longer this decision's.
      this.#refused.delete(`${crm}|${ref.leadId}`);
      const made = before?.made ?? new Map<string, string | undefined>();
      this.#routes.set(`${crm}|${ref.leadId}`, {
        onItem,
        carried: { ...kept, ...Object.fromEntries([...made.keys()].map((k) => [k, before!.carried[k]!])) },
        made,
        pk,
      });
    }
    const out = new Map<string, RecheckRecord>();
    const unmoved: RecheckRef[] = [];
    for (const ref of refs) {
      const item = items.get(pkOf(crm, ref));
      // An earlier build's record lives apart only for a lead it decided, which left its claim on the
      // lead's item, or one its `due` entry has named (`dueBefore`). A lead never decided has neither:
      // no half read unit spent looking (docs/cost.md).
      if (item?.rk === undefined) {
        if (item || this.#legacy.has(legacyPkOf(crm, ref))) unmoved.push(ref);
      }
      // A claim renews the item's expiry, not the record's: a record past its own is none.
      else if ((numberOf(item, 'rk') ?? 0) > this.#table.nowMs()) addRecord(out, ref, item);
    }
    if (unmoved.length === 0) return out;
    // Records an earlier build wrote: never written again, so an eventually consistent read will do.
    const legacy = await batchGetLive(
      this.#table,
      unmoved.map((r) => legacyPkOf(crm, r)),
      { ...this.#batch, consistentRead: false },
    );
    for (const ref of unmoved) {
      const item = legacy.get(legacyPkOf(crm, ref));
      if (!item) continue;
      this.#legacy.add(legacyPkOf(crm, ref));
      addRecord(out, ref, item);
    }
    return out;
  }

  async schedule(crm: CrmName, records: readonly RecheckRecord[]): Promise<void> {
    await this.fileRechecks(crm, records);
    for (const recheck of records) {
      await this.#table.update(pkOf(crm, recheck), SINGLE, updateOf(await this.#recheckUpdate(crm, recheck)));
    }
    await this.#dropLegacy(crm, records);
  }

  async remove(crm: CrmName, refs: readonly RecheckRef[]): Promise<void> {
    const none = (ref: RecheckRef): RecheckRecord => ({
      ...ref,
      recheckAt: null,
      holdSince: null,
      inputs: null,
    });
    // Rare (leads gone from the CRM or skipped by the sweep): an earlier build's item is removed
    // whether or not this instance has seen it.
    for (const ref of refs) this.#legacy.add(legacyPkOf(crm, ref));
    await this.schedule(crm, refs.map(none));
  }

  /**
   * Files the leads of `records` that have a `recheckAt` in rosters, one item per instant (the
   * `due` index holds the roster, not each lead's item): a batch's re-checks mostly share their
   * instant (a local midnight, the next month's start), so one write and one index entry serve many.
   * Called before the records are written (`claimDecided`, `schedule`), so no written record is ever
   * due without a roster; a roster listing a lead whose write then failed lists it as not due.
   */
  async fileRechecks(crm: CrmName, records: readonly RecheckRecord[]): Promise<void> {
    if (records.every((r) => r.recheckAt === null)) return;
    const filedAt = this.#table.nowMs();
    await this.#ensureFloor(crm, filedAt);
    await fileRosters(
      this.#table,
      recheckRosters(crm),
      records.map((r) => ({ instant: r.recheckAt, entry: recheckKey(r) })),
    );
    if (this.#filed.size > MAX_READ_TOKENS) this.#filed.clear();
    for (const r of records) if (r.recheckAt !== null) this.#filed.set(filedKey(crm, r), filedAt);
  }

  /**
   * The leads of `rosters` still due at their roster's instant: their item's record says that
   * `recheckAt` (and lives).
   */
  async #openRosters(
    crm: CrmName,
    rosters: readonly RosterRef[],
  ): Promise<{ due: DueRecheck[]; held: boolean }> {
    const now = this.#table.nowMs();
    const { opened, held } = await openRosters(
      this.#table,
      recheckRosters(crm),
      rosters,
      async (listed) => {
        const leads = await batchGetLive(
          this.#table,
          [...new Set(listed.map((key) => `lead|${crm}|${key}`))],
          this.#batch,
        );
        return (key, instant) => {
          const item = leads.get(`lead|${crm}|${key}`);
          return (
            item !== undefined && (numberOf(item, 'rk') ?? 0) > now && stringOf(item, 'recheckAt') === instant
          );
        };
      },
      this.#batch,
    );
    const due = opened.flatMap((r) =>
      r.due.map((key) => {
        const bar = key.indexOf('|');
        return { objectType: key.slice(0, bar), leadId: key.slice(bar + 1), recheckAt: r.instant };
      }),
    );
    return { due, held };
  }

  async dueBefore(crm: CrmName, at: Date, limit: number): Promise<DueRecheck[]> {
    const now = this.#table.nowMs();
    const last = dayOf(at.getTime());
    const floorItem = await this.#table.get(floorPk(crm));
    const floor = floorItem && stringOf(floorItem, 'day');
    if (!floor) return [];
    const found = new Map<string, DueRecheck>();
    let firstNonEmpty: string | null = null;
    for (let t = Date.parse(`${floor}T00:00:00.000Z`); dayOf(t) <= last && found.size < limit; t += DAY_MS) {
      const day = dayOf(t);
      let start: Item | undefined;
      do {
        const page = await this.#table.queryIndex(
          DUE_INDEX,
          'dueBucket = :b AND dueAt <= :t',
          { ':b': str(bucketOf(crm, day)), ':t': str(`${at.toISOString()}#\uffff`) },
          { limit: limit - found.size, start },
        );
        start = page.LastEvaluatedKey;
        const { rosters, own } = splitIndexPage(page.Items ?? [], ROSTER);
        // Entries an earlier build filed on the lead's item (or its own re-check item): as they were.
        let held = own.length > 0;
        for (const { instant, ref, item } of own) {
          const bar = ref.indexOf('|');
          const due = { recheckAt: instant, objectType: ref.slice(0, bar), leadId: ref.slice(bar + 1) };
          // KEYS_ONLY still projects the table's key: an earlier build's item says so by its pk.
          const pk = legacyPkOf(crm, due);
          if (stringOf(item, 'pk') === pk) this.#legacy.add(pk);
          if (!found.has(recheckKey(due))) found.set(recheckKey(due), due);
        }
        const rostersHeld = await dueInRosters(
          rosters,
          (some) => this.#openRosters(crm, some),
          () => found.size >= limit,
          (d) => {
            if (!found.has(recheckKey(d))) found.set(recheckKey(d), d);
          },
        );
        held ||= rostersHeld;
        if (held) firstNonEmpty ??= day;
      } while (start && found.size < limit);
    }
    const safe = dayOf(Math.min(now, at.getTime()) - DAY_MS);
    const next = firstNonEmpty !== null && firstNonEmpty < safe ? firstNonEmpty : safe;
    if (next > floor) await this.#table.put({ pk: str(floorPk(crm)), sk: str(SINGLE), day: str(next) });
    return [...found.values()]
      .sort((a, b) =>
        dueOrder({ instant: a.recheckAt, key: recheckKey(a) }, { instant: b.recheckAt, key: recheckKey(b) }),
      )
      .slice(0, limit);
  }

  /** The SET and REMOVE clauses that make the item hold `recheck` (and say it lives here). */
  async #recheckUpdate(crm: CrmName, recheck: RecheckRecord): Promise<Clauses> {
    const { set, names, values } = this.#expiryClauses();
    set.push('rk = :rk');
    values[':rk'] = values[':exp']!;
    const fields: Partial<Record<(typeof RECHECK_ATTRIBUTES)[number], string>> = {};
    if (keepsRecheckRecord(recheck)) {
      if (recheck.holdSince !== null) fields.holdSince = recheck.holdSince;
      if (recheck.inputs) fields.inputs = recheck.inputs;
      if (recheck.recheckAt !== null) {
        // Filed in a roster before the item says it (a batch files its leads together first).
        const filedAt = this.#filed.get(filedKey(crm, recheck));
        // Half the grace: the write that follows lands well within it.
        if (filedAt === undefined || this.#table.nowMs() - filedAt >= ROSTER_GRACE_MS / 2)
          await this.fileRechecks(crm, [recheck]);
        this.#filed.delete(filedKey(crm, recheck));
        fields.recheckAt = recheck.recheckAt;
      }
    }
    const remove: string[] = [];
    for (const name of RECHECK_ATTRIBUTES) {
      const value = fields[name];
      if (value === undefined) {
        remove.push(name);
        continue;
      }
      set.push(`${name} = :${name}`);
      values[`:${name}`] = str(value);
    }
    return { set, remove, names, values };
  }

  /** The clauses that renew the item's expiry (`expiresAtMs`, DynamoDB's `ttl`). */
  #expiryClauses(): Clauses {
    const expiry = this.#table.expiry(RETENTION_SECONDS);
    return {
      set: ['expiresAtMs = :exp', '#ttl = :ttl'],
      remove: [],
      names: { '#ttl': 'ttl' },
      values: { ':exp': expiry.expiresAtMs as Item[string], ':ttl': expiry.ttl as Item[string] },
    };
  }

  /** Deletes the earlier build's items of `refs` this instance has seen (and so their index entries). */
  async #dropLegacy(crm: CrmName, refs: readonly RecheckRef[]): Promise<void> {
    for (const ref of refs) {
      const pk = legacyPkOf(crm, ref);
      if (!this.#legacy.has(pk)) continue;
      await this.#table.delete(pk);
      this.#legacy.delete(pk);
    }
  }

  /** The first entry of a CRM creates its floor at the previous day: nothing is filed below it. */
  async #ensureFloor(crm: CrmName, now: number): Promise<void> {
    if (this.#floorEnsured.has(crm)) return;
    await this.#table.put(
      { pk: str(floorPk(crm)), sk: str(SINGLE), day: str(dayOf(now - DAY_MS)) },
      { expression: 'attribute_not_exists(pk)' },
    );
    this.#floorEnsured.add(crm);
  }
}

/** Parts of one UpdateItem: SET and REMOVE clauses with their names and values. */
interface Clauses {
  set: string[];
  remove: string[];
  names: Record<string, string>;
  values: Item;
}

/** A claim's SET clauses: the version, in progress, its lease and token. */
function claimClauses(version: number, leaseUntilMs: number, token: string): Clauses {
  return {
    set: ['#v = :v', '#s = :busy', 'leaseUntilMs = :lease', '#tok = :tok'],
    remove: [],
    names: { '#v': 'version', '#s': 'status', '#tok': 'token' },
    values: {
      ':v': num(version),
      ':busy': str('in_progress'),
      ':lease': num(leaseUntilMs),
      ':tok': str(token),
    },
  };
}

/** One update of several parts. */
function updateOf(...parts: Clauses[]): { expression: string; names: Record<string, string>; values: Item } {
  const set = parts.flatMap((p) => p.set);
  const remove = parts.flatMap((p) => p.remove);
  return {
    expression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    names: Object.assign({}, ...parts.map((p) => p.names)),
    values: Object.assign({}, ...parts.map((p) => p.values)),
  };
}

/**
 * A claim at `version` may be taken: `status` and not `pk` (the item may hold only a re-check record,
 * as a lead decided without a version claim leaves), a done older version, or a lapsed claim at
 * `version` or older.
 */
function claimCondition(version: number, nowMs: number) {
  return {
    expression:
      'attribute_not_exists(#s) OR (#s = :done AND #v < :v) OR (#s = :busy AND #v <= :v AND leaseUntilMs <= :now)',
    names: { '#s': 'status', '#v': 'version' },
    values: {
      ':done': str('done'),
      ':busy': str('in_progress'),
      ':v': num(version),
      ':now': num(nowMs),
    },
  };
}

/** The claim at `version` is still the one `token` took. */
function claimHeld(version: number, token: string) {
  return {
    expression: '#tok = :tok AND #v = :v',
    names: { '#tok': 'token', '#v': 'version' },
    values: { ':tok': str(token), ':v': num(version) },
  };
}

function snapshotOf(item: Item): ReadSnapshot {
  const fields = Object.fromEntries(READ_FIELDS.map((f) => [f, stringOf(item, f)])) as ReadSnapshot['fields'];
  return { token: stringOf(item, 'token'), fields, rk: numberOf(item, 'rk') };
}

/** The attributes a snapshot holds, as DynamoDB values (null: absent): the same for both checks. */
function attributesOf(read: ReadSnapshot): [string, Item[string] | null][] {
  return [
    ['token', read.token === null ? null : str(read.token)],
    ...READ_FIELDS.map((f): [string, Item[string] | null] => [
      f,
      read.fields[f] === null ? null : str(read.fields[f]),
    ]),
    // Without `rk` the record was read from an earlier build's item, which a write here (a re-check's
    // removal) replaces: that write leaves the fields as they were, and sets `rk`.
    ['rk', read.rk === null ? null : num(read.rk)],
  ];
}

/** The item is as `read` saw it (null: no item). */
function sameAsRead(read: ReadSnapshot | null, item: Item | null): boolean {
  if (read === null || item === null) return read === null && item === null;
  // Single S or N values: their JSON is what they are.
  const now = new Map(attributesOf(snapshotOf(item)));
  return attributesOf(read).every(([name, value]) => JSON.stringify(now.get(name)) === JSON.stringify(value));
}

/**
 * The condition that the item is as `read` saw it. No item then: none now, or only one past its
 * expiry (which `getMany` reads as none, and DynamoDB's TTL has yet to delete).
 */
function asRead(
  read: ReadSnapshot | null,
  nowMs: number,
): { expression: string; names: Record<string, string>; values: Item } {
  if (read === null) {
    return {
      expression: '(attribute_not_exists(#r_pk) OR #r_exp <= :r_now)',
      names: { '#r_pk': 'pk', '#r_exp': 'expiresAtMs' },
      values: { ':r_now': num(nowMs) },
    };
  }
  const names: Record<string, string> = {};
  const values: Item = {};
  const parts: string[] = [];
  for (const [name, value] of attributesOf(read)) {
    names[`#r_${name}`] = name;
    if (value === null) parts.push(`attribute_not_exists(#r_${name})`);
    else {
      parts.push(`#r_${name} = :r_${name}`);
      values[`:r_${name}`] = value;
    }
  }
  return { expression: parts.join(' AND '), names, values };
}

/** The slots reserved for the assignments a decision made (`carryAssignment`): none read or stored. */
function slotsOf(routes: LeadRoutes): Slot[] {
  return [...routes.made].flatMap(([key, repKey]) =>
    repKey === undefined ? [] : [{ repKey, businessDate: routes.carried[key]!.result.businessDate }],
  );
}

/** The routing assignments a claim left on the item (`routes`, JSON); none when absent or unreadable. */
function routesOf(item: Item): Record<string, RecordedAssignment> {
  const text = stringOf(item, 'routes');
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, RecordedAssignment>;
  } catch {
    // Unreadable: as if absent, so the lead is looked up in the route items and routed afresh.
    return {};
  }
}

function addRecord(out: Map<string, RecheckRecord>, ref: RecheckRef, item: Item): void {
  const recheckAt = stringOf(item, 'recheckAt');
  const holdSince = stringOf(item, 'holdSince');
  const inputs = stringOf(item, 'inputs');
  if (recheckAt === null && holdSince === null && !inputs) return;
  out.set(recheckKey(ref), {
    objectType: ref.objectType,
    leadId: ref.leadId,
    recheckAt,
    holdSince,
    ...(inputs ? { inputs } : {}),
  });
}

function filedKey(crm: CrmName, r: RecheckRecord): string {
  return `${crm}|${recheckKey(r)}|${r.recheckAt}`;
}

/** A CRM's re-check rosters (src/aws/due-rosters.ts): `<objectType>|<leadId>` entries, day partitions. */
function recheckRosters(crm: CrmName): RosterKind<string> {
  return {
    prefix: `${ROSTER}${crm}|`,
    bucketOf: (instant, now) => bucketOf(crm, dayOf(Math.max(Date.parse(instant), now))),
    retentionSeconds: RETENTION_SECONDS,
    parse: (v) => (typeof v === 'string' && v.includes('|') ? v : null),
    recordOf: (key) => key,
  };
}

function pkOf(crm: CrmName, ref: RecheckRef): string {
  return `lead|${crm}|${recheckKey(ref)}`;
}

function legacyPkOf(crm: CrmName, ref: RecheckRef): string {
  return `recheck|${crm}|${recheckKey(ref)}`;
}

function floorPk(crm: CrmName): string {
  return `recheckdue|${crm}|floor`;
}

function bucketOf(crm: CrmName, day: string): string {
  return `recheck|${crm}|${day}`;
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
