import type { CrmName } from '../domain/lead.ts';
import type { RunLease } from '../pipeline/run-lease.ts';
import type { Clock } from '../ports/clock.ts';
import type { ApiUsage } from '../ports/crm-connector.ts';
import type { Deadline } from '../ports/deadline.ts';
import type { EpisodeCrm } from '../ports/episode-crm.ts';
import type { EpisodeStore } from '../ports/episode-store.ts';
import type { RoutingState } from '../ports/routing-state.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import type { SweepNotify } from './notify-policy.ts';
import { emptySweepReport, type SweepProgress, type SweepReport } from './sweep-report.ts';

export type { NotifyWho, SweepNotify } from './notify-policy.ts';
export type { SweepProgress, SweepReport } from './sweep-report.ts';

/** Episodes one sweep looks at, at most (the rest are due for the next sweep). */
export const DEFAULT_SWEEP_LIMIT = 5_000;
/** Episodes per CRM batch: a Salesforce SOQL `IN` takes up to 200 ids. */
export const SWEEP_BATCH_SIZE = 200;

export interface SweepOptions {
  /** Which CRM the episodes live in; episodes of another CRM are left alone. */
  crmName: CrmName;
  episodes: EpisodeStore;
  /** The CRM side (`CrmConnector.episodes`). */
  crm: EpisodeCrm;
  sla: SlaConfig;
  /** Managers (pool → manager) and the pools a reassignment picks from. */
  routing: RoutingConfig;
  /** Daily capacity counts, shared with the sync's routing (a reassignment takes a slot). */
  routingState: RoutingState;
  /** The sweep's "now" (`--at`, the emulators' clock in tests and the demo). */
  clock: Clock;
  /** Read facts and plan only: no CRM write, no store write, no notification. */
  dryRun?: boolean;
  notify?: SweepNotify;
  /** Stop starting new batches when this runs low (the Lambda's remaining time). */
  deadline?: Deadline;
  onProgress?: (progress: SweepProgress) => void;
  /** At most this many due episodes per sweep (default `DEFAULT_SWEEP_LIMIT`). */
  limit?: number | null;
  /** Profile name, for the report. */
  scope?: string;
  runId?: string;
  /** API calls so far (`CrmConnector.usage`), for the report. */
  usage?: () => ApiUsage;
  /** The run lease the caller holds; checked before each batch's writes. */
  lease?: Pick<RunLease, 'assertHeld'>;
  /** Episodes per CRM batch (default `SWEEP_BATCH_SIZE`). */
  batchSize?: number;
}

/**
 * One SLA sweep (issue 13, docs/routing-and-sla.md "The sweep"). Never throws: a failure that stops
 * the sweep ends in the report's `stop`, a failure of one write is counted and sampled, and the step
 * it belonged to is left unrecorded so the next sweep does it again.
 */
export async function runSweep(options: SweepOptions): Promise<SweepReport> {
  // First slice (types for the other lanes): finds what is due and re-reads it; the ladder follows.
  const startedAt = options.clock.now();
  const report = emptySweepReport({
    runId: options.runId ?? `sweep-${startedAt.getTime()}`,
    crm: options.crmName,
    scope: options.scope ?? 'default',
    dryRun: options.dryRun ?? false,
    at: startedAt,
  });
  const limit = options.limit ?? DEFAULT_SWEEP_LIMIT;
  const due = await options.episodes.dueBefore(startedAt, limit + 1);
  report.limitReached = due.length > limit;
  for (const entry of due.slice(0, limit)) {
    report.counts.due++;
    const stored = await options.episodes.get(entry.key);
    const next = stored?.episode.nextCheckAt;
    if (!stored || next === null || next === undefined || Date.parse(next) > startedAt.getTime()) {
      report.counts.stale++;
      continue;
    }
    report.counts.checked++;
  }
  const finishedAt = options.clock.now();
  report.finishedAt = finishedAt.toISOString();
  report.durationMs = Math.max(0, finishedAt.getTime() - startedAt.getTime());
  return report;
}
