import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DECISION_COLUMNS, EVENT_COLUMNS, LEDGER_TABLE_NAMES } from '../ledger/ledger-columns.ts';
import type { LedgerQuery } from '../ledger/ledger-queries.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import { LEDGER_TABLES } from './file-ledger.ts';
import { type Columns, emptySource, jsonlSource, parquetSource } from './ledger-sql-sources.ts';

/**
 * The local ledger's files (FileLedger) queried with the embedded DuckDB: one in-memory database
 * whose views `ledger_decisions` and `ledger_events` read the JSON Lines partitions and the Parquet
 * files compaction made of older ones (ledger-compaction.ts) with the fixed column list, one row per
 * record id (a crash during compaction can leave a row in both; an empty ledger is an empty table of
 * the same columns).
 */
export class DuckDbLedgerReader implements LedgerReader {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  /** A reader over `<state dir>/ledger/`. */
  static async open(stateDir: string): Promise<DuckDbLedgerReader> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = new DuckDbLedgerReader(instance, connection);
    const dir = join(stateDir, 'ledger');
    await reader.#view(LEDGER_TABLE_NAMES.decision, join(dir, LEDGER_TABLES.decision), DECISION_COLUMNS);
    await reader.#view(LEDGER_TABLE_NAMES.event, join(dir, LEDGER_TABLES.event), EVENT_COLUMNS);
    return reader;
  }

  async query(
    q: LedgerQuery,
    params: readonly (string | number | boolean)[],
  ): Promise<Record<string, unknown>[]> {
    if (params.length !== q.params.length)
      throw new RangeError(
        `the query takes ${q.params.length} parameter(s) (${q.params.join(', ')}), not ${params.length}`,
      );
    const result = await this.#connection.runAndReadAll(q.sql, [...params]);
    return result.getRowObjectsJson() as Record<string, unknown>[];
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }

  async #view(name: string, folder: string, columns: Columns): Promise<void> {
    const { jsonl, parquet } = partsIn(folder);
    const sources = [
      ...(jsonl ? [jsonlSource(join(folder, 'dt=*', '*.jsonl'), columns)] : []),
      ...(parquet ? [parquetSource(join(folder, 'dt=*', '*.parquet'), columns)] : []),
    ];
    const body =
      sources.length === 0
        ? emptySource(columns)
        : // JSON Lines alone hold one row per id (FileLedger checks its partition); next to Parquet an id
          // can be in both (a crash between compaction's rename and its deletes, an append retried after it).
          parquet
          ? `SELECT DISTINCT ON (record_id) * FROM (${sources.join(' UNION ALL ')})`
          : (sources[0] ?? '');
    await this.#connection.run(`CREATE VIEW ${name} AS ${body}`);
  }
}

/** Which kinds of part files the table's partitions hold (dotfiles are being written: not yet). */
function partsIn(folder: string): { jsonl: boolean; parquet: boolean } {
  const found = { jsonl: false, parquet: false };
  if (!existsSync(folder)) return found;
  for (const d of readdirSync(folder)) {
    if (!d.startsWith('dt=')) continue;
    for (const f of readdirSync(join(folder, d))) {
      if (f.startsWith('.')) continue;
      if (f.endsWith('.jsonl')) found.jsonl = true;
      else if (f.endsWith('.parquet')) found.parquet = true;
    }
    if (found.jsonl && found.parquet) break;
  }
  return found;
}
