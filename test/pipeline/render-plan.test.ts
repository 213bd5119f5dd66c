import { describe, expect, it } from 'vitest';
import type { LeadOutcome } from '../../src/pipeline/process-leads.ts';
import { localTime, renderPlan } from '../../src/pipeline/render-plan.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';

function outcome(dueAt: string): LeadOutcome {
  return {
    leadId: '00Q000000000001',
    objectType: 'Lead',
    decision: null,
    reasonText: '',
    episodeKey: 'tu_x',
    newEpisode: true,
    fields: { flag: 'yes' },
    changes: [{ field: 'flag', before: null, after: 'yes' }],
    task: {
      key: 'tu_x',
      ownerId: '005000000000001AAA',
      route: {
        ownerId: '005000000000001AAA',
        ownerKind: 'user',
        via: 'pool',
        poolId: 'fs_kanto',
        ownerKey: 'u001',
        businessDate: '2026-12-02',
      },
      dueAt,
      dueDate: dueAt.slice(0, 10),
      hasSla: true,
      priority: 'high',
      subject: '【トスアップ】株式会社テスト',
    },
    taskStatus: 'planned',
    status: 'planned',
  };
}

describe('dry-run plan', () => {
  it('shows the due time in whole minutes of the SLA zone, whatever the seconds and milliseconds', () => {
    // 06:17:35.754Z is 15:17:35.754 in Tokyo: the seconds used to leak into the minute as a float.
    const text = renderPlan(outcome('2026-12-03T06:17:35.754Z'), {
      locale: 'ja',
      renderer: new ReasonRenderer('ja'),
      timeZone: 'Asia/Tokyo',
    });
    expect(text).toContain('期限 2026-12-03 15:17 (Asia/Tokyo)');
    expect(text).not.toMatch(/\d\.\d/);
  });

  it('formats instants near midnight and across a date line', () => {
    expect(localTime('2026-12-03T14:59:59.999Z', 'Asia/Tokyo')).toBe('2026-12-03 23:59');
    expect(localTime('2026-12-03T15:00:00.000Z', 'Asia/Tokyo')).toBe('2026-12-04 00:00');
    expect(localTime('2026-03-08T07:30:30.000Z', 'America/Los_Angeles')).toBe('2026-03-07 23:30');
  });

  it('says when a hold pauses or resumes the open episode, and which episode a new decision replaces', () => {
    const render = (o: Partial<LeadOutcome>, locale: 'ja' | 'en' = 'en') =>
      renderPlan(
        { ...outcome('2026-12-03T06:00:00.000Z'), task: null, newEpisode: false, ...o },
        { locale, renderer: new ReasonRenderer(locale), timeZone: 'Asia/Tokyo' },
      );
    expect(render({ hold: 'pause' })).toContain(
      '  episode: on hold: the SLA clock stops (the rep keeps the task, no new task)',
    );
    expect(render({ hold: 'resume' }, 'ja')).toContain('  エピソード: 保留解除: SLA 時計を再開 (同じタスク)');
    expect(render({ supersedes: 'tu_old' })).toContain(
      '  episode: replaced: the previous episode is closed tu_old',
    );
    expect(render({})).not.toContain('episode');
  });

  it('names the owner of record of a lead owned without a task (a customer showing no intent), or why it keeps its owner', () => {
    const render = (o: Partial<LeadOutcome>, locale: 'ja' | 'en' = 'en') =>
      renderPlan(
        { ...outcome('2026-12-03T06:00:00.000Z'), task: null, ...o },
        {
          locale,
          renderer: new ReasonRenderer(locale),
          timeZone: 'Asia/Tokyo',
          ownerName: (id) => (id === '005000000000001AAA' ? '佐藤 健' : undefined),
        },
      );
    expect(
      render(
        { recordOwner: { ownerId: '005000000000001AAA', via: 'account_owner', ownerKey: 'u001' } },
        'ja',
      ),
    ).toContain('  担当 (タスクなし): 佐藤 健 005000000000001AAA (account_owner)');
    expect(render({ recordOwner: { skipped: 'inactive_rep' } })).toContain(
      '  owner left as it is (inactive_rep)',
    );
    expect(render({})).not.toContain('owner');
  });
});
