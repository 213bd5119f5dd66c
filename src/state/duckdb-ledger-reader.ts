import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DECISION_COLUMNS, EVENT_COLUMNS, LEDGER_TABLE_NAMES } from '../ledger/ledger-columns.ts';
import { dayFilter, withTables } from '../ledger/ledger-day-range.ts';
import type { LedgerQuery } from '../ledger/ledger-queries.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import { LEDGER_TABLES } from './file-ledger.ts';
import {
  type Columns,
  duckDbType,
  emptySource,
  jsonlSource,
  parquetSource,
  sqlString,
} from './ledger-sql-sources.ts';

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
  /** Connections of finished queries, reused by the next ones. */
  readonly #idle: DuckDBConnection[] = [];
  #closed = false;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  /**
   * A reader over `<state dir>/ledger/`. By default every query reads the files again (a lookup or
   * two, as `tossup explain` makes). `inMemory` loads the tables into DuckDB's memory once, at open,
   * for a reader that runs many queries over the whole ledger (the review's thirty-odd): one read of
   * the files instead of one per query. The columns it `omit`s are not loaded and read as NULL —
   * `facts_json`, the bulk of a decision row, which the review never reads.
   */
  static async open(
    stateDir: string,
    options: { inMemory?: { omit: readonly string[] } } = {},
  ): Promise<DuckDbLedgerReader> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = new DuckDbLedgerReader(instance, connection);
    const dir = join(stateDir, 'ledger');
    const tables = [
      [LEDGER_TABLE_NAMES.decision, join(dir, LEDGER_TABLES.decision), DECISION_COLUMNS],
      [LEDGER_TABLE_NAMES.event, join(dir, LEDGER_TABLES.event), EVENT_COLUMNS],
    ] as const;
    const inMemory = options.inMemory;
    if (inMemory) {
      // Every query orders what it returns: the load need not keep the files' row order (faster,
      // less memory). The two tables load side by side, each on a connection of its own.
      await connection.run('SET preserve_insertion_order = false');
      await Promise.all(
        tables.map(async ([name, folder, columns]) => {
          const own = await instance.connect();
          try {
            await loadTable(own, name, folder, columns, inMemory.omit);
          } finally {
            own.closeSync();
          }
        }),
      );
      await connection.run('RESET preserve_insertion_order');
    } else {
      for (const [name, folder, columns] of tables)
        await connection.run(`CREATE VIEW ${name}${ALL} AS ${sourceOf(folder, columns)}`);
    }
    for (const [name] of tables) await connection.run(`CREATE VIEW ${name} AS SELECT * FROM ${name}${ALL}`);
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
    // A connection per query in flight: queries sent together run side by side (DuckDB runs each on
    // the caller's thread plus its pool; one connection would run them one after the other).
    const connection = this.#idle.pop() ?? (await this.#instance.connect());
    try {
      const result = await connection.runAndReadAll(daysOnly(q, params), [...params]);
      return result.getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      if (this.#closed) connection.closeSync();
      else this.#idle.push(connection);
    }
  }

  close(): void {
    this.#closed = true;
    for (const c of this.#idle.splice(0)) c.closeSync();
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

/** The table loaded once into memory without the omitted columns, and a view that shows them as NULL. */
async function loadTable(
  connection: DuckDBConnection,
  name: string,
  folder: string,
  columns: Columns,
  omit: readonly string[],
): Promise<void> {
  const kept = Object.keys(columns).filter((c) => !omit.includes(c));
  await connection.run(
    `CREATE TABLE ${name}_loaded AS SELECT ${kept.map((c) => `"${c}"`).join(', ')} FROM (${sourceOf(folder, columns)})`,
  );
  const shown = Object.entries(columns).map(([c, t]) =>
    omit.includes(c) ? `CAST(NULL AS ${duckDbType(t)}) AS "${c}"` : `"${c}"`,
  );
  await connection.run(`CREATE VIEW ${name}${ALL} AS SELECT ${shown.join(', ')} FROM ${name}_loaded`);
}

/** Suffix of the views over all of a table's rows (the table's own name may be narrowed per query). */
const ALL = '_all';

/**
 * The query over only the day partitions it declares (`LedgerQuery.partitions`, as Athena reads
 * them): each table it narrows becomes a CTE of its name over those rows, so its joins and groups
 * see a week's rows for a week's review, not the whole ledger. NOT MATERIALIZED: a filter, which
 * DuckDB pushes into each scan, not a copy of the rows.
 */
function daysOnly(q: LedgerQuery, params: readonly (string | number | boolean)[]): string {
  const narrowed = (
    [
      [LEDGER_TABLE_NAMES.decision, dayFilter(q, 'decisions', params)],
      [LEDGER_TABLE_NAMES.event, dayFilter(q, 'events', params)],
    ] as const
  ).flatMap(([name, where]) =>
    where ? [`${name} AS NOT MATERIALIZED (SELECT * FROM ${name}${ALL} WHERE ${where})`] : [],
  );
  return narrowed.length === 0 ? q.sql : withTables(q.sql, narrowed);
}

/**
 * What the table's files hold, as one SELECT with one row per record id. JSON Lines alone hold one row
 * per id (FileLedger checks its partition), and so does a partition's one Parquet file. Rows can be
 * twice only in a partition that compaction left half-done (a crash between its rename and its
 * deletes: JSON Lines next to Parquet, or two Parquet files) or that got an append after it: such
 * partitions — rare, and gone at the next compaction — are deduplicated, the rest is read as it is
 * (deduplicating a whole month costs more than reading it).
 */
function sourceOf(folder: string, columns: Columns): string {
  const parts = partitionsIn(folder);
  const single = parts.flatMap((p) => (p.parquet.length === 1 ? p.parquet : []));
  const several = parts.flatMap((p) => (p.parquet.length > 1 ? p.parquet : []));
  const shadowing = parts.flatMap((p) => (p.jsonl.length > 0 ? p.parquet : []));
  const sources: string[] = [];
  if (single.length > 0) sources.push(parquetSource(single, columns));
  if (several.length > 0)
    sources.push(`SELECT DISTINCT ON (record_id) * FROM (${parquetSource(several, columns)})`);
  if (parts.some((p) => p.jsonl.length > 0)) {
    const jsonl = jsonlSource(join(folder, 'dt=*', '*.jsonl'), columns);
    sources.push(
      shadowing.length === 0
        ? jsonl
        : `SELECT * FROM (${jsonl}) WHERE record_id NOT IN (SELECT record_id FROM read_parquet([${shadowing.map(sqlString).join(', ')}]))`,
    );
  }
  return sources.length === 0 ? emptySource(columns) : sources.join(' UNION ALL ');
}

/** The part files of each day partition (dotfiles are being written: not yet). */
function partitionsIn(folder: string): { jsonl: string[]; parquet: string[] }[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((d) => d.startsWith('dt='))
    .map((d) => {
      const files = readdirSync(join(folder, d)).filter((f) => !f.startsWith('.'));
      return {
        jsonl: files.filter((f) => f.endsWith('.jsonl')).map((f) => join(folder, d, f)),
        parquet: files.filter((f) => f.endsWith('.parquet')).map((f) => join(folder, d, f)),
      };
    });
}
