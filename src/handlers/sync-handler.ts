import type { Logger } from '../logging/logger.ts';
import { emitMetrics } from '../logging/metrics.ts';
import type { StopSignal } from '../pipeline/failure-policy.ts';
import type { PipelineEpisodes } from '../pipeline/process-leads.ts';
import { renderPlan } from '../pipeline/render-plan.ts';
import { renderSummary } from '../pipeline/render-summary.ts';
import { underRunLease } from '../pipeline/run-lease.ts';
import type { RunCounts } from '../pipeline/run-report.ts';
import { cursorKey, runSync } from '../pipeline/run-sync.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmConnector } from '../ports/crm-connector.ts';
import type { SyncCrm } from '../ports/crm-module.ts';
import { DEFAULT_DEADLINE_RESERVE_MS, invocationDeadline, runWithDeadline } from '../ports/deadline.ts';
import type { MessageQueue } from '../ports/message-queue.ts';
import type { RoutingState } from '../ports/routing-state.ts';
import type { LeaseStore } from '../ports/state-store.ts';
import type { SyncStateStore } from '../ports/sync-state-store.ts';
import type { BundledConfig } from './bundled-config.ts';
import type { ConnectorProvider } from './connector-provider.ts';
import { type EnqueueReport, enqueueChanges } from './enqueue-changes.ts';
import type { LambdaContext, ScheduledEvent } from './lambda-types.ts';
import { DEFAULT_PUBLISHED_METRICS } from './published-metrics.ts';

export interface SyncHandlerOptions {
  crm: SyncCrm;
  scope: string;
  config: BundledConfig;
  connectors: ConnectorProvider;
  state: SyncStateStore & LeaseStore;
  routingState: RoutingState;
  /** Read by a manual dry run, so its plans show a hold pausing an open episode as the worker would. */
  episodes?: PipelineEpisodes;
  queue: MessageQueue;
  /** Leads a queue message carries (`enqueueChanges`; default 1). */
  leadsPerMessage?: number;
  clock: Clock;
  log: Logger;
  /** Time kept after the last page to commit and report (default 15 s, see enqueue-changes.ts). */
  reserveMs?: number;
  /** Time kept back from CRM calls (default 5 s): a hung read ends before the invocation does. */
  deadlineReserveMs?: number;
  /** Counts published as CloudWatch metrics (`metrics.published`; default DEFAULT_PUBLISHED_METRICS). */
  publishedMetrics?: readonly string[];
}

/** A stop that needs a person (credentials, mapping, another run, a bug): the invocation fails and alarms. */
export class SyncStoppedError extends Error {
  readonly kind: StopSignal['kind'];
  readonly code: string;
  constructor(stop: StopSignal) {
    super(`sync stopped (${stop.kind}/${stop.code}): ${stop.message}`);
    this.name = 'SyncStoppedError';
    this.kind = stop.kind;
    this.code = stop.code;
  }
}

/** Another invocation (an overlapping schedule, a manual run) holds the sync's run lease. */
export interface LeaseHeldResult {
  leaseHeld: true;
  message: string;
}

export interface DryRunResult {
  dryRun: true;
  counts: RunCounts;
  stop: StopSignal | null;
  summary: string;
  /** What would change, lead by lead (at most `limit`). */
  plans: string[];
}

/** Leads a manual dry run plans when the invocation does not say. */
const DEFAULT_DRY_RUN_LIMIT = 50;

/**
 * The scheduled sync of one CRM. On its schedule it enqueues the changed leads for the workers
 * (`enqueueChanges`). Invoked by hand with `{"dryRun": true, "limit": 20}`, it instead plans those
 * leads with `runSync` — the CLI's dry run, against the same state table — and returns what would
 * change, writing nothing.
 */
export function createSyncHandler(options: SyncHandlerOptions) {
  const reserveMs = options.deadlineReserveMs ?? DEFAULT_DEADLINE_RESERVE_MS;
  return function handler(
    event: ScheduledEvent,
    context: LambdaContext,
  ): Promise<EnqueueReport | DryRunResult | LeaseHeldResult> {
    return runWithDeadline(invocationDeadline(context, reserveMs), () => run(event, context));
  };

  async function run(
    event: ScheduledEvent,
    context: LambdaContext,
  ): Promise<EnqueueReport | DryRunResult | LeaseHeldResult> {
    const log = options.log.child({ runId: context.awsRequestId });
    const connector = await options.connectors.get();
    if (event?.dryRun === true) return dryRun(event, connector, options);

    // One reader per CRM and scope at a time; a crashed or timed-out holder's lease expires.
    const leased = await underRunLease(
      options.state,
      cursorKey(options.crm, options.scope),
      { owner: `Lambda request ${context.awsRequestId}` },
      options.clock,
      () =>
        enqueueChanges({
          connector,
          state: options.state,
          queue: options.queue,
          scope: options.scope,
          clock: options.clock,
          log,
          remainingMs: () => context.getRemainingTimeInMillis(),
          reserveMs: options.reserveMs,
          ...(options.leadsPerMessage ? { leadsPerMessage: options.leadsPerMessage } : {}),
        }),
    );
    if (!leased.ran) {
      log.info({ heldSince: leased.heldBy.since }, leased.message);
      return { leaseHeld: true, message: leased.message };
    }
    const report = leased.result;
    const { stop, cursor: _cursor, ...counts } = report;
    emitMetrics(
      log,
      { crm: options.crm, fn: 'sync' },
      counts,
      options.clock.now(),
      options.publishedMetrics ?? DEFAULT_PUBLISHED_METRICS,
    );
    log.info({ ...counts, cursorAt: report.cursor?.modifiedAt ?? null, stop: stop.reason }, 'sync finished');

    if (stop.reason === 'failure') {
      const s = stop.signal;
      if (s.kind === 'auth') options.connectors.invalidate();
      if (s.action === 'fix' || s.action === 'investigate') throw new SyncStoppedError(s);
      log.warn(
        { kind: s.kind, code: s.code, action: s.action, reason: s.message },
        s.action === 'resume_later'
          ? 'the CRM allowance is spent: stopped cleanly, the next schedule resumes from the committed cursor'
          : 'stopped on a transient failure: the next schedule resumes from the committed cursor',
      );
    } else if (stop.reason === 'time') {
      log.info('stopped before the Lambda deadline: the next schedule resumes from the committed cursor');
    }
    return report;
  }
}

async function dryRun(
  event: ScheduledEvent,
  connector: CrmConnector,
  options: SyncHandlerOptions,
): Promise<DryRunResult> {
  const limit = Number.isInteger(event.limit) && event.limit! > 0 ? event.limit! : DEFAULT_DRY_RUN_LIMIT;
  const { config } = options;
  const plans: string[] = [];
  const report = await runSync({
    connector,
    rules: config.rules,
    renderer: config.renderer,
    routing: config.routing,
    sla: config.sla,
    state: options.state,
    routingState: options.routingState,
    clock: options.clock,
    dryRun: true,
    limit,
    scope: options.scope,
    queueTaskOwners: config.queueTaskOwners,
    episodes: options.episodes,
    onLead: (o) => {
      const text = renderPlan(o, {
        locale: config.options.locale,
        renderer: config.renderer,
        timeZone: config.sla.timeZone,
      });
      if (text && plans.length < limit) plans.push(text);
    },
  });
  return {
    dryRun: true,
    counts: report.counts,
    stop: report.stop,
    summary: renderSummary(report, config.options.locale),
    plans,
  };
}
