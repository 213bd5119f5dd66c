import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/domain/lead.ts';
import type { RepFeedback } from '../../src/domain/rep-feedback.ts';
import { type Episode, type EpisodeEvent, episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';
import { freshEpisodeKey } from '../../src/pipeline/verdict-outcome.ts';
import { verdictStanding } from '../../src/pipeline/verdict-standing.ts';
import { verdictReason } from '../../src/reasons/verdict-reason.ts';
import { hotLead, NOW } from './pipeline-fixtures.ts';

/**
 * What a verdict means for the next decision (src/pipeline/verdict-standing.ts), case by case: which
 * verdict stands, which hands the lead back, which is an earlier toss-up's.
 */

const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.parse(NOW) + hours * HOUR).toISOString();
const KEY = 'tu_standing';

function lead(feedback?: RepFeedback, activities: Lead['activities'] = []): Lead {
  const l = hotLead('A');
  return {
    ...l,
    activities,
    current: { ...l.current, flag: 'yes', decisionKey: KEY, ...(feedback ? { feedback } : {}) },
  };
}
const fb = (
  result: RepFeedback['result'],
  sentBackReason: RepFeedback['sentBackReason'] = null,
): RepFeedback => ({
  result,
  sentBackReason,
  note: null,
});

function episode(extra: EpisodeEvent[] = [], verdictBefore?: Episode['verdictBefore']): Episode {
  const handedOff = episodeEvent({
    type: 'handed_off',
    at: at(0),
    cause: 'rule',
    crm: 'salesforce',
    leadId: 'A',
    nextAction: 'field_sales_tossup',
    owner: { id: '005000000000001AAA' },
    taskId: '00T1',
    ...(verdictBefore ? { verdictBefore } : {}),
  });
  return foldEpisode(KEY, [handedOff, ...extra])!;
}
const recorded = (
  hours: number,
  result: 'sent_back' | 'lost' | 'accepted',
  reason: 'too_early' | null = null,
) => episodeEvent({ type: 'verdict', at: at(hours), cause: 'rep', result, sentBackReason: reason });

const withEpisodes = { withEpisodes: true, now: new Date(at(10)) };
const without = { withEpisodes: false, now: new Date(at(10)) };

describe('verdictStanding', () => {
  it('no verdict, a cleared one, or one on a lead the engine never decided (no key): the rules decide', () => {
    expect(verdictStanding(lead(), episode(), withEpisodes)).toEqual({ kind: 'none' });
    expect(verdictStanding(lead(fb(null, 'too_early')), episode(), withEpisodes)).toEqual({ kind: 'none' });
    const fresh = lead(fb('sent_back', 'too_early'));
    const undecided = { ...fresh, current: { ...fresh.current, flag: null, decisionKey: null } };
    expect(verdictStanding(undecided, undefined, without)).toEqual({ kind: 'none' });
    expect(verdictStanding(undecided, undefined, withEpisodes)).toEqual({ kind: 'none' });
  });

  it('sent back, not recorded yet: stands from now on (earlier activity does not hand it back)', () => {
    const l = lead(fb('sent_back', 'too_early'), [{ type: 'inquiry', at: at(9) }]);
    expect(verdictStanding(l, episode(), withEpisodes)).toEqual({
      kind: 'stands',
      verdict: { result: 'sent_back', sentBackReason: 'too_early' },
      until: 'cleared_or_intent',
    });
  });

  it('sent back, recorded at hour 2: an inquiry at hour 3 hands it back; an e-mail open or page view does not', () => {
    const ep = episode([recorded(2, 'sent_back', 'too_early')]);
    const passive = lead(fb('sent_back', 'too_early'), [
      { type: 'email_open', at: at(3) },
      { type: 'email_click', at: at(3) },
      { type: 'page_view', at: at(3), page: 'pricing' },
      { type: 'inquiry', at: at(1) },
    ]);
    expect(verdictStanding(passive, ep, withEpisodes).kind).toBe('stands');
    const intent = lead(fb('sent_back', 'too_early'), [
      { type: 'form_submission', at: at(5) },
      { type: 'inquiry', at: at(3) },
    ]);
    expect(verdictStanding(intent, ep, withEpisodes)).toEqual({
      kind: 'released',
      verdict: { result: 'sent_back', sentBackReason: 'too_early' },
      intentAt: at(3),
    });
  });

  it('lost is handed back by intent too; not our target and duplicate only by clearing', () => {
    const inquiry = [{ type: 'inquiry' as const, at: at(3) }];
    expect(
      verdictStanding(lead(fb('lost'), inquiry), episode([recorded(2, 'lost')]), withEpisodes).kind,
    ).toBe('released');
    for (const reason of ['not_our_target', 'duplicate'] as const) {
      const ep = episode([
        episodeEvent({
          type: 'verdict',
          at: at(2),
          cause: 'rep',
          result: 'sent_back',
          sentBackReason: reason,
        }),
      ]);
      expect(verdictStanding(lead(fb('sent_back', reason), inquiry), ep, withEpisodes)).toMatchObject({
        kind: 'stands',
        until: 'cleared',
      });
    }
  });

  it('accepted and opportunity keep the hand-off', () => {
    expect(verdictStanding(lead(fb('accepted')), episode(), withEpisodes).kind).toBe('keep_hand_off');
    expect(verdictStanding(lead(fb('opportunity')), episode(), without).kind).toBe('keep_hand_off');
  });

  it('with episodes: no recorded toss-up for the key, or the earlier toss-up’s verdict → none', () => {
    expect(verdictStanding(lead(fb('sent_back', 'too_early')), undefined, withEpisodes)).toEqual({
      kind: 'none',
    });
    const before = episode([], { result: 'sent_back', sentBackReason: 'too_early' });
    expect(verdictStanding(lead(fb('sent_back', 'too_early')), before, withEpisodes)).toEqual({
      kind: 'none',
    });
    // Changed since the hand-off: this toss-up's verdict.
    expect(verdictStanding(lead(fb('sent_back', 'no_budget')), before, withEpisodes).kind).toBe('stands');
  });

  it('without episodes: the CRM alone; no time for the verdict, so sent back stands until cleared', () => {
    const l = lead(fb('sent_back', 'too_early'), [{ type: 'inquiry', at: at(9) }]);
    expect(verdictStanding(l, undefined, without)).toMatchObject({ kind: 'stands', until: 'cleared' });
    // A CRM that tells when the verdict changed makes "after" meaningful again.
    const timed = lead({ ...fb('sent_back', 'too_early'), changedAt: at(8) }, [
      { type: 'inquiry', at: at(9) },
    ]);
    expect(verdictStanding(timed, undefined, without).kind).toBe('released');
  });
});

describe('freshEpisodeKey and the verdict reason', () => {
  it('a handed-back lead with the same outcome gets a new key, the same on a retry', () => {
    const l = lead(fb('sent_back', 'too_early'));
    const d = { flag: 'yes' as const, nextAction: 'field_sales_tossup' as const };
    const k = freshEpisodeKey({ ...l, current: { ...l.current, nextAction: 'field_sales_tossup' } }, d);
    expect(k).not.toBe(KEY);
    expect(k).toMatch(/^tu_/);
    expect(freshEpisodeKey({ ...l, current: { ...l.current, nextAction: 'field_sales_tossup' } }, d)).toBe(k);
  });

  it('says the verdict and what hands the lead back, in ja and en, within the reason field', () => {
    const v = { result: 'sent_back' as const, sentBackReason: 'too_early' as const };
    expect(verdictReason(v, 'cleared_or_intent', 'ja')).toMatch(/^営業判断: 差し戻し（時期尚早）。/);
    expect(verdictReason(v, 'cleared', 'en')).toBe(
      'Sales verdict: Sent back (Too early). Not decided again until the result is cleared',
    );
    expect(verdictReason({ result: 'lost', sentBackReason: null }, 'cleared_or_intent', 'en')).toMatch(
      /^Sales verdict: Lost\. /,
    );
    for (const locale of ['ja', 'en'] as const)
      expect(verdictReason(v, 'cleared_or_intent', locale).length).toBeLessThanOrEqual(255);
  });
});
