import { describe, expect, it } from 'vitest';
import type { SentBackReason, TossUpResult } from '../../src/domain/rep-feedback.ts';
import { type CloseReason, type EpisodeEvent, episodeEvent } from '../../src/episodes/episode.ts';
import {
  acceptanceRate,
  episodeVerdict,
  opportunityRate,
  tossUpRates,
  UNKNOWN_REASON,
} from '../../src/pipeline/toss-up-rates.ts';
import { foldOrThrow, iso } from '../episodes/episode-kit.ts';

/**
 * Acceptance and opportunity rates per toss-up reason and per rep, from the episodes alone: verdict
 * events and close reasons decide each toss-up's outcome; the rep is whoever owned it when it was judged.
 */

let n = 0;
function episode(
  opts: {
    reason?: string;
    owner?: string;
    verdicts?: Array<[number, TossUpResult, SentBackReason?]>;
    close?: CloseReason;
    reassignTo?: [number, string];
    opportunityAt?: number;
  } = {},
) {
  n++;
  const owner = opts.owner ?? 'u001';
  const events: EpisodeEvent[] = [
    episodeEvent({
      type: 'handed_off',
      at: iso(0),
      cause: 'rule',
      crm: 'salesforce',
      leadId: `00Q${n}`,
      nextAction: 'field_sales_tossup',
      owner: { id: `005${owner}`, key: owner, poolId: 'fs' },
      taskId: null,
      ...(opts.reason ? { reason: opts.reason } : {}),
    }),
  ];
  if (opts.reassignTo) {
    const [at, to] = opts.reassignTo;
    events.push(
      episodeEvent({
        type: 'ladder_step',
        at: iso(at),
        cause: 'sweep',
        round: 0,
        stepId: 'reassign',
        action: 'reassign',
        owner: { id: `005${to}`, key: to, poolId: 'fs' },
        taskId: null,
      }),
    );
  }
  for (const [at, result, reason] of opts.verdicts ?? [])
    events.push(
      episodeEvent({ type: 'verdict', at: iso(at), cause: 'rep', result, sentBackReason: reason ?? null }),
    );
  if (opts.opportunityAt !== undefined)
    events.push(
      episodeEvent({
        type: 'opportunity',
        at: iso(opts.opportunityAt),
        cause: 'crm_change',
        opportunityId: `006${n}`,
        source: 'lead_conversion',
      }),
    );
  if (opts.close)
    events.push(episodeEvent({ type: 'closed', at: iso(900), cause: 'rep', reason: opts.close }));
  return foldOrThrow(`k${n}`, events);
}

describe('episodeVerdict', () => {
  it('an opportunity (verdict or close reason) wins, then a loss, then the latest verdict', () => {
    expect(episodeVerdict(episode()).outcome).toBe('none');
    expect(episodeVerdict(episode({ verdicts: [[60, 'accepted']] })).outcome).toBe('accepted');
    expect(episodeVerdict(episode({ verdicts: [[60, 'sent_back', 'too_early']] }))).toEqual({
      outcome: 'sent_back',
      sentBackReason: 'too_early',
      at: iso(60),
    });
    expect(episodeVerdict(episode({ verdicts: [[60, 'accepted']], close: 'opportunity' })).outcome).toBe(
      'opportunity',
    );
    expect(
      episodeVerdict(
        episode({
          verdicts: [
            [60, 'accepted'],
            [120, 'opportunity'],
          ],
        }),
      ).outcome,
    ).toBe('opportunity');
    expect(episodeVerdict(episode({ verdicts: [[60, 'accepted']], close: 'lost' })).outcome).toBe('lost');
    // A rep who sent a lead back and then took it after all: the latest verdict counts.
    expect(
      episodeVerdict(
        episode({
          verdicts: [
            [60, 'sent_back', 'no_budget'],
            [120, 'accepted'],
          ],
        }),
      ).outcome,
    ).toBe('accepted');
    // The opportunity phase's event alone (a lead converted without a verdict).
    expect(episodeVerdict(episode({ opportunityAt: 300 }))).toEqual({
      outcome: 'opportunity',
      sentBackReason: null,
      at: iso(300),
    });
    // A close reason alone still counts.
    expect(episodeVerdict(episode({ close: 'sent_back' })).outcome).toBe('sent_back');
    // Closed for other reasons: no verdict.
    expect(episodeVerdict(episode({ close: 'superseded' })).outcome).toBe('none');
  });
});

describe('tossUpRates', () => {
  it('counts per reason and per rep; acceptance over judged, opportunities over handed off', () => {
    const eps = [
      episode({
        reason: 'score.attribute.met',
        owner: 'u001',
        verdicts: [[60, 'accepted']],
        close: 'opportunity',
      }),
      episode({ reason: 'score.attribute.met', owner: 'u001', verdicts: [[60, 'accepted']] }),
      episode({ reason: 'score.attribute.met', owner: 'u002', verdicts: [[60, 'sent_back', 'no_budget']] }),
      episode({ reason: 'score.attribute.met', owner: 'u002' }),
      episode({
        reason: 'company.existingCustomer.met',
        owner: 'u002',
        verdicts: [[60, 'sent_back', 'too_early']],
      }),
      episode({ reason: 'company.existingCustomer.met', owner: 'u001', verdicts: [[60, 'lost']] }),
      episode({ owner: 'u003', verdicts: [[60, 'sent_back']] }),
    ];
    const r = tossUpRates(eps);
    expect(r.total).toEqual({ handedOff: 7, judged: 6, accepted: 3, sentBack: 3, opportunities: 1, lost: 1 });
    expect(r.byReason['score.attribute.met']).toEqual({
      handedOff: 4,
      judged: 3,
      accepted: 2,
      sentBack: 1,
      opportunities: 1,
      lost: 0,
    });
    expect(acceptanceRate(r.byReason['score.attribute.met']!)).toBeCloseTo(2 / 3);
    expect(opportunityRate(r.byReason['score.attribute.met']!)).toBe(0.25);
    expect(acceptanceRate(r.byReason['company.existingCustomer.met']!)).toBe(0.5);
    expect(r.byReason[UNKNOWN_REASON]).toMatchObject({ handedOff: 1, sentBack: 1 });
    expect(r.byOwner.u001).toMatchObject({ handedOff: 3, accepted: 3, opportunities: 1, lost: 1 });
    expect(r.byOwner.u002).toMatchObject({ handedOff: 3, judged: 2, sentBack: 2 });
    expect(r.sentBackReasons).toEqual({ no_budget: 1, too_early: 1, unspecified: 1 });
  });

  it('charges a verdict to the rep who owned the toss-up then, not the first owner', () => {
    const r = tossUpRates([
      episode({ owner: 'u001', reassignTo: [30, 'u009'], verdicts: [[60, 'accepted']] }),
      episode({ owner: 'u001', reassignTo: [90, 'u009'], verdicts: [[60, 'sent_back', 'other']] }),
    ]);
    expect(r.byOwner.u009).toMatchObject({ handedOff: 1, accepted: 1 });
    expect(r.byOwner.u001).toMatchObject({ handedOff: 1, sentBack: 1 });
  });

  it('has no rates where nothing is counted', () => {
    const r = tossUpRates([]);
    expect(acceptanceRate(r.total)).toBeNull();
    expect(opportunityRate(r.total)).toBeNull();
  });
});
