import type { HumanOverride, OverrideFlag, OverrideSource } from '../domain/human-override.ts';
import type { CrmName, NextAction, Priority } from '../domain/lead.ts';
import type { LeadLabel } from '../domain/lead-label.ts';
import type { OpportunitySource, OpportunityStage } from '../domain/opportunity.ts';
import type { SentBackReason, TossUpResult } from '../domain/rep-feedback.ts';
import type { SlaStatus } from '../ports/episode-crm.ts';

/**
 * A toss-up episode: what happened to one hand-off (identified by the episode key of
 * src/pipeline/episode-key.ts) after the decision. Pure data and pure functions, no I/O and no clock:
 * the episode is the fold of its events, so redelivered, retried or reordered events give the same
 * state. See docs/routing-and-sla.md ("Episodes").
 */

/** Who or what caused a transition. */
export type EpisodeCause = 'rule' | 'rep' | 'manager' | 'sweep' | 'crm_change';

export type EpisodeStatus =
  | 'open'
  | 'contacted'
  | 'done'
  | 'escalated'
  | 'reassigned'
  | 'closed'
  /** Waiting for the team manager's approval (a rule with `approval: manager`); no rep task yet. */
  | 'pending_approval';

/** Why an episode ended (`closed`). */
export type CloseReason = 'sent_back' | 'opportunity' | 'lost' | 'expired' | 'rejected' | 'superseded';

/** The activity read from the CRM that counts as the first response. */
export type FirstResponseActivity = 'task_completed' | 'call' | 'email' | 'meeting' | 'other';

/** What a ladder step does (configured in sla.yaml, see src/sla/escalation-ladder.ts). */
export type LadderAction = 'remind_owner' | 'notify_manager' | 'manager_task' | 'reassign';

export interface EpisodeOwner {
  /** CRM user (or queue) id. */
  id: string;
  /** routing.yaml key, when the owner is listed there. */
  key?: string;
  /** Pool the owner was picked from; a reassignment picks the next rep of the same pool. */
  poolId?: string;
}

interface EventBase {
  /**
   * Identity of the transition inside its episode: the same step is applied once, whatever its other
   * fields say (the store records a step with a conditional write, so only one version exists).
   */
  step: string;
  /** ISO 8601 UTC. */
  at: string;
  cause: EpisodeCause;
}

export type EpisodeEvent =
  | (EventBase & {
      type: 'handed_off';
      crm: CrmName;
      leadId: string;
      /**
       * The CRM object the lead lives in (`Lead`/`Contact`, `contact`); absent in events recorded before
       * it was added, which the fold reads as the CRM's usual lead object (`defaultObjectType`).
       */
      objectType?: string;
      nextAction: NextAction;
      owner: EpisodeOwner;
      taskId: string | null;
      /**
       * How chat notices name the lead (src/domain/lead-label.ts): the person's name (else the
       * company's) and the company, taken from the lead at the hand-off so the sweep needs no read.
       * Personal data kept for that only. Absent when unknown and in events recorded before it existed.
       */
      lead?: LeadLabel;
      /**
       * The rep's verdict the CRM showed at the hand-off (issue 14): it belongs to an earlier toss-up of
       * the lead (the feedback fields are per lead, not per toss-up), so the same value read later is
       * not this episode's verdict. Absent when the CRM showed none.
       */
      verdictBefore?: VerdictValue;
      /**
       * The decision's most decisive reason code (`decision.reasons[0].code`), so acceptance and
       * opportunity rates can be told per toss-up reason; absent in events recorded before it existed.
       */
      reason?: string;
    })
  | (EventBase & { type: 'first_response'; activity: FirstResponseActivity })
  | (EventBase & { type: 'hold_started' })
  | (EventBase & { type: 'hold_ended' })
  | (EventBase & {
      type: 'ladder_step';
      round: number;
      stepId: string;
      action: LadderAction;
      /** reassign: the new owner and their task. */
      owner?: EpisodeOwner;
      taskId?: string | null;
      /** manager_task: the manager's task. */
      managerTaskId?: string | null;
      /**
       * Set when the step could not be carried out and will not be (reassign: no active rep of the pool
       * with capacity; manager_task: no manager known): why. The step counts as done, the owner stays.
       */
      skipped?: string;
    })
  | (EventBase & { type: 'task_completed' })
  | (EventBase & { type: 'closed'; reason: CloseReason })
  /** The sweep wrote the SLA-status fields on the lead (step `sla@<at>`); the latest one counts. */
  | (EventBase & { type: 'sla_status'; status: SlaStatus; firstResponseAt: string | null })
  /**
   * The rep's verdict read from the CRM's feedback fields (issue 14, cause `rep`), once per value
   * (step `verdictStep`): a rep who changes it (accepted → sent back) adds a second event, the latest
   * is the episode's `verdict`. Sent back and lost close the episode with that reason (see the fold);
   * accepted and opportunity only mark it (the opportunity outcome is recorded by its own phase).
   * `at`: when the CRM says the verdict changed, else when the engine first read it.
   */
  | (EventBase & { type: 'verdict' } & VerdictValue)
  /**
   * The first opportunity linked to the lead at or after the hand-off (issue 14, cause `crm_change`,
   * `at` = the opportunity's creation), once per episode. It closes the episode with reason
   * `opportunity`, over any other close reason (a converted lead's `superseded` included): the outcome
   * the review counts. See docs/sales-in-the-loop.md ("Opportunity outcomes").
   */
  | (EventBase & { type: 'opportunity'; opportunityId: string; source: OpportunitySource })
  /** That opportunity was closed won or lost (`at` = when), with the CRM's lost reason; once per episode. */
  | (EventBase & {
      type: 'opportunity_closed';
      opportunityId: string;
      won: boolean;
      lostReason: string | null;
    })
  /**
   * A person set the flag by hand (src/pipeline/human-override.ts, cause `rep`; `at` = when, `by` = the
   * CRM user), or cleared that (`flag` null). Step `override@<at>`; the latest one counts.
   */
  | (EventBase & {
      type: 'override';
      flag: OverrideFlag | null;
      source: OverrideSource | null;
      by: string | null;
    })
  /**
   * The sync decided a toss-up whose rule needs the manager's approval (src/approval/): the episode
   * starts here, pending, with the rep routing picked; the rep's `handed_off` follows the approval.
   */
  | (EventBase & {
      type: 'approval_requested';
      crm: CrmName;
      leadId: string;
      objectType: string;
      nextAction: NextAction;
      /** The rep who gets the task once approved. */
      owner: EpisodeOwner;
      /** The decision's priority, for the rep's task created at the approval. */
      priority: Priority;
      lead?: LeadLabel;
    })
  /**
   * A step of the approval ladder (sla.yaml `approval`), step `approval.<stepId>`: `request` (the
   * approver's task and notice), then reminders and the approver's manager.
   */
  | (EventBase & {
      type: 'approval_step';
      stepId: string;
      /** request: the approving manager and their approval task. */
      approver?: EpisodeOwner;
      approvalTaskId?: string | null;
      /** Why the step was not carried out (no manager known); it counts as done. */
      skipped?: string;
    })
  /** The manager approved in the CRM (step `approval`, one answer per episode). */
  | (EventBase & { type: 'approved' })
  /** The manager rejected in the CRM (step `approval`); closes the episode as `rejected`. */
  | (EventBase & { type: 'rejected'; reason: string | null });

/** A verdict as the CRM's feedback fields hold it (the free-text note is never kept in an episode). */
export interface VerdictValue {
  result: TossUpResult;
  /** Set with `sent_back` when the rep chose a reason; null otherwise. */
  sentBackReason: SentBackReason | null;
}

/** Verdicts that end the episode (close reason = the result); the others only mark it. */
export const CLOSING_RESULTS: ReadonlySet<TossUpResult> = new Set(['sent_back', 'lost']);

export function isClosingVerdict(v: Pick<VerdictValue, 'result'>): boolean {
  return CLOSING_RESULTS.has(v.result);
}

export interface PausedInterval {
  from: string;
  /** null while the lead is still on hold. */
  to: string | null;
}

export interface Episode {
  key: string;
  crm: CrmName;
  leadId: string;
  /** `Lead` / `Contact` (Salesforce) or `contact` (HubSpot): what the sweep reads the facts of. */
  objectType: string;
  nextAction: NextAction;
  owner: EpisodeOwner;
  taskId: string | null;
  handedOffAt: string;
  status: EpisodeStatus;
  closeReason: CloseReason | null;
  firstResponseAt: string | null;
  firstResponseActivity: FirstResponseActivity | null;
  /** 0 for the first owner, +1 per reassignment; each round runs the ladder afresh for its owner. */
  round: number;
  /** When the current owner's clock started (hand-off or reassignment). */
  roundStartedAt: string;
  /** Ladder steps recorded: step key (`r<round>.<stepId>`) → instant. The ladder position. */
  ladder: Record<string, string>;
  managerTaskId: string | null;
  /** Hold intervals: the SLA clock does not run inside them. */
  pauses: PausedInterval[];
  /**
   * Set by the ladder planner (src/sla/escalation-ladder.ts); null = nothing to check. As written: a
   * store that refiles (`EpisodeStore.refile`, DynamoDB) moves the check without writing the episode,
   * so a past value may lag the check it is filed for (never run ahead of it). Only the sweep reads it
   * — its due check, its batch filter and its rescheduling, all of which a lag toward the past leaves
   * right; a reader wanting the next check asks the planner.
   */
  nextCheckAt: string | null;
  /** Every applied event, in canonical order, one per step. */
  events: EpisodeEvent[];
  /**
   * What the CRM's SLA-status fields were last set to by the sweep (null = never), so the sweep writes
   * them only when they change. Optional: episodes stored before it existed lack it.
   */
  slaWritten?: { status: SlaStatus; firstResponseAt: string | null; at: string } | null;
  /** The lead's name and company as recorded at the hand-off, for chat notices; absent when not recorded. */
  lead?: LeadLabel;
  /** The toss-up's most decisive reason code as recorded at the hand-off; absent when not recorded. */
  reason?: string;
  /** The rep's latest verdict (`verdict` events); absent when none was recorded. */
  verdict?: VerdictValue & { at: string };
  /** The verdict the CRM showed at the hand-off (an earlier toss-up's); absent when none. */
  verdictBefore?: VerdictValue;
  /** The episode's opportunity (an `opportunity` event, closed by `opportunity_closed`); absent when none. */
  opportunity?: EpisodeOpportunity;
  /** The person's override in force (the latest `override` event); null once cleared, absent when none. */
  override?: HumanOverride | null;
  /** The manager approval of a toss-up whose rule asks for one; absent otherwise. */
  approval?: EpisodeApproval;
}

export interface EpisodeOpportunity {
  id: string;
  source: OpportunitySource;
  /** When it was created. */
  at: string;
  stage: OpportunityStage;
  closedAt: string | null;
  lostReason: string | null;
}

export interface EpisodeApproval {
  requestedAt: string;
  /** The decision's priority (the rep's task gets it). */
  priority: Priority;
  /** The approving manager, once the request step found one. */
  approver: EpisodeOwner | null;
  approvalTaskId: string | null;
  /** Approval ladder steps recorded: step key (`approval.<id>`) → instant. */
  steps: Record<string, string>;
  decision: 'approved' | 'rejected' | null;
  decidedAt: string | null;
  rejectionReason: string | null;
}

/**
 * The lead object of a CRM when an episode does not say (stored before `objectType` was recorded):
 * the toss-up connector reads Salesforce leads from `Lead` and HubSpot's from `contact`.
 */
export function defaultObjectType(crm: CrmName): string {
  return crm === 'hubspot' ? 'contact' : crm === 'salesforce' ? 'Lead' : 'lead';
}

/** A stored episode as the current code reads it: fields added since it was written get their defaults. */
export function withEpisodeDefaults(ep: Episode): Episode {
  return typeof ep.objectType === 'string' && ep.objectType !== ''
    ? ep
    : { ...ep, objectType: defaultObjectType(ep.crm) };
}

/** Step names of the events that can happen once per episode. */
export const STEP = {
  handedOff: 'handed_off',
  firstResponse: 'first_response',
  taskCompleted: 'task_completed',
  closed: 'closed',
  opportunity: 'opportunity',
  opportunityClosed: 'opportunity_closed',
  approvalRequested: 'approval_requested',
  /** One answer per episode: approved or rejected, whichever is recorded first. */
  approval: 'approval',
} as const;

/** One step per verdict value: the same value read again is recorded once, a changed one again. */
export function verdictStep(v: VerdictValue): string {
  return v.result === 'sent_back' && v.sentBackReason !== null
    ? `verdict:sent_back:${v.sentBackReason}`
    : `verdict:${v.result}`;
}

export function approvalStepKey(stepId: string): string {
  return `approval.${stepId}`;
}

export function holdStep(at: string): string {
  return `hold@${at}`;
}
export function resumeStep(at: string): string {
  return `resume@${at}`;
}
export function overrideStep(at: string): string {
  return `override@${at}`;
}
export function slaStatusStep(at: string): string {
  return `sla@${at}`;
}
/** Ladder steps are once per round, so a reassigned owner gets their own reminder. */
export function ladderStepKey(round: number, stepId: string): string {
  return `r${round}.${stepId}`;
}

const TYPE_RANK: Record<EpisodeEvent['type'], number> = {
  handed_off: 0,
  hold_ended: 1,
  hold_started: 2,
  first_response: 3,
  task_completed: 4,
  ladder_step: 5,
  closed: 6,
  sla_status: 7,
  verdict: 8,
  opportunity: 9,
  opportunity_closed: 10,
  override: 11,
  approval_requested: 0,
  approval_step: 5,
  approved: 6,
  rejected: 6,
};

/** Time, then kind, then step: a total order, so any arrival order folds the same way. */
function compareEvents(a: EpisodeEvent, b: EpisodeEvent): number {
  const ta = Date.parse(a.at);
  const tb = Date.parse(b.at);
  if (ta !== tb) return ta - tb;
  const r = TYPE_RANK[a.type] - TYPE_RANK[b.type];
  if (r !== 0) return r;
  return a.step < b.step ? -1 : a.step > b.step ? 1 : 0;
}

/** Checks what the fold relies on; a malformed event is a programming error, not data to skip. */
export function assertEvent(e: EpisodeEvent): void {
  if (!e.step) throw new RangeError('an episode event needs a step');
  if (Number.isNaN(Date.parse(e.at)))
    throw new RangeError(`episode event ${e.step}: "at" is not a date-time`);
  const expected =
    e.type === 'hold_started'
      ? holdStep(e.at)
      : e.type === 'hold_ended'
        ? resumeStep(e.at)
        : e.type === 'sla_status'
          ? slaStatusStep(e.at)
          : e.type === 'override'
            ? overrideStep(e.at)
            : e.type === 'ladder_step'
              ? ladderStepKey(e.round, e.stepId)
              : e.type === 'handed_off'
                ? STEP.handedOff
                : e.type === 'first_response'
                  ? STEP.firstResponse
                  : e.type === 'task_completed'
                    ? STEP.taskCompleted
                    : e.type === 'verdict'
                      ? verdictStep(e)
                      : e.type === 'opportunity'
                        ? STEP.opportunity
                        : e.type === 'opportunity_closed'
                          ? STEP.opportunityClosed
                          : e.type === 'approval_requested'
                            ? STEP.approvalRequested
                            : e.type === 'approval_step'
                              ? approvalStepKey(e.stepId)
                              : e.type === 'approved' || e.type === 'rejected'
                                ? STEP.approval
                                : STEP.closed;
  if (e.step !== expected)
    throw new RangeError(`episode event ${e.type} must have step "${expected}", not "${e.step}"`);
}

/**
 * The episode that `events` describe, or null before its hand-off is known. Events with a step that
 * is already present are ignored (the first one given wins; the store keeps only one per step), and
 * the rest are applied in a canonical order, so the result does not depend on arrival order.
 */
export function foldEpisode(key: string, events: readonly EpisodeEvent[]): Episode | null {
  const byStep = new Map<string, EpisodeEvent>();
  for (const e of events) {
    assertEvent(e);
    if (!byStep.has(e.step)) byStep.set(e.step, e);
  }
  const sorted = [...byStep.values()].sort(compareEvents);
  // An approval's hand-off comes after the approval: the rep's clock starts there.
  const start =
    sorted.find((e) => e.type === 'handed_off') ?? sorted.find((e) => e.type === 'approval_requested');
  if (start?.type !== 'handed_off' && start?.type !== 'approval_requested') return null;

  const ep: Episode = {
    key,
    crm: start.crm,
    leadId: start.leadId,
    objectType: start.objectType ?? defaultObjectType(start.crm),
    nextAction: start.nextAction,
    owner: { ...start.owner },
    taskId: start.type === 'handed_off' ? start.taskId : null,
    handedOffAt: start.at,
    status: 'open',
    closeReason: null,
    firstResponseAt: null,
    firstResponseActivity: null,
    round: 0,
    roundStartedAt: start.at,
    ladder: {},
    managerTaskId: null,
    pauses: [],
    nextCheckAt: null,
    events: sorted,
    slaWritten: null,
  };
  if (start.lead) ep.lead = { ...start.lead };
  if (start.type === 'handed_off' && start.verdictBefore)
    ep.verdictBefore = verdictValue(start.verdictBefore);
  if (start.type === 'handed_off' && start.reason) ep.reason = start.reason;
  let done = false;
  /** A hold that ends at the instant it starts arrives end-first (canonical order): pair them. */
  let endWithoutHold: string | null = null;
  let escalatedInRound = false;
  let reassigned = false;
  // Applied after the loop: a closing may be dated before the creation (Salesforce's CloseDate is a day).
  let opportunityClosed: Extract<EpisodeEvent, { type: 'opportunity_closed' }> | null = null;
  for (const e of sorted) {
    switch (e.type) {
      case 'handed_off':
      case 'approval_requested':
      case 'approval_step':
      case 'approved':
      case 'rejected':
        foldApproval(ep, e);
        break;
      case 'first_response':
        ep.firstResponseAt = e.at;
        ep.firstResponseActivity = e.activity;
        break;
      case 'task_completed':
        done = true;
        // Completing the toss-up task is a response too, when nothing earlier was logged.
        if (ep.firstResponseAt === null || Date.parse(e.at) < Date.parse(ep.firstResponseAt)) {
          ep.firstResponseAt = e.at;
          ep.firstResponseActivity = 'task_completed';
        }
        break;
      case 'hold_started': {
        const last = ep.pauses.at(-1);
        if (!last || last.to !== null)
          ep.pauses.push({ from: e.at, to: endWithoutHold === e.at ? e.at : null });
        endWithoutHold = null;
        break;
      }
      case 'hold_ended': {
        const last = ep.pauses.at(-1);
        if (last && last.to === null) last.to = e.at;
        else endWithoutHold = e.at;
        break;
      }
      case 'ladder_step':
        // A step of an earlier round that arrives late is history; it does not move the current owner.
        if (e.round !== ep.round) {
          ep.ladder[e.step] = e.at;
          break;
        }
        ep.ladder[e.step] = e.at;
        if (e.action === 'notify_manager' || e.action === 'manager_task') {
          escalatedInRound = true;
          if (e.managerTaskId) ep.managerTaskId = e.managerTaskId;
        }
        if (e.action === 'reassign' && e.owner) {
          ep.owner = { ...e.owner };
          ep.taskId = e.taskId ?? null;
          ep.round += 1;
          ep.roundStartedAt = e.at;
          escalatedInRound = false;
          reassigned = true;
        }
        break;
      case 'closed':
        // The first close wins (a verdict may have closed it earlier): a closed episode stays closed.
        ep.closeReason ??= e.reason;
        break;
      case 'sla_status':
        ep.slaWritten = { status: e.status, firstResponseAt: e.firstResponseAt, at: e.at };
        break;
      case 'verdict':
        ep.verdict = { ...verdictValue(e), at: e.at };
        // Sent back / lost end the episode; a later change of mind is recorded but does not reopen it.
        if (isClosingVerdict(e)) ep.closeReason ??= e.result as CloseReason;
        break;
      case 'opportunity':
        ep.opportunity = {
          id: e.opportunityId,
          source: e.source,
          at: e.at,
          stage: 'open',
          closedAt: null,
          lostReason: null,
        };
        break;
      case 'opportunity_closed':
        opportunityClosed = e;
        break;
      case 'override':
        ep.override =
          e.flag === null ? null : { flag: e.flag, source: e.source ?? 'flag_edit', by: e.by, at: e.at };
        break;
    }
  }
  if (ep.opportunity) {
    // An opportunity is the strongest outcome: it closes the episode whatever closed it before.
    ep.closeReason = 'opportunity';
    if (opportunityClosed?.opportunityId === ep.opportunity.id) {
      ep.opportunity.stage = opportunityClosed.won ? 'won' : 'lost';
      ep.opportunity.closedAt = opportunityClosed.at;
      ep.opportunity.lostReason = opportunityClosed.won ? null : opportunityClosed.lostReason;
    }
  }
  ep.status =
    ep.closeReason !== null
      ? 'closed'
      : start.type === 'approval_requested'
        ? 'pending_approval'
        : done
          ? 'done'
          : ep.firstResponseAt !== null
            ? 'contacted'
            : escalatedInRound
              ? 'escalated'
              : reassigned
                ? 'reassigned'
                : 'open';
  return ep;
}

/** The approval part of an episode (src/approval/): the request, its ladder steps, the answer. */
function foldApproval(ep: Episode, e: EpisodeEvent): void {
  if (e.type === 'handed_off') return;
  ep.approval ??= {
    requestedAt: e.at,
    priority: 'medium',
    approver: null,
    approvalTaskId: null,
    steps: {},
    decision: null,
    decidedAt: null,
    rejectionReason: null,
  };
  const a = ep.approval;
  switch (e.type) {
    case 'approval_requested':
      a.requestedAt = e.at;
      a.priority = e.priority;
      if (e.lead && !ep.lead) ep.lead = { ...e.lead };
      break;
    case 'approval_step':
      a.steps[e.step] = e.at;
      if (e.approver) a.approver = { ...e.approver };
      if (e.approvalTaskId !== undefined) a.approvalTaskId = e.approvalTaskId;
      break;
    case 'approved':
      a.decision = 'approved';
      a.decidedAt = e.at;
      break;
    case 'rejected':
      a.decision = 'rejected';
      a.decidedAt = e.at;
      a.rejectionReason = e.reason;
      ep.closeReason ??= 'rejected';
      break;
  }
}

/**
 * The episode after `event`; unchanged (same object) when its step was applied before. The result is
 * the fold of all events, so its `nextCheckAt` is null until the planner sets it again.
 */
export function applyEvent(ep: Episode, event: EpisodeEvent): Episode {
  if (hasStep(ep, event.step)) return ep;
  const next = foldEpisode(ep.key, [...ep.events, event]);
  if (!next) throw new Error(`episode ${ep.key} lost its hand-off`);
  return next;
}

export function hasStep(ep: Pick<Episode, 'events'>, step: string): boolean {
  return ep.events.some((e) => e.step === step);
}

function verdictValue(v: VerdictValue): VerdictValue {
  return { result: v.result, sentBackReason: v.sentBackReason };
}

/** The ladder stops once the owner has responded or the episode is over. */
export function isSettled(ep: Episode): boolean {
  return ep.status === 'contacted' || ep.status === 'done' || ep.status === 'closed';
}

/** True while the lead is on hold (the SLA clock is stopped). */
export function isOnHold(ep: Episode): boolean {
  return ep.pauses.at(-1)?.to === null;
}

type Without<E, K extends keyof EpisodeEvent> = E extends unknown ? Omit<E, K> : never;
type EventInput = Without<EpisodeEvent, 'step'>;

/** An event with its step filled in from its type (and round/step id, or time for holds). */
export function episodeEvent(input: EventInput): EpisodeEvent {
  switch (input.type) {
    case 'handed_off':
      return { ...input, step: STEP.handedOff };
    case 'first_response':
      return { ...input, step: STEP.firstResponse };
    case 'task_completed':
      return { ...input, step: STEP.taskCompleted };
    case 'closed':
      return { ...input, step: STEP.closed };
    case 'hold_started':
      return { ...input, step: holdStep(input.at) };
    case 'hold_ended':
      return { ...input, step: resumeStep(input.at) };
    case 'sla_status':
      return { ...input, step: slaStatusStep(input.at) };
    case 'verdict':
      return { ...input, step: verdictStep(input) };
    case 'opportunity':
      return { ...input, step: STEP.opportunity };
    case 'opportunity_closed':
      return { ...input, step: STEP.opportunityClosed };
    case 'override':
      return { ...input, step: overrideStep(input.at) };
    case 'ladder_step':
      return { ...input, step: ladderStepKey(input.round, input.stepId) };
    case 'approval_requested':
      return { ...input, step: STEP.approvalRequested };
    case 'approval_step':
      return { ...input, step: approvalStepKey(input.stepId) };
    case 'approved':
    case 'rejected':
      return { ...input, step: STEP.approval };
  }
}
