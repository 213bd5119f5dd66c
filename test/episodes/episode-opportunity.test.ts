import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, type EpisodeEvent, episodeEvent } from '../../src/episodes/episode.ts';
import { foldOrThrow, iso } from './episode-kit.ts';

/**
 * The opportunity outcome as episode events (issue 14): the first opportunity after the hand-off
 * closes the episode with reason `opportunity` (over any other close reason), once; its closing won or
 * lost, with the lost reason, is recorded on the episode's opportunity.
 */

const KEY = 'tu_opportunity';

const handedOff = episodeEvent({
  type: 'handed_off',
  at: iso(0),
  cause: 'rule',
  crm: 'salesforce',
  leadId: '00Q000000000001AAA',
  nextAction: 'field_sales_tossup',
  owner: { id: '005000000000001AAA', key: 'u001' },
  taskId: '00T000000000001AAA',
});
const opportunity = episodeEvent({
  type: 'opportunity',
  at: iso(600),
  cause: 'crm_change',
  opportunityId: '006000000000001AAA',
  source: 'lead_conversion',
});
const lost = episodeEvent({
  type: 'opportunity_closed',
  // Salesforce's CloseDate is a day (midnight UTC): it may sort before the creation.
  at: iso(-60),
  cause: 'crm_change',
  opportunityId: '006000000000001AAA',
  won: false,
  lostReason: 'Price',
});

const fold = (events: EpisodeEvent[]) => foldOrThrow(KEY, events);
const closing = (opportunityId: string, won: boolean, lostReason: string | null) =>
  episodeEvent({
    type: 'opportunity_closed',
    at: iso(-60),
    cause: 'crm_change',
    opportunityId,
    won,
    lostReason,
  });

describe('opportunity events', () => {
  it('the first opportunity closes the episode with reason opportunity and records it, open', () => {
    expect(opportunity.step).toBe('opportunity');
    const ep = fold([handedOff, opportunity]);
    expect(ep.status).toBe('closed');
    expect(ep.closeReason).toBe('opportunity');
    expect(ep.opportunity).toEqual({
      id: '006000000000001AAA',
      source: 'lead_conversion',
      at: iso(600),
      stage: 'open',
      closedAt: null,
      lostReason: null,
    });
    expect(fold([handedOff]).opportunity).toBeUndefined();
  });

  it('wins over an earlier close (a converted lead is "gone" to the SLA sweep: superseded)', () => {
    const gone = episodeEvent({ type: 'closed', at: iso(300), cause: 'sweep', reason: 'superseded' });
    expect(fold([handedOff, gone]).closeReason).toBe('superseded');
    expect(fold([handedOff, gone, opportunity]).closeReason).toBe('opportunity');
  });

  it('records closed-lost with its reason, whatever the order of the two events', () => {
    const ep = fold([handedOff, lost, opportunity]);
    expect(ep.opportunity).toMatchObject({ stage: 'lost', closedAt: iso(-60), lostReason: 'Price' });
    expect(ep.closeReason).toBe('opportunity');
    const won = closing('006000000000001AAA', true, 'ignored');
    expect(fold([handedOff, opportunity, won]).opportunity).toMatchObject({ stage: 'won', lostReason: null });
  });

  it('ignores the closing of another opportunity, and a closing without an opportunity', () => {
    const other = closing('006000000000009AAA', false, 'Price');
    expect(fold([handedOff, opportunity, other]).opportunity?.stage).toBe('open');
    const ep = fold([handedOff, lost]);
    expect(ep.opportunity).toBeUndefined();
    expect(ep.closeReason).toBeNull();
  });

  it('is recorded once per episode: a second opportunity is ignored', () => {
    const second = episodeEvent({
      type: 'opportunity',
      at: iso(700),
      cause: 'crm_change',
      opportunityId: '006000000000002AAA',
      source: 'contact_role',
    });
    const ep = fold([handedOff, opportunity]);
    expect(applyEvent(ep, second)).toBe(ep);
  });

  it('refuses an opportunity event with another step', () => {
    expect(() => fold([handedOff, { ...opportunity, step: 'opportunity@x' }])).toThrow(
      /must have step "opportunity"/,
    );
  });

  it('folds the same whatever order the events arrive in', () => {
    const events = [
      handedOff,
      opportunity,
      lost,
      episodeEvent({ type: 'closed', at: iso(300), cause: 'sweep', reason: 'superseded' }),
      episodeEvent({ type: 'first_response', at: iso(30), cause: 'rep', activity: 'call' }),
    ];
    const expected = fold(events);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        expect(fold(order)).toEqual(expected);
      }),
    );
  });
});
