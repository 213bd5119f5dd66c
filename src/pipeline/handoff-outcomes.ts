import type { Episode, EpisodeEvent, EpisodeOwner } from '../episodes/episode.ts';
import { calendarFor } from '../sla/due-date.ts';
import { advanceClock } from '../sla/escalation-ladder.ts';
import type { SlaConfig } from '../sla/sla-config.ts';

/**
 * How the hand-offs went, from the episodes alone (what the demo's "After the hand-off" section and
 * its HTML report show): per rep and per next action, whether the first response came within the SLA.
 * Each owner's turn (a "round": the hand-off, then each reassignment) is judged on its own clock, so
 * a rep who let a toss-up lapse until it was reassigned is charged with a miss, and the rep who got it
 * next with their own answer.
 */

/** What became of the owner turns of a set of episodes at the instant looked at. */
export interface OutcomeTally {
  /** Owner turns: hand-offs plus reassignments received. */
  turns: number;
  /** First response within the SLA due time of the turn (holds excluded). */
  onTime: number;
  /** First response after the due time. */
  late: number;
  /** No response, and the toss-up was reassigned away. */
  missed: number;
  /** No response yet and the due time has passed. */
  overdue: number;
  /** No response yet, still within the due time (not judged yet). */
  pending: number;
  /** Closed before a response or the due time (lead gone, superseded, …): not judged. */
  closed: number;
}

export interface LadderTally {
  reminders: number;
  /** Manager notices (`notify_manager`). */
  escalations: number;
  managerTasks: number;
  reassignments: number;
  /** Steps recorded as not carried out (no rep with capacity, no manager known). */
  skipped: number;
}

export interface HandoffOutcomes {
  /** ISO UTC: the instant the outcomes were judged at. */
  at: string;
  episodes: number;
  total: OutcomeTally;
  /** By the owner's routing key (the rep), else the CRM owner id. */
  byOwner: Record<string, OutcomeTally>;
  byNextAction: Record<string, OutcomeTally>;
  ladder: LadderTally;
  /** By the owner's routing key (else CRM id): ladder steps of their turns. */
  ladderByOwner: Record<string, LadderTally>;
}

export function emptyTally(): OutcomeTally {
  return { turns: 0, onTime: 0, late: 0, missed: 0, overdue: 0, pending: 0, closed: 0 };
}

export function emptyLadderTally(): LadderTally {
  return { reminders: 0, escalations: 0, managerTasks: 0, reassignments: 0, skipped: 0 };
}

/** Share of judged turns answered on time (null while nothing is judged). */
export function onTimeRate(t: OutcomeTally): number | null {
  const judged = t.onTime + t.late + t.missed + t.overdue;
  return judged === 0 ? null : t.onTime / judged;
}

export function addTally(into: OutcomeTally, t: OutcomeTally): void {
  into.turns += t.turns;
  into.onTime += t.onTime;
  into.late += t.late;
  into.missed += t.missed;
  into.overdue += t.overdue;
  into.pending += t.pending;
  into.closed += t.closed;
}

export function addLadder(into: LadderTally, t: LadderTally): void {
  into.reminders += t.reminders;
  into.escalations += t.escalations;
  into.managerTasks += t.managerTasks;
  into.reassignments += t.reassignments;
  into.skipped += t.skipped;
}

export function ownerKeyOf(owner: EpisodeOwner): string {
  return owner.key ?? owner.id;
}

type Outcome = Exclude<keyof OutcomeTally, 'turns'>;

interface Turn {
  owner: EpisodeOwner;
  round: number;
  start: Date;
  /** When the turn ended by a reassignment (null: still the current owner). */
  end: Date | null;
}

export function handoffOutcomes(episodes: readonly Episode[], sla: SlaConfig, at: Date): HandoffOutcomes {
  const cal = calendarFor(sla);
  const out: HandoffOutcomes = {
    at: at.toISOString(),
    episodes: 0,
    total: emptyTally(),
    byOwner: {},
    byNextAction: {},
    ladder: emptyLadderTally(),
    ladderByOwner: {},
  };
  for (const ep of episodes) {
    const entry = sla.slas[ep.nextAction];
    if (!entry) continue; // no SLA (nurture): nothing to be on time for
    out.episodes++;
    // As it stood at `at`: later events (a report for an earlier instant) do not count yet.
    const events = ep.events.filter((e) => Date.parse(e.at) <= at.getTime());
    const turns = turnsOf(events);
    const response =
      ep.firstResponseAt === null || Date.parse(ep.firstResponseAt) > at.getTime()
        ? null
        : new Date(ep.firstResponseAt);
    for (const turn of turns) {
      const outcome = judge(events, turn, response, at, (start) =>
        advanceClock(cal, start, entry.due, ep.pauses),
      );
      if (outcome === null) continue;
      const owner = ownerKeyOf(turn.owner);
      for (const t of [
        out.total,
        tallyOf(out.byOwner, owner, emptyTally),
        tallyOf(out.byNextAction, ep.nextAction, emptyTally),
      ]) {
        t.turns++;
        t[outcome]++;
      }
    }
    for (const e of events) {
      if (e.type !== 'ladder_step') continue;
      const turn = turns.find((t) => t.round === e.round) ?? turns[0];
      const owner = turn ? ownerKeyOf(turn.owner) : ownerKeyOf(ep.owner);
      for (const l of [out.ladder, tallyOf(out.ladderByOwner, owner, emptyLadderTally)]) countStep(l, e);
    }
  }
  return out;
}

/** `record[key]`, created empty on first use. */
function tallyOf<T>(record: Record<string, T>, key: string, empty: () => T): T {
  let v = record[key];
  if (v === undefined) {
    v = empty();
    record[key] = v;
  }
  return v;
}

function countStep(l: LadderTally, e: Extract<EpisodeEvent, { type: 'ladder_step' }>): void {
  if (e.skipped !== undefined) {
    l.skipped++;
    return;
  }
  if (e.action === 'remind_owner') l.reminders++;
  else if (e.action === 'notify_manager') l.escalations++;
  else if (e.action === 'manager_task') l.managerTasks++;
  else if (e.action === 'reassign') l.reassignments++;
}

/** The owner turns of an episode: the hand-off's, then one per carried-out reassignment. */
function turnsOf(events: readonly EpisodeEvent[]): Turn[] {
  const first = events.find((e) => e.type === 'handed_off');
  if (first?.type !== 'handed_off') return [];
  const turns: Turn[] = [{ owner: first.owner, round: 0, start: new Date(first.at), end: null }];
  for (const e of events) {
    if (e.type !== 'ladder_step' || e.action !== 'reassign' || !e.owner || e.skipped !== undefined) continue;
    const last = turns[turns.length - 1] as Turn;
    if (e.round !== last.round) continue;
    last.end = new Date(e.at);
    turns.push({ owner: e.owner, round: e.round + 1, start: new Date(e.at), end: null });
  }
  return turns;
}

/** What became of one turn at `at`; null for a turn the response came before (it never started). */
function judge(
  events: readonly EpisodeEvent[],
  turn: Turn,
  response: Date | null,
  at: Date,
  dueFrom: (start: Date) => Date | null,
): Outcome | null {
  const t = at.getTime();
  const due = dueFrom(turn.start);
  const respondedInTurn =
    response !== null &&
    response.getTime() >= turn.start.getTime() &&
    (turn.end === null || response.getTime() < turn.end.getTime());
  if (response !== null && response.getTime() < turn.start.getTime()) return null;
  if (respondedInTurn) return due === null || response.getTime() <= due.getTime() ? 'onTime' : 'late';
  if (turn.end !== null) return 'missed';
  const closedAt = events.find((e) => e.type === 'closed')?.at;
  if (
    closedAt !== undefined &&
    Date.parse(closedAt) <= t &&
    (due === null || Date.parse(closedAt) < due.getTime())
  )
    return 'closed';
  if (due !== null && due.getTime() < t) return 'overdue';
  return 'pending';
}
