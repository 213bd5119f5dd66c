import {
  type Episode,
  type EpisodeOwner,
  isSettled,
  type LadderAction,
  ladderStepKey,
  type PausedInterval,
} from '../episodes/episode.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import type { BusinessCalendar } from './business-calendar.ts';
import { calendarFor } from './due-date.ts';
import type { LadderAt, SlaConfig, SlaDuration, SlaEntry } from './sla-config.ts';

/**
 * The escalation ladder of `mappings/sla.yaml`, applied to an episode: which steps are due at `now`
 * and when to look again. Pure: the calendar arithmetic is src/sla/business-calendar.ts (the same
 * that computes due dates), and the SLA clock is paused while the lead is on hold. The sweep
 * (src/sweep/run-sweep.ts) records each due step once per episode and owner, then asks again.
 */

export interface LadderStep {
  /** Record key inside the episode: `r<round>.<id>`. */
  stepKey: string;
  id: string;
  action: LadderAction;
  round: number;
  /** ISO UTC. */
  dueAt: string;
}

export interface LadderPlan {
  /** Steps due at `now` and not yet recorded, earliest first. */
  due: LadderStep[];
  /** The earliest instant after `now` at which another step falls due; null = nothing to wait for. */
  nextCheckAt: string | null;
}

const HOUR_MS = 3_600_000;

function isBusinessUnit(d: SlaDuration): boolean {
  return d.unit === 'businessHours' || d.unit === 'businessDays';
}

function businessHoursOf(d: SlaDuration, cal: BusinessCalendar): number {
  return d.unit === 'businessDays' ? d.amount * cal.hoursPerDay : d.amount;
}

/** Pause intervals in ms, sorted; `to` = Infinity while on hold. */
function pauseSpans(pauses: readonly PausedInterval[]): { from: number; to: number }[] {
  return pauses
    .map((p) => ({
      from: Date.parse(p.from),
      to: p.to === null ? Number.POSITIVE_INFINITY : Date.parse(p.to),
    }))
    .sort((a, b) => a.from - b.from);
}

/**
 * `from` plus `d` on the SLA clock: business units count business time only, clock units count all
 * time, and neither counts time on hold. Null when a hold that has not ended stops the clock first.
 * Without holds this is exactly `cal.add(from, d)`, i.e. the due-date arithmetic.
 */
export function advanceClock(
  cal: BusinessCalendar,
  from: Date,
  d: SlaDuration,
  pauses: readonly PausedInterval[],
): Date | null {
  const spans = pauseSpans(pauses);
  if (isBusinessUnit(d)) {
    let cursor = from.getTime();
    let remaining = Math.round(businessHoursOf(d, cal) * HOUR_MS);
    for (const p of spans) {
      if (p.to <= cursor) continue;
      const pauseStart = Math.max(p.from, cursor);
      const available = Math.round(
        cal.businessHoursBetween(new Date(cursor), new Date(pauseStart)) * HOUR_MS,
      );
      if (remaining <= available) break;
      remaining -= available;
      if (p.to === Number.POSITIVE_INFINITY) return null;
      cursor = p.to;
    }
    return cal.addBusinessHours(new Date(cursor), remaining / HOUR_MS);
  }
  let target = cal.add(from, d).getTime();
  const start = from.getTime();
  for (const p of spans) {
    const s = Math.max(p.from, start);
    if (s >= target) break;
    if (p.to <= start) continue;
    if (p.to === Number.POSITIVE_INFINITY) return null;
    target += p.to - s;
  }
  return new Date(target);
}

/** SLA time elapsed from `from` to `to` in hours (business hours for business units), holds excluded. */
export function clockHoursBetween(
  cal: BusinessCalendar,
  from: Date,
  to: Date,
  business: boolean,
  pauses: readonly PausedInterval[],
): number {
  const span = (a: number, b: number) =>
    b <= a ? 0 : business ? cal.businessHoursBetween(new Date(a), new Date(b)) : (b - a) / HOUR_MS;
  const start = from.getTime();
  const end = to.getTime();
  let total = span(start, end);
  for (const p of pauseSpans(pauses)) total -= span(Math.max(p.from, start), Math.min(p.to, end));
  return Math.max(0, total);
}

export interface SlaClock {
  /** `businessHours` when the SLA counts business time, otherwise `hours`. */
  unit: 'businessHours' | 'hours';
  /** Clock time the current owner has used, holds excluded. */
  consumed: number;
  /** The due time of the SLA in the same unit. */
  allowed: number;
  /** When the current owner's SLA is breached (null while a hold stops the clock before it). */
  breachAt: string | null;
  paused: boolean;
  /** First response, counted on the same clock from the hand-off (null = none yet). */
  firstResponse: number | null;
}

/** The current owner's SLA clock at `now`, or null for a next action without SLA. */
export function slaClock(ep: Episode, config: SlaConfig, now: Date): SlaClock | null {
  const entry = config.slas[ep.nextAction];
  if (!entry) return null;
  const cal = calendarFor(config);
  const business = isBusinessUnit(entry.due);
  const start = new Date(ep.roundStartedAt);
  const breach = advanceClock(cal, start, entry.due, ep.pauses);
  const allowed = business
    ? businessHoursOf(entry.due, cal)
    : (cal.add(start, entry.due).getTime() - start.getTime()) / HOUR_MS;
  return {
    unit: business ? 'businessHours' : 'hours',
    consumed: clockHoursBetween(cal, start, now, business, ep.pauses),
    allowed,
    breachAt: breach?.toISOString() ?? null,
    paused: ep.pauses.at(-1)?.to === null,
    firstResponse:
      ep.firstResponseAt === null
        ? null
        : clockHoursBetween(cal, new Date(ep.handedOffAt), new Date(ep.firstResponseAt), business, ep.pauses),
  };
}

/** When a ladder step falls due for `entry`, on the clock started at `start` (null behind a running hold). */
export function stepInstant(
  at: LadderAt,
  entry: SlaEntry,
  start: Date,
  cal: BusinessCalendar,
  pauses: readonly PausedInterval[],
): Date | null {
  if (at.kind === 'percent') {
    return advanceClock(
      cal,
      start,
      { amount: (entry.due.amount * at.percent) / 100, unit: entry.due.unit },
      pauses,
    );
  }
  let point = advanceClock(cal, start, entry.due, pauses);
  if (point && at.kind === 'escalation' && entry.escalateAfter)
    point = advanceClock(cal, point, entry.escalateAfter, pauses);
  if (point && at.plus) point = advanceClock(cal, point, at.plus, pauses);
  return point;
}

/**
 * Every ladder step of the current owner that is not recorded yet, with its instant (possibly in the
 * past), earliest first. Empty once the owner responded, the item is done or closed, or the next action
 * has no SLA or no ladder; steps behind a running hold are left out until the hold ends.
 */
export function pendingLadderSteps(ep: Episode, config: SlaConfig): LadderStep[] {
  const entry = config.slas[ep.nextAction];
  // A pending approval runs the approval ladder (src/approval/approval-ladder.ts), not the rep's.
  if (!entry?.ladder || isSettled(ep) || ep.status === 'pending_approval') return [];
  const cal = calendarFor(config);
  const start = new Date(ep.roundStartedAt);
  const out: LadderStep[] = [];
  for (const step of entry.ladder) {
    const id = step.id ?? step.do;
    const stepKey = ladderStepKey(ep.round, id);
    if (ep.ladder[stepKey] !== undefined) continue;
    if (step.do === 'reassign' && ep.round >= (step.maxTimes ?? 1)) continue;
    const at = stepInstant(step.at, entry, start, cal, ep.pauses);
    if (at) out.push({ stepKey, id, action: step.do, round: ep.round, dueAt: at.toISOString() });
  }
  // Same instant: in the order the file lists them (sort is stable).
  return out.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
}

/** The steps due at `now` and the next instant worth a check. */
export function planLadder(ep: Episode, config: SlaConfig, now: Date): LadderPlan {
  const pending = pendingLadderSteps(ep, config);
  const t = now.getTime();
  const due = pending.filter((s) => Date.parse(s.dueAt) <= t);
  const later = pending.find((s) => Date.parse(s.dueAt) > t);
  return { due, nextCheckAt: later?.dueAt ?? null };
}

/**
 * The instant the store indexes the episode under: the earliest unrecorded step (already past when a
 * sweep is behind), or null when nothing is pending.
 */
export function nextCheckAt(ep: Episode, config: SlaConfig): string | null {
  return pendingLadderSteps(ep, config)[0]?.dueAt ?? null;
}

/** The episode with `nextCheckAt` filled in for `config`. */
export function scheduleEpisode(ep: Episode, config: SlaConfig): Episode {
  return { ...ep, nextCheckAt: nextCheckAt(ep, config) };
}

/**
 * The owner's manager as routing.yaml names it (`manager` of the owner's pool, else of the first pool
 * that lists the owner with a manager, else the file-level `manager`), as a rep key; null when none
 * is configured. With `managers: crm` in sla.yaml a Salesforce sweep asks User.ManagerId instead and
 * uses this as fallback.
 */
export function managerFromRouting(owner: EpisodeOwner, routing: RoutingConfig): string | null {
  const own = owner.poolId ? routing.pools.find((p) => p.id === owner.poolId) : undefined;
  if (own?.manager && own.manager !== owner.key) return own.manager;
  if (owner.key !== undefined) {
    for (const p of routing.pools) {
      if (p.manager && p.manager !== owner.key && p.members.some((m) => m.rep === owner.key))
        return p.manager;
    }
  }
  // Account owners, queues and reps outside managed pools: the file-level manager, if any.
  return routing.manager !== undefined && routing.manager !== owner.key ? routing.manager : null;
}
