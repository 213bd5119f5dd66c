import type { ApiUsage } from '../../src/ports/crm-connector.ts';

/**
 * The work done so far, for `usage().minimum`: the fewest calls the same work needs with REST —
 * records read / 2,000 (query batch) + records updated / 200 + tasks upserted / 200 (Collections)
 * + episodes checked by the SLA sweep / 200 (a Task and an Event query per 200 ids, in one Composite call)
 * + opportunities read by the sweep's opportunity phase × 3 / 200 (the page, its converted Leads and
 *   its contact roles or account contacts).
 * The calls themselves are counted by the client's transport, per endpoint, retries included.
 */
export class UsageMeter {
  recordsRead = 0;
  recordsUpdated = 0;
  tasksUpserted = 0;
  /** SLA sweep: episodes whose facts were read (episodes.ts); their rows are not `recordsRead`. */
  episodesChecked = 0;
  /** Lead-to-account matching: Account rows of the per-run index (lead-accounts.ts). */
  accountsRead = 0;
  /** The sweep's opportunity phase: opportunities read (opportunities.ts). */
  opportunitiesRead = 0;
  /** Account-level triggers: runs that asked which Accounts changed (one call each, account-changes.ts). */
  accountChecks = 0;

  usage(calls: Record<string, number>): ApiUsage {
    return {
      calls,
      minimum:
        this.recordsRead / 2000 +
        this.accountsRead / 2000 +
        this.accountChecks +
        this.recordsUpdated / 200 +
        this.tasksUpserted / 200 +
        this.episodesChecked / 200 +
        (this.opportunitiesRead * 3) / 200,
    };
  }
}

/** Calls that count against the org's daily allowance (token and versions calls do not). */
export function allowanceCalls(calls: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const [endpoint, count] of Object.entries(calls))
    if (endpoint !== 'oauth.token' && endpoint !== 'versions') n += count;
  return n;
}
