import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, type EpisodeEvent, episodeEvent, isSettled } from '../../src/episodes/episode.ts';
import { isVerdictOf, verdictEventFor, verdictOf } from '../../src/episodes/verdict-event.ts';
import { foldOrThrow, iso } from './episode-kit.ts';

/**
 * The rep's verdict as an episode event (issue 14): one step per value, caused by the rep; sent back
 * and lost close the episode with that reason (the first close wins), accepted and opportunity mark
 * it; a verdict the CRM already showed at the hand-off is an earlier toss-up's.
 */

const KEY = 'tu_verdict';

const handedOff = episodeEvent({
  type: 'handed_off',
  at: iso(0),
  cause: 'rule',
  crm: 'hubspot',
  leadId: '101',
  nextAction: 'field_sales_tossup',
  owner: { id: '90000001', key: 'u001' },
  taskId: 't1',
});
const verdict = (
  minutes: number,
  result: 'accepted' | 'sent_back' | 'opportunity' | 'lost',
  sentBackReason: 'too_early' | 'no_budget' | null = null,
) => episodeEvent({ type: 'verdict', at: iso(minutes), cause: 'rep', result, sentBackReason });
const sentBack = verdict(90, 'sent_back', 'too_early');

const fold = (events: EpisodeEvent[]) => foldOrThrow(KEY, events);

describe('verdict event', () => {
  it('sent back closes the episode with that reason, records result, reason and time, and settles it', () => {
    expect(sentBack.step).toBe('verdict:sent_back:too_early');
    const ep = fold([handedOff, sentBack]);
    expect(ep.verdict).toEqual({ result: 'sent_back', sentBackReason: 'too_early', at: iso(90) });
    expect(ep).toMatchObject({ status: 'closed', closeReason: 'sent_back' });
    expect(isSettled(ep)).toBe(true);
    expect(ep.events.at(-1)).toMatchObject({ type: 'verdict', cause: 'rep' });
    expect(fold([handedOff]).verdict).toBeUndefined();
  });

  it('lost closes with lost; accepted and opportunity only mark it (a first response still makes it contacted)', () => {
    expect(fold([handedOff, verdict(60, 'lost')])).toMatchObject({ status: 'closed', closeReason: 'lost' });
    const call = episodeEvent({ type: 'first_response', at: iso(30), cause: 'rep', activity: 'call' });
    const accepted = fold([handedOff, call, verdict(60, 'accepted')]);
    expect(accepted).toMatchObject({ status: 'contacted', closeReason: null });
    expect(accepted.verdict).toEqual({ result: 'accepted', sentBackReason: null, at: iso(60) });
    expect(fold([handedOff, verdict(60, 'opportunity')])).toMatchObject({
      status: 'open',
      closeReason: null,
    });
  });

  it('is recorded once per value: the same verdict again is ignored, a changed one is added and is the latest', () => {
    const ep = fold([handedOff, verdict(30, 'accepted')]);
    expect(applyEvent(ep, verdict(45, 'accepted'))).toBe(ep);
    const changed = applyEvent(ep, sentBack);
    expect(changed).not.toBe(ep);
    expect(changed).toMatchObject({ status: 'closed', closeReason: 'sent_back' });
    expect(changed.verdict?.result).toBe('sent_back');
    expect(changed.events.filter((e) => e.type === 'verdict')).toHaveLength(2);
    // Another sent-back reason is another value.
    expect(verdict(1, 'sent_back', 'no_budget').step).toBe('verdict:sent_back:no_budget');
    expect(verdict(1, 'sent_back').step).toBe('verdict:sent_back');
  });

  it('the first close wins: a later verdict or close is recorded but does not reopen or rename it', () => {
    const superseded = episodeEvent({ type: 'closed', at: iso(10), cause: 'rule', reason: 'superseded' });
    expect(fold([handedOff, superseded, sentBack]).closeReason).toBe('superseded');
    const laterClose = episodeEvent({
      type: 'closed',
      at: iso(200),
      cause: 'crm_change',
      reason: 'opportunity',
    });
    expect(fold([handedOff, sentBack, laterClose]).closeReason).toBe('sent_back');
    const mind = fold([handedOff, sentBack, verdict(300, 'accepted')]);
    expect(mind).toMatchObject({ status: 'closed', closeReason: 'sent_back' });
    expect(mind.verdict?.result).toBe('accepted');
  });

  it('refuses a verdict with another step (a programming error)', () => {
    expect(() => fold([handedOff, { ...sentBack, step: 'verdict' }])).toThrow(
      /must have step "verdict:sent_back:too_early"/,
    );
  });

  it('folds the same whatever order the events arrive in', () => {
    const events = [
      handedOff,
      verdict(40, 'accepted'),
      sentBack,
      episodeEvent({ type: 'first_response', at: iso(30), cause: 'rep', activity: 'email' }),
      episodeEvent({ type: 'hold_started', at: iso(10), cause: 'rule' }),
      episodeEvent({ type: 'hold_ended', at: iso(20), cause: 'rule' }),
      episodeEvent({ type: 'closed', at: iso(90), cause: 'crm_change', reason: 'superseded' }),
    ];
    const expected = fold(events);
    expect(expected.closeReason).toBe('superseded'); // same instant: the close ranks before the verdict
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        expect(fold(order)).toEqual(expected);
      }),
    );
  });
});

describe('verdictEventFor (the CRM feedback fields → the event to record)', () => {
  const feedback = (result: 'accepted' | 'sent_back' | null, sentBackReason: 'too_early' | null = null) => ({
    result,
    sentBackReason,
    note: null,
  });

  it('nothing set or cleared: no verdict; a reason left next to another result is dropped', () => {
    expect(verdictOf(undefined)).toBeNull();
    expect(verdictOf(feedback(null, 'too_early'))).toBeNull();
    expect(verdictOf(feedback('accepted', 'too_early'))).toEqual({
      result: 'accepted',
      sentBackReason: null,
    });
  });

  it('records a new verdict at the read time, or at the CRM change time (never before the hand-off), once', () => {
    const ep = fold([handedOff]);
    const e = verdictEventFor(ep, feedback('sent_back', 'too_early'), iso(50));
    expect(e).toEqual({ ...sentBack, at: iso(50) });
    const withTime = verdictEventFor(ep, { ...feedback('accepted'), changedAt: iso(20) }, iso(50));
    expect(withTime?.at).toBe(iso(20));
    const tooEarly = verdictEventFor(ep, { ...feedback('accepted'), changedAt: iso(-20) }, iso(50));
    expect(tooEarly?.at).toBe(iso(0));
    expect(
      verdictEventFor(fold([handedOff, sentBack]), feedback('sent_back', 'too_early'), iso(99)),
    ).toBeNull();
  });

  it('the verdict the CRM showed at the hand-off is the earlier toss-up’s: not recorded until it changes', () => {
    const before = fold([
      { ...handedOff, verdictBefore: { result: 'sent_back', sentBackReason: 'too_early' } } as EpisodeEvent,
    ]);
    expect(before.verdictBefore).toEqual({ result: 'sent_back', sentBackReason: 'too_early' });
    expect(isVerdictOf(before, { result: 'sent_back', sentBackReason: 'too_early' })).toBe(false);
    expect(verdictEventFor(before, feedback('sent_back', 'too_early'), iso(50))).toBeNull();
    expect(verdictEventFor(before, feedback('accepted'), iso(50))?.step).toBe('verdict:accepted');
    // Once the rep answered this toss-up, setting the old value again is their edit: it counts.
    const answered = fold([
      { ...handedOff, verdictBefore: { result: 'sent_back', sentBackReason: 'too_early' } } as EpisodeEvent,
      verdict(40, 'accepted'),
    ]);
    expect(verdictEventFor(answered, feedback('sent_back', 'too_early'), iso(50))?.step).toBe(
      'verdict:sent_back:too_early',
    );
  });
});
