import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ScaleRow } from './scale-table.ts';

/** How one --scale run was made: each row of the curve says which run measured it. */
export interface ScaleRun {
  command: string;
  date: string;
  /** The code measured (`git rev-parse --short HEAD`), or null outside a git checkout. */
  commit: string | null;
  machine: string;
  factor: number;
  dayShare: number;
  syncHeapMb: number;
  totalSeconds: number;
  /** The machine's 1-minute load average when the run started and when it ended. */
  load: readonly [number, number];
}

export interface ScaleEntry {
  row: ScaleRow;
  run: ScaleRun;
}

/**
 * The curve's rows kept across runs (docs/scale-rows.json), so one CRM or one size can be measured
 * again without the others: a 1M run takes over an hour per CRM here, and a run of one CRM alone
 * would otherwise leave the other off the chart. A new run's rows replace the stored ones of the
 * same CRM and size; every row keeps the run (command, date, commit, load) that measured it.
 */
export function mergeScaleEntries(stored: readonly ScaleEntry[], fresh: readonly ScaleEntry[]): ScaleEntry[] {
  const key = (e: ScaleEntry) => `${e.row.crm}|${e.row.leads}`;
  const replaced = new Set(fresh.map(key));
  return [...stored.filter((e) => !replaced.has(key(e))), ...fresh].sort(
    (a, b) => a.row.crm.localeCompare(b.row.crm) || a.row.leads - b.row.leads,
  );
}

export function readScaleEntries(file: URL): ScaleEntry[] {
  if (!existsSync(file)) return [];
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { entries?: ScaleEntry[] };
  if (!Array.isArray(parsed.entries))
    throw new Error(`${file.pathname}: no "entries" array; delete the file to start over`);
  return parsed.entries;
}

export function writeScaleEntries(file: URL, entries: readonly ScaleEntry[]): void {
  writeFileSync(file, `${JSON.stringify({ entries }, null, 1)}\n`);
}

/** The row the flatness of `row` is judged against: the smallest size of the same CRM. */
export function baseOf(entries: readonly ScaleEntry[], row: ScaleRow): ScaleEntry | undefined {
  return entries
    .filter((e) => e.row.crm === row.crm)
    .reduce<ScaleEntry | undefined>((min, e) => (!min || e.row.leads < min.row.leads ? e : min), undefined);
}
