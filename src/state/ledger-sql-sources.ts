import type { ColumnType } from '../ledger/ledger-columns.ts';

/**
 * DuckDB table functions over the local ledger's files, with the fixed column list of
 * ledger-columns.ts: JSON Lines as FileLedger appends them, Parquet as compaction writes them. Shared by
 * the reader (duckdb-ledger-reader.ts) and the compaction (ledger-compaction.ts). DuckDB only.
 */

const DUCKDB_TYPE: Readonly<Record<ColumnType, string>> = {
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  double: 'DOUBLE',
  integer: 'INTEGER',
  string_array: 'VARCHAR[]',
};

export type Columns = Readonly<Record<string, ColumnType>>;

export function duckDbType(t: ColumnType): string {
  return DUCKDB_TYPE[t];
}

/** `files`: a glob or a list of paths. */
export function jsonlSource(files: string | readonly string[], columns: Columns): string {
  const spec = Object.entries(columns)
    .map(([c, t]) => `${sqlString(c)}: ${sqlString(DUCKDB_TYPE[t])}`)
    .join(', ');
  return `SELECT * FROM read_json(${fileList(files)}, format = 'newline_delimited', columns = {${spec}}, hive_partitioning = false)`;
}

/** The columns in the list's order and types, whatever order the file keeps them in. */
export function parquetSource(files: string | readonly string[], columns: Columns): string {
  const cols = Object.entries(columns)
    .map(([c, t]) => `CAST("${c}" AS ${DUCKDB_TYPE[t]}) AS "${c}"`)
    .join(', ');
  return `SELECT ${cols} FROM read_parquet(${fileList(files)}, hive_partitioning = false)`;
}

/** No rows, the same columns: the table of an empty ledger. */
export function emptySource(columns: Columns): string {
  const cols = Object.entries(columns)
    .map(([c, t]) => `CAST(NULL AS ${DUCKDB_TYPE[t]}) AS "${c}"`)
    .join(', ');
  return `SELECT ${cols} WHERE false`;
}

export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function fileList(files: string | readonly string[]): string {
  return typeof files === 'string' ? sqlString(files) : `[${files.map(sqlString).join(', ')}]`;
}
