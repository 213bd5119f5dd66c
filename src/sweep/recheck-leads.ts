import { FailureKind } from '../domain/errors.ts';
import type { StopSignal } from '../pipeline/failure-policy.ts';
import { type PipelineDeps, processLeads } from '../pipeline/process-leads.ts';
import type { RunLease } from '../pipeline/run-lease.ts';
import type { Deadline } from '../ports/deadline.ts';
import type { LeadLookup } from '../ports/lead-lookup.ts';
import { type RecheckStore, recheckKey } from '../ports/recheck-store.ts';

/** Leads one sweep re-checks, at most (the rest stay due for the next sweep). */
export const DEFAULT_RECHECK_LIMIT = 2_000;
/** Leads per CRM read: a HubSpot batch read takes 100 contacts (Salesforce SOQL `IN` more). */
export const RECHECK_BATCH_SIZE = 100;
/** Below this much time left (`deadline`), no new batch is started. */
const BATCH_RESERVE_MS = 15_000;

export interface RecheckDueOptions {
  store: RecheckStore;
  /** The connector's `readByIds` (src/ports/lead-lookup.ts). */
  lookup: LeadLookup;
  /**
   * What a sync's batch step needs (rules, sink, routing, SLA, state…), as `tossup sync` builds it;
   * `now`, `rechecks` and `keepHandOffs` are set here. `dryRun` plans without writing.
   */
  pipeline: Omit<PipelineDeps, 'now' | 'rechecks' | 'keepHandOffs'>;
  /** The sweep's instant: leads due at or before it are decided as of it. */
  now: Date;
  limit?: number;
  batchSize?: number;
  deadline?: Deadline;
  lease?: Pick<RunLease, 'assertHeld'>;
}

export interface RecheckReport {
  /** Leads due at `now` (up to the limit). */
  due: number;
  limitReached: boolean;
  /** Re-decided and written with a different outcome (flag, reason…). */
  changed: number;
  /** Re-decided, nothing to write (the index was early, or only the schedule moved). */
  unchanged: number;
  /** Of `changed`: a new toss-up task created or found (a campaign opened, a hold resolved). */
  handOffs: number;
  /** Of `changed`: holds that expired into nurture. */
  holdsExpired: number;
  /** The CRM has a toss-up the new decision would withdraw: left as it is. */
  kept: number;
  /** No longer in the CRM (deleted, merged, converted): dropped from the store. */
  gone: number;
  /** Failed or not attempted this time: still due, retried by the next sweep. */
  failed: number;
  /** Refused by the CRM as invalid: dropped from the store (the next sync's change brings it back). */
  skipped: number;
  stop: StopSignal | null;
}

/**
 * The re-check phase of a sweep (issue 13, docs/routing-and-sla.md "Re-checks"): leads whose
 * `recheckAt` has come are read again by id in batches, and decided as of `now` by the sync's own
 * batch step — tasks first, fields second, episodes, quotas and the next `recheckAt` as in a sync —
 * with one difference: a hand-off the CRM already has is never withdrawn (`keepHandOffs`). A
 * re-check may start a hand-off (a campaign opened) or expire a hold into nurture.
 */
export async function recheckDueLeads(options: RecheckDueOptions): Promise<RecheckReport> {
  const { store, now } = options;
  const crm = options.pipeline.crm;
  const limit = Math.max(1, options.limit ?? DEFAULT_RECHECK_LIMIT);
  const batchSize = Math.max(1, options.batchSize ?? RECHECK_BATCH_SIZE);
  const report: RecheckReport = {
    due: 0,
    limitReached: false,
    changed: 0,
    unchanged: 0,
    handOffs: 0,
    holdsExpired: 0,
    kept: 0,
    gone: 0,
    failed: 0,
    skipped: 0,
    stop: null,
  };
  const dryRun = options.pipeline.dryRun ?? false;
  const due = await store.dueBefore(crm, now, limit + 1);
  report.limitReached = due.length > limit;
  const refs = due.slice(0, limit);
  report.due = refs.length;
  for (let i = 0; i < refs.length; i += batchSize) {
    if (options.deadline && options.deadline.remainingMs() < BATCH_RESERVE_MS) {
      report.stop = {
        kind: FailureKind.Transient,
        action: 'retry',
        code: 'deadline',
        message: `stopped after ${i} of ${refs.length} due re-checks: the invocation's time is nearly spent; the next sweep goes on`,
      };
      break;
    }
    options.lease?.assertHeld();
    const batch = refs.slice(i, i + batchSize);
    const leads = await options.lookup.readByIds(batch.map((r) => r.leadId));
    const found = new Set(leads.map((l) => recheckKey({ objectType: l.objectType, leadId: l.id })));
    const gone = batch.filter((r) => !found.has(recheckKey(r)));
    report.gone += gone.length;
    if (gone.length > 0 && !dryRun) await store.remove(crm, gone);
    if (leads.length === 0) continue;

    const result = await processLeads(leads, {
      ...options.pipeline,
      now,
      rechecks: store,
      keepHandOffs: true,
    });
    const skipped = [];
    for (const o of result.outcomes) {
      if (o.kept) report.kept++;
      else if (o.status === 'written' || o.status === 'planned') {
        report.changed++;
        if (
          o.task &&
          (o.taskStatus === 'created' || o.taskStatus === 'existing' || o.taskStatus === 'planned')
        )
          report.handOffs++;
        if (o.decision?.reasons[0]?.code === 'hold.expired') report.holdsExpired++;
      } else if (o.status === 'unchanged') report.unchanged++;
      else if (o.status === 'skipped') {
        report.skipped++;
        skipped.push({ objectType: o.objectType, leadId: o.leadId });
      } else report.failed++;
    }
    report.failed += result.counters.leads - result.outcomes.length;
    // A record the CRM refuses would be due again at every sweep; a sync that sees it change re-adds it.
    if (skipped.length > 0 && !dryRun) await store.remove(crm, skipped);
    if (result.stop) {
      report.stop = result.stop;
      break;
    }
  }
  return report;
}
