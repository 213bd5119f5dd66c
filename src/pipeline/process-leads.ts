import { approvalFor } from '../approval/approval-policy.ts';
import type { Decision } from '../domain/decision.ts';
import { ConfigError, CrmError, type FailureKind } from '../domain/errors.ts';
import type { HumanOverride } from '../domain/human-override.ts';
import type { CrmName, Lead, Priority, TossUpField } from '../domain/lead.ts';
import { type LeadLabel, leadLabel } from '../domain/lead-label.ts';
import {
  type Episode,
  type EpisodeEvent,
  type EpisodeOwner,
  episodeEvent,
  foldEpisode,
} from '../episodes/episode.ts';
import { EpisodeContentionError } from '../episodes/record-step.ts';
import { verdictEventFor, verdictOf } from '../episodes/verdict-event.ts';
import type { LedgerWiring } from '../ledger/flush-ledger.ts';
import { MESSAGE_MAX, scrubText } from '../logging/scrub.ts';
import type { SlaStatus } from '../ports/episode-crm.ts';
import type { EpisodeStore, ScheduleEpisode, StoredEpisode } from '../ports/episode-store.ts';
import type {
  FollowUpTask,
  LeadSink,
  TossUpFieldValues,
  TossUpUpdate,
  WriteOutcome,
} from '../ports/lead-sink.ts';
import type { Notification } from '../ports/notifier.ts';
import { type RecheckRecord, type RecheckStore, recheckKey } from '../ports/recheck-store.ts';
import type { RouteResult, RoutingState } from '../ports/routing-state.ts';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';
import type { FailureStage, SyncStateStore } from '../ports/sync-state-store.ts';
import type { ReasonRenderer } from '../reasons/render-reasons.ts';
import type { NoOwnerOfRecord, OwnerOfRecord } from '../routing/owner-of-record.ts';
import { route } from '../routing/route.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { directoryFor } from '../routing/routing-directory.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';
import { decideWithDataIssues } from '../scoring/data-issues.ts';
import type { DecideOptions } from '../scoring/decide.ts';
import { withScoreDetail } from '../scoring/score-detail.ts';
import { calendarFor, computeSlaDue } from '../sla/due-date.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import type { SweepNotify } from '../sweep/notify-policy.ts';
import { slaStatusAt } from '../sweep/sla-status.ts';
import { afterWrite, decisionInputs, inputsUnchanged } from './decision-inputs.ts';
import { type HoldTransition, holdTransition, isFinished } from './episode-hold.ts';
import { episodeKey, needsTask } from './episode-key.ts';
import { EventLoopTurns, mapWithTurns } from './event-loop-turns.ts';
import { actionFor, type StopSignal, stopFromError } from './failure-policy.ts';
import { handOffNote } from './hand-off-note.ts';
import {
  clearedOverrideSteps,
  findOverride,
  type OverrideContext,
  planOverride,
} from './human-override-plan.ts';
import { settleDecisions, stageDecisions } from './ledger-decisions.ts';
import { ManualQuota } from './manual-quota.ts';
import { isEmptyPlan, planWriteBack } from './plan-write-back.ts';
import { holdOptions, loadRechecks, nextRecheck, withdrawsHandOff } from './recheck-schedule.ts';
import { recordOwnerFor } from './record-owner.ts';
import { ownersFor, type QueueTaskOwners } from './task-owner.ts';
import { freshEpisodeKey, verdictKept } from './verdict-outcome.ts';
import { type VerdictStanding, verdictStanding } from './verdict-standing.ts';

/** Salesforce `TossUp_Reason__c` is text(255); HubSpot has no limit but sales read it in a list view. */
export const DEFAULT_REASON_MAX_LENGTH = 255;
/** Local record of created tasks: a second guard next to the CRM's own per-key idempotency. */
const TASK_DONE_TTL_SECONDS = 30 * 86_400;
/** Skipped records are kept 90 days, wherever they are recorded. */
export const SKIPPED_TTL_SECONDS = 90 * 86_400;

/** Everything `processLeads` needs; the CLI and the Lambda worker build it the same way. */
export interface PipelineDeps {
  crm: CrmName;
  sink: LeadSink;
  rules: CompiledRuleSet;
  renderer: ReasonRenderer;
  routing: RoutingConfig;
  routingState: RoutingState;
  sla: SlaConfig;
  state: SyncStateStore;
  /** The decision instant for the whole batch. */
  now: Date;
  /** Plan only: no task, no field write, no state change (routing state must be a dry-run overlay). */
  dryRun?: boolean;
  recordUrl?: (lead: Lead) => string | null;
  queueTaskOwners?: QueueTaskOwners;
  /** Scope of the skipped-records list, e.g. the cursor key. */
  scope: string;
  /** Shared across the batches of one run so counts carry over; one per call otherwise. */
  quota?: ManualQuota;
  reasonMaxLength?: number;
  /**
   * What one record failing with a retryable kind (`retry`, `resume_later`) does to the others:
   * `batch` (default, a page of a sync) stops the batch there, so nothing after it is written and
   * the page is not committed; `lead` (the worker, whose messages name their leads) fails that lead only and
   * goes on with the rest, so the outcomes say per lead what must come back.
   */
  recordFailures?: 'batch' | 'lead';
  /**
   * Where toss-up episodes are kept for the SLA sweep (docs/routing-and-sla.md, "Episodes"). With it,
   * each toss-up task that exists is recorded as a `handed_off` episode before the fields are written,
   * a hold pauses the open episode instead of starting a new one, and an episode a new decision
   * replaces is closed as superseded. Without it, nothing is recorded and keys are as before.
   */
  episodes?: PipelineEpisodes;
  /**
   * Where each lead's next re-check and hold start are kept (docs/routing-and-sla.md, "Re-checks"):
   * read once per batch (a hold's start, for `holdExpiresAfter`) and written after each lead's
   * outcome is settled (`recheckAt`, or removed when there is none). Without it, holds never expire.
   */
  rechecks?: RecheckStore;
  /**
   * The worker's per-lead claim (`LeadVersions.claimDecided`), asked once the batch is decided and
   * before anything is written, for each planned lead with the re-check record it will have once its
   * writes succeed (null: no change, or no `rechecks`). A lead refused is left out of every write and
   * of the outcomes (the caller acknowledges a stale one, retries a busy one); one `recorded` had
   * that record written by its claim, and gets its previous record back if its writes fail.
   */
  claimDecided?: (items: readonly DecidedClaim[]) => Promise<ClaimGrant[]>;
  /**
   * Re-checks (no CRM change): a lead the CRM shows as tossed up keeps its hand-off; a new decision
   * that would withdraw it is not written (the outcome says `kept`).
   */
  keepHandOffs?: boolean;
  /**
   * The `toss-up` chat notice (docs/notifications.md): queued in the notifier's outbox for each new
   * toss-up whose task exists, after its hand-off is recorded and before the fields are written (so a
   * crash in between queues it again on the retry, and the outbox keeps one per episode, step and
   * target). Never on a dry run; never blocks or fails the CRM write. Absent, or without `recordRef`
   * (no deep link), no notice is queued.
   */
  notify?: SweepNotify;
  /** The decision ledger (docs/ledger.md): each decision written, staged before the write, appended after. */
  ledger?: LedgerWiring;
  /**
   * Each outcome's `changes` (every changed field's value before and after, for the dry run's
   * explanation), made once the batch is done; default true. A sync whose outcomes are only counted
   * leaves them out: a page of 10,000 held ~4 MB of them (docs/benchmarks.md, the page's working set).
   */
  explainChanges?: boolean;
}

/** A planned lead asking for its claim, with its re-check record as its writes would leave it. */
export interface DecidedClaim {
  lead: Lead;
  recheck: RecheckRecord | null;
}

/** `go`: the lead may be written; `recorded`: its claim wrote the record it asked with. */
export interface ClaimGrant {
  go: boolean;
  recorded: boolean;
}

export interface PipelineEpisodes {
  store: EpisodeStore;
  /** `nextCheckAt` of an episode, from the loaded sla.yaml (`nextCheckAt` in escalation-ladder.ts). */
  schedule: ScheduleEpisode;
}

export type LeadStatus = 'unchanged' | 'written' | 'planned' | 'skipped' | 'failed' | 'not_attempted';
export type TaskStatus = 'none' | 'planned' | 'created' | 'existing' | 'failed' | 'not_attempted';

export interface FieldChange {
  field: keyof TossUpFieldValues;
  before: string | number | null;
  after: string | number | null;
}

export interface PlannedTask {
  key: string;
  ownerId: string;
  route: RouteResult;
  dueAt: string;
  dueDate: string;
  /** False when the next action has no SLA and the task is dated the day it arrives. */
  hasSla: boolean;
  priority: Priority;
  subject: string;
}

export interface LeadFailure {
  stage: FailureStage;
  kind: FailureKind;
  code: string;
  message: string;
}

export interface LeadOutcome {
  leadId: string;
  objectType: string;
  /** Null only when planning itself failed. */
  decision: Decision | null;
  reasonText: string;
  episodeKey: string | null;
  newEpisode: boolean;
  /** The toss-up fields this outcome writes (or would), only the changed ones: the write's own object. */
  fields: TossUpFieldValues;
  /** Each of `fields` with its value before and after; only with `explainChanges`. */
  changes?: FieldChange[];
  task: PlannedTask | null;
  taskStatus: TaskStatus;
  status: LeadStatus;
  failure?: LeadFailure;
  /** The lead kept its open episode because of a hold (see episode-hold.ts); absent otherwise. */
  hold?: HoldTransition;
  /** Key of the open episode this decision replaces (closed as `superseded` before the write). */
  supersedes?: string;
  /** `keepHandOffs`: the decision would have withdrawn the CRM's toss-up, so nothing was written. */
  kept?: true;
  /** The rep's verdict shaped this outcome (docs/sales-in-the-loop.md); absent when none applied. */
  verdict?: Exclude<VerdictStanding['kind'], 'none'>;
  /** A person's override stands (human-override.ts): only the reason (and the field's flag) written, no task. */
  override?: HumanOverride;
  /** A new decision naming an owner but no task: who owns the record (or why nobody new does). */
  recordOwner?: OwnerOfRecord | NoOwnerOfRecord;
  /**
   * The rule asks for the manager's approval (`approval: manager`): no task now; the episode starts
   * `pending_approval` and the sweep asks the manager (src/approval/). `task` is the rep's task-to-be.
   */
  approval?: 'requested';
  /**
   * Not decided again: the lead's decision inputs are those of its last settled decision and no
   * re-check is due (decision-inputs.ts); status `unchanged`, no decision.
   */
  inputsUnchanged?: true;
}

export interface BatchCounters {
  leads: number;
  unchanged: number;
  /** Of `unchanged`: leads not decided again, their decision inputs as last decided. */
  inputsUnchanged: number;
  written: number;
  planned: number;
  skipped: number;
  failed: number;
  notAttempted: number;
  tasksCreated: number;
  tasksExisting: number;
  tasksPlanned: number;
}

export interface BatchResult {
  outcomes: LeadOutcome[];
  counters: BatchCounters;
  /** Set when a failure means the run must stop and this batch must not be committed. */
  stop: StopSignal | null;
}

interface Work {
  lead: Lead;
  outcome: LeadOutcome;
  fields: TossUpFieldValues;
  /** Its `body` (the hand-off note) is emptied once the tasks are sent (`releaseNotes`). */
  task: FollowUpTask | null;
  /** The toss-up task's CRM id once it exists (created, or found by the local record or the CRM). */
  taskId?: string;
  /** The re-check record to write once the outcome is settled (only with `rechecks`, when it changed). */
  recheck?: RecheckRecord;
  /** The rep's verdict to record on the episode the CRM's decision key names (key, event). */
  verdictStep?: [string, EpisodeEvent];
  /** Episode steps of a person's override (human-override-plan.ts), recorded before the lead's own. */
  overrideSteps?: [string, EpisodeEvent][];
  /** A new hand-off's first SLA status: recorded with the hand-off, written with the fields. */
  initialSla?: SlaStatus;
  /** When an earlier attempt of this decision recorded its hand-off (a redelivery, a retry). */
  recordedHandOffAt?: string;
}

/** Code of the stop when the episode store cannot be read or written. */
export const EPISODE_STORE_UNAVAILABLE = 'episode_store_unavailable';

/**
 * decide → episode key → (new episode needing a task) route + SLA → only-changed fields → hand-off
 * note, for one batch; then tasks first, fields second. Creating the task before writing the new
 * decision key is what makes a crash between the two harmless: the CRM still holds the old key, the
 * retry derives the same episode key, and the connector's per-key idempotency returns the existing
 * task instead of creating a second one.
 *
 * Never throws for one bad record (it becomes a `skipped` or `failed` outcome). A failure that
 * concerns the whole run (auth, config, quota, a transient error the connector could not absorb)
 * sets `stop`; the caller must then not commit the batch's cursor. Only crashes of our own (bugs,
 * the state store failing) propagate as exceptions.
 */
export async function processLeads(batch: readonly Lead[], deps: PipelineDeps): Promise<BatchResult> {
  const leads = latestPerRecord(batch);
  const quota = deps.quota ?? new ManualQuota(deps.state, deps.rules, { dryRun: deps.dryRun });
  await quota.prepare(leads, deps.now);
  const work: Work[] = [];
  // Leads whose decision inputs are as last decided: not decided again (decision-inputs.ts).
  const notRedecided: LeadOutcome[] = [];
  const result = (stop: StopSignal | null): BatchResult => {
    if (deps.explainChanges !== false) {
      for (const w of work) w.outcome.changes = changesOf(w.lead, w.fields);
      for (const o of notRedecided) o.changes = [];
    }
    return {
      outcomes: [...work.map((w) => w.outcome), ...notRedecided],
      counters: countOutcomes(work, leads.length, notRedecided.length),
      stop,
    };
  };

  let stored: ReadonlyMap<string, StoredEpisode> = new Map();
  if (deps.episodes) {
    try {
      stored = await storedEpisodes(leads, deps.episodes.store);
    } catch (e) {
      if (!isStoreFailure(e)) throw e;
      return result(episodeStoreStop(e));
    }
  }

  const { rechecks, undecided } = await freshWhereUndecided(
    leads,
    deps,
    await loadRechecks(deps.rechecks, deps.crm, leads),
  );
  const turns = new EventLoopTurns();
  for (const lead of leads) {
    await turns.tick();
    if (deps.rechecks && (undecided?.has(lead) ?? true) && sameInputsAsDecided(lead, deps, rechecks)) {
      notRedecided.push(inputsUnchangedOutcome(lead));
      continue;
    }
    try {
      work.push(await planLead(lead, deps, quota, stored, rechecks));
    } catch (e) {
      if (e instanceof ConfigError) {
        // Routing cannot resolve an owner: the admin must fix it, and nothing of this batch may be
        // committed (the leads planned so far stay `not_attempted`).
        return result(stopFromError(e));
      }
      // The state store failing is not this record's fault: stop the run.
      if (e instanceof StateUnavailableError || isSystemError(e)) throw e;
      work.push(planFailure(lead, e));
    }
  }

  if (deps.dryRun) {
    for (const w of work) if (w.outcome.status === 'not_attempted') await previewTask(w, deps);
    for (const w of work) {
      if (w.outcome.status === 'not_attempted') settle(w, isEmptyPlan(w.fields) ? 'unchanged' : 'planned');
    }
    return result(null);
  }

  let existing: Map<string, ExistingTask>;
  try {
    existing = await existingTasks(
      work.filter((w) => w.task && w.outcome.status === 'not_attempted'),
      deps,
    );
  } catch (e) {
    if (!deps.episodes || !isStoreFailure(e)) throw e;
    return result(episodeStoreStop(e));
  }
  for (const w of work) dueFromRecordedHandOff(w, existing, deps);
  const claimed = deps.claimDecided ? await claimDecided(work, deps, rechecks) : new Map();
  const stop =
    (await createTasks(work, deps, quota, existing)) ??
    (await recordEpisodes(work, deps)) ??
    (await queueTossUpNotices(work, deps)) ??
    (await stageDecisions(work, deps.ledger)) ??
    (await writeFields(work, deps, quota));
  await settleDecisions(work, deps.ledger);
  for (const w of work) {
    if (w.outcome.status === 'skipped' && w.outcome.failure) await recordSkip(w, deps);
  }
  // Only settled outcomes: a lead that failed or was not attempted comes back and is scheduled then.
  // Each keeps the fingerprint of its inputs as the CRM now holds them (decision-inputs.ts). A lead
  // whose claim wrote its record already is written again only where the outcome differs from it.
  const settled = deps.rechecks
    ? (await mapWithTurns(work, (w) => settledRecord(w, deps, rechecks, claimed))).filter(
        (r): r is RecheckRecord => r !== null,
      )
    : [];
  if (deps.rechecks && settled.length > 0) await deps.rechecks.schedule(deps.crm, settled);
  return result(stop);
}

async function planLead(
  lead: Lead,
  deps: PipelineDeps,
  quota: ManualQuota,
  stored: ReadonlyMap<string, StoredEpisode>,
  rechecks: ReadonlyMap<string, RecheckRecord>,
): Promise<Work> {
  const w = await planDecision(lead, deps, quota, stored, rechecks);
  // The rep's verdict is recorded on the episode the CRM's key names, whatever the rules decided.
  const named = lead.current.decisionKey ? stored.get(lead.current.decisionKey)?.episode : undefined;
  const event =
    named && w.outcome.decision
      ? verdictEventFor(named, lead.current.feedback, w.outcome.decision.decidedAt)
      : null;
  if (named && event) w.verdictStep = [named.key, event];
  return w;
}

async function planDecision(
  lead: Lead,
  deps: PipelineDeps,
  quota: ManualQuota,
  stored: ReadonlyMap<string, StoredEpisode>,
  rechecks: ReadonlyMap<string, RecheckRecord>,
): Promise<Work> {
  const { now } = deps;
  const options: DecideOptions = { quotaUsed: quota.usedFor(lead, now) };
  if (deps.rechecks) Object.assign(options, holdOptions(lead, rechecks, calendarFor(deps.sla)));
  // Held where it depends on a value the connector could not read, as `tossup score` does. Reasons
  // written for people also say what made a score (score-detail.ts); decide() itself stays lean.
  const decision = withScoreDetail(decideWithDataIssues(lead, deps.rules, now, options), lead, deps.rules);
  const recheck = deps.rechecks ? nextRecheck(lead, decision, deps.rules, now, options, rechecks) : null;
  const named = lead.current.decisionKey ? stored.get(lead.current.decisionKey)?.episode : undefined;
  const verdict = verdictStanding(lead, named, { withEpisodes: deps.episodes !== undefined, now });
  if (verdict.kind === 'stands')
    return verdictKept(lead, decision, verdict, {
      locale: deps.renderer.locale,
      maxLength: deps.reasonMaxLength ?? DEFAULT_REASON_MAX_LENGTH,
      recheck,
    });
  // The open episode the CRM's decision key names (only with an episode store): a hold keeps it,
  // any other new key replaces it.
  const current = named && !isFinished(named) ? named : undefined;
  // A person's override wins over the rules, and over a re-check's keeping of a hand-off.
  // The pause check reads the named episode even when done: a hold pause outlives a completed task.
  const human = await findOverride(lead, named, overrideContext(deps));
  if (human.kind === 'active') return overriddenLead(lead, decision, human.override, current, deps, recheck);
  const keyLead = human.kind === 'handed_back' ? human.keyLead : lead;
  const keepsHandOff = deps.keepHandOffs || verdict.kind === 'keep_hand_off';
  if (keepsHandOff && withdrawsHandOff(lead, decision)) {
    const kept = keptHandOff(lead, decision, recheck);
    if (verdict.kind !== 'none') kept.outcome.verdict = verdict.kind;
    return kept;
  }
  let key = episodeKey(keyLead, decision, quota.markFor(lead, decision, now));
  // Released from a sent-back / lost verdict by new intent: a toss-up now is a new hand-off, even
  // with the flag and next action the verdict closed.
  if (verdict.kind === 'released' && key === lead.current.decisionKey)
    key = freshEpisodeKey(lead, decision, quota.markFor(lead, decision, now));
  const hold = current ? holdTransition(keyLead.current, decision, current) : null;
  let supersedes: string | undefined;
  if (current && hold) key = current.key;
  else if (current && key !== current.key) supersedes = current.key;
  const newEpisode = key !== lead.current.decisionKey;
  const reasonText = deps.renderer.renderCompact(
    decision.reasons,
    deps.reasonMaxLength ?? DEFAULT_REASON_MAX_LENGTH,
  );

  let dueAt: string | null = null;
  let ownerId: string | undefined;
  let task: FollowUpTask | null = null;
  let planned: PlannedTask | null = null;
  if (newEpisode) {
    const sla = computeSlaDue(decision.nextAction, decision.decidedAt, deps.sla);
    dueAt = sla?.dueAt ?? null;
    if (needsTask(decision)) {
      const calendar = calendarFor(deps.sla);
      const routed = await route({
        decision,
        lead,
        crm: deps.crm,
        config: deps.routing,
        state: deps.routingState,
        // One assignment per episode: a retry of the same toss-up keeps its owner and daily count.
        decisionKey: key,
        calendar,
      });
      const owners = ownersFor(routed, lead, {
        crm: deps.crm,
        routing: deps.routing,
        queueTaskOwners: deps.queueTaskOwners,
      });
      ownerId = owners.recordOwnerId;
      // A next action that needs a person but has no SLA is dated the business day it arrives.
      const taskDueAt = sla?.dueAt ?? now.toISOString();
      const taskDueDate = sla?.dueDate ?? calendar.businessDateOf(now);
      const note = handOffNote(lead, decision, {
        renderer: deps.renderer,
        locale: deps.renderer.locale,
        dueAt: sla?.dueAt ?? null,
        recordUrl: deps.recordUrl?.(lead) ?? null,
        timeZone: deps.sla.timeZone,
      });
      const waitsForApproval = deps.episodes !== undefined && approvalFor(decision, deps.rules) !== null;
      task = {
        key,
        leadId: lead.id,
        objectType: lead.objectType,
        ownerId: owners.taskOwnerId,
        subject: note.subject,
        body: note.body,
        dueAt: taskDueAt,
        dueDate: taskDueDate,
        priority: decision.priority,
      };
      planned = {
        key,
        ownerId: owners.taskOwnerId,
        route: routed,
        dueAt: taskDueAt,
        dueDate: taskDueDate,
        hasSla: sla !== null,
        priority: decision.priority,
        subject: note.subject,
      };
      // The rep's task waits for the approval, and its due date (the SLA starts at the approval).
      if (waitsForApproval) {
        task = null;
        dueAt = null;
      }
    }
    quota.note(lead, decision, key, now);
  }
  // A decided owner without a task (a customer showing no intent) owns the record all the same.
  const recordOwner = await recordOwnerFor(lead, decision, { newEpisode, ...deps });
  const recordOwnerId = recordOwner && 'ownerId' in recordOwner ? recordOwner.ownerId : undefined;
  // While paused the CRM keeps the episode's next action: the rep still holds that task, and the
  // hold's own next action gets no task.
  const written =
    current && (hold === 'pause' || hold === 'stay_paused')
      ? { ...decision, nextAction: current.nextAction }
      : decision;
  const fields = planWriteBack(lead, {
    decision: written,
    reasonText,
    episodeKey: key,
    dueAt,
    ownerId: ownerId ?? recordOwnerId,
    ...(recordOwnerId ? { ownerOfRecord: true } : {}),
  });
  const cleared = clearedOverrideSteps(current, now);
  return {
    lead,
    fields,
    task,
    ...(cleared.length > 0 ? { overrideSteps: cleared } : {}),
    outcome: {
      leadId: lead.id,
      objectType: lead.objectType,
      decision,
      reasonText,
      episodeKey: key,
      newEpisode,
      fields,
      task: planned,
      taskStatus: task ? 'not_attempted' : 'none',
      status: 'not_attempted',
      ...(hold ? { hold } : {}),
      ...(supersedes ? { supersedes } : {}),
      ...(verdict.kind === 'none' ? {} : { verdict: verdict.kind }),
      ...(recordOwner ? { recordOwner } : {}),
      ...(planned && !task ? { approval: 'requested' as const } : {}),
    },
    ...(recheck ? { recheck } : {}),
  };
}

function overrideContext(deps: PipelineDeps): OverrideContext {
  return {
    crm: deps.crm,
    state: deps.state,
    renderer: deps.renderer,
    routing: deps.routing,
    timeZone: deps.sla.timeZone,
    reasonMaxLength: deps.reasonMaxLength ?? DEFAULT_REASON_MAX_LENGTH,
    now: deps.now,
    dryRun: deps.dryRun === true,
  };
}

/** A person's override stands: its reason (and the field's flag) only, no task, its episode steps. */
function overriddenLead(
  lead: Lead,
  decision: Decision,
  override: HumanOverride,
  episode: Episode | undefined,
  deps: PipelineDeps,
  recheck: RecheckRecord | null,
): Work {
  const plan = planOverride(lead, decision, override, episode, overrideContext(deps));
  return {
    lead,
    fields: plan.fields,
    task: null,
    overrideSteps: plan.steps,
    outcome: {
      leadId: lead.id,
      objectType: lead.objectType,
      decision,
      reasonText: plan.reasonText,
      episodeKey: lead.current.decisionKey,
      newEpisode: false,
      fields: plan.fields,
      task: null,
      taskStatus: 'none',
      status: 'not_attempted',
      override,
    },
    ...(recheck ? { recheck } : {}),
  };
}

/** Nothing written, no task, no episode step: the CRM's toss-up stands (`keepHandOffs`). */
function keptHandOff(lead: Lead, decision: Decision, recheck: RecheckRecord | null): Work {
  return {
    lead,
    fields: NO_CHANGE,
    task: null,
    outcome: {
      leadId: lead.id,
      objectType: lead.objectType,
      decision,
      reasonText: '',
      episodeKey: lead.current.decisionKey,
      newEpisode: false,
      fields: NO_CHANGE,
      task: null,
      taskStatus: 'none',
      status: 'not_attempted',
      kept: true,
    },
    ...(recheck ? { recheck } : {}),
  };
}

/**
 * The stored episodes named by the leads' decision keys, in one batched read: open ones (a hold keeps
 * them, a new key supersedes them) and finished ones (a rep's verdict is recorded on them too).
 */
async function storedEpisodes(
  leads: readonly Lead[],
  store: EpisodeStore,
): Promise<Map<string, StoredEpisode>> {
  const keys = leads.flatMap((l) => (l?.current?.decisionKey ? [l.current.decisionKey] : []));
  if (keys.length === 0) return new Map();
  return store.getMany(keys);
}

/** Failures of the episode store: retrying later can cure them (the store is down, locked, contended). */
function isStoreFailure(e: unknown): boolean {
  return e instanceof StateUnavailableError || isSystemError(e) || e instanceof EpisodeContentionError;
}

function episodeStoreStop(e: unknown, leadId?: string): StopSignal {
  const message = scrubText(
    `the episode store failed (${e instanceof Error ? e.message : String(e)}); nothing of this batch was written to the lead fields, run again: tasks already created are found, not created twice`,
    MESSAGE_MAX,
  );
  return {
    kind: 'transient',
    action: 'retry',
    code: EPISODE_STORE_UNAVAILABLE,
    message,
    ...(leadId ? { leadId } : {}),
  };
}

/**
 * A record listed twice in one batch (a source or queue redelivering) is processed once, as its last
 * copy: two updates of one record in one call, or two tasks with one key, are errors in some CRMs.
 */
function latestPerRecord(leads: readonly Lead[]): readonly Lead[] {
  const seen = new Map<string, number>();
  leads.forEach((l, i) => {
    seen.set(`${l?.objectType}\u0000${l?.id}`, i);
  });
  if (seen.size === leads.length) return leads;
  return leads.filter((l, i) => seen.get(`${l?.objectType}\u0000${l?.id}`) === i);
}

function isSystemError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

function planFailure(lead: Lead, e: unknown): Work {
  const message = scrubText(e instanceof Error ? e.message : String(e), MESSAGE_MAX);
  return {
    lead,
    fields: NO_CHANGE,
    task: null,
    outcome: {
      leadId: String(lead?.id ?? '?'),
      objectType: String(lead?.objectType ?? '?'),
      decision: null,
      reasonText: '',
      episodeKey: null,
      newEpisode: false,
      fields: NO_CHANGE,
      task: null,
      taskStatus: 'none',
      status: 'skipped',
      failure: { stage: 'plan', kind: 'invalid_record', code: 'plan_failed', message },
    },
  };
}

/** Dry run: whether the task would be new or already exists (by the local record; no CRM call). */
async function previewTask(w: Work, deps: PipelineDeps): Promise<void> {
  if (!w.task) return;
  w.outcome.taskStatus = (await existingTasks([w], deps)).has(w.task.key) ? 'existing' : 'planned';
}

/** A task that exists: its CRM id, and when its hand-off was recorded (with an episode store). */
interface ExistingTask {
  id: string;
  handedOffAt?: string;
}

/**
 * A hand-off recorded by an earlier attempt of this decision (a redelivery, or a retry after a crash)
 * keeps its SLA clock: its due time counts from that hand-off, as its task's and its episode's do,
 * not from this attempt.
 */
function dueFromRecordedHandOff(
  w: Work,
  existing: ReadonlyMap<string, ExistingTask>,
  deps: PipelineDeps,
): void {
  const handedOffAt = w.task ? existing.get(w.task.key)?.handedOffAt : undefined;
  const decision = w.outcome.decision;
  if (!w.task || !handedOffAt || !decision) return;
  w.recordedHandOffAt = handedOffAt;
  const sla = computeSlaDue(decision.nextAction, handedOffAt, deps.sla);
  if (!sla || sla.dueAt === w.task.dueAt) return;
  w.task = { ...w.task, dueAt: sla.dueAt, dueDate: sla.dueDate };
  if (w.outcome.task) w.outcome.task = { ...w.outcome.task, dueAt: sla.dueAt, dueDate: sla.dueDate };
  if (!('dueAt' in w.fields)) return;
  const { dueAt: _planned, ...rest } = w.fields;
  w.fields = sla.dueAt === w.lead.current.dueAt ? rest : { ...rest, dueAt: sla.dueAt };
}

/**
 * The tasks of `work` this state knows were created, by task key → task id. With an episode store,
 * the episodes do (a toss-up's episode has its task's key and records the task's id with its
 * hand-off), read in one batch; without one, the done-record each created task leaves. A task
 * created but not yet recorded (a crash in between) is found by the CRM's per-key idempotency.
 */
async function existingTasks(work: readonly Work[], deps: PipelineDeps): Promise<Map<string, ExistingTask>> {
  const keys = work.flatMap((w) => (w.task ? [w.task.key] : []));
  const out = new Map<string, ExistingTask>();
  if (keys.length === 0) return out;
  if (deps.episodes) {
    for (const [key, stored] of await deps.episodes.store.getMany(keys)) {
      // A pending approval's episode has no task yet.
      const { taskId, handedOffAt } = stored.episode;
      if (taskId) out.set(key, { id: taskId, handedOffAt });
    }
    return out;
  }
  for (const key of keys) {
    const done = await deps.state.getDone(taskDoneKey(deps.crm, key));
    if (done) out.set(key, { id: done });
  }
  return out;
}

/** Phase 1: one createTasks call for the batch. Returns a stop signal, or null to go on. */
async function createTasks(
  work: Work[],
  deps: PipelineDeps,
  quota: ManualQuota,
  existing: ReadonlyMap<string, ExistingTask>,
): Promise<StopSignal | null> {
  const pending: Work[] = [];
  const candidates = work.filter((w) => w.task && w.outcome.status === 'not_attempted');
  for (const w of candidates) {
    if (!w.task) continue;
    const done = existing.get(w.task.key);
    if (done) {
      w.outcome.taskStatus = 'existing';
      w.taskId = done.id;
      await quota.commit(w.lead, w.outcome.decision!, w.outcome.episodeKey!, deps.now);
    } else pending.push(w);
  }
  if (pending.length === 0) {
    releaseNotes(work);
    return null;
  }

  let outcomes: WriteOutcome[];
  try {
    outcomes = await deps.sink.createTasks(pending.map((w) => w.task!));
    releaseNotes(work);
  } catch (e) {
    if (!(e instanceof CrmError)) throw e;
    return stopFromError(e);
  }
  expectOneEach(outcomes, pending.length, 'createTasks');

  let stop: StopSignal | null = null;
  for (const [i, w] of pending.entries()) {
    const o = outcomes[i]!;
    if (o.ok) {
      w.outcome.taskStatus = o.created === false ? 'existing' : 'created';
      w.taskId = o.id;
      // With episodes, the hand-off records the task's id (phase 1½): no record of its own to write.
      if (!deps.episodes)
        await deps.state.markDone(taskDoneKey(deps.crm, w.task!.key), o.id, TASK_DONE_TTL_SECONDS);
      await quota.commit(w.lead, w.outcome.decision!, w.outcome.episodeKey!, deps.now);
    } else {
      w.outcome.taskStatus = 'failed';
      stop ??= fail(w, 'task', o, deps);
    }
  }
  // After a stopping task failure no field is written: the next run redoes the whole batch.
  return stop;
}

/**
 * Once the tasks are sent, the batch reads their keys and owners only: their hand-off notes (~2 MB
 * for a page of 10,000 leads) are not held through the field write (docs/benchmarks.md, the page's
 * working set). A task that already existed never needed its note.
 */
function releaseNotes(work: Work[]): void {
  for (const w of work) if (w.task) w.task = { ...w.task, body: '' };
}

/**
 * Phase 1½, with an episode store: what the SLA sweep must know, recorded once the tasks exist and
 * before any field is written — the hand-off of each toss-up task, a hold pausing or resuming its
 * episode, the close of an episode a new decision replaced. Every step is idempotent in the store
 * (`recordStep`), and the episode key stays the same until the fields are written, so a crash at any
 * point is repaired by the retry. If the store fails, the batch stops before the field write
 * (transient): the retry finds the tasks (local record, the CRM's per-key idempotency), records
 * again and writes then; the CRM's tasks are never lost and never doubled.
 */
async function recordEpisodes(work: Work[], deps: PipelineDeps): Promise<StopSignal | null> {
  if (!deps.episodes) return null;
  const { store, schedule } = deps.episodes;
  const stopAt = (w: Work, e: unknown): StopSignal => {
    if (!isStoreFailure(e)) throw e;
    const stop = episodeStoreStop(e, w.lead.id);
    w.outcome.failure = { stage: 'task', kind: 'transient', code: stop.code, message: stop.message };
    settle(w, 'failed');
    return stop;
  };
  const pending = work.filter((w) => w.outcome.status === 'not_attempted' && w.outcome.decision);
  if (store.recordSteps) {
    // The whole batch in one store call (one locked section, one ledger append): per lead, a file
    // store rewrites its buckets and the ledger adds a file each time, which grows with the org.
    const items = pending.flatMap((w) => episodeSteps(w, deps).map(([key, event]) => ({ w, key, event })));
    if (items.length === 0) return null;
    try {
      await store.recordSteps(
        items.map(({ key, event }) => ({ key, event })),
        schedule,
      );
    } catch (e) {
      return stopAt(items[0]!.w, e);
    }
    return null;
  }
  for (const w of pending) {
    try {
      for (const [key, event] of episodeSteps(w, deps)) await store.recordStep(key, event, schedule);
    } catch (e) {
      return stopAt(w, e);
    }
  }
  return null;
}

/** The chat step of a hand-off: one per episode (the outbox keys on episode, step and target). */
export const TOSS_UP_STEP = 'toss-up';

/**
 * Phase 1¾: the `toss-up` notice of each new hand-off whose task exists. It names the lead as the
 * episode does (src/domain/lead-label.ts: the person and their company, else the company), or the record
 * when neither is known; the deep link opens the record. Nothing else about the lead is sent (no
 * e-mail, phone).
 * Always returns null: a notice that cannot be queued is the outbox's warning, never a stop.
 */
async function queueTossUpNotices(work: Work[], deps: PipelineDeps): Promise<null> {
  const n = deps.notify;
  if (!n?.recordRef) return null;
  const dir = directoryFor(deps.routing);
  for (const w of work) {
    const o = w.outcome;
    const handedOff = o.taskStatus === 'created' || o.taskStatus === 'existing';
    if (o.status !== 'not_attempted' || !w.task || !o.task || !o.decision || !handedOff || !o.newEpisode)
      continue;
    const owner = episodeOwner(o.task, deps);
    const targets = n.targetsFor('toss-up', {
      owner,
      manager: null,
      ...(owner.poolId ? { poolId: owner.poolId } : {}),
    });
    if (targets.length === 0) continue;
    const record = n.recordRef({ leadId: w.lead.id, objectType: w.lead.objectType });
    if (!record) continue;
    const notification: Notification = {
      episodeKey: w.task.key,
      step: TOSS_UP_STEP,
      event: 'toss-up',
      language: n.language,
      lead: leadLabel(w.lead) ?? { name: `${w.lead.objectType} ${w.lead.id}` },
      record,
      nextAction: o.decision.nextAction,
      ownerName: dir.repByCrmId(deps.crm, w.task.ownerId)?.name ?? w.task.ownerId,
    };
    if (o.task.hasSla) notification.dueAt = o.task.dueAt;
    try {
      await n.notifier.notify(notification, targets);
    } catch {
      // The port never throws; should an adapter break that, the CRM write still goes on.
    }
  }
  return null;
}

/** The episode steps one lead records, in order: its own hand-off first, then what it ends or pauses. */
function episodeSteps(w: Work, deps: PipelineDeps): [string, EpisodeEvent][] {
  const o = w.outcome;
  const decision = o.decision!;
  const at = decision.decidedAt;
  // The verdict first: a sent-back episode closes as sent back, not as superseded by this decision.
  const steps: [string, EpisodeEvent][] = w.verdictStep ? [w.verdictStep] : [];
  const taskExists = o.taskStatus === 'created' || o.taskStatus === 'existing';
  if (w.task && o.task && taskExists && o.newEpisode) {
    const handedOff = episodeEvent({
      type: 'handed_off',
      ...episodeStart(w, deps, o.task),
      taskId: w.taskId ?? null,
      ...verdictBeforeField(w.lead),
      ...(decision.reasons[0] ? { reason: decision.reasons[0].code } : {}),
    });
    steps.push([w.task.key, handedOff]);
    // A sink that writes the SLA status with the fields gets the first one now (`writeFields`),
    // recorded with the hand-off: the sweep has nothing to write at once (docs/cost.md).
    if (deps.sink.writesSlaStatus) {
      const started = foldEpisode(w.task.key, [handedOff]);
      const statusAt = handedOff.at;
      const status = started ? slaStatusAt(started, deps.sla, new Date(statusAt)) : null;
      if (status) {
        w.initialSla = status;
        steps.push([
          w.task.key,
          episodeEvent({ type: 'sla_status', at: statusAt, cause: 'rule', status, firstResponseAt: null }),
        ]);
      }
    }
  }
  steps.push(...(w.overrideSteps ?? []));
  if (o.approval === 'requested' && o.task && o.newEpisode)
    steps.push([o.episodeKey!, approvalRequested(w, deps, o.task)]);
  const current = w.lead.current.decisionKey;
  if (o.supersedes) {
    steps.push([o.supersedes, episodeEvent({ type: 'closed', at, cause: 'rule', reason: 'superseded' })]);
  } else if (current && o.hold === 'pause') {
    steps.push([current, episodeEvent({ type: 'hold_started', at, cause: 'rule' })]);
  } else if (current && o.hold === 'resume') {
    steps.push([current, episodeEvent({ type: 'hold_ended', at, cause: 'rule' })]);
  }
  return steps;
}

/** The verdict the CRM shows at a hand-off is an earlier toss-up's (docs/sales-in-the-loop.md). */
function verdictBeforeField(lead: Lead): { verdictBefore?: NonNullable<ReturnType<typeof verdictOf>> } {
  const v = verdictOf(lead.current.feedback);
  return v ? { verdictBefore: v } : {};
}

/** The owner an episode records: the CRM user, their rep key and pool when routing knows them. */
function episodeOwner(task: PlannedTask, deps: PipelineDeps): EpisodeOwner {
  const owner: EpisodeOwner = { id: task.ownerId };
  const rep = directoryFor(deps.routing).repByCrmId(deps.crm, task.ownerId);
  if (rep) owner.key = rep.key;
  if (task.route.poolId) owner.poolId = task.route.poolId;
  return owner;
}

/** The start of an episode that waits for the manager (the rep routing picked is recorded as owner). */
function approvalRequested(w: Work, deps: PipelineDeps, task: PlannedTask): EpisodeEvent {
  return episodeEvent({
    type: 'approval_requested',
    ...episodeStart(w, deps, task),
    priority: w.outcome.decision!.priority,
  });
}

/** What an episode's first event says of the lead, the decision and the owner. */
function episodeStart(w: Work, deps: PipelineDeps, task: PlannedTask) {
  const decision = w.outcome.decision!;
  return {
    // A hand-off recorded before keeps its instant, and so do the steps made at it (the first SLA
    // status: the same step, not a second one).
    at: w.recordedHandOffAt ?? decision.decidedAt,
    cause: 'rule' as const,
    crm: deps.crm,
    leadId: w.lead.id,
    objectType: w.lead.objectType,
    nextAction: decision.nextAction,
    owner: episodeOwner(task, deps),
    ...leadField(w.lead),
  };
}

/** The hand-off's `lead` label for the sweep's chat notices, omitted when the lead has no name. */
function leadField(lead: Lead): { lead?: LeadLabel } {
  const label = leadLabel(lead);
  return label ? { lead: label } : {};
}

/** Phase 2: one writeTossUp call for every lead whose fields changed and whose task (if any) exists. */
async function writeFields(work: Work[], deps: PipelineDeps, quota: ManualQuota): Promise<StopSignal | null> {
  const pending: Work[] = [];
  for (const w of work) {
    if (w.outcome.status !== 'not_attempted') continue;
    if (isEmptyPlan(w.fields)) settle(w, 'unchanged');
    else pending.push(w);
  }
  if (pending.length === 0) return null;

  const updates: TossUpUpdate[] = pending.map((w) => ({
    leadId: w.lead.id,
    objectType: w.lead.objectType,
    fields: w.fields,
    ...(w.initialSla ? { sla: { status: w.initialSla, firstResponseAt: null } } : {}),
  }));
  let outcomes: WriteOutcome[];
  try {
    outcomes = await deps.sink.writeTossUp(updates);
  } catch (e) {
    if (!(e instanceof CrmError)) throw e;
    return stopFromError(e);
  }
  expectOneEach(outcomes, pending.length, 'writeTossUp');

  let stop: StopSignal | null = null;
  for (const [i, w] of pending.entries()) {
    const o = outcomes[i]!;
    if (o.ok) {
      settle(w, 'written');
      if (!w.task && w.outcome.newEpisode)
        await quota.commit(w.lead, w.outcome.decision!, w.outcome.episodeKey!, deps.now);
    } else {
      stop ??= fail(w, 'write', o, deps);
    }
  }
  return stop;
}

/** Applies the failure policy to one record; returns the stop it causes, if any. */
function fail(
  w: Work,
  stage: FailureStage,
  o: Extract<WriteOutcome, { ok: false }>,
  deps: PipelineDeps,
): StopSignal | null {
  const failure: LeadFailure = {
    stage,
    kind: o.kind,
    code: o.code,
    message: scrubText(o.message, MESSAGE_MAX),
  };
  w.outcome.failure = failure;
  const action = actionFor(o.kind);
  if (action === 'skip') {
    settle(w, 'skipped');
    return null;
  }
  settle(w, 'failed');
  // Per lead, a record the CRM may accept later is this lead's outcome; a `fix` still stops all.
  if (deps.recordFailures === 'lead' && (action === 'retry' || action === 'resume_later')) return null;
  return { kind: o.kind, action, code: o.code, message: failure.message, leadId: w.lead.id };
}

async function recordSkip(w: Work, deps: PipelineDeps): Promise<void> {
  const f = w.outcome.failure!;
  await deps.state.recordSkipped(
    {
      scope: deps.scope,
      leadId: w.outcome.leadId,
      objectType: w.outcome.objectType,
      stage: f.stage,
      kind: f.kind,
      code: f.code,
      message: f.message,
      at: deps.now.toISOString(),
    },
    SKIPPED_TTL_SECONDS,
  );
}

function settle(w: Work, status: LeadStatus): void {
  w.outcome.status = status;
}

/** The contract every connector keeps: one outcome per input, in input order. */
function expectOneEach(outcomes: readonly WriteOutcome[], n: number, call: string): void {
  if (outcomes.length !== n) {
    throw new Error(
      `connector returned ${outcomes.length} outcomes for ${n} records from ${call}; it must return one per record, in order`,
    );
  }
}

export function taskDoneKey(crm: CrmName, key: string): string {
  return `task|${crm}|${key}`;
}

const CURRENT_FIELD: Readonly<Record<keyof TossUpFieldValues, TossUpField | null>> = {
  flag: 'flag',
  reason: 'reason',
  nextAction: 'nextAction',
  attributeScore: 'attributeScore',
  behaviourScore: 'behaviourScore',
  dueAt: 'dueAt',
  decisionKey: 'decisionKey',
  ownerId: null,
};

/** The fields of an outcome that writes nothing; frozen, as the outcome and its work share it. */
const NO_CHANGE: TossUpFieldValues = Object.freeze({});

function changesOf(lead: Lead, fields: TossUpFieldValues): FieldChange[] {
  return (Object.keys(fields) as (keyof TossUpFieldValues)[]).map((field) => {
    const currentField = CURRENT_FIELD[field];
    const before = currentField === null ? lead.ownerId : lead.current[currentField];
    return { field, before: before ?? null, after: fields[field] ?? null };
  });
}

/**
 * `rechecks` with the records of the leads it would let go undecided (inputs as last decided) read
 * again where the store's read may be stale (`RecheckStore.readFresh`): no claim checks that decision.
 * `undecided`: those leads (null: not looked for), the only ones the fresh records can leave
 * undecided — a lead decided on the first read is decided whatever a fresh one says.
 */
async function freshWhereUndecided(
  leads: readonly Lead[],
  deps: PipelineDeps,
  rechecks: ReadonlyMap<string, RecheckRecord>,
): Promise<{ rechecks: ReadonlyMap<string, RecheckRecord>; undecided: ReadonlySet<Lead> | null }> {
  if (!deps.rechecks?.readFresh) return { rechecks, undecided: null };
  const undecided = new Set(leads.filter((lead) => sameInputsAsDecided(lead, deps, rechecks)));
  if (undecided.size === 0) return { rechecks, undecided };
  const refs = [...undecided].map((l) => ({ objectType: l.objectType, leadId: l.id }));
  const fresh = await deps.rechecks.readFresh(deps.crm, refs);
  if (!fresh) return { rechecks, undecided };
  const merged = new Map(rechecks);
  for (const ref of refs) {
    const key = recheckKey(ref);
    const record = fresh.get(key);
    if (record) merged.set(key, record);
    else merged.delete(key);
  }
  return { rechecks: merged, undecided };
}

function sameInputsAsDecided(
  lead: Lead,
  deps: PipelineDeps,
  rechecks: ReadonlyMap<string, RecheckRecord>,
): boolean {
  const stored = rechecks.get(recheckKey({ objectType: lead.objectType, leadId: lead.id }));
  if (!stored?.inputs) return false;
  return inputsUnchanged(lead, decisionInputs(lead, deps.rules, deps.now), stored, deps.now);
}

function inputsUnchangedOutcome(lead: Lead): LeadOutcome {
  return {
    leadId: lead.id,
    objectType: lead.objectType,
    decision: null,
    reasonText: '',
    episodeKey: null,
    newEpisode: false,
    fields: NO_CHANGE,
    task: null,
    taskStatus: 'none',
    status: 'unchanged',
    inputsUnchanged: true,
  };
}

/**
 * The re-check record of a settled lead with the fingerprint of its inputs after our write; null
 * when the stored one is already exactly that.
 */
function withInputs(
  w: Work,
  deps: PipelineDeps,
  rechecks: ReadonlyMap<string, RecheckRecord>,
  written: TossUpFieldValues = w.outcome.status === 'written' ? w.fields : {},
): RecheckRecord | null {
  // A re-check that kept the CRM's hand-off did not apply its decision: the next sync must decide.
  if (w.outcome.kept) return w.recheck ?? null;
  const key = recheckKey({ objectType: w.lead.objectType, leadId: w.lead.id });
  const stored = rechecks.get(key);
  const inputs = decisionInputs(afterWrite(w.lead, written), deps.rules, deps.now);
  if (!w.recheck && stored?.inputs === inputs) return null;
  const base = w.recheck ??
    stored ?? { objectType: w.lead.objectType, leadId: w.lead.id, recheckAt: null, holdSince: null };
  return { ...base, inputs };
}

/**
 * Claims the planned leads once decided, each with the record its writes would leave
 * (`PipelineDeps.claimDecided`); the refused ones leave `work`. Returns the record each claimed lead's
 * claim wrote (null: it left the record alone).
 */
async function claimDecided(
  work: Work[],
  deps: PipelineDeps,
  rechecks: ReadonlyMap<string, RecheckRecord>,
): Promise<Map<Work, RecheckRecord | null>> {
  const planned = work.filter((w) => w.outcome.status === 'not_attempted');
  const records = planned.map((w) => (deps.rechecks ? withInputs(w, deps, rechecks, w.fields) : null));
  const grants = await deps.claimDecided!(planned.map((w, i) => ({ lead: w.lead, recheck: records[i]! })));
  const claimed = new Map<Work, RecheckRecord | null>();
  const refused = new Set<Work>();
  for (const [i, w] of planned.entries()) {
    const grant = grants[i];
    if (!grant?.go) refused.add(w);
    else claimed.set(w, grant.recorded ? records[i]! : null);
  }
  if (refused.size > 0) work.splice(0, work.length, ...work.filter((w) => !refused.has(w)));
  return claimed;
}

/** The record to write for `w` once settled; null when what is stored is already it. */
function settledRecord(
  w: Work,
  deps: PipelineDeps,
  rechecks: ReadonlyMap<string, RecheckRecord>,
  claimed: ReadonlyMap<Work, RecheckRecord | null>,
): RecheckRecord | null {
  const ok = w.outcome.status === 'written' || w.outcome.status === 'unchanged';
  const recorded = claimed.get(w);
  if (!recorded) return ok ? withInputs(w, deps, rechecks) : null;
  // The claim wrote the record the writes would leave: keep it if they did, else restore the old one.
  const before = rechecks.get(recheckKey({ objectType: w.lead.objectType, leadId: w.lead.id })) ?? {
    objectType: w.lead.objectType,
    leadId: w.lead.id,
    recheckAt: null,
    holdSince: null,
  };
  const actual = ok ? (withInputs(w, deps, rechecks) ?? before) : before;
  return sameRecheck(actual, recorded) ? null : actual;
}

function sameRecheck(a: RecheckRecord, b: RecheckRecord): boolean {
  return (
    a.recheckAt === b.recheckAt && a.holdSince === b.holdSince && (a.inputs ?? null) === (b.inputs ?? null)
  );
}

/** `total` counts leads a stop left unplanned as not attempted too. */
function countOutcomes(work: readonly Work[], total: number, notRedecided = 0): BatchCounters {
  const c: BatchCounters = {
    leads: total,
    unchanged: notRedecided,
    inputsUnchanged: notRedecided,
    written: 0,
    planned: 0,
    skipped: 0,
    failed: 0,
    notAttempted: total - work.length - notRedecided,
    tasksCreated: 0,
    tasksExisting: 0,
    tasksPlanned: 0,
  };
  for (const { outcome: o } of work) {
    if (o.status === 'not_attempted') c.notAttempted++;
    else c[o.status]++;
    if (o.taskStatus === 'created') c.tasksCreated++;
    else if (o.taskStatus === 'existing') c.tasksExisting++;
    else if (o.taskStatus === 'planned') c.tasksPlanned++;
  }
  return c;
}
