import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, type EpisodeEvent, episodeEvent } from '../../src/episodes/episode.ts';
import { foldOrThrow, iso } from './episode-kit.ts';

/**
 * The rep's verdict as an episode event (issue 14, first slice): recorded once per episode with its
 * result and sent-back reason, caused by the rep; it does not change the status yet.
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
const sentBack = episodeEvent({
  type: 'verdict',
  at: iso(90),
  cause: 'rep',
  result: 'sent_back',
  sentBackReason: 'too_early',
});

const fold = (events: EpisodeEvent[]) => foldOrThrow(KEY, events);

describe('verdict event', () => {
  it('has the step "verdict" and records result, reason and time without closing the episode (yet)', () => {
    expect(sentBack.step).toBe('verdict');
    const ep = fold([handedOff, sentBack]);
    expect(ep.verdict).toEqual({ result: 'sent_back', sentBackReason: 'too_early', at: iso(90) });
    expect(ep.status).toBe('open');
    expect(ep.closeReason).toBeNull();
    expect(ep.events.at(-1)).toMatchObject({ type: 'verdict', cause: 'rep' });
    expect(fold([handedOff]).verdict).toBeUndefined();
  });

  it('keeps the other transitions as they are: a first response still makes it contacted', () => {
    const call = episodeEvent({ type: 'first_response', at: iso(30), cause: 'rep', activity: 'call' });
    const accepted = episodeEvent({
      type: 'verdict',
      at: iso(60),
      cause: 'rep',
      result: 'accepted',
      sentBackReason: null,
    });
    const ep = fold([handedOff, call, accepted]);
    expect(ep.status).toBe('contacted');
    expect(ep.verdict).toEqual({ result: 'accepted', sentBackReason: null, at: iso(60) });
  });

  it('is applied once per episode: a second verdict event is ignored, applyEvent returns the same episode', () => {
    const later = episodeEvent({
      type: 'verdict',
      at: iso(200),
      cause: 'rep',
      result: 'opportunity',
      sentBackReason: null,
    });
    const ep = fold([handedOff, sentBack]);
    expect(applyEvent(ep, later)).toBe(ep);
    expect(fold([handedOff, sentBack, later]).verdict?.result).toBe('sent_back');
  });

  it('refuses a verdict with another step (a programming error)', () => {
    expect(() => fold([handedOff, { ...sentBack, step: 'verdict@x' }])).toThrow(/must have step "verdict"/);
  });

  it('folds the same whatever order the events arrive in', () => {
    const events = [
      handedOff,
      sentBack,
      episodeEvent({ type: 'first_response', at: iso(30), cause: 'rep', activity: 'email' }),
      episodeEvent({ type: 'hold_started', at: iso(10), cause: 'rule' }),
      episodeEvent({ type: 'hold_ended', at: iso(20), cause: 'rule' }),
    ];
    const expected = fold(events);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        expect(fold(order)).toEqual(expected);
      }),
    );
  });
});
