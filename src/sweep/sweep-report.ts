import type { CrmName } from '../domain/lead.ts';
import type { LadderAction } from '../episodes/episode.ts';
import type { StopSignal } from '../pipeline/failure-policy.ts';
import type { OpportunityPhaseReport } from './opportunity-phase.ts';
import type { RecheckReport } from './recheck-leads.ts';

/**
 * What one SLA sweep did (`tossup sweep`, the scheduled sweep function): the same conventions as the
 * sync's run report (src/pipeline/run-report.ts): counts, breakdowns capped in size, failures with a
 * few samples (ids and codes only, never personal data), and the API calls used.
 */

/** Where in the sweep a failure happened. */
export type SweepStage =
  /** `EpisodeCrm.readFacts` for a batch (every episode of the batch is left for the next sweep). */
  | 'read_facts'
  /** `EpisodeCrm.managersOf` (the routing file's managers are used instead). */
  | 'managers'
  /** Recording an event or a step in the episode store. */
  | 'record'
  | 'manager_task'
  | 'reassign_task'
  | 'reassign_owner'
  | 'close_task'
  | 'sla_fields'
  | 'notify'
  /** Manager approval (src/approval/): the approval fields read, the approver's task, the rep's task. */
  | 'read_approvals'
  | 'approval_task'
  | 'approved_task';

export interface SweepFailureSample {
  episodeKey: string;
  leadId: string;
  stage: SweepStage;
  /** Ladder step key (`r0.notify_manager`) when the failure is a step's effect. */
  step?: string;
  kind: string;
  code: string;
  message: string;
}

export interface SweepFailures {
  count: number;
  /** `stage/kind/code` → count. */
  byCode: Record<string, number>;
  samples: SweepFailureSample[];
}

export interface SweepCounts {
  /** Index entries due at the sweep's instant (at most `limit`). */
  due: number;
  /** Episodes re-read and still due (the index may lag: the rest are `stale`). */
  checked: number;
  /** Index entries whose episode was gone or no longer due when re-read. */
  stale: number;
  /** First responses found in the CRM and recorded (dry run: found). */
  responded: number;
  /** Toss-up tasks found completed and recorded. */
  completed: number;
  /** Episodes closed because the lead/contact is gone from the CRM (`superseded`). */
  closed: number;
  /** Rep verdicts read with the facts and recorded (sent back / lost close the episode). */
  verdicts: number;
  reminders: number;
  escalations: number;
  managerTasks: number;
  reassignments: number;
  /** Reassign steps recorded as skipped: no active rep of the pool with capacity today, or no pool. */
  reassignSkipped: number;
  /** Other steps recorded as skipped: a manager task with no manager known. */
  stepsSkipped: number;
  /** Dry run: ladder steps that would be carried out. */
  stepsPlanned: number;
  /** Steps another sweep recorded first (its effect was idempotent, nothing was done twice). */
  stepsAlreadyRecorded: number;
  slaFieldsWritten: number;
  /** Dry run: SLA-status writes that would be made. */
  slaFieldsPlanned: number;
  notificationsQueued: number;
  /** Failures of any stage (see `failures`); the steps concerned are retried by the next sweep. */
  failed: number;
  /**
   * Lead-field writes held back because someone changed the record since the last sync read it
   * (`CHANGED_SINCE_READ`, no echo): not failures; the next sync reads the change, a later sweep writes.
   */
  heldForSync: number;
}

/** First responses of this sweep against the SLA due time (the owner's clock, holds excluded). */
export interface ResponseTally {
  onTime: number;
  late: number;
}

/** A ladder step recorded as skipped: it could not be carried out and is not retried. */
export interface StepSkip {
  episodeKey: string;
  leadId: string;
  /** Step key, e.g. `r0.reassign`. */
  step: string;
  action: LadderAction;
  /** reassign: `no_pool`, `no_rep_available`; manager_task: `no_manager`. */
  reason: string;
  /** One sentence for the admin (pool and date; no personal data). */
  detail: string;
}

export interface SweepReport {
  version: 1;
  kind: 'sweep';
  runId: string;
  crm: CrmName;
  scope: string;
  dryRun: boolean;
  /** The instant the sweep checked the episodes at (the clock, or `--at`). */
  at: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  status: 'completed' | 'stopped';
  stop: StopSignal | null;
  /** More episodes were due than `limit`: the next sweep goes on with them. */
  limitReached: boolean;
  counts: SweepCounts;
  /** Ladder steps carried out (dry run: planned) by action. */
  steps: Partial<Record<LadderAction, number>>;
  /** First responses recorded this sweep, by owner id (rep) and by next action. */
  firstResponses: {
    byOwner: Record<string, ResponseTally>;
    byNextAction: Record<string, ResponseTally>;
  };
  /** SLA status written (dry run: to be written) → count. */
  slaStatuses: Record<string, number>;
  /** The first few skipped steps (`counts.reassignSkipped`, `counts.stepsSkipped`). */
  skippedSteps: StepSkip[];
  /** Owner id → display name from the routing file (the summary shows names, not ids). */
  owners: Record<string, { name: string }>;
  failures: SweepFailures;
  api: { calls: Record<string, number>; total: number; minimum: number };
  /** The re-check phase, when the sweep ran one (src/sweep/recheck-leads.ts). */
  rechecks?: RecheckReport;
  /** The opportunity phase, when the sweep ran one (src/sweep/opportunity-phase.ts). */
  opportunities?: OpportunityPhaseReport;
  /** Manager approvals this sweep looked at (src/approval/); absent when none was pending. */
  approvals?: SweepApprovals;
}

/** What the sweep did with pending manager approvals (dry run: would do). */
export interface SweepApprovals {
  /** Still waiting for the manager after this sweep. */
  pending: number;
  /** Of those, past the approval SLA (sla.yaml `approval.due`). */
  overdue: number;
  /** Approval tasks created and notices queued (the `request` step). */
  requested: number;
  /** Approval ladder steps carried out: reminders to the approver, notices to their manager. */
  reminders: number;
  escalations: number;
  /** Approved: the rep's task created, the SLA started. */
  approved: number;
  rejected: number;
  /** Request steps with no manager known (routing.yaml / User.ManagerId). */
  noManager: number;
}

export function emptySweepApprovals(): SweepApprovals {
  return {
    pending: 0,
    overdue: 0,
    requested: 0,
    reminders: 0,
    escalations: 0,
    approved: 0,
    rejected: 0,
    noManager: 0,
  };
}

/** Live counts for a progress line. */
export interface SweepProgress {
  due: number;
  checked: number;
  steps: number;
  slaFieldsWritten: number;
  failed: number;
}

export function emptySweepReport(init: {
  runId: string;
  crm: CrmName;
  scope: string;
  dryRun: boolean;
  at: Date;
}): SweepReport {
  const at = init.at.toISOString();
  return {
    version: 1,
    kind: 'sweep',
    runId: init.runId,
    crm: init.crm,
    scope: init.scope,
    dryRun: init.dryRun,
    at,
    startedAt: at,
    finishedAt: at,
    durationMs: 0,
    status: 'completed',
    stop: null,
    limitReached: false,
    counts: {
      due: 0,
      checked: 0,
      stale: 0,
      responded: 0,
      completed: 0,
      closed: 0,
      verdicts: 0,
      reminders: 0,
      escalations: 0,
      managerTasks: 0,
      reassignments: 0,
      reassignSkipped: 0,
      stepsSkipped: 0,
      stepsPlanned: 0,
      stepsAlreadyRecorded: 0,
      slaFieldsWritten: 0,
      slaFieldsPlanned: 0,
      notificationsQueued: 0,
      failed: 0,
      heldForSync: 0,
    },
    steps: {},
    firstResponses: { byOwner: {}, byNextAction: {} },
    slaStatuses: {},
    skippedSteps: [],
    owners: {},
    failures: { count: 0, byCode: {}, samples: [] },
    api: { calls: {}, total: 0, minimum: 0 },
  };
}

export const SWEEP_SAMPLE_CAP = 20;
const KEY_CAP = 200;

/** Adds to a report in place; counts are capped in size like the sync's (`(other)` beyond 200 keys). */
export class SweepReportBuilder {
  readonly report: SweepReport;

  constructor(report: SweepReport) {
    this.report = report;
  }

  step(action: LadderAction, dryRun: boolean): void {
    const c = this.report.counts;
    this.report.steps[action] = (this.report.steps[action] ?? 0) + 1;
    if (dryRun) c.stepsPlanned++;
    if (action === 'remind_owner') c.reminders++;
    else if (action === 'notify_manager') c.escalations++;
    else if (action === 'manager_task') c.managerTasks++;
    else c.reassignments++;
  }

  skip(skip: StepSkip): void {
    if (skip.step.endsWith('reassign') || skip.action === 'reassign') this.report.counts.reassignSkipped++;
    else this.report.counts.stepsSkipped++;
    if (this.report.skippedSteps.length < SWEEP_SAMPLE_CAP) this.report.skippedSteps.push(skip);
  }

  firstResponse(ownerId: string, nextAction: string, onTime: boolean): void {
    this.report.counts.responded++;
    for (const [map, key] of [
      [this.report.firstResponses.byOwner, ownerId],
      [this.report.firstResponses.byNextAction, nextAction],
    ] as const) {
      const k = Object.hasOwn(map, key) || Object.keys(map).length < KEY_CAP ? key : '(other)';
      map[k] ??= { onTime: 0, late: 0 };
      if (onTime) map[k].onTime++;
      else map[k].late++;
    }
  }

  slaStatus(status: string, dryRun: boolean): void {
    if (dryRun) this.report.counts.slaFieldsPlanned++;
    else this.report.counts.slaFieldsWritten++;
    this.report.slaStatuses[status] = (this.report.slaStatuses[status] ?? 0) + 1;
  }

  failure(sample: SweepFailureSample): void {
    const f = this.report.failures;
    this.report.counts.failed++;
    f.count++;
    const code = `${sample.stage}/${sample.kind}/${sample.code}`;
    if (Object.hasOwn(f.byCode, code) || Object.keys(f.byCode).length < KEY_CAP)
      f.byCode[code] = (f.byCode[code] ?? 0) + 1;
    else f.byCode['(other)'] = (f.byCode['(other)'] ?? 0) + 1;
    if (f.samples.length < SWEEP_SAMPLE_CAP) f.samples.push(sample);
  }

  heldForSync(): void {
    this.report.counts.heldForSync++;
  }

  owner(id: string, name: string): void {
    if (!Object.hasOwn(this.report.owners, id) && Object.keys(this.report.owners).length < KEY_CAP)
      this.report.owners[id] = { name };
  }

  progress(): SweepProgress {
    const c = this.report.counts;
    return {
      due: c.due,
      checked: c.checked,
      steps: c.reminders + c.escalations + c.managerTasks + c.reassignments,
      slaFieldsWritten: c.slaFieldsWritten + c.slaFieldsPlanned,
      failed: c.failed,
    };
  }
}
