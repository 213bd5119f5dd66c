/** One CRM at one size of the scale curve (bench/scale.ts). */
export interface ScaleRow {
  crm: 'hubspot' | 'salesforce';
  leads: number;
  /** People changed by others on the incremental day. */
  changed: number;
  backfill: PhaseFigures;
  day: PhaseFigures;
  syncPeakRssMb: number;
  emulatorPeakRssMb: number;
  /** The state directory after both runs, the ledger apart. */
  stateMb: number;
  ledgerMb: number;
}

export interface PhaseFigures {
  counts: { leadsRead: number; written: number; tasksCreated: number };
  calls: number;
  minimum: number;
  wallSeconds: number;
  /** Seconds the calls need at the CRM's real limits (0: no per-second limit). */
  rateBoundSeconds: number;
  maxRssMb: number;
}

/** docs/scale-curve.md: the figures of one --scale run, with how they were produced. */
export function scaleTable(
  rows: readonly ScaleRow[],
  run: {
    command: string;
    date: string;
    machine: string;
    factor: number;
    dayShare: number;
    totalSeconds: number;
    /** Each sync process's V8 heap cap. */
    syncHeapMb: number;
    /** The machine's 1-minute load average when the run started and when it ended. */
    load: readonly [number, number];
  },
): string {
  const n = (v: number, d = 0) =>
    v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const line = (r: ScaleRow) =>
    `| ${r.crm} | ${n(r.leads)} | ${n(r.backfill.calls)} / ${n(r.backfill.minimum, 1)} = ${n(r.backfill.calls / r.backfill.minimum, 3)} | ${n(r.backfill.wallSeconds, 1)} s | ${r.backfill.rateBoundSeconds ? `${n(r.backfill.rateBoundSeconds)} s` : '—'} | ${n(r.changed)} | ${n(r.day.calls)} / ${n(r.day.minimum, 1)} = ${n(r.day.calls / r.day.minimum, 3)} | ${n(r.day.wallSeconds, 1)} s | ${r.day.rateBoundSeconds ? `${n(r.day.rateBoundSeconds)} s` : '—'} | ${n(r.backfill.maxRssMb)} / ${n(r.day.maxRssMb)} MB | ${n(r.emulatorPeakRssMb)} MB | ${n(r.stateMb, 1)} MB (+ ledger ${n(r.ledgerMb, 1)} MB) |`;
  return [
    '# The scale curve',
    '',
    `Produced by \`${run.command}\` on ${run.date} (the whole run: ${n(run.totalSeconds)} s; load average ${n(run.load[0], 1)} at the start, ${n(run.load[1], 1)} at the end). Machine: ${run.machine}.`,
    '',
    '![sync and emulator peak RSS, state size and calls against the minimum by size](scale-curve.svg)',
    '',
    `Per CRM and size: a full backfill of a generated World, then a day on which others change ${Math.round(run.dayShare * 100)}% of the people, and the incremental sync of that day. The emulator and each sync run in processes of their own, each sync with its V8 heap capped at ${n(run.syncHeapMb)} MB (the sync function's memory); the emulator enforces the real limits × ${run.factor} (HubSpot: 190 requests per 10 s and 5 searches per second, so ${190 * run.factor} and ${5 * run.factor}; Salesforce: the daily allowance) and the connector throttles itself to the same, so every call is made and counted while the run fits on this machine. "Rate bound" is the time those calls need at the **real** limits (HubSpot); Salesforce has no per-second limit, only the daily allowance. "Minimum" is the connector's own \`usage().minimum\` for the work done (docs/benchmarks.md says what it counts). Wall times are on the bench machine at the scaled limits, CPU-bound with the emulator on the same two cores.`,
    '',
    '| CRM | people | backfill calls / minimum | backfill wall | backfill rate bound (real limits) | changed on the day | day calls / minimum | day wall | day rate bound (real limits) | sync peak RSS (backfill / day) | emulator peak RSS | state directory |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(line),
    '',
  ].join('\n');
}
