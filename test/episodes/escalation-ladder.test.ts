import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyEvent, type Episode, episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';
import { computeSlaDue } from '../../src/sla/due-date.ts';
import {
  managerFromRouting,
  nextCheckAt,
  pendingLadderSteps,
  planLadder,
  slaClock,
} from '../../src/sla/escalation-ladder.ts';
import { parseSlaConfig, type SlaConfig } from '../../src/sla/sla-config.ts';

const shipped = parseSlaConfig(readFileSync('mappings/sla.yaml', 'utf8'));

/** The shipped calendar (年末年始 12-29..01-03) with one ladder for field sales and the given SLA. */
function configWith(field: string): SlaConfig {
  const text = readFileSync('mappings/sla.yaml', 'utf8').replace(
    / {2}field_sales_tossup:\n(?: {4}.*\n)+/,
    `  field_sales_tossup:\n${field}`,
  );
  return parseSlaConfig(text);
}

const LADDER_24BH = configWith(`    due: 24 businessHours
    escalateAfter: 4 businessHours
    ladder:
      - { do: remind_owner, at: "75%" }
      - { do: notify_manager, at: breach }
      - { do: manager_task, at: breach }
      - { do: reassign, at: "escalation + 2 businessHours" }
`);

/** Local JST wall time → ISO UTC. */
const jst = (local: string) => new Date(`${local}+09:00`).toISOString();

function episodeAt(handedOffAt: string, nextAction: Episode['nextAction'] = 'field_sales_tossup'): Episode {
  const ep = foldEpisode('tu_x', [
    episodeEvent({
      type: 'handed_off',
      at: handedOffAt,
      cause: 'rule',
      crm: 'salesforce',
      leadId: '00Q1',
      nextAction,
      owner: { id: '005A', key: 'u001', poolId: 'fs_kanto' },
      taskId: '00T1',
    }),
  ]);
  if (!ep) throw new Error('no episode');
  return ep;
}

/**
 * A sweep that wakes at every `nextCheckAt` (and at the extra instants given) until `until`, records
 * every due step, and returns what it recorded, in order.
 */
function runSweeps(ep0: Episode, config: SlaConfig, until: string, extra: string[] = []) {
  let ep = ep0;
  const recorded: { step: string; at: string }[] = [];
  const wakes = [...extra];
  let next = nextCheckAt(ep, config);
  for (let guard = 0; guard < 1000; guard++) {
    const candidates = [...wakes, ...(next ? [next] : [])].filter((w) => w <= until).sort();
    const wake = candidates[0];
    if (!wake) break;
    wakes.splice(wakes.indexOf(wake), wakes.includes(wake) ? 1 : 0);
    const plan = planLadder(ep, config, new Date(wake));
    for (const step of plan.due) {
      ep = applyEvent(
        ep,
        episodeEvent({
          type: 'ladder_step',
          at: wake,
          cause: 'sweep',
          round: step.round,
          stepId: step.id,
          action: step.action,
          ...(step.action === 'reassign'
            ? { owner: { id: '005B', key: 'u002', poolId: 'fs_kanto' }, taskId: '00T2' }
            : {}),
        }),
      );
      recorded.push({ step: step.stepKey, at: wake });
    }
    next = nextCheckAt(ep, config);
    // Asked again at the same instant, nothing more is due: each step exactly once.
    expect(planLadder(ep, config, new Date(wake)).due).toEqual([]);
  }
  return { ep, recorded };
}

describe('SLA ladder on the business calendar', () => {
  it('Friday 17:00 with a 24-business-hour SLA: 75 % on Tuesday, breach on Wednesday, reassign after escalation', () => {
    const handedOff = jst('2026-12-04T17:00:00'); // a Friday
    const ep = episodeAt(handedOff);
    // Breach is what the due-date arithmetic says (1 h Fri + 9 Mon + 9 Tue + 5 Wed → Wed 14:00).
    const due = computeSlaDue('field_sales_tossup', handedOff, LADDER_24BH)!;
    expect(due.dueAt).toBe(jst('2026-12-09T14:00:00'));
    const steps = pendingLadderSteps(ep, LADDER_24BH);
    expect(steps.map((s) => [s.id, s.dueAt])).toEqual([
      ['remind_owner', jst('2026-12-08T17:00:00')], // 18 business hours: 1 + 9 + 8
      ['notify_manager', due.dueAt],
      ['manager_task', due.dueAt],
      // escalateAt (breach + 4 business hours) + 2 business hours: Wed 14:00 + 6 → Thu 11:00
      ['reassign', jst('2026-12-10T11:00:00')],
    ]);
    expect(due.escalateAt).toBe(jst('2026-12-09T18:00:00'));
    // On the weekend, nothing is due and the sweep is told to come back at the reminder.
    expect(planLadder(ep, LADDER_24BH, new Date(jst('2026-12-06T12:00:00')))).toEqual({
      due: [],
      nextCheckAt: jst('2026-12-08T17:00:00'),
    });
    const clock = slaClock(ep, LADDER_24BH, new Date(jst('2026-12-07T10:00:00')))!;
    expect(clock).toMatchObject({ unit: 'businessHours', consumed: 2, allowed: 24, paused: false });
  });

  it('2026-04-28 across Golden Week: 昭和の日, 憲法記念日 .. 振替休日 do not count', () => {
    // Tue 28 Apr 10:00; 29 Apr (Wed) and 3-6 May are holidays (6 May = substitute for 3 May, a Sunday).
    const ep = episodeAt(jst('2026-04-28T10:00:00'));
    const steps = pendingLadderSteps(ep, LADDER_24BH);
    // 24 business hours: Tue 8 + Thu 30 Apr 9 + Fri 1 May 7 → Fri 16:00; 75 % (18 h) → Fri 10:00.
    expect(steps.find((s) => s.id === 'remind_owner')?.dueAt).toBe(jst('2026-05-01T10:00:00'));
    expect(steps.find((s) => s.id === 'notify_manager')?.dueAt).toBe(jst('2026-05-01T16:00:00'));
    // Breach + 6 business hours: Fri 2 h, then Thu 7 May (after the 3-6 May holidays) 4 h → 13:00.
    expect(steps.find((s) => s.id === 'reassign')?.dueAt).toBe(jst('2026-05-07T13:00:00'));
    expect(steps.find((s) => s.id === 'notify_manager')?.dueAt).toBe(
      computeSlaDue('field_sales_tossup', jst('2026-04-28T10:00:00'), LADDER_24BH)!.dueAt,
    );
  });

  it('2026-12-28 across the year-end holidays (company 12-29..01-03; 2027-01-04 is a Monday)', () => {
    const ep = episodeAt(jst('2026-12-28T15:00:00'));
    const steps = pendingLadderSteps(ep, LADDER_24BH);
    // Mon 28 Dec 3 h, then Mon 4 Jan 9 h, Tue 5 Jan 9 h, Wed 6 Jan 3 h → Wed 12:00.
    expect(steps.find((s) => s.id === 'notify_manager')?.dueAt).toBe(jst('2027-01-06T12:00:00'));
    expect(steps.find((s) => s.id === 'remind_owner')?.dueAt).toBe(jst('2027-01-05T15:00:00'));
    // Nothing falls due during the holidays.
    expect(planLadder(ep, LADDER_24BH, new Date(jst('2027-01-03T23:59:00'))).due).toEqual([]);
  });

  it('the shipped ladder for field sales follows escalateAt of the due-date arithmetic', () => {
    const at = jst('2026-12-07T10:00:00'); // Monday
    const due = computeSlaDue('field_sales_tossup', at, shipped)!;
    const steps = pendingLadderSteps(episodeAt(at), shipped);
    expect(steps.find((s) => s.id === 'notify_manager')?.dueAt).toBe(due.escalateAt);
    expect(steps.find((s) => s.id === 'manager_task')?.dueAt).toBe(due.escalateAt);
    expect(steps.find((s) => s.id === 'reassign')?.dueAt).toBe(jst('2026-12-09T14:00:00'));
  });

  it('a hold pauses the clock: steps move by the business time spent on hold, none is due while on hold', () => {
    const base = episodeAt(jst('2026-12-07T10:00:00')); // Monday
    const held = applyEvent(
      base,
      episodeEvent({ type: 'hold_started', at: jst('2026-12-07T12:00:00'), cause: 'crm_change' }),
    );
    // On hold: only what was already due before the hold could be due; nothing is scheduled.
    expect(pendingLadderSteps(held, LADDER_24BH)).toEqual([]);
    expect(planLadder(held, LADDER_24BH, new Date(jst('2026-12-20T12:00:00')))).toEqual({
      due: [],
      nextCheckAt: null,
    });
    expect(slaClock(held, LADDER_24BH, new Date(jst('2026-12-09T12:00:00')))).toMatchObject({
      consumed: 2,
      paused: true,
      breachAt: null,
    });
    // Released Wednesday 12:00: the 18 business hours on hold are added to every step.
    const resumed = applyEvent(
      held,
      episodeEvent({ type: 'hold_ended', at: jst('2026-12-09T12:00:00'), cause: 'crm_change' }),
    );
    const before = pendingLadderSteps(base, LADDER_24BH);
    const after = pendingLadderSteps(resumed, LADDER_24BH);
    // Without the hold: Mon 8 + Tue 9 + Wed 7 → Wed 16:00. With it: 2 h before, 22 h after Wed 12:00
    // (Wed 6 + Thu 9 + Fri 7) → Fri 16:00.
    expect(before.find((s) => s.id === 'notify_manager')?.dueAt).toBe(jst('2026-12-09T16:00:00'));
    expect(after.find((s) => s.id === 'notify_manager')?.dueAt).toBe(jst('2026-12-11T16:00:00'));
    expect(slaClock(resumed, LADDER_24BH, new Date(jst('2026-12-09T13:00:00')))).toMatchObject({
      consumed: 3,
      paused: false,
    });
  });

  it('a hold pauses clock-unit SLAs too (hours count the weekend, not the hold)', () => {
    const config = configWith(`    due: 24 hours
    ladder:
      - { do: notify_manager, at: breach }
`);
    const ep = episodeAt(jst('2026-12-07T10:00:00'));
    expect(pendingLadderSteps(ep, config)[0]?.dueAt).toBe(jst('2026-12-08T10:00:00'));
    const held = [
      episodeEvent({ type: 'hold_started', at: jst('2026-12-07T20:00:00'), cause: 'crm_change' }),
      episodeEvent({ type: 'hold_ended', at: jst('2026-12-08T02:00:00'), cause: 'crm_change' }),
    ].reduce(applyEvent, ep);
    expect(pendingLadderSteps(held, config)[0]?.dueAt).toBe(jst('2026-12-08T16:00:00'));
  });

  it('each ladder step is due exactly once, also for the next owner after a reassignment', () => {
    const ep = episodeAt(jst('2026-12-04T17:00:00'));
    // Sweeps every few hours plus at each nextCheckAt, over three weeks.
    const extra = Array.from({ length: 120 }, (_, i) =>
      new Date(Date.parse(jst('2026-12-04T17:00:00')) + i * 4 * 3_600_000).toISOString(),
    );
    const { ep: last, recorded } = runSweeps(ep, LADDER_24BH, jst('2026-12-25T00:00:00'), extra);
    const keys = recorded.map((r) => r.step);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual([
      'r0.remind_owner',
      'r0.notify_manager',
      'r0.manager_task',
      'r0.reassign',
      'r1.remind_owner',
      'r1.notify_manager',
      'r1.manager_task',
      // maxTimes defaults to 1: no second reassignment.
    ]);
    expect(last).toMatchObject({ round: 1, status: 'escalated', owner: { key: 'u002' } });
    expect(nextCheckAt(last, LADDER_24BH)).toBeNull();
  });

  it('stops once the owner responded', () => {
    const ep = applyEvent(
      episodeAt(jst('2026-12-07T10:00:00')),
      episodeEvent({
        type: 'first_response',
        at: jst('2026-12-07T15:00:00'),
        cause: 'rep',
        activity: 'call',
      }),
    );
    expect(planLadder(ep, LADDER_24BH, new Date(jst('2026-12-20T10:00:00')))).toEqual({
      due: [],
      nextCheckAt: null,
    });
    expect(slaClock(ep, LADDER_24BH, new Date(jst('2026-12-07T16:00:00')))?.firstResponse).toBe(5);
  });

  it('next actions without SLA or ladder have nothing to check', () => {
    expect(pendingLadderSteps(episodeAt(jst('2026-12-07T10:00:00'), 'nurture'), shipped)).toEqual([]);
    expect(slaClock(episodeAt(jst('2026-12-07T10:00:00'), 'nurture'), shipped, new Date())).toBeNull();
  });
});

describe('the owner’s manager from routing.yaml', () => {
  const routing = parseRoutingConfig(readFileSync('mappings/routing.yaml', 'utf8'));
  it('is the manager of the owner’s pool, else of a pool listing the owner', () => {
    expect(managerFromRouting({ id: '005A', key: 'u002', poolId: 'fs_kanto' }, routing)).toBe('u003');
    expect(managerFromRouting({ id: '005A', key: 'u001' }, routing)).toBe('u003');
    expect(managerFromRouting({ id: '005A', key: 'u008', poolId: 'inside_sales' }, routing)).toBe('u011');
    // Nobody manages themselves; a rep in no managed pool goes to the file-level manager.
    expect(managerFromRouting({ id: '005A', key: 'u003', poolId: 'fs_kanto' }, routing)).toBe('u011');
    expect(managerFromRouting({ id: '005A', key: 'u004', poolId: 'fs_kansai' }, routing)).toBe('u011');
    // A queue or an account owner routing does not list: the file-level manager too.
    expect(managerFromRouting({ id: '00G000000000001AAA' }, routing)).toBe('u011');
    // The file-level manager never manages themselves, and without one there is none.
    expect(managerFromRouting({ id: '005B', key: 'u011' }, routing)).toBeNull();
    const { manager: _none, ...withoutTop } = routing;
    expect(managerFromRouting({ id: '005A', key: 'u004', poolId: 'fs_kansai' }, withoutTop)).toBeNull();
  });

  it('names an unknown file-level manager with the fix', () => {
    const text = readFileSync('mappings/routing.yaml', 'utf8').replace('manager: u011\n', 'manager: u999\n');
    expect(text).toContain('manager: u999');
    expect(() => parseRoutingConfig(text, 'routing.yaml')).toThrow(/manager[\s\S]*u999/);
  });
});
