import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Episode, episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';
import { createBusinessCalendar } from '../../src/sla/business-calendar.ts';
import { parseSlaConfig } from '../../src/sla/sla-config.ts';
import { nextPoll, POLL } from '../../src/sweep/sweep-schedule.ts';

const sla = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));
const cal = createBusinessCalendar(sla);
/** Monday 2026-12-07 10:00 JST. */
const HAND_OFF = '2026-12-07T01:00:00.000Z';

function episode(nextAction: Episode['nextAction']): Episode {
  return foldEpisode('tu_1', [
    episodeEvent({
      type: 'handed_off',
      at: HAND_OFF,
      cause: 'rule',
      crm: 'salesforce',
      leadId: '00Q1',
      objectType: 'Lead',
      nextAction,
      owner: { id: '005A' },
      taskId: '00T1',
    }),
  ])!;
}

/** Every poll of an unanswered episode, as business hours after the hand-off. */
function polls(ep: Episode): number[] {
  const out: number[] = [];
  let now = new Date(HAND_OFF);
  for (;;) {
    const next = nextPoll(ep, sla, now);
    if (next === null) return out;
    now = new Date(next);
    out.push(cal.businessHoursBetween(new Date(HAND_OFF), now));
  }
}

describe('the first-response polls', () => {
  it('every 3 business hours until the escalation, then once a business day to the end of the window', () => {
    // field_sales_tossup: due 1 businessDay, escalateAfter 1 businessDay: escalation at 18 business hours.
    expect(polls(episode('field_sales_tossup'))).toEqual([
      3, 6, 9, 12, 15, 18, 27, 36, 45, 54, 63, 72, 81, 90,
    ]);
    // inside_sales_follow_up: due 3 businessDays, no escalateAfter: the due time (27 hours) ends the close grid.
    expect(polls(episode('inside_sales_follow_up'))).toEqual([
      3, 6, 9, 12, 15, 18, 21, 24, 27, 36, 45, 54, 63, 72, 81, 90,
    ]);
    expect(POLL.forBusinessDays * cal.hoursPerDay).toBe(90);
  });

  it("a reassigned owner's round polls every 3 business hours again until their own escalation", () => {
    const ep = episode('field_sales_tossup');
    // The new owner's round starts 20 business hours after the hand-off: escalation at 38, grid to 39.
    const reassigned = {
      ...ep,
      round: 1,
      roundStartedAt: cal.addBusinessHours(new Date(HAND_OFF), 20).toISOString(),
    };
    expect(polls(reassigned)).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 48, 57, 66, 75, 84]);
  });

  it('behind a running hold (escalation not known) the grid stays every 3 business hours', () => {
    const ep = { ...episode('field_sales_tossup'), pauses: [{ from: HAND_OFF, to: null }] };
    expect(polls(ep)).toHaveLength(30);
  });
});
