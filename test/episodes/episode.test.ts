import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  type Episode,
  type EpisodeEvent,
  episodeEvent,
  foldEpisode,
  isOnHold,
  withEpisodeDefaults,
} from '../../src/episodes/episode.ts';
import { foldOrThrow, iso } from './episode-kit.ts';

const KEY = 'tu_abc';

const handedOff = episodeEvent({
  type: 'handed_off',
  at: iso(0),
  cause: 'rule',
  crm: 'salesforce',
  leadId: '00Q000000000001AAA',
  nextAction: 'field_sales_tossup',
  owner: { id: '005000000000001AAA', key: 'u001', poolId: 'fs_kanto' },
  taskId: '00T1',
});

const fold = (events: EpisodeEvent[]) => foldOrThrow(KEY, events);

describe('episode transitions', () => {
  it('starts open with the hand-off facts, and is nothing before the hand-off is known', () => {
    expect(foldEpisode(KEY, [])).toBeNull();
    expect(
      foldEpisode(KEY, [
        episodeEvent({ type: 'first_response', at: iso(5), cause: 'rep', activity: 'call' }),
      ]),
    ).toBeNull();
    const ep = fold([handedOff]);
    expect(ep).toMatchObject({
      key: KEY,
      status: 'open',
      owner: { id: '005000000000001AAA', poolId: 'fs_kanto' },
      taskId: '00T1',
      handedOffAt: iso(0),
      round: 0,
      roundStartedAt: iso(0),
      firstResponseAt: null,
    });
  });

  it('keeps the lead object of the hand-off; one recorded without it reads as the CRM default', () => {
    expect(fold([{ ...handedOff, objectType: 'Contact' } as EpisodeEvent]).objectType).toBe('Contact');
    expect(fold([handedOff]).objectType).toBe('Lead');
    const hs = { ...handedOff, crm: 'hubspot' as const };
    expect(fold([hs]).objectType).toBe('contact');
    const { objectType: _none, ...stored } = fold([handedOff]);
    expect(withEpisodeDefaults(stored as Episode).objectType).toBe('Lead');
  });

  it("keeps the hand-off's lead name and company for chat notices; an event recorded without one folds without it", () => {
    const named = { ...handedOff, lead: { name: '山田 太郎', company: '山田商事' } } as EpisodeEvent;
    const ep = fold([
      named,
      episodeEvent({ type: 'first_response', at: iso(5), cause: 'rep', activity: 'call' }),
    ]);
    expect(ep.lead).toEqual({ name: '山田 太郎', company: '山田商事' });
    expect(ep.status).toBe('contacted');
    // Stored before the field existed: the same episode, no `lead` key at all.
    const old = fold([
      handedOff,
      episodeEvent({ type: 'first_response', at: iso(5), cause: 'rep', activity: 'call' }),
    ]);
    expect('lead' in old).toBe(false);
    expect(JSON.parse(JSON.stringify(old))).toEqual(old);
    expect(old.status).toBe('contacted');
  });

  it('goes open → escalated → reassigned → contacted → closed with the cause', () => {
    let ep = fold([handedOff]);
    ep = applyEvent(
      ep,
      episodeEvent({
        type: 'ladder_step',
        at: iso(60),
        cause: 'sweep',
        round: 0,
        stepId: 'manager_task',
        action: 'manager_task',
        managerTaskId: '00TM',
      }),
    );
    expect(ep).toMatchObject({
      status: 'escalated',
      managerTaskId: '00TM',
      ladder: { 'r0.manager_task': iso(60) },
    });
    ep = applyEvent(
      ep,
      episodeEvent({
        type: 'ladder_step',
        at: iso(120),
        cause: 'sweep',
        round: 0,
        stepId: 'reassign',
        action: 'reassign',
        owner: { id: '005000000000002AAA', key: 'u002', poolId: 'fs_kanto' },
        taskId: '00T2',
      }),
    );
    expect(ep).toMatchObject({ status: 'reassigned', round: 1, roundStartedAt: iso(120), taskId: '00T2' });
    expect(ep.owner.key).toBe('u002');
    ep = applyEvent(
      ep,
      episodeEvent({ type: 'first_response', at: iso(130), cause: 'rep', activity: 'call' }),
    );
    expect(ep).toMatchObject({
      status: 'contacted',
      firstResponseAt: iso(130),
      firstResponseActivity: 'call',
    });
    ep = applyEvent(
      ep,
      episodeEvent({ type: 'closed', at: iso(200), cause: 'crm_change', reason: 'opportunity' }),
    );
    expect(ep).toMatchObject({ status: 'closed', closeReason: 'opportunity' });
  });

  it('a completed task is done and counts as the first response when nothing was logged earlier', () => {
    const ep = fold([handedOff, episodeEvent({ type: 'task_completed', at: iso(30), cause: 'rep' })]);
    expect(ep).toMatchObject({
      status: 'done',
      firstResponseAt: iso(30),
      firstResponseActivity: 'task_completed',
    });
    const earlierCall = fold([
      handedOff,
      episodeEvent({ type: 'task_completed', at: iso(30), cause: 'rep' }),
      episodeEvent({ type: 'first_response', at: iso(10), cause: 'rep', activity: 'call' }),
    ]);
    expect(earlierCall).toMatchObject({
      status: 'done',
      firstResponseAt: iso(10),
      firstResponseActivity: 'call',
    });
  });

  it('records hold intervals; the last one stays open while on hold', () => {
    const ep = fold([
      handedOff,
      episodeEvent({ type: 'hold_started', at: iso(10), cause: 'crm_change' }),
      episodeEvent({ type: 'hold_ended', at: iso(20), cause: 'crm_change' }),
      episodeEvent({ type: 'hold_started', at: iso(30), cause: 'rule' }),
    ]);
    expect(ep.pauses).toEqual([
      { from: iso(10), to: iso(20) },
      { from: iso(30), to: null },
    ]);
    expect(isOnHold(ep)).toBe(true);
  });

  it('a hold that starts and ends at the same instant is closed, whichever arrives first', () => {
    const start = episodeEvent({ type: 'hold_started', at: iso(10), cause: 'crm_change' });
    const end = episodeEvent({ type: 'hold_ended', at: iso(10), cause: 'crm_change' });
    for (const events of [
      [handedOff, start, end],
      [handedOff, end, start],
    ]) {
      const ep = fold(events);
      expect(ep.pauses).toEqual([{ from: iso(10), to: iso(10) }]);
      expect(isOnHold(ep)).toBe(false);
    }
  });

  it('rejects an event whose step does not match its kind (a step is the idempotency key)', () => {
    expect(() => fold([{ ...handedOff, step: 'other' }])).toThrow(/must have step "handed_off"/);
  });
});

// Events of one episode with distinct steps: the store keeps one event per step, so that is the input
// the fold sees in practice.
const minute = fc.integer({ min: 1, max: 5000 });
const eventArb: fc.Arbitrary<EpisodeEvent> = fc.oneof(
  minute.map((m) => episodeEvent({ type: 'hold_started', at: iso(m), cause: 'crm_change' })),
  minute.map((m) => episodeEvent({ type: 'hold_ended', at: iso(m), cause: 'crm_change' })),
  fc
    .tuple(minute, fc.constantFrom('call', 'email', 'meeting') as fc.Arbitrary<'call' | 'email' | 'meeting'>)
    .map(([m, activity]) => episodeEvent({ type: 'first_response', at: iso(m), cause: 'rep', activity })),
  minute.map((m) => episodeEvent({ type: 'task_completed', at: iso(m), cause: 'rep' })),
  fc
    .tuple(
      minute,
      fc.constantFrom('remind_owner', 'notify_manager', 'manager_task') as fc.Arbitrary<
        'remind_owner' | 'notify_manager' | 'manager_task'
      >,
    )
    .map(([m, action]) =>
      episodeEvent({ type: 'ladder_step', at: iso(m), cause: 'sweep', round: 0, stepId: action, action }),
    ),
  fc.tuple(minute, fc.constantFrom(0, 1)).map(([m, round]) =>
    episodeEvent({
      type: 'ladder_step',
      at: iso(m),
      cause: 'sweep',
      round,
      stepId: 'reassign',
      action: 'reassign',
      owner: { id: `005${round}`, poolId: 'p' },
      taskId: `00T${round}`,
    }),
  ),
  minute.map((m) => episodeEvent({ type: 'closed', at: iso(m), cause: 'crm_change', reason: 'lost' })),
);
const distinctSteps = fc
  .array(eventArb, { maxLength: 12 })
  .map((events) => [...new Map(events.map((e) => [e.step, e])).values()]);

describe('episode fold (property-based)', () => {
  it('applying the same event twice changes nothing', () => {
    fc.assert(
      fc.property(distinctSteps, fc.nat(), (events, pick) => {
        const ep = fold([handedOff, ...events]);
        const all = [handedOff, ...events];
        const again = all[pick % all.length]!;
        expect(applyEvent(ep, again)).toBe(ep);
        // Also with the step's payload changed: the step, not the content, is the identity.
        expect(applyEvent(ep, { ...again, cause: 'manager' } as EpisodeEvent)).toBe(ep);
      }),
      { numRuns: 300 },
    );
  });

  it('the state does not depend on the order in which events arrive', () => {
    fc.assert(
      fc.property(
        distinctSteps.chain((events) =>
          fc.tuple(
            fc.constant(events),
            fc.shuffledSubarray([handedOff, ...events], { minLength: events.length + 1 }),
          ),
        ),
        ([events, shuffled]) => {
          const inOrder = fold([handedOff, ...events]);
          expect(fold(shuffled)).toEqual(inOrder);
          // Incremental application in the shuffled order reaches the same state as the fold.
          const first = shuffled.findIndex((e) => e.type === 'handed_off');
          let ep = fold(shuffled.slice(0, first + 1));
          for (const e of shuffled.slice(first + 1)) ep = applyEvent(ep, e);
          expect(ep).toEqual(inOrder);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('redelivery (duplicates anywhere in the stream) gives the state of the distinct events', () => {
    fc.assert(
      fc.property(distinctSteps, fc.array(fc.nat(), { maxLength: 6 }), (events, dupes) => {
        const all = [handedOff, ...events];
        const redelivered = [...all, ...dupes.map((i) => all[i % all.length]!)];
        expect(fold(redelivered)).toEqual(fold(all));
      }),
      { numRuns: 200 },
    );
  });
});
