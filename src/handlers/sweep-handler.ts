import { recordRefFrom } from '../composition/chat-notifier.ts';
import { flushLedgerQuietly, type LedgerWiring } from '../ledger/flush-ledger.ts';
import type { Logger } from '../logging/logger.ts';
import { emitMetrics } from '../logging/metrics.ts';
import { DryRunRoutingState } from '../pipeline/dry-run-routing-state.ts';
import type { StopSignal } from '../pipeline/failure-policy.ts';
import { underRunLease } from '../pipeline/run-lease.ts';
import type { Clock } from '../ports/clock.ts';
import type { SyncCrm } from '../ports/crm-module.ts';
import { DEFAULT_DEADLINE_RESERVE_MS, invocationDeadline, runWithDeadline } from '../ports/deadline.ts';
import type { EpisodeStore } from '../ports/episode-store.ts';
import { leadLookupOf } from '../ports/lead-lookup.ts';
import type { OutcomeStore } from '../ports/outcome-store.ts';
import type { RecheckStore } from '../ports/recheck-store.ts';
import type { RoutingState } from '../ports/routing-state.ts';
import type { LeaseStore } from '../ports/state-store.ts';
import type { SyncStateStore } from '../ports/sync-state-store.ts';
import type { DrainReport } from '../state/notification-outbox.ts';
import { guardUnsyncedChanges } from '../sweep/guard-unsynced-changes.ts';
import { opportunityCursorKey } from '../sweep/opportunity-phase.ts';
import { runSweep } from '../sweep/run-sweep.ts';
import type { SweepReport } from '../sweep/sweep-report.ts';
import { sweepSchedule } from '../sweep/sweep-schedule.ts';
import type { BundledConfig } from './bundled-config.ts';
import type { ProvidedChat } from './chat-provider.ts';
import type { ConnectorProvider } from './connector-provider.ts';
import type { LambdaContext, ScheduledEvent } from './lambda-types.ts';
import { DEFAULT_PUBLISHED_METRICS, type SweepCount } from './published-metrics.ts';

export interface SweepHandlerOptions {
  crm: SyncCrm;
  scope: string;
  config: BundledConfig;
  connectors: ConnectorProvider;
  episodes: EpisodeStore;
  /**
   * The run lease (one sweep per CRM and scope at a time, also across a manual invocation), and the
   * pipeline state a re-check's decision writes (done-records, quota counts, skipped list).
   */
  state: LeaseStore & SyncStateStore;
  /**
   * The decision ledger (Firehose on AWS): the re-checks' decisions, and whatever the episode store
   * (given in `episodes`, already recording its steps) could not append, flushed at the end.
   */
  ledger?: LedgerWiring;
  /** Leads whose `recheckAt` has come (recorded by the workers); absent = no re-check phase. */
  rechecks?: RecheckStore;
  /** Where opportunity outcomes are kept; absent = no opportunity phase. Its cursor lives in `state`. */
  outcomes?: OutcomeStore;
  routingState: RoutingState;
  /** The chat notifier from the chat secret; null when notifications.yaml sends nothing. */
  chat: { get(): Promise<ProvidedChat | null> };
  clock: Clock;
  log: Logger;
  /** Episodes per invocation at most (the rest are due for the next one). */
  limit?: number;
  /** Time kept back from the sweep's CRM work for draining the outbox (default 20 s). */
  drainReserveMs?: number;
  /** Time kept back from everything for the report and lease release (default 5 s). */
  deadlineReserveMs?: number;
  /** Counts published as CloudWatch metrics (`metrics.published`; default DEFAULT_PUBLISHED_METRICS). */
  publishedMetrics?: readonly string[];
}

/** A stop that needs a person (credentials, the CRM's SLA fields, a bug): the invocation fails and alarms. */
export class SweepStoppedError extends Error {
  readonly kind: StopSignal['kind'];
  readonly code: string;
  constructor(stop: StopSignal) {
    super(`sweep stopped (${stop.kind}/${stop.code}): ${stop.message}`);
    this.name = 'SweepStoppedError';
    this.kind = stop.kind;
    this.code = stop.code;
  }
}

/** The CRM module of this bundle has no sweep support (`CrmConnector.episodes`). */
export class SweepUnsupportedError extends Error {
  constructor(crm: string) {
    super(
      `the ${crm} connector in this build has no SLA sweep support (CrmConnector.episodes): deploy a build that has it, or set crms.${crm}.sweep.enabled: false`,
    );
    this.name = 'SweepUnsupportedError';
  }
}

export interface SweepResult {
  report: SweepReport;
  /** What the outbox drain sent after the sweep; null in a dry run or when nothing is configured. */
  notifications: DrainReport | null;
}

export interface SweepLeaseHeld {
  leaseHeld: true;
  message: string;
}

/** The run lease key of the sweep of one CRM and scope (`lease|sweep|<crm>|<scope>` in the table). */
export function sweepLeaseKey(crm: string, scope: string): string {
  return `sweep|${crm}|${scope}`;
}

/** A drain never starts a send with less than this left: one Slack/Teams call may take 10 s. */
const MIN_SEND_MS = 12_000;

/**
 * The scheduled SLA sweep of one CRM (EventBridge, one at a time: reserved concurrency 1 and the
 * run lease): `runSweep` over the episodes due now, with the CRM connector from the CRM secret, then a
 * drain of the notification outbox in the time left. `{"dryRun": true, "limit": 20}` by hand plans
 * without writing or notifying. A chat failure never fails the invocation; a sweep stop that needs a
 * person does (and alarms).
 */
export function createSweepHandler(options: SweepHandlerOptions) {
  const reserveMs = options.deadlineReserveMs ?? DEFAULT_DEADLINE_RESERVE_MS;
  const drainReserveMs = options.drainReserveMs ?? 20_000;
  return function handler(
    event: ScheduledEvent,
    context: LambdaContext,
  ): Promise<SweepResult | SweepLeaseHeld> {
    return runWithDeadline(invocationDeadline(context, reserveMs), () => run(event ?? {}, context));
  };

  async function run(event: ScheduledEvent, context: LambdaContext): Promise<SweepResult | SweepLeaseHeld> {
    const log = options.log.child({ runId: context.awsRequestId });
    const dryRun = event.dryRun === true;
    const connector = await options.connectors.get();
    if (!connector.episodes) throw new SweepUnsupportedError(options.crm);
    const episodes = connector.episodes;
    const provided = dryRun ? null : await options.chat.get();
    const limit =
      Number.isInteger(event.limit) && event.limit! > 0 ? event.limit! : (options.limit ?? undefined);
    // Re-checks decide due leads again as a worker would (same rules, routing, state); they need the
    // connector's read by id.
    const lookup = options.rechecks ? leadLookupOf(connector) : null;
    const { config } = options;
    const rechecks =
      options.rechecks && lookup
        ? {
            store: options.rechecks,
            lookup,
            pipeline: {
              crm: options.crm,
              sink: connector.sink,
              rules: config.rules,
              renderer: config.renderer,
              routing: config.routing,
              routingState: dryRun ? new DryRunRoutingState(options.routingState) : options.routingState,
              sla: config.sla,
              state: options.state,
              recordUrl: (lead: Parameters<typeof connector.recordUrl>[0]) => connector.recordUrl(lead),
              queueTaskOwners: config.queueTaskOwners,
              scope: `recheck|${options.crm}|${options.scope}`,
              ...(connector.reasonMaxLength !== undefined
                ? { reasonMaxLength: connector.reasonMaxLength }
                : {}),
              episodes: { store: options.episodes, schedule: sweepSchedule(config.sla) },
              ...(options.ledger && !dryRun ? { ledger: options.ledger } : {}),
            },
          }
        : undefined;

    const leased = await underRunLease(
      options.state,
      sweepLeaseKey(options.crm, options.scope),
      { owner: `Lambda request ${context.awsRequestId}` },
      options.clock,
      async (lease) => {
        // No echo: lead fields of records others changed since the last sync are left for after it.
        await guardUnsyncedChanges(connector, options.state, options.scope);
        const report = await runSweep({
          crmName: options.crm,
          episodes: options.episodes,
          crm: episodes,
          sla: options.config.sla,
          routing: options.config.routing,
          routingState: options.routingState,
          clock: options.clock,
          dryRun,
          scope: options.scope,
          runId: context.awsRequestId,
          usage: () => connector.usage(),
          lease,
          ...(limit !== undefined ? { limit } : {}),
          ...(rechecks ? { rechecks } : {}),
          ...(options.outcomes && connector.opportunities
            ? {
                opportunities: {
                  crm: connector.opportunities,
                  outcomes: options.outcomes,
                  state: options.state,
                  cursorKey: opportunityCursorKey(options.crm, options.scope),
                },
              }
            : {}),
          // The sweep stops starting batches early enough to leave the drain its share.
          deadline: { remainingMs: () => context.getRemainingTimeInMillis() - reserveMs - drainReserveMs },
          ...(provided ? { notify: { ...provided.chat.notify, recordRef: recordRefFrom(connector) } } : {}),
        });
        // Also after a stopped sweep: what it queued is owed to the reps, and chat is not the CRM.
        const notifications =
          provided?.deliver === true
            ? await provided.chat.outbox.drain({
                stopWhen: () => context.getRemainingTimeInMillis() - reserveMs < MIN_SEND_MS,
              })
            : null;
        // Ledger rows the episode store could not append during the run get one more try.
        if (!dryRun) await flushLedgerQuietly(options.ledger);
        return { report, notifications };
      },
    );
    if (!leased.ran) {
      log.info({ heldSince: leased.heldBy.since }, leased.message);
      return { leaseHeld: true, message: leased.message };
    }
    const { report, notifications } = leased.result;
    if (!dryRun) {
      const line: Partial<Record<SweepCount, number>> = {
        ...report.counts,
        ...(notifications
          ? {
              notificationsSent: notifications.sent,
              notificationsRetried: notifications.retried,
              notificationsFailed: notifications.failed,
              notificationsUnknown: notifications.unknown,
              notificationsPending: notifications.pending,
            }
          : {}),
      };
      emitMetrics(
        log,
        { crm: options.crm, fn: 'sweep' },
        line,
        options.clock.now(),
        options.publishedMetrics ?? DEFAULT_PUBLISHED_METRICS,
      );
    }
    log.info(
      {
        ...report.counts,
        dryRun,
        status: report.status,
        limitReached: report.limitReached,
        stop: report.stop?.code ?? null,
        notifications,
      },
      'sweep finished',
    );

    const stop = report.stop;
    if (stop) {
      if (stop.kind === 'auth') options.connectors.invalidate();
      if (stop.action === 'fix' || stop.action === 'investigate') throw new SweepStoppedError(stop);
      log.warn(
        { kind: stop.kind, code: stop.code, action: stop.action, reason: stop.message },
        'sweep stopped early; what is left is due again on the next schedule',
      );
    }
    return { report, notifications };
  }
}
