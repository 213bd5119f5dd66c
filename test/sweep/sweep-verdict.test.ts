import { afterEach, describe, expect, it } from 'vitest';
import { type Kit, queued, sweepKit, T } from './sweep-kit.ts';

/**
 * The sweep records the rep's verdict it reads with the facts (`EpisodeFacts.feedback`, issue 14):
 * sent back closes the episode, so no reminder, escalation or SLA write follows for a lead the rep
 * has already answered; accepted only marks it and the ladder goes on.
 */

let kit: Kit;
afterEach(() => kit?.cleanup());

describe('runSweep and the rep verdict', () => {
  it('sent back (too early) closes the episode with that reason: no reminder, no escalation, no field write', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    kit.crm.feedback.set('00Q1', { result: 'sent_back', sentBackReason: 'too_early', note: 'next quarter' });
    const r = await kit.sweep(T.afterRemind);
    expect(r.counts).toMatchObject({ verdicts: 1, reminders: 0, slaFieldsWritten: 0, failed: 0 });
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep).toMatchObject({ status: 'closed', closeReason: 'sent_back', nextCheckAt: null });
    expect(ep?.verdict).toEqual({ result: 'sent_back', sentBackReason: 'too_early', at: T.afterRemind });
    // The free-text note is the rep's message to people, not kept in the episode.
    expect(JSON.stringify(ep)).not.toContain('next quarter');
    for (const t of [T.afterBreach, T.afterEscalation, T.afterReassign])
      expect((await kit.sweep(t)).counts.due).toBe(0);
    expect(await queued(kit)).toEqual([]);
    expect(kit.crm.calls.createTasks).toBe(0);
  });

  it('accepted marks the episode once; the ladder still reminds an owner who logged nothing', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    kit.crm.feedback.set('00Q1', { result: 'accepted', sentBackReason: null, note: null });
    const first = await kit.sweep(T.afterRemind);
    expect(first.counts).toMatchObject({ verdicts: 1, reminders: 1 });
    const again = await kit.sweep(T.afterBreach);
    expect(again.counts.verdicts).toBe(0);
    const ep = (await kit.store.get('tu_1'))?.episode;
    expect(ep).toMatchObject({ status: 'open', closeReason: null, verdict: { result: 'accepted' } });
    expect(ep?.events.filter((e) => e.type === 'verdict')).toHaveLength(1);
  });

  it('a dry run records nothing', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    kit.crm.feedback.set('00Q1', { result: 'lost', sentBackReason: null, note: null });
    const before = await kit.store.get('tu_1');
    const r = await kit.sweep(T.afterRemind, { dryRun: true });
    expect(r.counts).toMatchObject({ verdicts: 1, reminders: 0 });
    expect(await kit.store.get('tu_1')).toEqual(before);
  });
});
