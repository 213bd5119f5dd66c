import { type Episode, type EpisodeEvent, isClosingVerdict } from '../episodes/episode.ts';
import { calendarFor } from '../sla/due-date.ts';
import { advanceClock, slaClock } from '../sla/escalation-ladder.ts';
import type { SlaConfig } from '../sla/sla-config.ts';
import { maskStrings } from './lead-facts.ts';
import { type EventRecord, partitionDate, recordId } from './ledger-record.ts';

/**
 * The ledger row of one episode event, taken from the episode as the store holds it after the event
 * (so the row says what the store recorded, and the owner and round the event left). The lead's name
 * the hand-off keeps for chat notices is not copied. A response event carries its time on the SLA's
 * clock and whether it was on time, computed here once (business hours need the calendar, which SQL
 * does not have).
 */
export function eventRecord(episode: Episode, event: EpisodeEvent, sla: SlaConfig): EventRecord {
  const response = responseOf(episode, event, sla);
  return {
    kind: 'event',
    record_id: eventRecordId(episode.crm, episode.key, event.step),
    crm: episode.crm,
    object_type: episode.objectType,
    lead_id: episode.leadId,
    episode_key: episode.key,
    event_type: event.type,
    step: event.step,
    event_at: event.at,
    dt: partitionDate(event.at),
    cause: event.cause,
    next_action: episode.nextAction,
    owner_id: episode.owner.id,
    owner_key: episode.owner.key ?? null,
    round: event.type === 'ladder_step' ? event.round : episode.round,
    close_reason:
      event.type === 'closed'
        ? event.reason
        : event.type === 'opportunity'
          ? 'opportunity'
          : event.type === 'verdict' && isClosingVerdict(event)
            ? event.result
            : null,
    verdict_result: event.type === 'verdict' ? event.result : null,
    sent_back_reason: event.type === 'verdict' ? event.sentBackReason : null,
    opportunity_id:
      event.type === 'opportunity' || event.type === 'opportunity_closed' ? event.opportunityId : null,
    opportunity_won: event.type === 'opportunity_closed' ? event.won : null,
    lost_reason:
      event.type === 'opportunity_closed' && event.lostReason !== null ? maskStrings(event.lostReason) : null,
    activity: event.type === 'first_response' ? event.activity : null,
    ladder_action: event.type === 'ladder_step' ? event.action : null,
    sla_status: event.type === 'sla_status' ? event.status : null,
    ...response,
    due_at: firstResponseDue(episode, sla),
  };
}

/**
 * When the first-response SLA runs out: the allowance counted from the hand-off on the SLA's clock,
 * holds excluded (the measure `on_time` uses). Null when the next action has no SLA or a hold is
 * still running (the clock is stopped).
 */
function firstResponseDue(episode: Episode, sla: SlaConfig): string | null {
  const entry = sla.slas[episode.nextAction];
  if (!entry) return null;
  return (
    advanceClock(calendarFor(sla), new Date(episode.handedOffAt), entry.due, episode.pauses)?.toISOString() ??
    null
  );
}

export function eventRecordId(crm: string, episodeKey: string, step: string): string {
  return recordId('e', [crm, episodeKey, step]);
}

type Response = Pick<EventRecord, 'response_hours' | 'response_unit' | 'allowed_hours' | 'on_time'>;

const NO_RESPONSE: Response = {
  response_hours: null,
  response_unit: null,
  allowed_hours: null,
  on_time: null,
};

/** Set on the event that is the episode's first response (a completed task counts when nothing came earlier). */
function responseOf(episode: Episode, event: EpisodeEvent, sla: SlaConfig): Response {
  if (event.type !== 'first_response' && event.type !== 'task_completed') return NO_RESPONSE;
  if (episode.firstResponseAt !== event.at) return NO_RESPONSE;
  if (event.type === 'task_completed' && episode.firstResponseActivity !== 'task_completed')
    return NO_RESPONSE;
  const clock = slaClock(episode, sla, new Date(event.at));
  if (!clock || clock.firstResponse === null) return NO_RESPONSE;
  const hours = round2(clock.firstResponse);
  // The first owner's allowance: a response after a reassignment is measured from the hand-off all the same.
  return {
    response_hours: hours,
    response_unit: clock.unit,
    allowed_hours: round2(clock.allowed),
    on_time: clock.firstResponse <= clock.allowed,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
