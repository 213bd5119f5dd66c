import type { Clock } from '../ports/clock.ts';
import type { ApiUsage, CrmConnector } from '../ports/crm-connector.ts';
import type { SyncCursor } from '../ports/lead-source.ts';
import type { RecheckStore } from '../ports/recheck-store.ts';
import type { RoutingState } from '../ports/routing-state.ts';
import type { SyncStateStore } from '../ports/sync-state-store.ts';
import type { ReasonRenderer } from '../reasons/render-reasons.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import { cursorAt, cursorAtOrAfter } from './cursor-order.ts';
import { DryRunRoutingState } from './dry-run-routing-state.ts';
import { type StopSignal, stopFromError } from './failure-policy.ts';
import { ManualQuota } from './manual-quota.ts';
import { readPagesAndCommit } from './page-loop.ts';
import { type LeadOutcome, type PipelineDeps, type PipelineEpisodes, processLeads } from './process-leads.ts';
import { accountCursorKey, decideRelatedLeads } from './related-leads.ts';
import type { RunLease } from './run-lease.ts';
import { type RunReport, RunReportBuilder } from './run-report.ts';
import type { QueueTaskOwners } from './task-owner.ts';

export interface SyncProgress {
  pages: number;
  leadsRead: number;
  written: number;
  planned: number;
  tasksCreated: number;
  /** Dry run: tasks that would be created. */
  tasksPlanned: number;
  skipped: number;
  failed: number;
  limit: number | null;
}

export interface SyncOptions {
  connector: CrmConnector;
  rules: CompiledRuleSet;
  renderer: ReasonRenderer;
  routing: RoutingConfig;
  sla: SlaConfig;
  state: SyncStateStore;
  routingState: RoutingState;
  clock: Clock;
  /** Plan and explain only: no task, no field write, no cursor or state change. */
  dryRun?: boolean;
  /** ISO instant to start from instead of the stored cursor. */
  since?: string | null;
  /** Stop after about this many leads (whole pages). */
  limit?: number | null;
  /** Which sync this is (e.g. the profile name): one cursor per CRM and scope. */
  scope?: string;
  queueTaskOwners?: QueueTaskOwners;
  reasonMaxLength?: number;
  onProgress?: (progress: SyncProgress) => void;
  /**
   * The run lease the caller took (`acquireRunLease`, not for dry runs): checked before each cursor
   * commit, so a run whose lease lapsed stops instead of racing the run that took over.
   */
  lease?: Pick<RunLease, 'assertHeld'>;
  /**
   * Where toss-up episodes are recorded for the SLA sweep (`processLeads`' `episodes`); a dry run
   * only reads them.
   */
  episodes?: PipelineEpisodes;
  /** Every lead's outcome, page by page (the dry-run explanation; not kept by the run). */
  onLead?: (outcome: LeadOutcome) => void | Promise<void>;
  /** Each lead's next re-check and hold start (`PipelineDeps.rechecks`); none: no re-checks, holds never expire. */
  rechecks?: RecheckStore;
  /** The `toss-up` chat notice (`PipelineDeps.notify`); a dry run queues none. */
  notify?: PipelineDeps['notify'];
  /** The decision ledger (`PipelineDeps.ledger`); a dry run records nothing. */
  ledger?: PipelineDeps['ledger'];
}

export function cursorKey(crm: string, scope: string): string {
  return `sync|${crm}|${scope}`;
}

/**
 * One sync run: read changed leads page by page from the stored cursor (or `since`), process each
 * page (`processLeads`), and commit the page's cursor with compare-and-set only after its tasks and
 * writes are done (`readPagesAndCommit`, the loop the scheduled Lambda shares). A stop (see failure-policy.ts) leaves the cursor at the last completed page, so
 * the next run re-reads the unfinished page; processing is idempotent, so that costs API calls, not
 * duplicates. Never throws: every failure ends in the report's `stop`.
 */
export async function runSync(options: SyncOptions): Promise<RunReport> {
  const { connector, clock, state } = options;
  const dryRun = options.dryRun ?? false;
  const scope = options.scope ?? 'default';
  const key = cursorKey(connector.crm, scope);
  const startedAt = clock.now();
  const limit = options.limit ?? null;

  let stop: StopSignal | null = null;
  let stored: Awaited<ReturnType<SyncStateStore['getCursor']>> = null;
  try {
    stored = await state.getCursor(key);
  } catch (e) {
    stop = stopFromError(e);
  }
  const since = options.since ? cursorAt(options.since) : null;
  const start: SyncCursor | null = since ?? stored?.cursor ?? null;
  const builder = new RunReportBuilder({
    runId: runIdOf(connector.crm, startedAt),
    crm: connector.crm,
    scope,
    dryRun,
    rules: { name: options.rules.source.name, version: options.rules.version },
    startedAt,
    cursorKey: key,
    startedFrom: since ? 'since' : stored ? 'stored' : 'beginning',
    start,
  });
  // --since after the stored cursor would skip the leads in between if committed; behind it, only
  // pages that pass the stored cursor are committed, so the cursor never moves backwards.
  const sinceSkipsAhead = since !== null && stored !== null && !cursorAtOrAfter(stored.cursor, since);
  if (sinceSkipsAhead) {
    builder.noteCursor(
      '--since is after the stored cursor: the cursor is not moved, so the leads in between are not skipped',
    );
  }
  const deps = {
    crm: connector.crm,
    sink: connector.sink,
    rules: options.rules,
    renderer: options.renderer,
    routing: options.routing,
    routingState: dryRun ? new DryRunRoutingState(options.routingState) : options.routingState,
    sla: options.sla,
    state,
    dryRun,
    recordUrl: (lead: Parameters<CrmConnector['recordUrl']>[0]) => connector.recordUrl(lead),
    queueTaskOwners: options.queueTaskOwners,
    scope: key,
    quota: new ManualQuota(state, options.rules, { dryRun }),
    reasonMaxLength: options.reasonMaxLength ?? connector.reasonMaxLength,
    episodes: options.episodes,
    // Only `onLead` reads the fields' values before and after; the report counts the fields.
    explainChanges: options.onLead !== undefined,
    ...(options.rechecks ? { rechecks: options.rechecks } : {}),
    ...(options.notify && !dryRun ? { notify: options.notify } : {}),
    ...(options.ledger && !dryRun ? { ledger: options.ledger } : {}),
  };

  if (!stop) {
    ({ stop } = await readPagesAndCommit({
      source: connector.source,
      state,
      key,
      stored,
      start,
      limit,
      // `--since` re-decides everything changed since then, our own last writes included.
      ...(since ? { includeOwnWrites: true } : {}),
      commit: !dryRun && !sinceSkipsAhead,
      beforeCommit: () => options.lease?.assertHeld(),
      async handle(leads, page) {
        builder.addPage(page.deletedIds.length, page.accountMatches);
        const batch = await processLeads(leads, { ...deps, now: clock.now() });
        builder.addBatch(batch);
        if (options.onLead) for (const o of batch.outcomes) await options.onLead(o);
        return batch.stop;
      },
      committed: (cursor) => builder.pageCommitted(cursor),
      enough() {
        options.onProgress?.(progressOf(builder, limit));
        if (limit === null || builder.counts.leadsRead < limit) return false;
        builder.limitReached();
        return true;
      },
    }));
  }
  if (!stop && connector.accountChanges) {
    // After the changed people: their decisions are made, and a person both changed and on a
    // changed account is then re-read with nothing left to write.
    let accounts = 0;
    let leads = 0;
    stop = await decideRelatedLeads({
      source: connector.accountChanges,
      crm: connector.crm,
      state,
      key: accountCursorKey(connector.crm, scope),
      commit: !dryRun,
      beforeCommit: () => options.lease?.assertHeld(),
      async handle(related) {
        const batch = await processLeads(related, { ...deps, now: clock.now() });
        builder.addBatch(batch);
        if (options.onLead) for (const o of batch.outcomes) await options.onLead(o);
        return batch.stop;
      },
      onPage(a, l) {
        accounts += a;
        leads += l;
      },
      committed: (cursor) => builder.addAccountTriggers(0, 0, cursor),
    });
    builder.addAccountTriggers(accounts, leads, null);
  }
  options.onProgress?.(progressOf(builder, limit));
  return builder.finish({ finishedAt: clock.now(), stop, api: usageOf(connector) });
}

function progressOf(builder: RunReportBuilder, limit: number | null): SyncProgress {
  const c = builder.counts;
  return {
    pages: c.pages,
    leadsRead: c.leadsRead,
    written: c.written,
    planned: c.planned,
    tasksCreated: c.tasksCreated,
    tasksPlanned: c.tasksPlanned,
    skipped: c.skipped,
    failed: c.failed,
    limit,
  };
}

function usageOf(connector: CrmConnector): ApiUsage | null {
  try {
    return connector.usage();
  } catch {
    return null;
  }
}

/** `salesforce-20261121T100243Z`: sortable, and safe as a file name on every OS. */
export function runIdOf(crm: string, at: Date): string {
  return `${crm}-${at
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '')}`;
}
