import { describe, expect, it } from 'vitest';
import type { NextAction } from '../../src/domain/lead.ts';
import { type EpisodeEvent, episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';
import { handoffOutcomes, onTimeRate } from '../../src/pipeline/handoff-outcomes.ts';
import { defaultSlaConfig } from '../../src/sla/sla-config.ts';

/**
 * Field sales has one business day (9 business hours, 09:00–18:00 JST), escalation after one more and
 * reassignment four business hours later. Tuesday 2026-12-01 10:00 JST = 01:00Z; due Wednesday 10:00.
 */
const sla = defaultSlaConfig();
const TUE_10 = '2026-12-01T01:00:00.000Z';
const WED_09 = '2026-12-02T00:00:00.000Z';
const WED_11 = '2026-12-02T02:00:00.000Z';
const THU_10 = '2026-12-03T01:00:00.000Z';
const THU_14 = '2026-12-03T05:00:00.000Z';
const FRI_12 = '2026-12-04T03:00:00.000Z';
const MON_10 = '2026-12-07T01:00:00.000Z';

function handedOff(owner: string, nextAction: NextAction = 'field_sales_tossup'): EpisodeEvent {
  return episodeEvent({
    type: 'handed_off',
    at: TUE_10,
    cause: 'rule',
    crm: 'salesforce',
    leadId: `00Q${owner}`,
    nextAction,
    owner: { id: `005${owner}`, key: owner, poolId: 'fs_kanto' },
    taskId: `00T${owner}`,
  });
}

const response = (at: string): EpisodeEvent =>
  episodeEvent({ type: 'first_response', at, cause: 'rep', activity: 'call' });
const step = (
  action: 'remind_owner' | 'notify_manager' | 'manager_task',
  at: string,
  round = 0,
): EpisodeEvent => episodeEvent({ type: 'ladder_step', at, cause: 'sweep', round, stepId: action, action });
const reassign = (to: string, at: string): EpisodeEvent =>
  episodeEvent({
    type: 'ladder_step',
    at,
    cause: 'sweep',
    round: 0,
    stepId: 'reassign',
    action: 'reassign',
    owner: { id: `005${to}`, key: to, poolId: 'fs_kanto' },
    taskId: `00T${to}2`,
  });

function ep(key: string, events: EpisodeEvent[]) {
  const e = foldEpisode(key, events);
  if (!e) throw new Error('no episode');
  return e;
}

describe('handoffOutcomes', () => {
  it('judges each owner turn on its own clock: on time, late, missed until reassigned, overdue, pending', () => {
    const episodes = [
      ep('a', [handedOff('prompt'), response(WED_09)]), // within the day
      ep('b', [handedOff('slow'), step('remind_owner', WED_09), response(WED_11)]), // after Wed 10:00
      ep('c', [
        handedOff('never'),
        step('remind_owner', WED_09),
        step('notify_manager', THU_10),
        step('manager_task', THU_10),
        reassign('next', THU_14),
        response(FRI_12), // the new owner answers within their own day
      ]),
      ep('d', [handedOff('never'), step('remind_owner', WED_09)]), // nothing by Monday
      ep('e', [handedOff('never', 'inside_sales_follow_up')]), // three days: not due yet on Wednesday
    ];
    // Wednesday 09:00: nobody is due yet; what happens later does not count yet.
    const wed = handoffOutcomes(episodes, sla, new Date(WED_09));
    expect(wed.byOwner.never).toMatchObject({ turns: 3, onTime: 0, pending: 3 });
    expect(wed.byOwner.next).toBeUndefined();
    expect(wed.byOwner.prompt).toMatchObject({ onTime: 1 });
    expect(wed.ladder.reassignments).toBe(0);
    // Wednesday 11:00: the day is over for field sales.
    expect(handoffOutcomes(episodes, sla, new Date(WED_11)).byOwner.never).toMatchObject({
      overdue: 2,
      pending: 1,
    });

    const mon = handoffOutcomes(episodes, sla, new Date(MON_10));
    expect(mon.episodes).toBe(5);
    expect(mon.byOwner.prompt).toMatchObject({ turns: 1, onTime: 1 });
    expect(mon.byOwner.slow).toMatchObject({ turns: 1, late: 1 });
    expect(mon.byOwner.never).toMatchObject({ turns: 3, onTime: 0, missed: 1, overdue: 2 });
    expect(mon.byOwner.next).toMatchObject({ turns: 1, onTime: 1 });
    expect(onTimeRate(mon.byOwner.never!)).toBe(0);
    expect(onTimeRate(mon.byOwner.prompt!)).toBe(1);
    expect(onTimeRate(mon.total)).toBeCloseTo(2 / 6);
    expect(mon.ladder).toEqual({
      reminders: 3,
      escalations: 1,
      managerTasks: 1,
      reassignments: 1,
      skipped: 0,
    });
    expect(mon.ladderByOwner.never).toMatchObject({ reminders: 2, escalations: 1, reassignments: 1 });
    expect(mon.byNextAction.field_sales_tossup).toMatchObject({ turns: 5, onTime: 2, late: 1 });
  });

  it('does not judge a turn the response came before, nor a next action without SLA; counts skipped steps', () => {
    const skipped = episodeEvent({
      type: 'ladder_step',
      at: THU_14,
      cause: 'sweep',
      round: 0,
      stepId: 'reassign',
      action: 'reassign',
      skipped: 'no_rep_available',
    });
    const out = handoffOutcomes(
      [ep('a', [handedOff('x'), skipped]), ep('n', [handedOff('y', 'nurture')])],
      sla,
      new Date(MON_10),
    );
    expect(out.episodes).toBe(1);
    expect(out.byOwner.x).toMatchObject({ turns: 1, overdue: 1 });
    expect(out.byOwner.y).toBeUndefined();
    expect(out.ladder).toMatchObject({ reassignments: 0, skipped: 1 });
    expect(onTimeRate(out.byOwner.x!)).toBe(0);
  });
});
