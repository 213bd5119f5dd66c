import { FailureKind } from '../../src/domain/errors.ts';
import { CHANGED_SINCE_READ, type WriteOutcome } from '../../src/ports/lead-sink.ts';
import type { CallRunner } from './call-runner.ts';
import { prefetchFirstPages, RestQuery } from './change-streams.ts';
import { idOf, modstampOf, type SfRow } from './record-to-lead.ts';
import { type PersonObject, soqlDateTime, soqlString } from './soql.ts';

/**
 * The race the echo exclusion opens (BEHAVIOR.md "No echo"): incremental runs skip records whose
 * LastModifiedById is the integration user. If someone edits a lead after we read it and before we
 * write it, our write makes us its last modifier and the next run would never see their edit.
 *
 * So, right before the toss-up fields of a batch are written, one query per object asks which
 * records others changed since the run's read horizon (everything the run read is older than it).
 * Those records are not written: their outcome is "changed since read" and the next run reads them
 * (their last modifier is someone else) and decides on what they hold now. The query returns only
 * concurrent edits of others — the next run's input anyway — so it costs one call per batch in a
 * quiet org (Leads and Contacts together in one Composite call). What is left: an edit landing between this query and the write call itself
 * (the time of one batch's PATCH calls); BEHAVIOR.md says so.
 *
 * Writes between syncs (the SLA sweep's SLA fields, owner and opportunity flag) read nothing of the
 * lead, so their horizon is the sync's cursor (`noteSyncCursor`): a record others changed since it is
 * the next sync's input, and writing it would hide that change from the sync.
 */
export class WriteGuard {
  private readonly runner: CallRunner;
  private horizon: number | null = null;
  private ownUserId: string | null = null;

  constructor(runner: CallRunner) {
    this.runner = runner;
  }

  private byIds = false;

  /** Set by each run's read (the window's end); null user = no guard (the id was not known). */
  noteReadHorizon(horizon: number, ownUserId: string | null): void {
    this.horizon = ownUserId ? horizon : null;
    this.ownUserId = ownUserId;
    this.byIds = false;
  }

  /**
   * Reads by id (the worker, re-checks) read in chunks before one write: the guard starts at the
   * earliest of them until a write settles them (`settled`).
   */
  noteReadByIds(serverNow: number, ownUserId: string | null): void {
    if (!ownUserId) return;
    this.horizon = this.byIds && this.horizon !== null ? Math.min(this.horizon, serverNow) : serverNow;
    this.ownUserId = ownUserId;
    if (!this.byIds) this.readVersions.clear();
    this.byIds = true;
  }

  /**
   * The SystemModstamp of each record a read by id returned. A record whose stamp is still the one
   * read has not changed since, however recent: without this, a change younger than the read lag
   * (a change event's own change, read seconds after it) would be held back as "changed since read"
   * and wait for the next sync.
   */
  noteReadVersions(rows: readonly SfRow[]): void {
    if (!this.byIds) return;
    for (const row of rows) {
      const stamp = modstampOf(row);
      if (Number.isFinite(stamp)) this.readVersions.set(idOf(row).slice(0, 15), stamp);
    }
  }

  /** 15-character id → the SystemModstamp read (reads by id only). */
  private readonly readVersions = new Map<string, number>();

  private syncCursorAt: number | null = null;
  private syncSeenAtCursor: ReadonlySet<string> = new Set();
  private syncUserId: string | null = null;

  /**
   * Writes between syncs (`changedSinceSync`) leave alone what others changed at or after `at` (the
   * sync cursor's instant) except the records the sync already read at that very instant (`seenIds`,
   * the cursor's tie-break: the next sync skips them too); null = no cursor (the next sync is a
   * backfill and reads everything) or no exclusion (null user).
   */
  noteSyncCursor(at: number | null, seenIds: readonly string[], ownUserId: string | null): void {
    this.syncCursorAt = ownUserId ? at : null;
    this.syncSeenAtCursor = new Set(seenIds.map((id) => id.slice(0, 15)));
    this.syncUserId = ownUserId;
  }

  /** Ids among `ids` that others changed since the sync cursor (`noteSyncCursor`): not to be written. */
  changedSinceSync(idsByObject: ReadonlyMap<PersonObject, readonly string[]>): Promise<Set<string>> {
    const at = this.syncCursorAt;
    const seen = this.syncSeenAtCursor;
    return this.changedSince(at, this.syncUserId, idsByObject, (row) => {
      const id = idOf(row).slice(0, 15);
      return !(seen.has(id) && Date.parse(String(row.SystemModstamp)) === at);
    });
  }

  /** After a write: reads by id start a new horizon (a sync run's stays for its later pages). */
  settled(): void {
    if (this.byIds) this.horizon = null;
    this.byIds = false;
    this.readVersions.clear();
  }

  /**
   * Ids among `ids` (per object) that someone other than us modified after the read horizon. With
   * Leads and Contacts both present, both queries go in one Composite call (change-streams.ts).
   */
  changedSinceRead(idsByObject: ReadonlyMap<PersonObject, readonly string[]>): Promise<Set<string>> {
    const read = this.byIds ? this.readVersions : null;
    return this.changedSince(this.horizon, this.ownUserId, idsByObject, (row) => {
      const stamp = read?.get(idOf(row).slice(0, 15));
      return stamp === undefined || modstampOf(row) > stamp;
    });
  }

  private async changedSince(
    horizon: number | null,
    us: string | null,
    idsByObject: ReadonlyMap<PersonObject, readonly string[]>,
    counts: (row: SfRow) => boolean = () => true,
  ): Promise<Set<string>> {
    const out = new Set<string>();
    if (horizon === null || !us) return out;
    const queries: { ids: readonly string[]; query: RestQuery }[] = [];
    for (const [object, ids] of idsByObject) {
      if (ids.length === 0) continue;
      const soql =
        `SELECT Id, SystemModstamp FROM ${object} WHERE SystemModstamp >= ${soqlDateTime(horizon)}` +
        ` AND LastModifiedById != ${soqlString(us)}`;
      queries.push({
        ids,
        query: new RestQuery(this.runner, {
          soql,
          scanAll: false,
          batchSize: 2000,
          what: `${object} changed since read`,
        }),
      });
    }
    await prefetchFirstPages(
      this.runner,
      queries.map((q) => q.query),
      'query records changed since read',
    );
    for (const { ids, query } of queries) {
      // 15-character keys: the same record whether an id came in its 15- or 18-character form.
      const changed = new Set<string>();
      do for (const row of await query.page()) if (counts(row)) changed.add(idOf(row).slice(0, 15));
      while (!query.done);
      for (const id of ids) if (changed.has(id.slice(0, 15))) out.add(id);
    }
    return out;
  }
}

/** The Leads and Contacts among `updates`, per object, for `changedSinceRead`/`changedSinceSync`. */
export function idsByPersonObject(
  updates: readonly { leadId: string; objectType: string }[],
): Map<PersonObject, string[]> {
  return new Map(
    (['Lead', 'Contact'] as const).map((o) => [
      o,
      updates.filter((u) => u.objectType === o).map((u) => u.leadId),
    ]),
  );
}

/** The outcome of a record the guard held back (not written; the next read decides it again). */
export function changedSinceReadOutcome(id: string, when: 'read' | 'sync'): WriteOutcome {
  return {
    ok: false,
    id,
    kind: FailureKind.InvalidRecord,
    code: CHANGED_SINCE_READ,
    message:
      when === 'read'
        ? 'changed by another user after this run read it; not written, the next run reads and decides it again'
        : 'changed by another user since the last sync read; not written, the next sync reads it and this write is retried after it',
  };
}
