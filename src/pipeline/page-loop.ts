import type { Lead } from '../domain/lead.ts';
import type { LeadPage, LeadSource, SyncCursor } from '../ports/lead-source.ts';
import type { StateStore, StoredCursor } from '../ports/state-store.ts';
import { cursorAtOrAfter, sameCursor } from './cursor-order.ts';
import { type StopSignal, stopFromError } from './failure-policy.ts';

export interface PageLoopOptions {
  source: LeadSource;
  state: Pick<StateStore, 'putCursor'>;
  /** The cursor's key (`cursorKey(crm, scope)`). */
  key: string;
  /** The cursor stored when the run began: its version guards the first commit (compare-and-set). */
  stored: StoredCursor | null;
  /** Where reading starts (default: the stored cursor). */
  start?: SyncCursor | null;
  /** Stop after about this many leads (whole pages); passed to the source. */
  limit?: number | null;
  /** Passed to the source (`ReadOptions.includeOwnWrites`): true for an explicit `--since`. */
  includeOwnWrites?: boolean;
  /** False: read and hand off only, never commit (a dry run, `--since` ahead of the stored cursor). */
  commit?: boolean;
  /** Runs right before each commit and throws to stop it (the run lease's `assertHeld`). */
  beforeCommit?: () => void;
  /**
   * Hands one page's leads off (records the page reports deleted are left out: nothing is written
   * for them). A returned stop ends the loop with the page uncommitted.
   */
  handle(leads: Lead[], page: LeadPage): Promise<StopSignal | null>;
  /** A page's cursor was committed. */
  committed?(cursor: SyncCursor): void;
  /** Asked after each handed-off page: true ends the loop there (a limit, the time left). */
  enough?(): boolean;
}

export interface PageLoopResult {
  /** Why the loop stopped early on a failure; null when it ran out of pages or had `enough`. */
  stop: StopSignal | null;
  /** `enough` ended the loop before the source ran out. */
  endedEarly: boolean;
}

/**
 * The one "read a page, hand it off, commit its cursor" loop, for `tossup sync` (`runSync`, which
 * processes each page) and the scheduled Lambda (`enqueueChanges`, which queues each page for the
 * worker). A page's cursor is committed with compare-and-set only after the page was handed off,
 * and only when it is past the last committed one (the cursor never moves backwards), so a crash or
 * a stop in between re-reads the page next time and nothing is skipped. Never throws: anything the
 * source, the hand-off or the state store throws becomes the result's `stop`.
 */
export async function readPagesAndCommit(o: PageLoopOptions): Promise<PageLoopResult> {
  let floor = o.stored?.cursor ?? null;
  let version = o.stored?.version ?? null;
  const start = o.start === undefined ? floor : o.start;
  const past = (cursor: SyncCursor) =>
    floor === null || (cursorAtOrAfter(cursor, floor) && !sameCursor(cursor, floor));
  try {
    for await (const page of o.source.readChanges({
      since: start,
      limit: o.limit ?? undefined,
      ...(o.includeOwnWrites ? { includeOwnWrites: true } : {}),
    })) {
      const deleted = new Set(page.deletedIds);
      const leads = deleted.size ? page.leads.filter((l) => !deleted.has(l.id)) : page.leads;
      const stop = await o.handle(leads, page);
      if (stop) return { stop, endedEarly: false };
      if ((o.commit ?? true) && past(page.cursor)) {
        o.beforeCommit?.();
        version = (await o.state.putCursor(o.key, page.cursor, version)).version;
        floor = page.cursor;
        o.committed?.(page.cursor);
      }
      if (o.enough?.()) return { stop: null, endedEarly: true };
    }
  } catch (e) {
    return { stop: stopFromError(e), endedEarly: false };
  }
  return { stop: null, endedEarly: false };
}
