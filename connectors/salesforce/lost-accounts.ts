import type { CallRunner } from './call-runner.ts';
import { queryAllRows } from './change-streams.ts';
import { valueAt } from './record-to-lead.ts';
import { lostAccountsSoql } from './soql.ts';

/**
 * "Previously lost" for Contacts: does the account have a closed-lost Opportunity? Child rows of an
 * account cannot be read through a Contact query, so the answer is looked up per page, cached for the
 * run: a page with few unknown accounts asks about those (one call, ids in the URL); a page with many
 * loads every account with a lost opportunity once (ids only, 2,000 per call) and needs no more calls.
 * With a roll-up summary field on Account the mapping reads that instead and this is never used.
 */
export class LostAccounts {
  /** Above this many unknown accounts, loading all lost accounts once is cheaper than asking. */
  static readonly ASK_AT_MOST = 250;
  private readonly runner: CallRunner;
  private readonly withinDays: number | null;
  private readonly known = new Map<string, boolean>();
  private allLoaded = false;

  constructor(runner: CallRunner, withinDays: number | null) {
    this.runner = runner;
    this.withinDays = withinDays;
  }

  /** Makes sure `isLost` can answer for these accounts (at most one call). */
  async prepare(accountIds: Iterable<string>): Promise<void> {
    if (this.allLoaded) return;
    const unknown = [...new Set(accountIds)].filter((id) => !this.known.has(key(id)));
    if (unknown.length === 0) return;
    if (unknown.length <= LostAccounts.ASK_AT_MOST) {
      const rows = await queryAllRows(
        this.runner,
        lostAccountsSoql(unknown, this.withinDays),
        'lost opportunities',
      );
      for (const id of unknown) this.known.set(key(id), false);
      for (const r of rows) this.known.set(key(String(valueAt(r, 'AccountId'))), true);
      return;
    }
    const rows = await queryAllRows(
      this.runner,
      lostAccountsSoql(null, this.withinDays),
      'lost opportunities',
    );
    for (const r of rows) this.known.set(key(String(valueAt(r, 'AccountId'))), true);
    this.allLoaded = true;
  }

  isLost(accountId: string): boolean {
    return this.known.get(key(accountId)) ?? false;
  }
}

/** 15- and 18-character forms of one id share their first 15 characters. */
function key(id: string): string {
  return id.slice(0, 15);
}
