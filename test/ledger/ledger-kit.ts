import { type Dirent, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import type { LedgerWiring } from '../../src/ledger/flush-ledger.ts';
import { DECISION_COLUMNS, EVENT_COLUMNS } from '../../src/ledger/ledger-columns.ts';
import type { DecisionRecord, EventRecord, LedgerRecord } from '../../src/ledger/ledger-record.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { FileLedgerOutbox } from '../../src/state/file-ledger-outbox.ts';
import { parquetSource } from '../../src/state/ledger-sql-sources.ts';

/** A fresh state directory with the local ledger and its outbox. */
export function localLedgerAt(stateDir = mkdtempSync(join(tmpdir(), 'tossup-ledger-'))): LedgerWiring & {
  stateDir: string;
  errors: string[];
} {
  const errors: string[] = [];
  return {
    stateDir,
    errors,
    ledger: new FileLedger(stateDir),
    outbox: new FileLedgerOutbox(stateDir),
    onError: (m) => {
      errors.push(m);
    },
  };
}

/** Every file under `dir` (recursively), as text: what the PII test searches. */
export function allText(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out += `${readFileSync(join(e.parentPath, e.name), 'utf8')}\n`;
  }
  return out;
}

/** The ledger's rows as written (JSON Lines of every partition). */
export function ledgerRows(stateDir: string): LedgerRecord[] {
  const root = join(stateDir, 'ledger');
  let names: Dirent[];
  try {
    names = readdirSync(root, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return names
    .filter((e) => e.isFile() && e.name.endsWith('.jsonl'))
    .flatMap((e) =>
      readFileSync(join(e.parentPath, e.name), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as LedgerRecord),
    );
}

export const decisionsOf = (rows: LedgerRecord[]): DecisionRecord[] =>
  rows.filter((r): r is DecisionRecord => r.kind === 'decision');
export const eventsOf = (rows: LedgerRecord[]): EventRecord[] =>
  rows.filter((r): r is EventRecord => r.kind === 'event');

/**
 * Every row of the ledger, JSON Lines and Parquet (compacted days, `ledger-compaction.ts`), read back
 * as the records that were appended.
 */
export async function ledgerRowsWithParquet(stateDir: string): Promise<LedgerRecord[]> {
  const parquet = (() => {
    try {
      return readdirSync(join(stateDir, 'ledger'), { withFileTypes: true, recursive: true }).filter(
        (e) => e.isFile() && e.name.endsWith('.parquet') && !e.name.startsWith('.'),
      );
    } catch {
      return [];
    }
  })();
  const rows = ledgerRows(stateDir);
  if (parquet.length === 0) return rows;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const e of parquet) {
      const file = join(e.parentPath, e.name);
      const columns = e.parentPath.includes(`${sep}decisions${sep}`) ? DECISION_COLUMNS : EVENT_COLUMNS;
      const read = await connection.runAndReadAll(parquetSource(file, columns));
      rows.push(...(read.getRowObjectsJson() as unknown as LedgerRecord[]));
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return rows;
}
