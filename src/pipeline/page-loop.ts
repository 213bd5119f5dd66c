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
  // Iterated by hand, not with `for await`: a suspended async function keeps the values its
  // registers last held, and the loop's `page` kept the page just handled (its leads) alive while the
  // source read and built the next one — two pages of leads at the sync's peak. Each is dropped
  // before the next is asked for.
  let pages: AsyncIterator<LeadPage> | null = null;
  try {
    pages = o.source
      .readChanges({
        since: start,
        limit: o.limit ?? undefined,
        ...(o.includeOwnWrites ? { includeOwnWrites: true } : {}),
      })
      [Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<LeadPage> | null = await pages.next();
      if (next.done) {
        pages = null;
        break;
      }
      let page: LeadPage | null = next.value;
      next = null;
      const deleted = new Set(page.deletedIds);
      let leads: Lead[] | null = deleted.size ? page.leads.filter((l) => !deleted.has(l.id)) : page.leads;
      const stop = await o.handle(leads, page);
      leads = null;
      const cursor = page.cursor;
      page = null;
      if (stop) return { stop, endedEarly: false };
      if ((o.commit ?? true) && past(cursor)) {
        o.beforeCommit?.();
        version = (await o.state.putCursor(o.key, cursor, version)).version;
        floor = cursor;
        o.committed?.(cursor);
      }
      if (o.enough?.()) return { stop: null, endedEarly: true };
    }
  } catch (e) {
    return { stop: stopFromError(e), endedEarly: false };
  } finally {
    // What `for await` does when the loop ends early: the source finishes (its `finally` blocks run).
    if (pages) await closeQuietly(pages);
  }
  return { stop: null, endedEarly: false };
}

async function closeQuietly(pages: AsyncIterator<LeadPage>): Promise<void> {
  try {
    await pages.return?.();
  } catch {
    // `for await` would throw it from the loop; the run has already stopped or ended.
  }
}
