import { describe, expect, it } from 'vitest';
import { episodeEvent, foldEpisode } from '../../src/episodes/episode.ts';

const handedOff = episodeEvent({
  type: 'handed_off',
  at: '2026-12-01T01:00:00.000Z',
  cause: 'rule',
  crm: 'salesforce',
  leadId: '00Q1',
  nextAction: 'field_sales_tossup',
  owner: { id: '005A', key: 'u001', poolId: 'p' },
  taskId: '00T1',
});

describe('episode events the sweep adds', () => {
  it('keeps the latest SLA status written, whatever order the writes arrive in, without changing the status', () => {
    const a = episodeEvent({
      type: 'sla_status',
      at: '2026-12-01T07:00:00.000Z',
      cause: 'sweep',
      status: 'due_soon',
      firstResponseAt: null,
    });
    const b = episodeEvent({
      type: 'sla_status',
      at: '2026-12-02T02:00:00.000Z',
      cause: 'sweep',
      status: 'overdue',
      firstResponseAt: null,
    });
    expect(a.step).toBe('sla@2026-12-01T07:00:00.000Z');
    for (const events of [
      [handedOff, a, b],
      [b, handedOff, a],
    ]) {
      const ep = foldEpisode('tu_1', events);
      expect(ep?.slaWritten).toEqual({ status: 'overdue', firstResponseAt: null, at: b.at });
      expect(ep?.status).toBe('open');
    }
    expect(foldEpisode('tu_1', [handedOff])?.slaWritten).toBeNull();
  });

  it('a skipped reassign step is recorded but keeps the owner and the round', () => {
    const skipped = episodeEvent({
      type: 'ladder_step',
      at: '2026-12-03T05:00:00.000Z',
      cause: 'sweep',
      round: 0,
      stepId: 'reassign',
      action: 'reassign',
      skipped: 'no_rep_available',
    });
    const ep = foldEpisode('tu_1', [handedOff, skipped]);
    expect(ep).toMatchObject({ round: 0, owner: { id: '005A' }, ladder: { 'r0.reassign': skipped.at } });
  });
});
