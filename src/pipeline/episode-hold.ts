import type { Decision } from '../domain/decision.ts';
import type { CurrentTossUp } from '../domain/lead.ts';
import { type Episode, isOnHold } from '../episodes/episode.ts';

/**
 * What a decision does to the open episode the lead's decision key names, when a hold is involved
 * (docs/routing-and-sla.md, "Episodes"):
 * - `pause`: a toss-up (flag yes in the CRM) is now decided hold → the episode and its task stay, the
 *   SLA clock stops (`hold_started`);
 * - `stay_paused`: decided hold again while paused → nothing new;
 * - `resume`: decided yes with the episode's next action while paused → the clock runs again
 *   (`hold_ended`), no second task;
 * - `resumed`: the same, after `hold_ended` was recorded but the flag not yet written (a crash
 *   between the two): the retry keeps the episode instead of starting a new one;
 * - null: no hold involved; the episode key follows `episodeKey` as without episodes.
 *
 * Pure, and depends only on the CRM's values before this run writes and on the stored episode, so a
 * retry after a crash anywhere makes the same choice.
 */
export type HoldTransition = 'pause' | 'stay_paused' | 'resume' | 'resumed';

export function holdTransition(
  current: Pick<CurrentTossUp, 'flag'>,
  decision: Pick<Decision, 'flag' | 'nextAction'>,
  episode: Episode,
): HoldTransition | null {
  const onHold = isOnHold(episode);
  if (decision.flag === 'hold') {
    if (onHold) return 'stay_paused';
    // An episode handed off on a hold decision (a hearing task) is the hold's own work: not paused.
    return current.flag === 'yes' ? 'pause' : null;
  }
  if (decision.flag !== 'yes' || decision.nextAction !== episode.nextAction) return null;
  if (onHold) return 'resume';
  // Resumed in the store, flag not written yet: keep the episode (a flag already yes keeps it anyway).
  return episode.pauses.length > 0 && current.flag !== 'yes' ? 'resumed' : null;
}

/** Done or closed: a decision key naming it starts the next episode as without episodes. */
export function isFinished(episode: Episode): boolean {
  return episode.status === 'done' || episode.status === 'closed';
}
