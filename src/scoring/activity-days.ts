import type { DecisionContext } from './conditions.ts';
import { isoLocalDay } from './time.ts';

/**
 * The local day of each of the lead's activities (index i ↔ `lead.activities[i]`; NaN when older
 * than the cutoff, unparseable or after `now`), computed once per decision on first use: a lead
 * whose behaviour score comes from the MA tool and no rule counting activities never parses a
 * timestamp. The array may be longer than the activities (a reused buffer): read indexes below
 * `lead.activities.length` only.
 */
export function activityDaysOf(ctx: DecisionContext): readonly number[] {
  const known = ctx.activityDays;
  if (known !== undefined) return known;
  const acts = ctx.lead.activities;
  const days = ctx.dayBuffer ?? new Array<number>(acts.length);
  const { nowMs, offsetMs, activityCutoff } = ctx;
  for (let i = 0; i < acts.length; i++) {
    const at = acts[i]!.at;
    // ISO timestamps sort as strings: anything before the cutoff date is too old to count.
    if (at < activityCutoff) {
      days[i] = Number.NaN;
      continue;
    }
    // Activity after `now` did not happen yet as far as this decision is concerned (replays, skew).
    days[i] = isoLocalDay(at, offsetMs, nowMs);
  }
  ctx.activityDays = days;
  return days;
}
