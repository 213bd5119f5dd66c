import { sweepApprovals } from '../approval/sweep-approvals.ts';
import { FailureKind } from '../domain/errors.ts';
import type { CrmName } from '../domain/lead.ts';
import {
  applyEvent,
  type Episode,
  type EpisodeEvent,
  type EpisodeOwner,
  episodeEvent,
  hasStep,
  isSettled,
  type LadderAction,
  STEP,
  withEpisodeDefaults,
} from '../episodes/episode.ts';
import { putMany, recordSteps } from '../episodes/record-step.ts';
import { verdictEventFor } from '../episodes/verdict-event.ts';
import { MESSAGE_MAX, scrubText } from '../logging/scrub.ts';
import { DryRunRoutingState } from '../pipeline/dry-run-routing-state.ts';
import { actionFor, type StopSignal, stopFromError } from '../pipeline/failure-policy.ts';
import type { RunLease } from '../pipeline/run-lease.ts';
import type { Clock } from '../ports/clock.ts';
import type { ApiUsage } from '../ports/crm-connector.ts';
import { type Deadline, runWithDeadline } from '../ports/deadline.ts';
import type { EpisodeCrm, EpisodeFacts, EpisodeRef, SlaFieldUpdate } from '../ports/episode-crm.ts';
import type { EpisodeStore, ScheduleEpisode, StoredEpisode } from '../ports/episode-store.ts';
import { CHANGED_SINCE_READ, type FollowUpTask, type WriteOutcome } from '../ports/lead-sink.ts';
import type { Notification, NotificationEvent } from '../ports/notifier.ts';
import type { RoutingState } from '../ports/routing-state.ts';
import type { Locale } from '../reasons/messages.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { directoryFor } from '../routing/routing-directory.ts';
import { calendarFor } from '../sla/due-date.ts';
import { type LadderStep, planLadder } from '../sla/escalation-ladder.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import type { NotifyWho, SweepNotify } from './notify-policy.ts';
import { type OpportunityPhaseOptions, runOpportunityPhase } from './opportunity-phase.ts';
import { pickReassignee } from './pick-reassignee.ts';
import { type RecheckDueOptions, recheckDueLeads } from './recheck-leads.ts';
import { type Managers, resolveManagers } from './resolve-managers.ts';
import { breachAt, isFirstResponseOnTime, slaStatusAt } from './sla-status.ts';
import {
  emptySweepApprovals,
  emptySweepReport,
  type SweepProgress,
  type SweepReport,
  SweepReportBuilder,
  type SweepStage,
} from './sweep-report.ts';
import { scheduleAt } from './sweep-schedule.ts';
import { closeNote, managerTask, reassignTask } from './sweep-tasks.ts';

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
  /** Episodes per CRM batch (default `EpisodeCrm.batchSize`, else `SWEEP_BATCH_SIZE`). */
  batchSize?: number;
  /** Polled episodes refiled together at most (default `SWEEP_REFILE_AT_MOST`). */
  refileAtMost?: number;
  /** Language of the manager and reassignment tasks when no notify language says (default `ja`). */
  taskLanguage?: Locale;
  /**
   * The re-check phase (src/sweep/recheck-leads.ts): after the SLA checks, in the same run, lease,
   * deadline and report, the leads whose `recheckAt` has come are decided again as of the sweep's
   * instant (never withdrawing a hand-off). Its `dryRun` follows the sweep's.
   */
  rechecks?: Omit<RecheckDueOptions, 'now' | 'deadline' | 'lease'>;
  /**
   * The opportunity phase (src/sweep/opportunity-phase.ts), run first so an episode that became an
   * opportunity is closed before its ladder is looked at: opportunities changed since its own cursor,
   * the flag, the episode outcome, outcome records. Its failures count in `counts.failed` and leave its
   * cursor; they do not stop the SLA checks.
   */
  opportunities?: Omit<
    OpportunityPhaseOptions,
    'crmName' | 'episodes' | 'schedule' | 'now' | 'dryRun' | 'deadline' | 'lease' | 'timeZone'
  >;
}

/** Below this much time left (`deadline`), no new batch is started: the next sweep goes on. */
export const SWEEP_BATCH_RESERVE_MS = 15_000;

/**
 * Refiles wait for the sweep's end so a roster split across batches is rewritten once, but no more
 * than this many: the wait must not pile up a backlog's worth of roster writes into the batch reserve
 * at the end (SWEEP_BATCH_RESERVE_MS), where a timeout would lose them all (extra polls, not missed).
 */
export const SWEEP_REFILE_AT_MOST = 1000;

/** How long an episode due as stored and wanted again at once (a failing step) is left where it is. */
export const SWEEP_LEAVE_DUE_MS = 86_400_000;

/**
 * One SLA sweep (issue 13, docs/routing-and-sla.md "The sweep"): the episodes due at the sweep's
 * instant, earliest first, in batches of 200:
 * 1. re-read from the store (the index may lag; the first batch may take the read the store's due
 *    check has just made, DynamoEpisodeStore) and read the CRM's facts in one batched call;
 * 2. record what the reps did: the toss-up task completed, the first call/e-mail/meeting, the record
 *    gone (the episode closes as `superseded`);
 * 3. carry out the ladder steps due, in ladder order and in waves across the batch so each kind of
 *    CRM write is one batched call: each step's effect first (notice, manager task, reassignment),
 *    keyed by the step, then the step recorded — a failed effect leaves the step unrecorded, so the
 *    next sweep does it again, and a crash in between repeats only idempotent effects;
 * 4. write the SLA-status fields that changed, in one batched call, and record what was written;
 * 5. move `nextCheckAt` (src/sweep/sweep-schedule.ts); the episodes a store refiles without a write
 *    (DynamoDB) are refiled together once the batches are done.
 * Never throws: a failure that stops the sweep ends in the report's `stop`; a failure of one write is
 * counted and sampled, and its step is left for the next sweep.
 */
export async function runSweep(options: SweepOptions): Promise<SweepReport> {
  const now = options.clock.now();
  const dryRun = options.dryRun ?? false;
  const builder = new SweepReportBuilder(
    emptySweepReport({
      runId: options.runId ?? `sweep-${now.getTime()}`,
      crm: options.crmName,
      scope: options.scope ?? 'default',
      dryRun,
      at: now,
    }),
  );
  const report = builder.report;
  let stop: StopSignal | null = null;
  try {
    if (options.opportunities) await opportunityPhase(options, options.opportunities, now, report);
    stop = await runWithDeadline(options.deadline, () => sweepAll(options, now, builder));
    if (!stop && options.rechecks) stop = await recheckPhase(options, options.rechecks, now, report);
  } catch (e) {
    stop = stopFromError(e);
  }
  const finishedAt = options.clock.now();
  report.finishedAt = finishedAt.toISOString();
  report.durationMs = Math.max(0, finishedAt.getTime() - now.getTime());
  report.stop = stop;
  report.status = stop ? 'stopped' : 'completed';
  if (options.usage) {
    const api = options.usage();
    report.api = {
      calls: { ...api.calls },
      total: Object.values(api.calls).reduce((a, b) => a + b, 0),
      minimum: api.minimum,
    };
  }
  return report;
}

async function opportunityPhase(
  options: SweepOptions,
  phase: NonNullable<SweepOptions['opportunities']>,
  now: Date,
  report: SweepReport,
): Promise<void> {
  const o = await runWithDeadline(options.deadline, () =>
    runOpportunityPhase({
      ...phase,
      crmName: options.crmName,
      episodes: options.episodes,
      schedule: scheduleAt(options.sla, now),
      now,
      timeZone: options.sla.timeZone,
      dryRun: options.dryRun ?? false,
      ...(options.deadline ? { deadline: options.deadline } : {}),
      ...(options.lease ? { lease: options.lease } : {}),
    }),
  );
  report.opportunities = o;
  report.counts.failed += Math.max(o.failed, o.stop ? 1 : 0);
}

async function recheckPhase(
  options: SweepOptions,
  rechecks: NonNullable<SweepOptions['rechecks']>,
  now: Date,
  report: SweepReport,
): Promise<StopSignal | null> {
  report.rechecks = await runWithDeadline(options.deadline, () =>
    recheckDueLeads({
      ...rechecks,
      pipeline: { ...rechecks.pipeline, dryRun: options.dryRun ?? false },
      now,
      ...(options.deadline ? { deadline: options.deadline } : {}),
      ...(options.lease ? { lease: options.lease } : {}),
    }),
  );
  return report.rechecks.stop;
}

async function sweepAll(
  options: SweepOptions,
  now: Date,
  builder: SweepReportBuilder,
): Promise<StopSignal | null> {
  const limit = Math.max(1, options.limit ?? DEFAULT_SWEEP_LIMIT);
  const batchSize = Math.max(1, options.batchSize ?? options.crm.batchSize ?? SWEEP_BATCH_SIZE);
  const due = await options.episodes.dueBefore(now, limit + 1);
  if (due.length > limit) builder.report.limitReached = true;
  const keys = due.slice(0, limit).map((d) => d.key);
  builder.report.counts.due = keys.length;
  const ctx = new SweepContext(options, now, builder, new Map(due.map((d) => [d.key, d.nextCheckAt])));
  // A refile's failures are counted as a batch's are; progress is told of them as after a batch.
  const refileAll = async () => {
    const failed = builder.report.counts.failed;
    await ctx.refileAll();
    if (builder.report.counts.failed !== failed) options.onProgress?.(builder.progress());
  };
  try {
    for (let i = 0; i < keys.length; i += batchSize) {
      const deadline = options.deadline;
      if (deadline && deadline.remainingMs() < SWEEP_BATCH_RESERVE_MS) {
        return {
          kind: FailureKind.Transient,
          action: 'retry',
          code: 'deadline',
          message: `stopped after ${i} of ${keys.length} due episodes: the invocation's time is nearly spent; the next sweep goes on`,
        };
      }
      options.lease?.assertHeld();
      const stop = await ctx.batch(keys.slice(i, i + batchSize));
      options.onProgress?.(builder.progress());
      if (stop) return stop;
      if (ctx.refilesQueued >= (options.refileAtMost ?? SWEEP_REFILE_AT_MOST)) await refileAll();
    }
    return null;
  } finally {
    // However the batches ended: what they polled is not polled again before its next check.
    await refileAll();
  }
}

/** An episode being worked on in this batch: the latest stored state and what the CRM said. */
interface Work {
  ep: Episode;
  version: number;
  facts: EpisodeFacts;
  /** Set once a step's effect failed: no further step of this episode in this sweep. */
  halted: boolean;
}

interface DueStep {
  w: Work;
  step: LadderStep;
}

/** A ladder step to record, with what it changed (new owner, task ids). */
interface StepRecord extends DueStep {
  extra: { owner?: EpisodeOwner; taskId?: string | null; managerTaskId?: string | null };
}

class SweepContext {
  readonly #o: SweepOptions;
  readonly #now: Date;
  readonly #b: SweepReportBuilder;
  readonly #dryRun: boolean;
  readonly #schedule: ScheduleEpisode;
  readonly #routingState: RoutingState;
  readonly #locale: Locale;
  readonly #names: (owner: EpisodeOwner) => string;
  /** A write failure that must stop the sweep (credentials, mapping, quota), seen in this batch. */
  #stop: StopSignal | null = null;
  /** The instant each due episode was found due at (`dueBefore`), by key. */
  readonly #foundDueAt: ReadonlyMap<string, string>;
  /** Episodes to refile at their next check once the batches are done (`refileAll`). */
  readonly #refiles: { w: Work; want: string }[] = [];

  constructor(
    options: SweepOptions,
    now: Date,
    builder: SweepReportBuilder,
    foundDueAt: ReadonlyMap<string, string>,
  ) {
    this.#foundDueAt = foundDueAt;
    this.#o = options;
    this.#now = now;
    this.#b = builder;
    this.#dryRun = options.dryRun ?? false;
    this.#schedule = scheduleAt(options.sla, now);
    this.#routingState = this.#dryRun ? new DryRunRoutingState(options.routingState) : options.routingState;
    this.#locale = options.notify?.language ?? options.taskLanguage ?? 'ja';
    const dir = directoryFor(options.routing);
    this.#names = (owner) => {
      const rep =
        (owner.key !== undefined ? dir.rep(owner.key) : undefined) ??
        dir.repByCrmId(options.crmName, owner.id);
      const name = rep?.name ?? owner.id;
      builder.owner(owner.id, name);
      return name;
    };
  }

  async batch(keys: readonly string[]): Promise<StopSignal | null> {
    this.#stop = null;
    const o = this.#o;
    const stored = await o.episodes.getMany(keys);
    let live: StoredEpisode[] = [];
    for (const key of keys) {
      const s = stored.get(key);
      const next = s?.episode.nextCheckAt;
      if (
        !s ||
        s.episode.crm !== o.crmName ||
        s.episode.status === 'closed' ||
        next === null ||
        next === undefined ||
        Date.parse(next) > this.#now.getTime()
      ) {
        this.#b.report.counts.stale++;
        continue;
      }
      live.push({ ...s, episode: withEpisodeDefaults(s.episode) });
    }
    this.#b.report.counts.checked += live.length;
    const approvals = live.filter((s) => s.episode.status === 'pending_approval');
    if (approvals.length > 0) await this.#approvals(approvals);
    live = live.filter((s) => s.episode.status !== 'pending_approval');
    if (live.length === 0) return this.#stop;

    const refs: EpisodeRef[] = live.map(({ episode: ep }) => ({
      key: ep.key,
      leadId: ep.leadId,
      objectType: ep.objectType,
      ownerId: ep.owner.id,
      taskId: ep.taskId,
      since: ep.handedOffAt,
    }));
    const facts = await o.crm.readFacts(refs);
    if (facts.length !== refs.length || facts.some((f, i) => f.key !== refs[i]!.key))
      throw new Error(
        `readFacts returned ${facts.length} results for ${refs.length} episodes, or out of order`,
      );

    const work: Work[] = live.map((s, i) => ({
      ep: s.episode,
      version: s.version,
      facts: facts[i]!,
      halted: false,
    }));
    await this.#recordFacts(work);
    await this.#runLadder(work.filter((w) => !w.halted && !isSettled(w.ep)));
    if (this.#stop) return this.#stop;
    await this.#writeSlaFields(work.filter((w) => w.ep.status !== 'closed'));
    await this.#reschedule(work);
    return this.#stop;
  }

  // ---- 1½. pending manager approvals (src/approval/) ---------------------------------------------

  async #approvals(stored: StoredEpisode[]): Promise<void> {
    const work: Work[] = stored.map((s) => ({
      ep: s.episode,
      version: s.version,
      facts: { key: s.episode.key, taskCompletedAt: null, firstActivity: null, recordGone: false },
      halted: false,
    }));
    const o = this.#o;
    const counts = await sweepApprovals(work, {
      now: this.#now,
      dryRun: this.#dryRun,
      sla: o.sla,
      crm: o.crm,
      locale: this.#locale,
      record: (items) => this.#recordAll(items as { w: Work; event: EpisodeEvent }[]),
      write: (stage, items, call) => this.#write(stage, items as { w: Work; step: null }[], call),
      notify: (w, step, event, who, extra) => this.#notify(w as Work, step, event, who, extra),
      managers: async (owners) =>
        (await resolveManagers(owners, { crmName: o.crmName, crm: o.crm, routing: o.routing, sla: o.sla }))
          .managers,
      nameOf: this.#names,
      fail: (w, stage, code, message) =>
        this.#fail(stage, { w: w as Work, step: null }, 'transient', code, scrubText(message, MESSAGE_MAX)),
    });
    this.#b.report.approvals ??= emptySweepApprovals();
    const total = this.#b.report.approvals;
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) total[k] += counts[k];
    await this.#reschedule(work);
  }

  // ---- 2. facts ---------------------------------------------------------------------------------

  /** The CRM's facts as events, for the whole batch in one store round trip. */
  async #recordFacts(work: Work[]): Promise<void> {
    const records: { w: Work; event: EpisodeEvent; count?: 'closed' | 'completed' | 'verdicts' }[] = [];
    const watched: { w: Work; before: string | null }[] = [];
    for (const w of work) {
      const f = w.facts;
      if (f.recordGone) {
        // Deleted, merged away or converted: nothing left to watch or write on. `superseded` is the
        // closest reason the episode knows (something else now stands for the lead).
        records.push({
          w,
          event: episodeEvent({ type: 'closed', at: this.#iso(), cause: 'crm_change', reason: 'superseded' }),
          count: 'closed',
        });
        continue;
      }
      watched.push({ w, before: w.ep.firstResponseAt });
      // The rep's verdict, when the CRM reads it with the facts: sent back / lost close the episode,
      // so no reminder or escalation follows for a lead the rep has already answered.
      const verdict = verdictEventFor(w.ep, f.feedback, this.#iso());
      if (verdict) records.push({ w, event: verdict, count: 'verdicts' });
      if (f.taskCompletedAt !== null && !hasStep(w.ep, STEP.taskCompleted))
        records.push({
          w,
          event: episodeEvent({ type: 'task_completed', at: f.taskCompletedAt, cause: 'rep' }),
          count: 'completed',
        });
      if (f.firstActivity !== null && !hasStep(w.ep, STEP.firstResponse) && !w.halted)
        records.push({
          w,
          event: episodeEvent({
            type: 'first_response',
            at: f.firstActivity.at,
            cause: 'rep',
            activity: f.firstActivity.activity,
          }),
        });
    }
    const recorded = await this.#recordAll(records);
    for (const [i, r] of records.entries()) if (recorded[i] && r.count) this.#b.report.counts[r.count]++;
    for (const { w, before } of watched) {
      if (before === null && w.ep.firstResponseAt !== null) {
        this.#names(w.ep.owner);
        this.#b.firstResponse(w.ep.owner.id, w.ep.nextAction, isFirstResponseOnTime(w.ep, this.#o.sla));
      }
    }
  }

  // ---- 3. the ladder ----------------------------------------------------------------------------

  async #runLadder(work: Work[]): Promise<void> {
    if (work.length === 0) return;
    const needManager = work.filter((w) =>
      planLadder(w.ep, this.#o.sla, this.#now).due.some((s) => s.action !== 'remind_owner'),
    );
    const { managers, failure } = await resolveManagers(
      needManager.map((w) => w.ep.owner),
      { crmName: this.#o.crmName, crm: this.#o.crm, routing: this.#o.routing, sla: this.#o.sla },
    );
    if (failure !== null) {
      const s = stopFromError(failure);
      this.#b.failure({
        episodeKey: '-',
        leadId: '-',
        stage: 'managers',
        kind: s.kind,
        code: s.code,
        message: s.message,
      });
    }
    // Waves: the k-th due step of every episode, so that each kind of write is one call per wave.
    let pending = work;
    for (let wave = 0; wave < 8 && pending.length > 0 && !this.#stop; wave++) {
      const steps: DueStep[] = [];
      for (const w of pending) {
        if (w.halted || isSettled(w.ep)) continue;
        const step = planLadder(w.ep, this.#o.sla, this.#now).due[0];
        if (step) steps.push({ w, step });
      }
      if (steps.length === 0) break;
      const by = (a: LadderAction) => steps.filter((s) => s.step.action === a);
      await this.#notifySteps([...by('remind_owner'), ...by('notify_manager')], managers);
      await this.#managerTasks(by('manager_task'), managers);
      await this.#reassign(by('reassign'), managers);
      pending = steps.map((s) => s.w);
    }
  }

  /** Each step's notice, then the steps recorded together (a step is recorded after its notice). */
  async #notifySteps(steps: DueStep[], managers: Managers): Promise<void> {
    if (!this.#dryRun)
      for (const { w, step } of steps) {
        const ep = w.ep;
        await this.#notify(
          w,
          step.stepKey,
          step.action === 'remind_owner' ? 'reminder' : 'escalation',
          { owner: ep.owner, manager: managers.of(ep.owner), ...pool(ep.owner) },
          { dueAt: breachAt(ep, this.#o.sla) },
        );
      }
    await this.#recordSteps(steps.map((s) => ({ ...s, extra: {} })));
  }

  async #managerTasks(steps: DueStep[], managers: Managers): Promise<void> {
    const withManager: { s: DueStep; task: FollowUpTask }[] = [];
    const skipped: { w: Work; event: EpisodeEvent }[] = [];
    for (const s of steps) {
      const manager = managers.of(s.w.ep.owner);
      if (!manager) {
        skipped.push(
          this.#skipStep(
            s,
            'no_manager',
            'no manager is known for the owner (routing.yaml pool manager, or the CRM with managers: crm)',
          ),
        );
        continue;
      }
      this.#names(manager);
      const task = managerTask({
        episode: s.w.ep,
        stepId: s.step.id,
        manager,
        breachAt: breachAt(s.w.ep, this.#o.sla),
        now: this.#now,
        sla: this.#o.sla,
        locale: this.#locale,
        nameOf: this.#names,
      });
      withManager.push({ s, task });
    }
    await this.#recordAll(skipped);
    if (withManager.length === 0) return;
    if (this.#dryRun) {
      await this.#recordSteps(withManager.map(({ s }) => ({ ...s, extra: {} })));
      return;
    }
    const outcomes = await this.#write(
      'manager_task',
      withManager.map((x) => x.s),
      () => this.#o.crm.createTasks(withManager.map((x) => x.task)),
    );
    const created: StepRecord[] = [];
    for (const [i, { s }] of withManager.entries()) {
      const out = outcomes?.[i];
      if (out?.ok) created.push({ ...s, extra: { managerTaskId: out.id } });
    }
    await this.#recordSteps(created);
  }

  async #reassign(steps: DueStep[], managers: Managers): Promise<void> {
    if (steps.length === 0) return;
    const cal = calendarFor(this.#o.sla);
    const businessDate = cal.businessDateOf(this.#now);
    const picked: { s: DueStep; owner: EpisodeOwner; task: FollowUpTask }[] = [];
    const skipped: { w: Work; event: EpisodeEvent }[] = [];
    for (const s of steps) {
      const pick = await pickReassignee({
        episode: s.w.ep,
        crm: this.#o.crmName,
        routing: this.#o.routing,
        state: this.#routingState,
        businessDate,
      });
      if ('skipped' in pick) {
        skipped.push(this.#skipStep(s, pick.skipped, pick.detail));
        continue;
      }
      this.#names(pick.owner);
      const task = reassignTask({
        episode: s.w.ep,
        newOwner: pick.owner,
        now: this.#now,
        sla: this.#o.sla,
        locale: this.#locale,
        nameOf: this.#names,
      });
      picked.push({ s, owner: pick.owner, task });
    }
    await this.#recordAll(skipped);
    if (picked.length === 0) return;
    if (this.#dryRun) {
      await this.#recordSteps(picked.map((p) => ({ ...p.s, extra: { owner: p.owner, taskId: null } })));
      return;
    }
    // The new owner's task first (the rep must see it), then the lead's owner, then the old task closed.
    const created = await this.#write(
      'reassign_task',
      picked.map((p) => p.s),
      () => this.#o.crm.createTasks(picked.map((p) => p.task)),
    );
    const withTask = picked
      .map((p, i) => ({
        ...p,
        taskId: created?.[i]?.ok ? created[i].id : null,
        ok: created?.[i]?.ok === true,
      }))
      .filter((p) => p.ok);
    if (withTask.length === 0) return;
    const moved = await this.#write(
      'reassign_owner',
      withTask.map((p) => p.s),
      () =>
        this.#o.crm.reassign(
          withTask.map((p) => ({
            leadId: p.s.w.ep.leadId,
            objectType: p.s.w.ep.objectType,
            ownerId: p.owner.id,
          })),
        ),
    );
    const reassigned = withTask.filter((_, i) => moved?.[i]?.ok === true);
    const toClose = reassigned.filter((p) => p.s.w.ep.taskId !== null);
    const closed =
      toClose.length === 0
        ? []
        : await this.#write(
            'close_task',
            toClose.map((p) => p.s),
            () =>
              this.#o.crm.closeTasks(
                toClose.map((p) => ({
                  taskId: p.s.w.ep.taskId!,
                  note: closeNote(this.#names(p.owner), this.#locale),
                })),
              ),
          );
    const closedOk = new Set(toClose.filter((_, i) => closed?.[i]?.ok === true).map((p) => p.s.w.ep.key));
    const done: StepRecord[] = [];
    for (const p of reassigned) {
      const ep = p.s.w.ep;
      if (ep.taskId !== null && !closedOk.has(ep.key)) continue;
      await this.#notify(
        p.s.w,
        p.s.step.stepKey,
        'reassignment',
        { owner: p.owner, manager: managers.of(ep.owner), ...pool(p.owner) },
        {
          dueAt: p.task.dueAt,
          previousOwner: ep.owner,
        },
      );
      done.push({ ...p.s, extra: { owner: p.owner, taskId: p.taskId } });
    }
    await this.#recordSteps(done);
  }

  /** Reports a step that cannot be taken; returns its record, for the caller to store with the others. */
  #skipStep(s: DueStep, reason: string, detail: string): { w: Work; event: EpisodeEvent } {
    const ep = s.w.ep;
    this.#b.skip({
      episodeKey: ep.key,
      leadId: ep.leadId,
      step: s.step.stepKey,
      action: s.step.action,
      reason,
      detail,
    });
    return {
      w: s.w,
      event: episodeEvent({
        type: 'ladder_step',
        at: this.#iso(),
        cause: 'sweep',
        round: s.step.round,
        stepId: s.step.id,
        action: s.step.action,
        skipped: reason,
      }),
    };
  }

  /** Records ladder steps (in one store round trip) and counts them. */
  async #recordSteps(steps: readonly StepRecord[]): Promise<void> {
    const records = steps.map(({ w, step, extra }) => ({
      w,
      before: w.ep,
      event: episodeEvent({
        type: 'ladder_step',
        at: this.#iso(),
        cause: 'sweep',
        round: step.round,
        stepId: step.id,
        action: step.action,
        ...extra,
      }),
      step,
    }));
    const recorded = await this.#recordAll(records);
    for (const [i, { w, before, event, step }] of records.entries()) {
      if (recorded[i]) this.#b.step(step.action, this.#dryRun);
      else if (!hasStep(w.ep, event.step))
        w.halted = true; // not stored (store failure, episode gone)
      else if (before !== w.ep) this.#b.report.counts.stepsAlreadyRecorded++;
    }
  }

  // ---- 4. SLA fields ----------------------------------------------------------------------------

  async #writeSlaFields(work: Work[]): Promise<void> {
    const changes: { w: Work; update: SlaFieldUpdate }[] = [];
    // Also for an episode whose ladder halted: the field shows what was recorded.
    for (const w of work) {
      const status = slaStatusAt(w.ep, this.#o.sla, this.#now);
      const written = w.ep.slaWritten ?? null;
      if (status === null) continue;
      if (written?.status === status && written.firstResponseAt === w.ep.firstResponseAt) continue;
      changes.push({
        w,
        update: {
          leadId: w.ep.leadId,
          objectType: w.ep.objectType,
          status,
          firstResponseAt: w.ep.firstResponseAt,
        },
      });
    }
    if (changes.length === 0) return;
    if (this.#dryRun) {
      for (const c of changes) this.#b.slaStatus(c.update.status, true);
      return;
    }
    const outcomes = await this.#write(
      'sla_fields',
      changes.map((c) => ({ w: c.w, step: null })),
      () => this.#o.crm.writeSlaFields(changes.map((c) => c.update)),
    );
    const written = changes.filter((_, i) => outcomes?.[i]?.ok);
    for (const c of written) this.#b.slaStatus(c.update.status, false);
    await this.#recordAll(
      written.map((c) => ({
        w: c.w,
        event: episodeEvent({
          type: 'sla_status',
          at: this.#iso(),
          cause: 'sweep',
          status: c.update.status,
          firstResponseAt: c.update.firstResponseAt,
        }),
      })),
    );
  }

  // ---- 5. schedule ------------------------------------------------------------------------------

  /**
   * Moves `nextCheckAt` of an episode nothing was recorded for (a poll that found nothing, a failure):
   * refiled without a write where the store can (`EpisodeStore.refile`, after the last batch:
   * `refileAll`), else written. One due as
   * stored and wanted again by now (a step whose effect failed, a field write to retry) is left as it
   * is: the next sweep finds it where this one did, without a write (refiling it would cost a roster
   * put and a rewrite at every sweep while the step keeps failing).
   */
  async #reschedule(work: Work[]): Promise<void> {
    if (this.#dryRun) return;
    const now = this.#iso();
    const past = (t: string | null) => t !== null && t <= now;
    // Left where it is only while the instant it was found due at is recent: the roster that holds it
    // keeps the due index's floor at its hour and expires with its retention, so an episode failing
    // for days is refiled at the sweep's instant once a day (then it also sorts behind those due
    // earlier). The stored check is no guide: a refile leaves it as it was.
    const recent = new Date(this.#now.getTime() - SWEEP_LEAVE_DUE_MS).toISOString();
    const moved = work.flatMap((w) => {
      const want = this.#schedule(w.ep);
      if (!past(want) || !past(w.ep.nextCheckAt)) return w.ep.nextCheckAt === want ? [] : [{ w, want }];
      const left = (this.#foundDueAt.get(w.ep.key) ?? w.ep.nextCheckAt!) >= recent;
      return left || w.ep.nextCheckAt === now ? [] : [{ w, want: now }];
    });
    const store = this.#o.episodes;
    // Only later than the check it was written with: a refiled episode keeps that check stored, and a
    // store that files checks apart keeps it due only up to the instant it is filed at.
    const refilable = ({ w, want }: (typeof moved)[number]) =>
      store.refile !== undefined && want !== null && w.ep.nextCheckAt !== null && want > w.ep.nextCheckAt;
    for (const { w, want } of moved.filter(refilable)) this.#refiles.push({ w, want: want! });
    const written = moved.filter((m) => !refilable(m));
    // Lost race = another writer moved it with its own schedule: theirs stands.
    const outcomes = await putMany(
      store,
      written.map(({ w, want }) => ({ episode: { ...w.ep, nextCheckAt: want }, expectedVersion: w.version })),
    );
    for (const [i, o] of outcomes.entries()) if (!o.ok) this.#storeFailure(written[i]!.w, o.error);
  }

  /** Episodes `#reschedule` queued for `refileAll`. */
  get refilesQueued(): number {
    return this.#refiles.length;
  }

  /**
   * The episodes `#reschedule` refiles, in one call once the sweep's batches are done: a roster whose
   * entries fell in several batches is then rewritten (or removed) once, not once a batch. Until then
   * the rosters they were due in still list them, so a sweep cut off before this polls them once more
   * at the next, never misses one.
   */
  async refileAll(): Promise<void> {
    const refiles = this.#refiles.splice(0);
    if (refiles.length === 0) return;
    try {
      await this.#o.episodes.refile!(
        refiles.map(({ w, want }) => ({ key: w.ep.key, version: w.version, nextCheckAt: want })),
      );
    } catch (error) {
      for (const { w } of refiles) this.#storeFailure(w, error);
    }
  }

  // ---- shared -----------------------------------------------------------------------------------

  /**
   * Records events in one store round trip (dry run: applies them in memory), in order (several of one
   * episode fold in one after another); per event whether it was recorded (false: already there, or
   * failed). A store failure halts the episode, reported once.
   */
  async #recordAll(records: readonly { w: Work; event: EpisodeEvent }[]): Promise<boolean[]> {
    if (this.#dryRun)
      return records.map(({ w, event }) => {
        const next = applyEvent(w.ep, event);
        if (next === w.ep) return false;
        w.ep = { ...next, nextCheckAt: w.ep.nextCheckAt };
        return true;
      });
    const outcomes = await recordSteps(
      this.#o.episodes,
      records.map(({ w, event }) => ({ key: w.ep.key, event })),
      this.#schedule,
    );
    const failed = new Set<Work>();
    return records.map(({ w, event }, i) => {
      const o = outcomes[i]!;
      if (!o.ok) {
        if (!failed.has(w)) this.#storeFailure(w, o.error, event.step);
        failed.add(w);
        return false;
      }
      const result = o.value;
      if (result.stored) {
        w.ep = withEpisodeDefaults(result.stored.episode);
        w.version = result.stored.version;
      }
      return result.recorded;
    });
  }

  #storeFailure(w: Work, e: unknown, step?: string): void {
    const s = stopFromError(e);
    w.halted = true;
    this.#b.failure({
      episodeKey: w.ep.key,
      leadId: w.ep.leadId,
      stage: 'record',
      ...(step === undefined ? {} : { step }),
      kind: s.kind,
      code: s.code,
      message: s.message,
    });
  }

  /**
   * One batched CRM write. Each failed record is reported and its episode halted (its step stays
   * unrecorded); a thrown error fails every record of the call and, for credentials, mapping or
   * quota, stops the sweep after this batch. Returns null when the call threw.
   */
  async #write(
    stage: SweepStage,
    items: readonly { w: Work; step: LadderStep | null }[],
    call: () => Promise<WriteOutcome[]>,
  ): Promise<WriteOutcome[] | null> {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await call();
      if (outcomes.length !== items.length)
        throw new Error(`${stage}: the CRM returned ${outcomes.length} outcomes for ${items.length} writes`);
    } catch (e) {
      const s = stopFromError(e);
      for (const it of items) this.#fail(stage, it, s.kind, s.code, s.message);
      if (s.action !== 'retry') this.#stop ??= s;
      return null;
    }
    for (const [i, out] of outcomes.entries()) {
      if (out.ok) continue;
      const it = items[i]!;
      if (out.code === CHANGED_SINCE_READ) {
        // Someone changed the record since the last sync read it: the next sync reads their change,
        // and this step, not recorded, is taken again by a sweep after it (no echo).
        it.w.halted = true;
        this.#b.heldForSync();
        continue;
      }
      this.#fail(stage, it, out.kind, out.code, scrubText(out.message, MESSAGE_MAX));
      const action = actionFor(out.kind);
      if (action === 'fix' || action === 'resume_later') {
        this.#stop ??= {
          kind: out.kind,
          action,
          code: out.code,
          message: scrubText(out.message, MESSAGE_MAX),
          leadId: it.w.ep.leadId,
        };
      }
    }
    return outcomes;
  }

  #fail(
    stage: SweepStage,
    it: { w: Work; step: LadderStep | null },
    kind: string,
    code: string,
    message: string,
  ): void {
    it.w.halted = true;
    this.#b.failure({
      episodeKey: it.w.ep.key,
      leadId: it.w.ep.leadId,
      stage,
      ...(it.step ? { step: it.step.stepKey } : {}),
      kind,
      code,
      message,
    });
  }

  /** Queues a chat notice (the notifier's outbox makes it once per episode, step and target). */
  async #notify(
    w: Work,
    step: string,
    event: NotificationEvent,
    who: NotifyWho,
    extra: { dueAt: string | null; previousOwner?: EpisodeOwner },
  ): Promise<void> {
    const n = this.#o.notify;
    if (!n) return;
    const targets = n.targetsFor(event, who);
    if (targets.length === 0) return;
    const ep = w.ep;
    const record = n.recordRef?.({ leadId: ep.leadId, objectType: ep.objectType }) ?? null;
    if (!record) {
      this.#b.failure({
        episodeKey: ep.key,
        leadId: ep.leadId,
        stage: 'notify',
        step,
        kind: 'config',
        code: 'no_record_link',
        message: 'no deep link to the record can be built, so no chat notice was sent (it is not retried)',
      });
      return;
    }
    // The CRM's facts first, then the name recorded at the hand-off, then the record id.
    const lead = w.facts.lead ?? ep.lead ?? { name: ep.leadId };
    const notification: Notification = {
      episodeKey: ep.key,
      step,
      event,
      language: n.language,
      lead: lead.company === undefined ? { name: lead.name } : { name: lead.name, company: lead.company },
      record,
      nextAction: ep.nextAction,
      ownerName: this.#names(who.owner),
    };
    if (extra.dueAt) notification.dueAt = extra.dueAt;
    if (extra.previousOwner) notification.previousOwnerName = this.#names(extra.previousOwner);
    await n.notifier.notify(notification, targets);
    this.#b.report.counts.notificationsQueued += targets.length;
  }

  #iso(): string {
    return this.#now.toISOString();
  }
}

function pool(owner: EpisodeOwner): { poolId?: string } {
  return owner.poolId === undefined ? {} : { poolId: owner.poolId };
}
