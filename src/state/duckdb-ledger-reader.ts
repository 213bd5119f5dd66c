import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  type ColumnType,
  DECISION_COLUMNS,
  EVENT_COLUMNS,
  LEDGER_TABLE_NAMES,
} from '../ledger/ledger-columns.ts';
import type { LedgerQuery } from '../ledger/ledger-queries.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import { LEDGER_TABLES } from './file-ledger.ts';

const DUCKDB_TYPE: Readonly<Record<ColumnType, string>> = {
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  double: 'DOUBLE',
  integer: 'INTEGER',
  string_array: 'VARCHAR[]',
};

/**
 * The local ledger's files (FileLedger) queried with the embedded DuckDB: one in-memory database
 * whose views `ledger_decisions` and `ledger_events` read the JSON Lines partitions with the fixed
 * column list (an empty ledger is an empty table of the same columns).
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

  async #view(name: string, folder: string, columns: Readonly<Record<string, ColumnType>>): Promise<void> {
    const spec = Object.entries(columns)
      .map(([c, t]) => `${sqlString(c)}: ${sqlString(DUCKDB_TYPE[t])}`)
      .join(', ');
    if (!hasParts(folder)) {
      const cols = Object.entries(columns)
        .map(([c, t]) => `CAST(NULL AS ${DUCKDB_TYPE[t]}) AS "${c}"`)
        .join(', ');
      await this.#connection.run(`CREATE VIEW ${name} AS SELECT ${cols} WHERE false`);
      return;
    }
    const glob = join(folder, 'dt=*', '*.jsonl');
    await this.#connection.run(
      `CREATE VIEW ${name} AS SELECT * FROM read_json(${sqlString(glob)}, format = 'newline_delimited', columns = {${spec}}, hive_partitioning = false)`,
    );
  }
}

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function hasParts(folder: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder).some(
    (d) => d.startsWith('dt=') && readdirSync(join(folder, d)).some((f) => f.endsWith('.jsonl')),
  );
}
