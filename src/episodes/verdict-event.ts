import type { RepFeedback } from '../domain/rep-feedback.ts';
import {
  type Episode,
  type EpisodeEvent,
  episodeEvent,
  hasStep,
  type VerdictValue,
  verdictStep,
} from './episode.ts';

/**
 * From the CRM's feedback fields to an episode's `verdict` event (issue 14; docs/sales-in-the-loop.md).
 * Pure: the sync (from the lead it read) and the sweep (from `EpisodeFacts.feedback`) both go through
 * here, so they record the same step for the same value and a verdict is recorded once whoever sees it
 * first.
 */

/** The verdict the feedback fields hold, or null when no result is set (nothing, or cleared). */
export function verdictOf(feedback: RepFeedback | null | undefined): VerdictValue | null {
  if (!feedback?.result) return null;
  // A reason left over from an earlier "sent back" means nothing next to another result.
  return {
    result: feedback.result,
    sentBackReason: feedback.result === 'sent_back' ? feedback.sentBackReason : null,
  };
}

export function sameVerdict(a: VerdictValue | null | undefined, b: VerdictValue | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.result === b.result && a.sentBackReason === b.sentBackReason;
}

/**
 * True when `verdict` is this episode's: recorded on it, new since its hand-off, or set after the
 * episode already had a verdict of its own (the rep then changed the value since the hand-off, even
 * if back to the one it showed then). Otherwise the value the CRM showed at the hand-off
 * (`verdictBefore`) belongs to an earlier toss-up.
 */
export function isVerdictOf(episode: Episode, verdict: VerdictValue): boolean {
  return (
    hasStep(episode, verdictStep(verdict)) ||
    episode.verdict !== undefined ||
    !sameVerdict(episode.verdictBefore, verdict)
  );
}

/**
 * The `verdict` event to record on `episode` for what the CRM shows now, or null: no verdict, already
 * recorded, or the earlier toss-up's. `at`: the CRM's change time when it tells one, else `readAt`.
 */
export function verdictEventFor(
  episode: Episode,
  feedback: RepFeedback | null | undefined,
  readAt: string,
): EpisodeEvent | null {
  const verdict = verdictOf(feedback);
  if (!verdict || hasStep(episode, verdictStep(verdict)) || !isVerdictOf(episode, verdict)) return null;
  const changed = feedback?.changedAt ? Date.parse(feedback.changedAt) : Number.NaN;
  // Never before the hand-off: a verdict on this toss-up cannot predate it.
  const at = Number.isNaN(changed)
    ? readAt
    : new Date(Math.max(changed, Date.parse(episode.handedOffAt))).toISOString();
  return episodeEvent({ type: 'verdict', at, cause: 'rep', ...verdict });
}

/** When `verdict` was recorded on the episode (its event's time), or null when it is not recorded. */
export function verdictRecordedAt(episode: Episode, verdict: VerdictValue): string | null {
  const step = verdictStep(verdict);
  return episode.events.find((e) => e.step === step)?.at ?? null;
}
