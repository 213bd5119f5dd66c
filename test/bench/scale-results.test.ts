import { describe, expect, it } from 'vitest';
import {
  baseOf,
  mergeScaleEntries,
  type ScaleEntry,
  type ScaleRun,
} from '../../bench/scale/scale-results.ts';
import type { ScaleRow } from '../../bench/scale/scale-table.ts';
import { scaleTable } from '../../bench/scale/scale-table.ts';

const phase = (calls: number, minimum: number) => ({
  counts: { leadsRead: 0, written: 0, tasksCreated: 0 },
  calls,
  minimum,
  wallSeconds: 1,
  rateBoundSeconds: 0,
  maxRssMb: 100,
});
const row = (crm: ScaleRow['crm'], leads: number, syncPeakRssMb: number): ScaleRow => ({
  crm,
  leads,
  changed: leads / 10,
  backfill: phase(110, 100),
  day: phase(21, 20),
  syncPeakRssMb,
  emulatorPeakRssMb: 200,
  stateMb: 1,
  ledgerMb: 2,
});
const run = (command: string, date: string): ScaleRun => ({
  command,
  date,
  commit: 'abc1234',
  machine: '2 × test CPU',
  factor: 20,
  dayShare: 0.1,
  syncHeapMb: 512,
  totalSeconds: 60,
  load: [1, 2],
});

describe('the scale curve kept across runs', () => {
  const early = run('npm run bench -- --scale --sizes 10000,100000', '2026-12-02');
  const late = run('npm run bench -- --scale --crm salesforce --sizes 1000000', '2026-12-03');
  const stored: ScaleEntry[] = [
    { row: row('salesforce', 100_000, 500), run: early },
    { row: row('hubspot', 10_000, 250), run: early },
    { row: row('salesforce', 10_000, 280), run: early },
  ];

  it("a run replaces its CRM's and sizes' rows and keeps the others, in CRM and size order", () => {
    const merged = mergeScaleEntries(stored, [
      { row: row('salesforce', 1_000_000, 290), run: late },
      { row: row('salesforce', 100_000, 300), run: late },
    ]);
    expect(merged.map((e) => [e.row.crm, e.row.leads, e.row.syncPeakRssMb, e.run.date])).toEqual([
      ['hubspot', 10_000, 250, '2026-12-02'],
      ['salesforce', 10_000, 280, '2026-12-02'],
      ['salesforce', 100_000, 300, '2026-12-03'],
      ['salesforce', 1_000_000, 290, '2026-12-03'],
    ]);
    // Flatness is judged against the smallest size of the same CRM, from whichever run.
    expect(baseOf(merged, row('salesforce', 1_000_000, 290))?.row.syncPeakRssMb).toBe(280);
    expect(baseOf(merged, row('hubspot', 1_000_000, 290))?.row.leads).toBe(10_000);
  });

  it('the table names the run of every row and lists each run once', () => {
    const md = scaleTable(mergeScaleEntries(stored, [{ row: row('salesforce', 1_000_000, 290), run: late }]));
    const rows = md.split('\n').filter((l) => /^\| (hubspot|salesforce) \|/.test(l));
    expect(rows.map((l) => l.split(' | ').at(-1))).toEqual(['run 1 |', 'run 1 |', 'run 1 |', 'run 2 |']);
    expect(md).toContain(
      '- run 1: `npm run bench -- --scale --sizes 10000,100000` on 2026-12-02 at `abc1234`',
    );
    expect(md).toContain(
      '- run 2: `npm run bench -- --scale --crm salesforce --sizes 1000000` on 2026-12-03',
    );
    expect(md).toContain('| 110 / 100.0 = 1.100 |');
  });
});
