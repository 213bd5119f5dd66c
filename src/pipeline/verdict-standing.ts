import type { ActivityType, Lead } from '../domain/lead.ts';
import type { SentBackReason } from '../domain/rep-feedback.ts';
import { type Episode, isClosingVerdict, type VerdictValue } from '../episodes/episode.ts';
import { isVerdictOf, verdictOf, verdictRecordedAt } from '../episodes/verdict-event.ts';

/**
 * What the rep's verdict on a lead means for the next decision (issue 14; docs/sales-in-the-loop.md,
 * "What the next runs do"). Pure: it depends only on the lead as read and on the stored episode its
 * decision key names, so a retry after a crash decides the same.
 *
 * - `stands`: sent back or lost, and nothing since lets the lead return to the rules: the flag, next
 *   action and key stay, no task, the reason says why (src/reasons/verdict-reason.ts).
 * - `released`: sent back or lost, but the lead showed new intent after the verdict: the rules decide
 *   again, and a toss-up is a new episode (a new key even when the flag is the same).
 * - `keep_hand_off`: accepted or opportunity: the rep is working the lead; the rules may update scores
 *   and reason but never withdraw the hand-off (as a re-check never does).
 * - `none`: no verdict, a cleared one, one on a lead the engine never decided, or one that is not
 *   this toss-up's: the rules decide as usual.
 */
export type VerdictStanding =
  | { kind: 'none' }
  | { kind: 'keep_hand_off'; verdict: VerdictValue }
  | {
      kind: 'stands';
      verdict: VerdictValue;
      /** What hands the lead back: clearing the verdict only, or also new intent after it. */
      until: 'cleared' | 'cleared_or_intent';
    }
  | { kind: 'released'; verdict: VerdictValue; intentAt: string };

/**
 * Activities that count as new intent after a sent-back or lost verdict: things a person does on
 * purpose. Opening or clicking an e-mail and viewing pages do not: a newsletter opened the next day
 * must not undo a rep's "too early".
 */
export const INTENT_ACTIVITIES: ReadonlySet<ActivityType> = new Set<ActivityType>([
  'document_request',
  'webinar_attendance',
  'event_attendance',
  'form_submission',
  'inquiry',
]);

/** Sent-back reasons no new activity changes (not a prospect, or another record is): cleared only. */
export const FINAL_SENT_BACK_REASONS: ReadonlySet<SentBackReason> = new Set<SentBackReason>([
  'not_our_target',
  'duplicate',
]);

export interface VerdictStandingOptions {
  /** True when episodes are kept (the verdict is then matched to the toss-up it answers). */
  withEpisodes: boolean;
  /** The decision instant: when a verdict not recorded yet is recorded. */
  now: Date;
}

/**
 * @param episode the stored episode the lead's decision key names (any status), if any.
 */
export function verdictStanding(
  lead: Lead,
  episode: Episode | undefined,
  options: VerdictStandingOptions,
): VerdictStanding {
  const feedback = lead.current.feedback;
  const verdict = verdictOf(feedback);
  // A verdict answers a toss-up of ours: a lead the engine never decided (no key) has none to answer.
  if (!verdict || !lead.current.decisionKey) return { kind: 'none' };
  let since: string | null = feedback?.changedAt ?? null;
  if (options.withEpisodes) {
    // A verdict answers the toss-up the decision key names; a key with no recorded toss-up (a no or
    // nurture decision, made after an earlier verdict released the lead) leaves nothing to answer.
    if (!episode || !isVerdictOf(episode, verdict)) return { kind: 'none' };
    since = verdictRecordedAt(episode, verdict) ?? since ?? options.now.toISOString();
  }
  if (!isClosingVerdict(verdict)) return { kind: 'keep_hand_off', verdict };
  // Without a time for the verdict (no episodes, and the CRM does not tell it) "after" means nothing.
  if (
    since === null ||
    (verdict.sentBackReason !== null && FINAL_SENT_BACK_REASONS.has(verdict.sentBackReason))
  )
    return { kind: 'stands', verdict, until: 'cleared' };
  const intentAt = firstIntentAfter(lead, Date.parse(since));
  return intentAt === null
    ? { kind: 'stands', verdict, until: 'cleared_or_intent' }
    : { kind: 'released', verdict, intentAt };
}

/** The earliest intent activity strictly after `since`, or null. */
function firstIntentAfter(lead: Lead, since: number): string | null {
  let first: number | null = null;
  for (const a of lead.activities) {
    if (!INTENT_ACTIVITIES.has(a.type)) continue;
    const at = Date.parse(a.at);
    if (at > since && (first === null || at < first)) first = at;
  }
  return first === null ? null : new Date(first).toISOString();
}
