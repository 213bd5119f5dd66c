import type { CallRunner } from './call-runner.ts';
import { queryAllRows } from './change-streams.ts';
import { idOf } from './record-to-lead.ts';
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
 * concurrent edits of others — the next run's input anyway — so it costs one call per object per
 * batch in a quiet org. What is left: an edit landing between this query and the write call itself
 * (the time of one batch's PATCH calls); BEHAVIOR.md says so.
 */
export class WriteGuard {
  private readonly runner: CallRunner;
  private horizon: number | null = null;
  private ownUserId: string | null = null;

  constructor(runner: CallRunner) {
    this.runner = runner;
  }

  /** Set by each incremental read (the window's end); a backfill (no own-user exclusion) clears it. */
  noteReadHorizon(horizon: number, ownUserId: string | null): void {
    this.horizon = ownUserId ? horizon : null;
    this.ownUserId = ownUserId;
  }

  /** Ids among `ids` of `object` that someone other than us modified after the read horizon. */
  async changedSinceRead(object: PersonObject, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (this.horizon === null || !this.ownUserId || ids.length === 0) return out;
    const soql =
      `SELECT Id FROM ${object} WHERE SystemModstamp >= ${soqlDateTime(this.horizon)}` +
      ` AND LastModifiedById != ${soqlString(this.ownUserId)}`;
    const rows = await queryAllRows(this.runner, soql, `${object} changed since read`);
    // 15-character keys: the same record whether an id came in its 15- or 18-character form.
    const changed = new Set(rows.map((r) => idOf(r).slice(0, 15)));
    for (const id of ids) if (changed.has(id.slice(0, 15))) out.add(id);
    return out;
  }
}
