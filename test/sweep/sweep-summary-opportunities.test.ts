import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/commands/sweep.ts';
import { renderSweepSummary } from '../../src/sweep/render-sweep-summary.ts';
import { emptySweepReport } from '../../src/sweep/sweep-report.ts';

describe('sweep summary: the opportunity phase', () => {
  it('shows what the phase did in ja and en, and no block when the sweep ran none', () => {
    const report = emptySweepReport({
      runId: 'r',
      crm: 'hubspot',
      scope: 'default',
      dryRun: false,
      at: new Date('2026-12-02T01:00:00.000Z'),
    });
    expect(renderSweepSummary(report, 'en')).not.toContain('Opportunities');
    report.opportunities = {
      opportunities: 12,
      links: 15,
      episodesWon: 3,
      closedWon: 1,
      closedLost: 2,
      withoutTossUp: 9,
      outcomesWritten: 15,
      flagsSet: 3,
      failed: 0,
      heldForSync: 0,
      samples: [],
      cursor: null,
      stop: null,
    };
    const en = renderSweepSummary(report, 'en');
    expect(en).toMatch(/toss-ups that became opportunities\s+3/);
    expect(en).toMatch(/opportunities without a toss-up \(recorded\)\s+9/);
    expect(en).toMatch(/of which lost\s+2/);
    const ja = renderSweepSummary(report, 'ja');
    expect(ja).toContain('商談化');
    expect(ja).toMatch(/商談化フラグを設定\s+3/);
    expect(en).not.toContain('held for the next sync');
    expect(exitCodeOf(report)).toBe(0);
  });

  it('shows flags held for the next sync (someone edited the record) without calling them failures', () => {
    const report = emptySweepReport({
      runId: 'r',
      crm: 'salesforce',
      scope: 'default',
      dryRun: false,
      at: new Date('2026-12-02T01:00:00.000Z'),
    });
    report.opportunities = {
      opportunities: 2,
      links: 2,
      episodesWon: 0,
      closedWon: 0,
      closedLost: 0,
      withoutTossUp: 1,
      outcomesWritten: 1,
      flagsSet: 0,
      failed: 0,
      heldForSync: 1,
      samples: [],
      cursor: null,
      stop: null,
    };
    expect(renderSweepSummary(report, 'en')).toMatch(/held for the next sync \(edited by someone\)\s+1/);
    expect(renderSweepSummary(report, 'ja')).toMatch(/次回同期まで保留 \(他者が編集\)\s+1/);
    expect(exitCodeOf(report)).toBe(0);
  });
});
