import type { CrmName } from '../domain/lead.ts';
import type { ApiUsage } from '../ports/crm-connector.ts';
import type { SyncCursor } from '../ports/lead-source.ts';
import type { FailureStage } from '../ports/sync-state-store.ts';
import { type AccountMatchTally, addTally, emptyTally } from '../routing/account-match-tally.ts';
import type { StopSignal } from './failure-policy.ts';
import type { BatchResult, LeadOutcome } from './process-leads.ts';

/** A failed or skipped record in the report: ids and codes only, never personal data. */
export interface FailureSample {
  leadId: string;
  objectType: string;
  stage: FailureStage;
  kind: string;
  code: string;
  message: string;
}

export interface FailureSummary {
  count: number;
  /** `kind/code` → count. */
  byCode: Record<string, number>;
  /** The first few, for a human to look up. */
  samples: FailureSample[];
}

export interface RunCounts {
  pages: number;
  leadsRead: number;
  /** Deleted/merged/converted ids the source reported; nothing is written for them. */
  deletedIgnored: number;
  unchanged: number;
  /**
   * Of `unchanged`: read, but not decided again — the decision inputs were those of the last settled
   * decision and no re-check was due (src/pipeline/decision-inputs.ts). Absent in older reports.
   */
  inputsUnchanged?: number;
  written: number;
  /** Dry run: leads that would be written. */
  planned: number;
  skipped: number;
  failed: number;
  /** Read but left for the next run because the run stopped (their page was not committed). */
  notAttempted: number;
  tasksCreated: number;
  /** createTasks found the task already there (a retry after a crash): idempotency at work. */
  tasksExisting: number;
  tasksPlanned: number;
}

/** A task owner as the routing file knows them (summary and report show names, not ids). */
export interface RunOwner {
  name: string;
  kind: 'rep' | 'queue';
  /** Tasks the owner can take a day (routing.yaml); null = no limit. */
  dailyCapacity: number | null;
}

export interface RunReport {
  version: 1;
  runId: string;
  crm: CrmName;
  scope: string;
  dryRun: boolean;
  rules: { name: string; version: string };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  status: 'completed' | 'stopped';
  stop: StopSignal | null;
  /** The run ended at `--limit` (whole pages), not at the end of the changes. */
  limitReached: boolean;
  cursor: {
    key: string;
    startedFrom: 'stored' | 'since' | 'beginning';
    start: SyncCursor | null;
    /** Last cursor committed by this run, or null when none was. */
    committed: SyncCursor | null;
    pagesCommitted: number;
    /** Why pages were processed but the cursor was not moved (e.g. --since behind the stored cursor). */
    note?: string;
  };
  counts: RunCounts;
  /** Leads written (dry run: to be written) by their new flag. */
  byFlag: Record<string, number>;
  byNextAction: Record<string, number>;
  /** Every reason code of the decisions written, counted once per lead. */
  byReasonCode: Record<string, number>;
  /** Field → how many leads had it changed (or would have, in a dry run). */
  fieldChanges: Record<string, number>;
  /** How routing found the owner of new tasks (pool, queue, account owner, …). */
  routeVia: Record<string, number>;
  /** Owner id → tasks created (or planned) this run. */
  tasksPerOwner: Record<string, number>;
  /** Due business date → tasks created (or planned) this run. */
  dueDates: Record<string, number>;
  /** Owner id → due date → tasks, to compare each owner's day with their daily capacity. */
  tasksPerOwnerDue?: Record<string, Record<string, number>>;
  /** Owner id → tasks of this run that came to them as the account owner (not capped like pools). */
  accountOwnerTasks?: Record<string, number>;
  /**
   * Owner id → leads made theirs this run without a task (owner of record: an existing customer
   * showing no intent). `(skipped:<why>)` counts leads whose decided owner could not own them
   * (owner-of-record.ts: an inactive rep, a queue without an id).
   */
  recordsPerOwner?: Record<string, number>;
  /** Owner id → name and daily capacity, from the routing file (absent in older reports). */
  owners?: Record<string, RunOwner>;
  /** Why leads were put on hold: the deciding reason (`missing:company.employees`, a rule's reason code). */
  holdReasons?: Record<string, number>;
  /** The thresholds the scores were compared with, for markers on the score charts. */
  scoreThresholds?: { attribute?: number; behaviour?: number };
  /** Score distributions of the leads written, in buckets (`60-69`, `200+`), for the HTML report. */
  scores: { attribute: Record<string, number>; behaviour: Record<string, number> };
  skips: FailureSummary;
  failures: FailureSummary;
  /**
   * Lead-to-account matching (Salesforce Leads): matched by domain / name, ambiguous (never guessed;
   * samples are record ids), none. Absent when the source does not match.
   */
  accountMatching?: AccountMatchTally;
  /**
   * Leads read whose rep verdict shaped the outcome (docs/sales-in-the-loop.md), per lead read (a lead
   * written and read again in the same run counts twice). Absent when none, and in older reports.
   */
  verdicts?: VerdictTally;
  /**
   * Account-level triggers (src/pipeline/related-leads.ts): accounts/companies that changed since
   * their own cursor and how many of their people were decided again (also counted in `counts`).
   * Absent when the connector has no account-change stream or the phase did not run.
   */
  accountTriggers?: { accounts: number; leads: number; committed: SyncCursor | null };
  api: { calls: Record<string, number>; total: number; minimum: number };
}

/** `LeadOutcome.verdict` → leads. */
export type VerdictTally = Partial<Record<NonNullable<LeadOutcome['verdict']>, number>>;

export const SAMPLE_CAP = 20;
/** Distinct keys kept per breakdown; the rest are summed under `(other)` so the report stays small. */
export const KEY_CAP = 200;
const OTHER = '(other)';

/**
 * Accumulates a run page by page into counts and capped samples. It never holds per-lead data beyond
 * the batch being added, so a million-lead run reports in the same memory as a ten-lead one.
 */
export class RunReportBuilder {
  readonly #report: RunReport;

  constructor(init: {
    runId: string;
    crm: CrmName;
    scope: string;
    dryRun: boolean;
    rules: { name: string; version: string };
    startedAt: Date;
    cursorKey: string;
    startedFrom: RunReport['cursor']['startedFrom'];
    start: SyncCursor | null;
  }) {
    this.#report = {
      version: 1,
      runId: init.runId,
      crm: init.crm,
      scope: init.scope,
      dryRun: init.dryRun,
      rules: init.rules,
      startedAt: init.startedAt.toISOString(),
      finishedAt: init.startedAt.toISOString(),
      durationMs: 0,
      status: 'completed',
      stop: null,
      limitReached: false,
      cursor: {
        key: init.cursorKey,
        startedFrom: init.startedFrom,
        start: init.start,
        committed: null,
        pagesCommitted: 0,
      },
      counts: {
        pages: 0,
        leadsRead: 0,
        deletedIgnored: 0,
        unchanged: 0,
        written: 0,
        planned: 0,
        skipped: 0,
        failed: 0,
        notAttempted: 0,
        tasksCreated: 0,
        tasksExisting: 0,
        tasksPlanned: 0,
      },
      byFlag: {},
      byNextAction: {},
      byReasonCode: {},
      fieldChanges: {},
      routeVia: {},
      tasksPerOwner: {},
      dueDates: {},
      tasksPerOwnerDue: {},
      holdReasons: {},
      scores: { attribute: {}, behaviour: {} },
      skips: { count: 0, byCode: {}, samples: [] },
      failures: { count: 0, byCode: {}, samples: [] },
      api: { calls: {}, total: 0, minimum: 0 },
    };
  }

  /** Progress so far (live object; read, do not keep). */
  get counts(): Readonly<RunCounts> {
    return this.#report.counts;
  }

  addPage(deletedIds: number, accountMatches?: AccountMatchTally): void {
    this.#report.counts.pages++;
    this.#report.counts.deletedIgnored += deletedIds;
    if (accountMatches) {
      this.#report.accountMatching ??= emptyTally();
      addTally(this.#report.accountMatching, accountMatches);
    }
  }

  addBatch(batch: BatchResult): void {
    const c = this.#report.counts;
    const b = batch.counters;
    c.leadsRead += b.leads;
    c.unchanged += b.unchanged;
    c.inputsUnchanged = (c.inputsUnchanged ?? 0) + b.inputsUnchanged;
    c.written += b.written;
    c.planned += b.planned;
    c.skipped += b.skipped;
    c.failed += b.failed;
    c.notAttempted += b.notAttempted;
    c.tasksCreated += b.tasksCreated;
    c.tasksExisting += b.tasksExisting;
    c.tasksPlanned += b.tasksPlanned;
    for (const o of batch.outcomes) this.#addOutcome(o);
  }

  /** One page of the account-trigger phase (its leads go through `addBatch` as well). */
  addAccountTriggers(accounts: number, leads: number, committed: SyncCursor | null): void {
    this.#report.accountTriggers ??= { accounts: 0, leads: 0, committed: null };
    const t = this.#report.accountTriggers;
    t.accounts += accounts;
    t.leads += leads;
    if (committed) t.committed = committed;
  }

  pageCommitted(cursor: SyncCursor): void {
    this.#report.cursor.committed = cursor;
    this.#report.cursor.pagesCommitted++;
  }

  noteCursor(note: string): void {
    this.#report.cursor.note = note;
  }

  limitReached(): void {
    this.#report.limitReached = true;
  }

  finish(end: { finishedAt: Date; stop: StopSignal | null; api: ApiUsage | null }): RunReport {
    const r = this.#report;
    r.finishedAt = end.finishedAt.toISOString();
    r.durationMs = Math.max(0, end.finishedAt.getTime() - Date.parse(r.startedAt));
    r.stop = end.stop;
    r.status = end.stop ? 'stopped' : 'completed';
    if (end.api) {
      r.api = {
        calls: { ...end.api.calls },
        total: Object.values(end.api.calls).reduce((a, b) => a + b, 0),
        minimum: end.api.minimum,
      };
    }
    return structuredClone(r);
  }

  #addOutcome(o: LeadOutcome): void {
    const r = this.#report;
    if (o.failure) {
      const summary = o.status === 'skipped' ? r.skips : r.failures;
      summary.count++;
      bump(summary.byCode, `${o.failure.kind}/${o.failure.code}`);
      if (summary.samples.length < SAMPLE_CAP) {
        summary.samples.push({
          leadId: o.leadId,
          objectType: o.objectType,
          stage: o.failure.stage,
          kind: o.failure.kind,
          code: o.failure.code,
          message: o.failure.message,
        });
      }
    }
    if (!o.decision) return;
    if (o.verdict) {
      r.verdicts ??= {};
      r.verdicts[o.verdict] = (r.verdicts[o.verdict] ?? 0) + 1;
      // The rules' decision was not written (only the reason that says why): not in the breakdowns.
      if (o.verdict === 'stands') return;
    }
    // Breakdowns cover the leads this run changed (or would change). Unchanged leads are only
    // counted: a lead written early in a run comes back later in the same run (the write moved its
    // modifiedAt) and would otherwise be counted twice.
    if (o.status === 'written' || o.status === 'planned') {
      const d = o.decision;
      bump(r.byFlag, d.flag);
      bump(r.byNextAction, d.nextAction);
      for (const code of new Set(d.reasons.map((x) => x.code))) bump(r.byReasonCode, code);
      for (const field of Object.keys(o.fields)) bump(r.fieldChanges, field);
      if (d.flag === 'hold') {
        r.holdReasons ??= {};
        bump(r.holdReasons, holdKey(d.reasons[0]));
      }
      bump(r.scores.attribute, scoreBucket(d.scores.attribute, 10, 100));
      if (d.scores.behaviour !== null) bump(r.scores.behaviour, scoreBucket(d.scores.behaviour, 20, 200));
    }
    if (o.recordOwner && (o.status === 'written' || o.status === 'planned')) {
      r.recordsPerOwner ??= {};
      const rec = o.recordOwner;
      bump(r.recordsPerOwner, 'ownerId' in rec ? rec.ownerId : `(skipped:${rec.skipped})`);
    }
    if (o.task && (o.taskStatus === 'created' || o.taskStatus === 'planned')) {
      if (o.task.route.via === 'account_owner') {
        r.accountOwnerTasks ??= {};
        bump(r.accountOwnerTasks, o.task.ownerId);
      }
      bump(r.tasksPerOwner, o.task.ownerId);
      bump(r.dueDates, o.task.dueDate);
      bump(r.routeVia, o.task.route.via);
      r.tasksPerOwnerDue ??= {};
      const perOwner = r.tasksPerOwnerDue;
      // Same key cap as tasksPerOwner: owners beyond it are summed there under "(other)" only.
      if (Object.hasOwn(perOwner, o.task.ownerId) || Object.keys(perOwner).length < KEY_CAP) {
        perOwner[o.task.ownerId] ??= {};
        bump(perOwner[o.task.ownerId]!, o.task.dueDate);
      }
    }
  }
}

/** A hold by what it waits for: the missing or unreadable field, else the deciding reason's code. */
function holdKey(
  reason: { code: string; params: Readonly<Record<string, string | number>> } | undefined,
): string {
  if (!reason) return 'otherwise';
  const field = reason.params.field;
  return typeof field === 'string' && ['missing', 'invalid', 'data_issue'].includes(reason.code)
    ? `${reason.code}:${field}`
    : reason.code;
}

/** `37` with width 10 → `30-39`; at or above `top` → `top+`, so the chart has a fixed x axis. */
export function scoreBucket(score: number, width: number, top: number): string {
  if (score >= top) return `${top}+`;
  const low = Math.max(0, Math.floor(score / width) * width);
  return `${low}-${low + width - 1}`;
}

function bump(counts: Record<string, number>, key: string): void {
  if (Object.hasOwn(counts, key)) counts[key]!++;
  else if (Object.keys(counts).length < KEY_CAP) counts[key] = 1;
  else counts[OTHER] = (counts[OTHER] ?? 0) + 1;
}
