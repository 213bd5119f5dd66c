import { type Episode, isOnHold } from '../episodes/episode.ts';
import type { SlaStatus } from '../ports/episode-crm.ts';
import { calendarFor } from '../sla/due-date.ts';
import { advanceClock } from '../sla/escalation-ladder.ts';
import type { SlaConfig } from '../sla/sla-config.ts';

/**
 * The SLA status the lead should show at `now` (the CRM field behind list views and reports), or null
 * when there is nothing to show: the episode is closed, or its next action has no SLA. Precedence:
 * a first response decides (`met` / `late`); otherwise a hold shows `paused`; then the furthest the
 * current owner's ladder went: `escalated` (manager told or tasked) > `overdue` (past the due time) >
 * `due_soon` (reminded) > `reassigned` (a new owner, clock restarted) > `on_track`.
 */
export function slaStatusAt(ep: Episode, sla: SlaConfig, now: Date): SlaStatus | null {
  if (ep.status === 'closed' || ep.status === 'pending_approval') return null;
  const entry = sla.slas[ep.nextAction];
  if (!entry) return null;
  if (ep.firstResponseAt !== null) return isFirstResponseOnTime(ep, sla) ? 'met' : 'late';
  if (isOnHold(ep)) return 'paused';
  if (ep.status === 'escalated') return 'escalated';
  const breach = breachAt(ep, sla);
  if (breach !== null && now.getTime() >= Date.parse(breach)) return 'overdue';
  if (stepRecordedInRound(ep, 'remind_owner')) return 'due_soon';
  if (ep.round > 0) return 'reassigned';
  return 'on_track';
}

/** When the current owner's SLA is breached (holds excluded); null without SLA or behind a running hold. */
export function breachAt(ep: Episode, sla: SlaConfig): string | null {
  const entry = sla.slas[ep.nextAction];
  if (!entry) return null;
  return (
    advanceClock(calendarFor(sla), new Date(ep.roundStartedAt), entry.due, ep.pauses)?.toISOString() ?? null
  );
}

/**
 * Whether the first response came by the current owner's due time (the clock that ran since the
 * hand-off or the reassignment, holds excluded). No response, or no SLA, counts as on time.
 */
export function isFirstResponseOnTime(ep: Episode, sla: SlaConfig): boolean {
  if (ep.firstResponseAt === null) return true;
  const breach = breachAt(ep, sla);
  return breach === null || Date.parse(ep.firstResponseAt) <= Date.parse(breach);
}

function stepRecordedInRound(ep: Episode, action: string): boolean {
  return ep.events.some(
    (e) => e.type === 'ladder_step' && e.round === ep.round && e.action === action && !e.skipped,
  );
}
