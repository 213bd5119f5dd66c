import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { DECISION_COLUMNS, EVENT_COLUMNS, LEDGER_TABLE_NAMES } from '../ledger/ledger-columns.ts';
import { dayFilter, withTables } from '../ledger/ledger-day-range.ts';
import type { LedgerQuery } from '../ledger/ledger-queries.ts';
import type { LedgerReader } from '../ports/ledger.ts';

export interface AthenaLedgerReaderOptions {
  client: AthenaClient;
  /** The ledger's workgroup (infra/ledger.yml): it enforces the result location and the scan cutoff. */
  workGroup: string;
  /** The Glue database holding `ledger_decisions` and `ledger_events`. */
  database: string;
  /** First wait between status checks; doubles up to 2 s. */
  pollMs?: number;
  /** A query still running after this long is stopped and fails (default 5 minutes). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Athena ran the query and it failed, was cancelled, or took too long. */
export class AthenaQueryError extends Error {
  readonly queryExecutionId: string;
  readonly state: string;
  constructor(queryExecutionId: string, state: string, reason: string) {
    super(`Athena query ${queryExecutionId} ${state.toLowerCase()}: ${reason}`);
    this.name = 'AthenaQueryError';
    this.queryExecutionId = queryExecutionId;
    this.state = state;
  }
}

const PAGE = 1000;

/**
 * The ledger's queries (src/ledger/ledger-queries.ts, the same SQL DuckDB runs locally) on Athena over
 * the Parquet tables Firehose writes. Firehose delivers at least once, so the tables can hold a row
 * twice: each query runs under two common table expressions named like the tables it reads, which
 * keep one row per `record_id` (`athenaSql`). Parameters go as Athena execution parameters (SQL
 * literals), never spliced into the text. Results are paged and typed back from Athena's text
 * values by the result set's column types, so callers get what the DuckDB reader gives them.
 */
export class AthenaLedgerReader implements LedgerReader {
  readonly #client: AthenaClient;
  readonly #workGroup: string;
  readonly #database: string;
  readonly #pollMs: number;
  readonly #maxWaitMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: AthenaLedgerReaderOptions) {
    this.#client = options.client;
    this.#workGroup = options.workGroup;
    this.#database = options.database;
    this.#pollMs = options.pollMs ?? 250;
    this.#maxWaitMs = options.maxWaitMs ?? 300_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async query(
    q: LedgerQuery,
    params: readonly (string | number | boolean)[],
  ): Promise<Record<string, unknown>[]> {
    if (params.length !== q.params.length)
      throw new RangeError(
        `the query takes ${q.params.length} parameter(s) (${q.params.join(', ')}), not ${params.length}`,
      );
    const started = await this.#client.send(
      new StartQueryExecutionCommand({
        QueryString: athenaSql(q, this.#database, params),
        WorkGroup: this.#workGroup,
        QueryExecutionContext: { Database: this.#database },
        ...(params.length > 0 ? { ExecutionParameters: params.map(sqlLiteral) } : {}),
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new Error('Athena started a query without an execution id');
    await this.#waitFor(id);
    return this.#rows(id);
  }

  close(): void {
    // The SDK client belongs to the caller (one per container); nothing is held per reader.
  }

  async #waitFor(id: string): Promise<void> {
    let waited = 0;
    let pause = this.#pollMs;
    for (;;) {
      const out = await this.#client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = out.QueryExecution?.Status;
      const state = status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED')
        throw new AthenaQueryError(
          id,
          state,
          status?.AthenaError?.ErrorMessage ?? status?.StateChangeReason ?? 'no reason given',
        );
      if (waited >= this.#maxWaitMs) {
        await this.#client
          .send(new StopQueryExecutionCommand({ QueryExecutionId: id }))
          .catch(() => undefined);
        throw new AthenaQueryError(id, 'TIMED_OUT', `still ${state} after ${waited} ms; stopped`);
      }
      await this.#sleep(pause);
      waited += pause;
      pause = Math.min(2_000, pause * 2);
    }
  }

  async #rows(id: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let columns: ColumnInfo[] | undefined;
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.#client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: PAGE,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const data = page.ResultSet?.Rows ?? [];
      // A SELECT's first row is the header (the column names again).
      for (const row of first ? data.slice(1) : data) {
        const cells = row.Data ?? [];
        const out: Record<string, unknown> = {};
        columns.forEach((c, i) => {
          out[c.Name ?? `_${i}`] = typed(cells[i]?.VarCharValue, c.Type ?? 'varchar');
        });
        rows.push(out);
      }
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }
}

/**
 * A ledger query as Athena runs it: the query itself, under `ledger_decisions` and `ledger_events`
 * defined as the Glue tables with one row per record id (a query that starts with its own WITH gets
 * them prepended to its list). The CTEs name their columns (ledger-columns.ts), so `SELECT *` means
 * the same columns as on DuckDB. Given the parameters, each CTE reads only the day partitions the
 * query declares (`LedgerQuery.partitions`): the filter on `dt` sits inside it, under the window
 * that removes copies — a filter outside would not reach the table scan, and Athena would read (and
 * bill) every partition.
 */
export function athenaSql(
  q: LedgerQuery,
  database: string,
  params: readonly (string | number | boolean)[] = [],
): string {
  const dedupe = [
    dedupeCte(
      LEDGER_TABLE_NAMES.decision,
      database,
      Object.keys(DECISION_COLUMNS),
      dayFilter(q, 'decisions', params),
    ),
    dedupeCte(LEDGER_TABLE_NAMES.event, database, Object.keys(EVENT_COLUMNS), dayFilter(q, 'events', params)),
  ];
  return withTables(q.sql, dedupe);
}

function dedupeCte(table: string, database: string, columns: readonly string[], where: string): string {
  const cols = columns.map((c) => `"${c}"`).join(', ');
  return `${table} AS (
  SELECT ${cols} FROM (
    SELECT ${cols}, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY dt) AS ledger_copy_
    FROM "${database.replaceAll('"', '""')}"."${table}"${where ? `\n    WHERE ${where}` : ''}
  ) WHERE ledger_copy_ = 1
)`;
}

/** A parameter as the SQL literal Athena's execution parameters take. */
export function sqlLiteral(v: string | number | boolean): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`a query parameter must be a finite number, not ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `'${v.replaceAll("'", "''")}'`;
}

/** Athena's text value of a cell, back as the type the result set says (undefined: SQL NULL). */
export function typed(value: string | undefined, type: string): unknown {
  if (value === undefined) return null;
  switch (type.toLowerCase()) {
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(value);
    case 'boolean':
      return value === 'true';
    case 'array':
      // Athena renders array<varchar> as `[a, b]`, no quoting: elements holding ", " cannot be told
      // apart (the ledger's arrays hold reason codes and campaign names; docs/deploy.md says so).
      return value === '[]' ? [] : value.slice(1, -1).split(', ');
    case 'json':
      return JSON.parse(value);
    default:
      return value;
  }
}
