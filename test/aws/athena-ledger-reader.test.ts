import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AthenaLedgerReader,
  AthenaQueryError,
  athenaSql,
  sqlLiteral,
  typed,
} from '../../src/aws/athena-ledger-reader.ts';
import { type ColumnType, DECISION_COLUMNS, EVENT_COLUMNS } from '../../src/ledger/ledger-columns.ts';
import { dayFilter } from '../../src/ledger/ledger-day-range.ts';
import * as queries from '../../src/ledger/ledger-queries.ts';
import {
  DECISION_AT,
  type LedgerQuery,
  OPPORTUNITY_RATE_BY_REASON,
  RESPONSE_BY_REP,
} from '../../src/ledger/ledger-queries.ts';
import type { LedgerRecord } from '../../src/ledger/ledger-record.ts';
import type { LedgerReader } from '../../src/ports/ledger.ts';
import { buildReview, HISTORY_DAYS } from '../../src/review/build-review.ts';
import { DuckDbLedgerReader } from '../../src/state/duckdb-ledger-reader.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import {
  AS_OF as REVIEW_AS_OF,
  OUTCOMES as REVIEW_OUTCOMES,
  PERIOD as REVIEW_PERIOD,
  RECORDS as REVIEW_RECORDS,
} from '../review/review-fixture.ts';
import { filledDecisionRow, filledEventRow } from '../support/ledger-rows.ts';
import { type AwsAnswer, type AwsCall, LoopbackAws, loopbackClientConfig } from './loopback-aws.ts';

const DUCK_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  double: 'DOUBLE',
  integer: 'INTEGER',
  string_array: 'VARCHAR[]',
};
const FROM = '2026-11-01T00:00:00.000Z';
const TO = '2026-12-01T00:00:00.000Z';
const DB = 'tossup_test_ledger';

let athena: LoopbackAws;
beforeAll(async () => {
  athena = await LoopbackAws.start(() => ({ body: {} }));
});
afterAll(() => athena.close());

function reader(over: { maxWaitMs?: number } = {}) {
  const sleeps: number[] = [];
  const r = new AthenaLedgerReader({
    client: new AthenaClient(loopbackClientConfig(athena.endpoint)),
    workGroup: 'tossup-test-ledger',
    database: DB,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...over,
  });
  return { r, sleeps };
}

const cell = (v: string | null) => (v === null ? {} : { VarCharValue: v });
const COLUMNS = [
  { Name: 'reason_code', Type: 'varchar' },
  { Name: 'tossups', Type: 'integer' },
  { Name: 'opportunity_rate', Type: 'double' },
  { Name: 'on_time', Type: 'boolean' },
  { Name: 'reason_codes', Type: 'array' },
];

/** A fake Athena: queued, running, then `final`; results in two pages (the first with the header row). */
function fakeAthena(final: 'SUCCEEDED' | 'FAILED' | 'RUNNING' = 'SUCCEEDED') {
  let polls = 0;
  return (c: AwsCall): AwsAnswer => {
    switch (c.operation) {
      case 'StartQueryExecution':
        return { body: { QueryExecutionId: 'qe-1' } };
      case 'GetQueryExecution': {
        const state = ['QUEUED', 'RUNNING'][polls++] ?? final;
        return {
          body: {
            QueryExecution: {
              QueryExecutionId: 'qe-1',
              Status: {
                State: state,
                ...(state === 'FAILED'
                  ? { AthenaError: { ErrorCategory: 2, ErrorMessage: 'TABLE_NOT_FOUND: ledger_decisions' } }
                  : {}),
              },
            },
          },
        };
      }
      case 'GetQueryResults': {
        const meta = { ColumnInfo: COLUMNS.map((col) => ({ ...col, Label: col.Name })) };
        if (!c.body.NextToken)
          return {
            body: {
              NextToken: 'page-2',
              ResultSet: {
                ResultSetMetadata: meta,
                Rows: [
                  { Data: COLUMNS.map((col) => cell(col.Name)) },
                  {
                    Data: [
                      'behaviour.high',
                      '3',
                      '0.6666666666666666',
                      'true',
                      '[behaviour.high, title.exec]',
                    ].map(cell),
                  },
                  { Data: [cell('attribute.enterprise'), cell('2'), cell('0.5'), cell(null), cell('[]')] },
                ],
              },
            },
          };
        return {
          body: {
            ResultSet: {
              ResultSetMetadata: meta,
              Rows: [{ Data: [cell("it's"), cell('1'), cell('0'), cell('false'), cell('[x]')] }],
            },
          },
        };
      }
      case 'StopQueryExecution':
        return { body: {} };
      default:
        throw new Error(`unexpected ${c.operation}`);
    }
  };
}

describe('AthenaLedgerReader (real SDK client against a loopback Athena)', () => {
  it('starts the query in the workgroup with execution parameters, waits for it, and reads every page typed', async () => {
    athena.answerWith(fakeAthena());
    const { r, sleeps } = reader();

    const rows = await r.query(OPPORTUNITY_RATE_BY_REASON, [FROM, TO]);

    expect(rows).toEqual([
      {
        reason_code: 'behaviour.high',
        tossups: 3,
        opportunity_rate: 2 / 3,
        on_time: true,
        reason_codes: ['behaviour.high', 'title.exec'],
      },
      {
        reason_code: 'attribute.enterprise',
        tossups: 2,
        opportunity_rate: 0.5,
        on_time: null,
        reason_codes: [],
      },
      { reason_code: "it's", tossups: 1, opportunity_rate: 0, on_time: false, reason_codes: ['x'] },
    ]);
    expect(athena.calls.map((c) => c.operation)).toEqual([
      'StartQueryExecution',
      'GetQueryExecution',
      'GetQueryExecution',
      'GetQueryExecution',
      'GetQueryResults',
      'GetQueryResults',
    ]);
    const start = athena.calls[0]!.body;
    expect(start).toMatchObject({
      WorkGroup: 'tossup-test-ledger',
      QueryExecutionContext: { Database: DB },
      ExecutionParameters: [`'${FROM}'`, `'${TO}'`],
    });
    expect(start.QueryString).toBe(athenaSql(OPPORTUNITY_RATE_BY_REASON, DB, [FROM, TO]));
    // Only the period's day partitions of decisions, and events from its first day on.
    expect(start.QueryString).toContain(
      `FROM "${DB}"."ledger_decisions"\n    WHERE dt >= '2026-11-01' AND dt <= '2026-12-01'\n`,
    );
    expect(start.QueryString).toContain(`FROM "${DB}"."ledger_events"\n    WHERE dt >= '2026-11-01'\n`);
    expect(athena.calls[5]!.body).toMatchObject({
      QueryExecutionId: 'qe-1',
      NextToken: 'page-2',
      MaxResults: 1000,
    });
    // Waits between status checks grow: 250 ms, then 500 ms.
    expect(sleeps).toEqual([250, 500]);
  });

  it("a failed query is an error naming Athena's reason", async () => {
    athena.answerWith(fakeAthena('FAILED'));
    const err = await reader()
      .r.query(RESPONSE_BY_REP, [FROM, TO])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect((err as Error).message).toBe('Athena query qe-1 failed: TABLE_NOT_FOUND: ledger_decisions');
  });

  it('a query still running after maxWaitMs is stopped and fails', async () => {
    athena.answerWith(fakeAthena('RUNNING'));
    const err = await reader({ maxWaitMs: 3000 })
      .r.query(RESPONSE_BY_REP, [FROM, TO])
      .catch((e: unknown) => e);
    expect((err as AthenaQueryError).state).toBe('TIMED_OUT');
    expect(athena.calls.at(-1)).toEqual({
      operation: 'StopQueryExecution',
      body: { QueryExecutionId: 'qe-1' },
    });
  });

  it('refuses a wrong number of parameters before calling Athena', async () => {
    athena.answerWith(fakeAthena());
    await expect(reader().r.query(DECISION_AT, ['L1'])).rejects.toThrow(RangeError);
    expect(athena.calls).toEqual([]);
  });
});

describe('parameters and values', () => {
  it('passes parameters as SQL literals, quotes doubled', () => {
    expect([sqlLiteral("O'Brien"), sqlLiteral(30), sqlLiteral(true), sqlLiteral(0.5)]).toEqual([
      "'O''Brien'",
      '30',
      'true',
      '0.5',
    ]);
    expect(() => sqlLiteral(Number.NaN)).toThrow(RangeError);
  });
  it('reads bigint and decimal as numbers, NULL as null, other types as text', () => {
    expect([
      typed('12', 'bigint'),
      typed('1.25', 'decimal'),
      typed(undefined, 'varchar'),
      typed('x', 'date'),
    ]).toEqual([12, 1.25, null, 'x']);
  });
});

/**
 * The SQL Athena is sent, run on DuckDB (the engines share the ledger's dialect subset): over tables
 * where Firehose stored every row twice, each query answers exactly what the local reader answers over
 * the ledger without the copies.
 */
describe('athenaSql: the same queries, one row per record id', () => {
  let dir: string;
  let local: DuckDbLedgerReader;
  let duck: Awaited<ReturnType<DuckDBInstance['connect']>>;
  let instance: DuckDBInstance;
  const records: LedgerRecord[] = [
    filledDecisionRow({ record_id: 'd1', episode_key: 'E1', lead_id: 'L1' }),
    filledDecisionRow({
      record_id: 'd2',
      episode_key: 'E2',
      lead_id: 'L2',
      decided_at: '2026-11-11T01:00:00.000Z',
      dt: '2026-11-11',
    }),
    filledDecisionRow({
      record_id: 'd3',
      episode_key: 'E3',
      lead_id: 'L3',
      primary_reason: 'attribute.enterprise',
    }),
    filledDecisionRow({ record_id: 'd4', episode_key: null, lead_id: 'L4', flag: 'no', new_episode: false }),
    filledEventRow({
      record_id: 'e1',
      episode_key: 'E1',
      event_type: 'closed',
      step: 'closed',
      close_reason: 'opportunity',
      response_hours: null,
      on_time: null,
    }),
    filledEventRow({ record_id: 'e2', episode_key: 'E1', response_hours: 1.5, on_time: true }),
    filledEventRow({
      record_id: 'e3',
      episode_key: 'E2',
      response_hours: 6,
      on_time: false,
      owner_key: 'u002',
    }),
    filledEventRow({ record_id: 'e4', episode_key: 'E3', response_hours: 3, on_time: true }),
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tossup-athena-sql-'));
    await new FileLedger(dir).append(records);
    local = await DuckDbLedgerReader.open(dir);
    instance = await DuckDBInstance.create(':memory:');
    duck = await instance.connect();
    await duck.run(`CREATE SCHEMA ${DB}`);
    for (const [kind, table, columns] of [
      ['decision', 'ledger_decisions', DECISION_COLUMNS],
      ['event', 'ledger_events', EVENT_COLUMNS],
    ] as const) {
      const file = join(dir, `${table}.jsonl`);
      const lines = records.filter((r) => r.kind === kind).map((r) => JSON.stringify(r));
      writeFileSync(file, `${[...lines, ...lines].join('\n')}\n`);
      const spec = Object.entries(columns)
        .map(([c, t]) => `'${c}': '${DUCK_TYPES[t]}'`)
        .join(', ');
      await duck.run(
        `CREATE TABLE ${DB}.${table} AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${spec}})`,
      );
    }
  });
  afterAll(() => {
    local.close();
    duck.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  const onAthenaSql = async (q: LedgerQuery, params: (string | number | boolean)[]) =>
    (await duck.runAndReadAll(athenaSql(q, DB, params), params)).getRowObjectsJson();

  for (const [name, q, params] of [
    ['OPPORTUNITY_RATE_BY_REASON', OPPORTUNITY_RATE_BY_REASON, [FROM, TO]],
    ['RESPONSE_BY_REP', RESPONSE_BY_REP, [FROM, TO]],
    ['DECISION_AT', DECISION_AT, ['L2', TO]],
  ] as const) {
    it(`${name}: the stored copies change nothing`, async () => {
      const expected = await local.query(q, [...params]);
      expect(expected.length).toBeGreaterThan(0);
      expect(await onAthenaSql(q, [...params])).toEqual(expected);
    });
  }

  it('a query without the de-duplication would count the copies (the fixture does hold them)', async () => {
    const raw = (
      await duck.runAndReadAll(`SELECT COUNT(*)::INTEGER AS n FROM ${DB}.ledger_decisions`)
    ).getRowObjectsJson();
    expect(raw).toEqual([{ n: 8 }]);
  });

  it('every query of ledger-queries.ts still parses and binds once wrapped', async () => {
    const all = Object.entries(queries).filter(
      (e): e is [string, LedgerQuery] => typeof e[1] === 'object' && e[1] !== null && 'sql' in e[1],
    );
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const [name, q] of all) {
      const prepared = await duck.prepare(athenaSql(q, DB)).catch((e: unknown) => new Error(`${name}: ${e}`));
      expect(prepared, name).not.toBeInstanceOf(Error);
    }
  });
});

/**
 * The review as the report function runs it on Athena: every query's SQL as sent (copies removed,
 * only the declared day partitions read), run on DuckDB over the review's hand-made ledger stored
 * twice, gives the review the local reader gives — the partitions each query reads hold all it needs.
 */
describe('the review on Athena reads only the day partitions of its period', () => {
  const REVIEW_DB = 'tossup_review_ledger';
  let dir: string;
  let instance: DuckDBInstance;
  let local: DuckDbLedgerReader;
  const sent: { q: LedgerQuery; params: readonly (string | number | boolean)[] }[] = [];
  let athenaLike: LedgerReader;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tossup-athena-review-'));
    await new FileLedger(dir).append(REVIEW_RECORDS);
    local = await DuckDbLedgerReader.open(dir);
    instance = await DuckDBInstance.create(':memory:');
    const setup = await instance.connect();
    await setup.run(`CREATE SCHEMA ${REVIEW_DB}`);
    for (const [kind, table, columns] of [
      ['decision', 'ledger_decisions', DECISION_COLUMNS],
      ['event', 'ledger_events', EVENT_COLUMNS],
    ] as const) {
      const file = join(dir, `${table}.jsonl`);
      const lines = REVIEW_RECORDS.filter((r) => r.kind === kind).map((r) => JSON.stringify(r));
      writeFileSync(file, `${[...lines, ...lines].join('\n')}\n`);
      const spec = Object.entries(columns)
        .map(([c, t]) => `'${c}': '${DUCK_TYPES[t]}'`)
        .join(', ');
      await setup.run(
        `CREATE TABLE ${REVIEW_DB}.${table} AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${spec}})`,
      );
    }
    setup.closeSync();
    athenaLike = {
      async query(q, params) {
        sent.push({ q, params });
        const c = await instance.connect();
        try {
          return (await c.runAndReadAll(athenaSql(q, REVIEW_DB, params), [...params])).getRowObjectsJson();
        } finally {
          c.closeSync();
        }
      },
      close: () => {},
    };
  });
  afterAll(() => {
    local?.close();
    instance?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as the local reader does, and every table each query reads is bounded below by a day of the period or its look-back', async () => {
    const options = { asOf: REVIEW_AS_OF, outcomes: REVIEW_OUTCOMES };
    const model = await buildReview(athenaLike, REVIEW_PERIOD, options);
    expect(model).toEqual(await buildReview(local, REVIEW_PERIOD, options));
    expect(model.summary.tossups).toBeGreaterThan(0);

    const earliest = new Date(Date.parse(REVIEW_PERIOD.from) - HISTORY_DAYS * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const unbounded: string[] = [];
    for (const { q, params } of sent) {
      const sql = athenaSql(q, REVIEW_DB, params);
      for (const table of ['decisions', 'events'] as const) {
        if (!new RegExp(`\\bledger_${table}\\b`).test(q.sql)) continue;
        const from = /dt >= '(\d{4}-\d{2}-\d{2})'/.exec(dayFilter(q, table, params))?.[1];
        if (!from || from < earliest) unbounded.push(`${q.params.join(', ')}: ${table}`);
      }
      expect(sql).toContain('ledger_copy_');
    }
    expect(unbounded).toEqual([]);
    // The month's own queries read from its first UTC day (2026-10-31: 00:00 JST of 1 November):
    // the rates and noise, the score grid, the summary.
    expect(
      sent.filter(({ q, params }) => dayFilter(q, 'decisions', params).startsWith("dt >= '2026-10-31'"))
        .length,
    ).toBeGreaterThanOrEqual(3);
  });
});
