import { describe, expect, it } from 'vitest';
import type { Lead } from '../../src/domain/lead.ts';
import { type Episode, type EpisodeEvent, episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';
import {
  overrideCandidate,
  parseOverrideRecord,
  resolveOverride,
} from '../../src/pipeline/human-override.ts';
import { OVERRIDE_MARKERS } from '../../src/reasons/override-reason.ts';
import { hotLead, NOW } from './pipeline-fixtures.ts';

/** The pure rules of src/pipeline/human-override.ts, case by case. */

const KEY_Y = 'tu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAA.y';
const T = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

function lead(current: Partial<Lead['current']>, modifiedAt = T(5)): Lead {
  const l = hotLead('O1');
  return { ...l, modifiedAt, current: { ...l.current, ...current } };
}

function episode(extra: EpisodeEvent[] = []): Episode {
  const start = episodeEvent({
    type: 'handed_off',
    at: T(0),
    cause: 'rule',
    crm: 'salesforce',
    leadId: 'O1',
    nextAction: 'field_sales_tossup',
    owner: { id: '005000000000001AAA' },
    taskId: 'T1',
  });
  return foldEpisode(KEY_Y, [start, ...extra])!;
}

describe('overrideCandidate', () => {
  it('the override field wins; a flag unlike its key is a person; the same flag, an emptied flag or an old key are not', () => {
    expect(
      overrideCandidate(
        lead({
          flag: 'yes',
          decisionKey: KEY_Y,
          override: { flag: 'no', modifiedBy: null, modifiedAt: null },
        }),
        undefined,
      ),
    ).toEqual({ flag: 'no', source: 'field' });
    expect(overrideCandidate(lead({ flag: 'no', decisionKey: KEY_Y }), undefined)).toEqual({
      flag: 'no',
      source: 'flag_edit',
    });
    expect(overrideCandidate(lead({ flag: 'yes', decisionKey: KEY_Y }), undefined)).toBeNull();
    expect(overrideCandidate(lead({ flag: null, decisionKey: KEY_Y }), undefined)).toBeNull();
    expect(
      overrideCandidate(lead({ flag: 'no', decisionKey: 'tu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), undefined),
    ).toBeNull();
  });

  it("the engine's own hold pause is not a person; the same flag while an override paused it, or a hold set after a resume, is", () => {
    const held = lead({ flag: 'hold', decisionKey: KEY_Y });
    const paused = episode([episodeEvent({ type: 'hold_started', at: T(1), cause: 'rule' })]);
    expect(overrideCandidate(held, paused)).toBeNull();
    // Still the engine's when the rep completed the task during the pause (the episode is done).
    const done = episode([
      episodeEvent({ type: 'hold_started', at: T(1), cause: 'rule' }),
      episodeEvent({ type: 'task_completed', at: T(2), cause: 'rep' }),
    ]);
    expect(done.status).toBe('done');
    expect(overrideCandidate(held, done)).toBeNull();
    const byPerson = episode([
      episodeEvent({ type: 'hold_started', at: T(1), cause: 'rep' }),
      episodeEvent({ type: 'override', at: T(1), cause: 'rep', flag: 'hold', source: 'flag_edit', by: 'u' }),
    ]);
    expect(overrideCandidate(held, byPerson)).toEqual({ flag: 'hold', source: 'flag_edit' });
    const resumed = [
      episodeEvent({ type: 'hold_started', at: T(1), cause: 'rule' }),
      episodeEvent({ type: 'hold_ended', at: T(3), cause: 'rule' }),
    ];
    // Resumed in the store, flag not yet written (the lead has not changed since): the engine's.
    expect(overrideCandidate(lead({ flag: 'hold', decisionKey: KEY_Y }, T(2)), episode(resumed))).toBeNull();
    // The lead changed after the resume: a person set hold.
    expect(overrideCandidate(lead({ flag: 'hold', decisionKey: KEY_Y }, T(4)), episode(resumed))).toEqual({
      flag: 'hold',
      source: 'flag_edit',
    });
  });
});

describe('resolveOverride', () => {
  const now = new Date(T(10));
  const read = { flag: null, modifiedBy: '005000000000002AAA', modifiedAt: T(6) };

  it('a new override takes who and when from the record; a recorded one (marked reason) keeps them', () => {
    const l = lead({ flag: 'no', decisionKey: KEY_Y, override: read, reason: 'rules' });
    expect(resolveOverride(l, { flag: 'no', source: 'flag_edit' }, null, now)).toEqual({
      kind: 'active',
      isNew: true,
      override: { flag: 'no', source: 'flag_edit', by: '005000000000002AAA', at: T(6) },
    });
    const record = { flag: 'no' as const, source: 'flag_edit' as const, by: 'x', at: T(1) };
    const marked = { ...l, current: { ...l.current, reason: `${OVERRIDE_MARKERS.ja}「いいえ」…` } };
    expect(resolveOverride(marked, { flag: 'no', source: 'flag_edit' }, record, now)).toEqual({
      kind: 'active',
      isNew: false,
      override: record,
    });
    // Unmarked reason: the record is from an earlier override; this one is new.
    expect(resolveOverride(l, { flag: 'no', source: 'flag_edit' }, record, now)).toMatchObject({
      isNew: true,
    });
  });

  it("the flag the engine wrote for an emptied override field hands the lead back, keyed as the key's flag", () => {
    const l = lead({ flag: 'no', decisionKey: KEY_Y, reason: `${OVERRIDE_MARKERS.en}"No" …` });
    const record = { flag: 'no' as const, source: 'field' as const, by: null, at: T(1) };
    const r = resolveOverride(l, { flag: 'no', source: 'flag_edit' }, record, now);
    expect(r.kind).toBe('handed_back');
    if (r.kind === 'handed_back') expect(r.keyLead.current.flag).toBe('yes');
  });

  it('a damaged record is no record', () => {
    expect(parseOverrideRecord('{')).toBeNull();
    expect(parseOverrideRecord('{"flag":"maybe","source":"field","at":"x"}')).toBeNull();
  });
});

describe('the override event in the episode fold', () => {
  it('the latest counts, cleared is null, and the arrival order does not matter', () => {
    const events = [
      episodeEvent({ type: 'override', at: T(1), cause: 'rep', flag: 'no', source: 'flag_edit', by: 'u' }),
      episodeEvent({ type: 'override', at: T(2), cause: 'rep', flag: null, source: null, by: null }),
      episodeEvent({ type: 'override', at: T(3), cause: 'rep', flag: 'hold', source: 'field', by: 'v' }),
    ];
    const a = episode(events);
    const b = episode([...events].reverse());
    expect(a.override).toEqual({ flag: 'hold', source: 'field', by: 'v', at: T(3) });
    expect(b.override).toEqual(a.override);
    expect(episode(events.slice(0, 2)).override).toBeNull();
    expect(episode().override).toBeUndefined();
  });
});
