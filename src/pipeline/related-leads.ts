import type { Lead } from '../domain/lead.ts';
import type { AccountChangeSource } from '../ports/account-changes.ts';
import type { LeadPage, LeadSource, SyncCursor } from '../ports/lead-source.ts';
import type { StateStore } from '../ports/state-store.ts';
import { type StopSignal, stopFromError } from './failure-policy.ts';
import { readPagesAndCommit } from './page-loop.ts';

/**
 * The account-trigger phase of a sync (issue 14): the people of accounts that changed since this
 * phase's own cursor are decided again, like a page of changed leads. Its cursor is separate from the
 * person cursor (`accountCursorKey`) because the two streams move independently: a run with no
 * changed person still moves past the accounts it handled, so an account change is acted on once,
 * not in every run until some person changes. Same loop as the person pages (`readPagesAndCommit`:
 * commit after hand-off, compare-and-set, never backwards), so a stop re-reads the page next time;
 * deciding is idempotent (the plan writes only what differs, tasks are keyed), so a re-read costs
 * calls, never a second task.
 */

export function accountCursorKey(crm: string, scope: string): string {
  return `accounts|${crm}|${scope}`;
}

export interface RelatedLeadsOptions {
  source: AccountChangeSource;
  crm: LeadSource['crm'];
  state: Pick<StateStore, 'getCursor' | 'putCursor'>;
  key: string;
  /** False: read and decide only (a dry run), never commit. */
  commit: boolean;
  beforeCommit?: () => void;
  /** Decides one page of related leads; a returned stop leaves the page uncommitted. */
  handle(leads: Lead[]): Promise<StopSignal | null>;
  /** A page was handed off (and committed, when `committed` is set). */
  onPage?(accounts: number, leads: number): void;
  committed?(cursor: SyncCursor): void;
}

/** Never throws: a failure becomes the returned stop. */
export async function decideRelatedLeads(o: RelatedLeadsOptions): Promise<StopSignal | null> {
  let stored: Awaited<ReturnType<StateStore['getCursor']>>;
  try {
    stored = await o.state.getCursor(o.key);
  } catch (e) {
    return stopFromError(e);
  }
  const accountsOfPage = new WeakMap<Lead[], number>();
  const asLeadSource: LeadSource = {
    crm: o.crm,
    // An iterator over the source's pages, not a generator: a generator's `for await` keeps the page
    // it last handed on while the next is read (page-loop.ts).
    readChanges({ since }): AsyncIterableIterator<LeadPage> {
      const pages = o.source.readChanges(since)[Symbol.asyncIterator]();
      return {
        [Symbol.asyncIterator]() {
          return this;
        },
        async next(): Promise<IteratorResult<LeadPage>> {
          const r = await pages.next();
          if (r.done) return { done: true, value: undefined };
          accountsOfPage.set(r.value.leads, r.value.accountIds.length);
          return { done: false, value: { leads: r.value.leads, deletedIds: [], cursor: r.value.cursor } };
        },
        async return(): Promise<IteratorResult<LeadPage>> {
          await pages.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
  const { stop } = await readPagesAndCommit({
    source: asLeadSource,
    state: o.state,
    key: o.key,
    stored,
    commit: o.commit,
    beforeCommit: o.beforeCommit,
    async handle(leads, page) {
      o.onPage?.(accountsOfPage.get(page.leads) ?? 0, leads.length);
      return leads.length > 0 ? o.handle(leads) : null;
    },
    committed: (cursor) => o.committed?.(cursor),
  });
  return stop;
}
