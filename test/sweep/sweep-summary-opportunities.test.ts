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
    expect(exitCodeOf(report)).toBe(0);
  });
});
