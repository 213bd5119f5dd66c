import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/cli/commands/sweep.ts';
import { renderSweepSummary } from '../../src/sweep/render-sweep-summary.ts';
import { ID, type Kit, sweepKit, T } from './sweep-kit.ts';

let kit: Kit;
afterEach(() => kit?.cleanup());

describe('sweep summary and exit code', () => {
  it('names reps, shows on-time/late per rep and next action, failures with samples; exit 3 when a write failed', async () => {
    kit = sweepKit();
    await kit.handOff('tu_1', '00Q1');
    await kit.handOff('tu_2', '00Q2');
    kit.crm.logActivity('00Q1', ID.r1, '2026-12-07T03:00:00.000Z');
    await kit.sweep(T.afterRemind);
    kit.crm.failNext('createTasks', 'record');
    const report = await kit.sweep(T.afterEscalation);
    const en = renderSweepSummary(report, 'en');
    expect(en).toContain('SLA sweep  salesforce / default');
    expect(en).toMatch(/manager notices\s+1/);
    expect(en).toMatch(/failed \(retried next sweep\)\s+1/);
    expect(en).toContain('manager_task/transient/UNAVAILABLE');
    expect(en).toContain('e.g. 00Q2 [manager_task r0.manager_task] transient/UNAVAILABLE');
    expect(exitCodeOf(report)).toBe(3);
    const first = await kit.sweep(T.afterEscalation);
    expect(exitCodeOf(first)).toBe(0);
    const earlier = await kit.sweep(T.afterRemind);
    expect(earlier.counts.due).toBe(0);
    const ja = renderSweepSummary(
      {
        ...report,
        firstResponses: {
          byOwner: { [ID.r1]: { onTime: 1, late: 0 } },
          byNextAction: { field_sales_tossup: { onTime: 1, late: 0 } },
        },
        owners: { [ID.r1]: { name: 'Rep One' } },
      },
      'ja',
    );
    expect(ja).toMatch(/Rep One\s+1 \/ 0/);
    expect(ja).toMatch(/フィールドセールスへトスアップ\s+1 \/ 0/);
  });
});
