import {
  type Episode,
  type EpisodeEvent,
  type EpisodeOwner,
  episodeEvent,
  hasStep,
  STEP,
} from '../episodes/episode.ts';
import type { ApprovalFacts, EpisodeCrm, EpisodeFacts } from '../ports/episode-crm.ts';
import type { FollowUpTask, WriteOutcome } from '../ports/lead-sink.ts';
import type { NotificationEvent } from '../ports/notifier.ts';
import type { Locale } from '../reasons/messages.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import type { NotifyWho } from '../sweep/notify-policy.ts';
import type { Managers } from '../sweep/resolve-managers.ts';
import { emptySweepApprovals, type SweepApprovals, type SweepStage } from '../sweep/sweep-report.ts';
import { type ApprovalStep, approvalDueAt, pendingApprovalSteps } from './approval-ladder.ts';
import { approvalTask, approvedNote, approvedTask, rejectedNote } from './approval-tasks.ts';

/**
 * The sweep's work on pending manager approvals (docs/sales-in-the-loop.md, "Manager approval"), for
 * one batch, before the SLA ladder of the others:
 * 1. read the approval fields of the leads/contacts (`EpisodeCrm.readApprovals`, batched);
 * 2. approved → the rep's task (episode key, due on the SLA counted from now), the approver's task
 *    closed with a note, the `toss-up` notice to the rep, then `approved` + `handed_off` recorded: the
 *    episode is an ordinary toss-up from here, its clock started at the approval;
 *    rejected → the approver's task closed, `rejected` recorded with the reason (closes the episode);
 * 3. still pending → the approval ladder's due steps: `request` (the approver's task and the
 *    `approval_requested` notice), reminders to the approver, the approver's manager at the breach.
 * Effects first, keyed (task keys, the outbox's episode/step/target), then the step recorded: a
 * failure leaves the step for the next sweep, a crash in between repeats only idempotent effects.
 */

/** An episode of the batch, shared with the sweep (src/sweep/run-sweep.ts `Work`). */
export interface ApprovalWork {
  ep: Episode;
  facts: EpisodeFacts;
  halted: boolean;
}

/** What the sweep lends the approval phase: its store, CRM write, notice and name helpers. */
export interface ApprovalHost {
  now: Date;
  dryRun: boolean;
  sla: SlaConfig;
  crm: EpisodeCrm;
  locale: Locale;
  /** Records events in order, one store round trip; per event whether it was recorded. */
  record(items: readonly { w: ApprovalWork; event: EpisodeEvent }[]): Promise<boolean[]>;
  /** One batched CRM write; failed records are reported and their episodes halted; null if it threw. */
  write(
    stage: SweepStage,
    items: readonly { w: ApprovalWork; step: null }[],
    call: () => Promise<WriteOutcome[]>,
  ): Promise<WriteOutcome[] | null>;
  notify(
    w: ApprovalWork,
    step: string,
    event: NotificationEvent,
    who: NotifyWho,
    /** `previousOwner`: for `approval_requested`, the rep the toss-up goes to once approved. */
    extra: { dueAt: string | null; previousOwner?: EpisodeOwner },
  ): Promise<void>;
  managers(owners: readonly EpisodeOwner[]): Promise<Managers>;
  nameOf(owner: EpisodeOwner): string;
  fail(w: ApprovalWork, stage: SweepStage, code: string, message: string): void;
}

export async function sweepApprovals(work: ApprovalWork[], host: ApprovalHost): Promise<SweepApprovals> {
  const counts = emptySweepApprovals();
  if (work.length === 0) return counts;
  const answers = await readAnswers(work, host);
  const decided: { w: ApprovalWork; facts: ApprovalFacts }[] = [];
  const gone: ApprovalWork[] = [];
  const waiting: ApprovalWork[] = [];
  work.forEach((w, i) => {
    const a = answers?.[i];
    if (w.halted) return;
    if (a?.recordGone) gone.push(w);
    else if (a && a.decision !== null) decided.push({ w, facts: a });
    else waiting.push(w);
    if (a?.lead) w.facts = { ...w.facts, lead: a.lead };
  });
  await host.record(
    gone.map((w) => ({
      w,
      event: episodeEvent({ type: 'closed', at: iso(host), cause: 'crm_change', reason: 'superseded' }),
    })),
  );
  await approve(
    decided.filter((d) => d.facts.decision === 'approved').map((d) => d.w),
    host,
    counts,
  );
  await reject(
    decided.filter((d) => d.facts.decision === 'rejected'),
    host,
    counts,
  );
  await runApprovalLadder(waiting, host, counts);
  for (const w of work) {
    if (w.ep.status !== 'pending_approval') continue;
    counts.pending++;
    const due = approvalDueAt(w.ep, host.sla);
    if (due !== null && Date.parse(due) <= host.now.getTime()) counts.overdue++;
  }
  return counts;
}

async function readAnswers(
  work: ApprovalWork[],
  host: ApprovalHost,
): Promise<(ApprovalFacts | null)[] | null> {
  if (!host.crm.readApprovals) return null;
  const refs = work.map(({ ep }) => ({
    key: ep.key,
    leadId: ep.leadId,
    objectType: ep.objectType,
    ownerId: ep.approval?.approver?.id ?? ep.owner.id,
    taskId: ep.approval?.approvalTaskId ?? null,
    since: ep.approval?.requestedAt ?? ep.handedOffAt,
  }));
  try {
    const facts = await host.crm.readApprovals(refs);
    if (facts.length !== refs.length || facts.some((f, i) => f.key !== refs[i]!.key))
      throw new Error(
        `readApprovals returned ${facts.length} results for ${refs.length} episodes, or out of order`,
      );
    return facts;
  } catch (e) {
    // The answers stay in the CRM: the next sweep reads them. The ladder still runs meanwhile.
    const message = e instanceof Error ? e.message : String(e);
    for (const w of work) host.fail(w, 'read_approvals', 'read_failed', message);
    for (const w of work) w.halted = false;
    return null;
  }
}

/** Approved: the rep's task first (the rep must see it), the approver's task closed, then recorded. */
async function approve(work: ApprovalWork[], host: ApprovalHost, counts: SweepApprovals): Promise<void> {
  if (work.length === 0) return;
  const tasks = work.map((w) =>
    approvedTask({ episode: w.ep, now: host.now, sla: host.sla, locale: host.locale }),
  );
  let created: (WriteOutcome | undefined)[] = work.map(() => undefined);
  if (!host.dryRun) {
    created =
      (await host.write(
        'approved_task',
        work.map((w) => ({ w, step: null })),
        () => host.crm.createTasks(tasks),
      )) ?? created;
  }
  const done = work
    .map((w, i) => ({ w, task: tasks[i]!, out: created[i] }))
    .filter((x) => host.dryRun || x.out?.ok === true);
  await closeApprovalTasks(
    done.map((x) => x.w),
    approvedNote(host.locale),
    host,
  );
  const records: { w: ApprovalWork; event: EpisodeEvent }[] = [];
  for (const { w, task, out } of done) {
    if (!host.dryRun)
      await host.notify(
        w,
        'toss-up',
        'toss-up',
        { owner: w.ep.owner, manager: w.ep.approval?.approver ?? null, ...pool(w.ep.owner) },
        {
          dueAt: task.dueAt,
        },
      );
    const at = iso(host);
    if (!hasStep(w.ep, STEP.approval))
      records.push({ w, event: episodeEvent({ type: 'approved', at, cause: 'manager' }) });
    records.push({
      w,
      event: episodeEvent({
        type: 'handed_off',
        at,
        cause: 'manager',
        crm: w.ep.crm,
        leadId: w.ep.leadId,
        objectType: w.ep.objectType,
        nextAction: w.ep.nextAction,
        owner: w.ep.owner,
        taskId: out?.ok ? out.id : null,
        ...(w.ep.lead ? { lead: w.ep.lead } : {}),
      }),
    });
  }
  const recorded = await host.record(records);
  records.forEach((r, i) => {
    if (recorded[i] && r.event.type === 'handed_off') counts.approved++;
  });
}

async function reject(
  decided: { w: ApprovalWork; facts: ApprovalFacts }[],
  host: ApprovalHost,
  counts: SweepApprovals,
): Promise<void> {
  if (decided.length === 0) return;
  await closeApprovalTasks(
    decided.map((d) => d.w),
    (w) => rejectedNote(decided.find((d) => d.w === w)?.facts.rejectionReason ?? null, host.locale),
    host,
  );
  const recorded = await host.record(
    decided.map(({ w, facts }) => ({
      w,
      event: episodeEvent({
        type: 'rejected',
        at: iso(host),
        cause: 'manager',
        reason: facts.rejectionReason,
      }),
    })),
  );
  counts.rejected += recorded.filter(Boolean).length;
}

/** Closes the approver's tasks (a closed or deleted one counts as closed); failures only reported. */
async function closeApprovalTasks(
  work: ApprovalWork[],
  note: string | ((w: ApprovalWork) => string),
  host: ApprovalHost,
): Promise<void> {
  const withTask = work.filter((w) => w.ep.approval?.approvalTaskId);
  if (withTask.length === 0 || host.dryRun) return;
  await host.write(
    'close_task',
    withTask.map((w) => ({ w, step: null })),
    () =>
      host.crm.closeTasks(
        withTask.map((w) => ({
          taskId: w.ep.approval!.approvalTaskId!,
          note: typeof note === 'string' ? note : note(w),
        })),
      ),
  );
  // A task left open is cosmetic: the answer is recorded all the same.
  for (const w of withTask) w.halted = false;
}

async function runApprovalLadder(
  work: ApprovalWork[],
  host: ApprovalHost,
  counts: SweepApprovals,
): Promise<void> {
  const due: { w: ApprovalWork; step: ApprovalStep }[] = [];
  for (const w of work) {
    for (const step of pendingApprovalSteps(w.ep, host.sla)) {
      if (Date.parse(step.dueAt) > host.now.getTime()) break;
      due.push({ w, step });
    }
  }
  if (due.length === 0) return;
  const managers = await host.managers(work.map((w) => w.ep.owner));
  const approverOf = (w: ApprovalWork) => w.ep.approval?.approver ?? managers.of(w.ep.owner);
  const requests = due.filter((d) => d.step.action === 'request');
  const others = due.filter((d) => d.step.action !== 'request');

  // The request: the approver's task (one batched call), then the notice, then the step.
  const withApprover = requests.flatMap((d) => {
    const approver = approverOf(d.w);
    return approver ? [{ ...d, approver }] : [];
  });
  const noManager = requests.filter((d) => !approverOf(d.w));
  const records: { w: ApprovalWork; event: EpisodeEvent; count?: keyof SweepApprovals }[] = noManager.map(
    (d) => ({
      w: d.w,
      event: episodeEvent({
        type: 'approval_step',
        at: iso(host),
        cause: 'sweep',
        stepId: d.step.id,
        skipped: 'no_manager',
      }),
      count: 'noManager',
    }),
  );
  const dueAt = (w: ApprovalWork) => approvalDueAt(w.ep, host.sla) ?? iso(host);
  const tasks: FollowUpTask[] = withApprover.map((d) =>
    approvalTask({
      episode: d.w.ep,
      approver: d.approver,
      dueAt: dueAt(d.w),
      sla: host.sla,
      locale: host.locale,
      repName: host.nameOf(d.w.ep.owner),
    }),
  );
  let created: (WriteOutcome | undefined)[] = withApprover.map(() => undefined);
  if (!host.dryRun && tasks.length > 0)
    created =
      (await host.write(
        'approval_task',
        withApprover.map((d) => ({ w: d.w, step: null })),
        () => host.crm.createTasks(tasks),
      )) ?? created;
  for (const [i, d] of withApprover.entries()) {
    const out = created[i];
    if (!host.dryRun && out?.ok !== true) continue;
    host.nameOf(d.approver);
    if (!host.dryRun)
      await host.notify(
        d.w,
        d.step.stepKey,
        'approval_requested',
        { owner: d.approver, manager: null },
        { dueAt: dueAt(d.w), previousOwner: d.w.ep.owner },
      );
    records.push({
      w: d.w,
      event: episodeEvent({
        type: 'approval_step',
        at: iso(host),
        cause: 'sweep',
        stepId: d.step.id,
        approver: d.approver,
        approvalTaskId: out?.ok ? out.id : null,
      }),
      count: 'requested',
    });
  }

  // Reminders to the approver; the approver's own manager at the breach (both `approval_requested`).
  const approvers = others.flatMap((d) => {
    const a = approverOf(d.w);
    return a ? [a] : [];
  });
  const above = others.some((d) => d.step.action === 'notify_manager')
    ? await host.managers(approvers)
    : null;
  for (const d of others) {
    const approver = approverOf(d.w);
    const to = d.step.action === 'remind_owner' ? approver : approver && above ? above.of(approver) : null;
    if (to && !host.dryRun)
      await host.notify(
        d.w,
        d.step.stepKey,
        'approval_requested',
        { owner: to, manager: null },
        { dueAt: dueAt(d.w), previousOwner: d.w.ep.owner },
      );
    records.push({
      w: d.w,
      event: episodeEvent({
        type: 'approval_step',
        at: iso(host),
        cause: 'sweep',
        stepId: d.step.id,
        ...(to ? {} : { skipped: 'no_manager' }),
      }),
      count: d.step.action === 'remind_owner' ? 'reminders' : 'escalations',
    });
  }
  const recorded = await host.record(records);
  records.forEach((r, i) => {
    if (recorded[i] && r.count) counts[r.count]++;
  });
}

function pool(owner: EpisodeOwner): { poolId?: string } {
  return owner.poolId === undefined ? {} : { poolId: owner.poolId };
}

function iso(host: ApprovalHost): string {
  return host.now.toISOString();
}
