import { nextApprovalCheck } from '../approval/approval-ladder.ts';
import { type Episode, isSettled } from '../episodes/episode.ts';
import type { ScheduleEpisode } from '../ports/episode-store.ts';
import type { BusinessCalendar } from '../sla/business-calendar.ts';
import { calendarFor } from '../sla/due-date.ts';
import { pendingLadderSteps, stepInstant } from '../sla/escalation-ladder.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import { breachAt, slaStatusAt } from './sla-status.ts';

/**
 * When the sweep should look at an episode again (`nextCheckAt`, which the store indexes): the
 * earliest of
 * - the next ladder step not recorded yet (possibly past: a sweep that fell behind catches up);
 * - the breach, when the lead's SLA status turns `overdue` there;
 * - at once, when the SLA status the lead should show differs from the one last written (a failed
 *   field write is retried by the next sweep);
 * - the next poll for a first response while there is none: every `POLL.everyBusinessHours` business
 *   hours on a grid from the hand-off until the current owner's escalation (`escalateAfter` past the
 *   due time, or the due time), then once a business day, for `POLL.forBusinessDays` business days
 *   from the hand-off. Without it an episode whose ladder is used up (or that has no ladder) would
 *   never record its first response, so neither its `met`/`late` status nor the on-time rate would
 *   exist. Past the escalation the manager has been told and every ladder step reads the CRM first,
 *   so the daily poll only delays the `late` status (the response's own time is recorded exactly);
 *   each poll costs DynamoDB units (on AWS it refiles the episode, a share of a roster's writes,
 *   rather than writing it), so this halves what an unanswered toss-up costs (docs/cost.md). The grid is fixed for a given episode, so every sweep and every writer computes the
 *   same instants.
 * Null once there is nothing left to do: closed, or responded and its status written, or unanswered
 * for longer than the poll window with no step pending.
 */
export const POLL = { everyBusinessHours: 3, forBusinessDays: 10 } as const;

export function nextSweepCheck(ep: Episode, sla: SlaConfig, now: Date): string | null {
  if (ep.status === 'closed') return null;
  if (ep.status === 'pending_approval') return nextApprovalCheck(ep, sla, now);
  const t = now.getTime();
  const candidates: number[] = [];
  const status = slaStatusAt(ep, sla, now);
  const written = ep.slaWritten ?? null;
  if (status !== null && (written?.status !== status || written.firstResponseAt !== ep.firstResponseAt))
    candidates.push(t);
  if (!isSettled(ep)) {
    const step = pendingLadderSteps(ep, sla)[0];
    if (step) candidates.push(Date.parse(step.dueAt));
    const breach = breachAt(ep, sla);
    if (breach !== null && Date.parse(breach) > t && sla.slas[ep.nextAction])
      candidates.push(Date.parse(breach));
    const poll = nextPoll(ep, sla, now);
    if (poll !== null) candidates.push(poll);
  }
  if (candidates.length === 0) return null;
  return new Date(Math.min(...candidates)).toISOString();
}

/** The next instant on the poll grid after `now`, or null past the poll window. */
export function nextPoll(ep: Episode, sla: SlaConfig, now: Date): number | null {
  const cal = calendarFor(sla);
  const start = new Date(ep.handedOffAt);
  const elapsed = now.getTime() <= start.getTime() ? 0 : cal.businessHoursBetween(start, now);
  const every = POLL.everyBusinessHours;
  // The close grid ends at its first point at or after the escalation; daily points follow from it.
  const close = Math.ceil(closePollHours(ep, sla, cal, start) / every - 1e-9) * every;
  const hours =
    elapsed < close
      ? (Math.floor(elapsed / every + 1e-9) + 1) * every
      : close + (Math.floor((elapsed - close) / cal.hoursPerDay + 1e-9) + 1) * cal.hoursPerDay;
  if (hours > POLL.forBusinessDays * cal.hoursPerDay) return null;
  return cal.addBusinessHours(start, hours).getTime();
}

/**
 * Business hours from the hand-off to the current owner's escalation (the due time when the SLA has
 * no `escalateAfter`): the window polled every few hours. The whole poll window when the instant is
 * not known (behind a running hold), none when the next action has no SLA.
 */
function closePollHours(ep: Episode, sla: SlaConfig, cal: BusinessCalendar, start: Date): number {
  const entry = sla.slas[ep.nextAction];
  if (!entry) return 0;
  const at = stepInstant(
    { kind: 'escalation', plus: null },
    entry,
    new Date(ep.roundStartedAt),
    cal,
    ep.pauses,
  );
  if (!at) return POLL.forBusinessDays * cal.hoursPerDay;
  return at.getTime() <= start.getTime() ? 0 : cal.businessHoursBetween(start, at);
}

/**
 * The schedule for `recordStep` as of `now` (the sweep binds its own instant). Writers without an
 * instant of their own (the sync recording a hand-off or a hold) use `sweepSchedule`, which takes the
 * latest event's time as "now".
 */
export function scheduleAt(sla: SlaConfig, now: Date): ScheduleEpisode {
  return (ep) => nextSweepCheck(ep, sla, now);
}

export function sweepSchedule(sla: SlaConfig): ScheduleEpisode {
  return (ep) => {
    const latest = ep.events.reduce((m, e) => Math.max(m, Date.parse(e.at)), 0);
    return nextSweepCheck(ep, sla, new Date(latest));
  };
}
