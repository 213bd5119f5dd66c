import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DECISION_COLUMNS, EVENT_COLUMNS } from '../ledger/ledger-columns.ts';
import { DirectoryLock } from './directory-lock.ts';
import { LEDGER_LOCK_FILE, LEDGER_TABLES } from './file-ledger.ts';
import { jsonlSource, parquetSource, sqlString } from './ledger-sql-sources.ts';

export interface CompactionResult {
  /** Day partitions rewritten. */
  partitions: number;
  /** Rows in the Parquet files written (duplicates of one id counted once). */
  rows: number;
  /** JSONL and older Parquet files replaced. */
  filesReplaced: number;
}

/** A temporary file of a compaction this old was left by a crash (a compaction of a day takes seconds). */
const STALE_TMP_MS = 10 * 60_000;

/**
 * Rewrites the day partitions of the local ledger older than `before` (a UTC date, exclusive) into one
 * Parquet file each, with DuckDB: the review then reads a few columns of a compressed columnar file
 * instead of parsing every JSON line (facts included) of the month on every query (docs/ledger.md,
 * "Compaction"). Crash-safe by order: the new file is written under a temporary name (not matched by
 * any reader), fsynced, renamed into place, and only then are the files it replaces deleted. A crash
 * between the rename and the deletes leaves rows twice, which the reader collapses by record id and
 * the next compaction removes. The rename and the deletes run under the ledger's lock, so an append
 * reading a partition's ids never meets a file vanishing under it.
 */
export async function compactLedger(
  stateDir: string,
  options: { before: string },
): Promise<CompactionResult> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(options.before))
    throw new RangeError(`before must be a date YYYY-MM-DD, not ${options.before}`);
  const lock = new DirectoryLock(join(stateDir, LEDGER_LOCK_FILE));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const result: CompactionResult = { partitions: 0, rows: 0, filesReplaced: 0 };
  try {
    for (const kind of ['decision', 'event'] as const) {
      const tableDir = join(stateDir, 'ledger', LEDGER_TABLES[kind]);
      if (!existsSync(tableDir)) continue;
      const columns = kind === 'decision' ? DECISION_COLUMNS : EVENT_COLUMNS;
      const timeColumn = kind === 'decision' ? 'decided_at' : 'event_at';
      for (const partition of readdirSync(tableDir).sort()) {
        const day = /^dt=(\d{4}-\d{2}-\d{2})$/.exec(partition)?.[1];
        if (!day || day >= options.before) continue;
        const folder = join(tableDir, partition);
        removeStaleTemporaries(folder);
        const names = readdirSync(folder);
        const jsonl = names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.'));
        const parquet = names.filter((n) => n.endsWith('.parquet') && !n.startsWith('.'));
        if (jsonl.length === 0 && parquet.length <= 1) continue;
        const name = `part-compact-${Date.now()}-${process.pid}-${randomBytes(3).toString('hex')}.parquet`;
        const tmp = join(folder, `.${name}.tmp`);
        const sources = [
          ...(jsonl.length
            ? [
                jsonlSource(
                  jsonl.map((n) => join(folder, n)),
                  columns,
                ),
              ]
            : []),
          ...(parquet.length
            ? [
                parquetSource(
                  parquet.map((n) => join(folder, n)),
                  columns,
                ),
              ]
            : []),
        ];
        await connection.run(
          `COPY (SELECT DISTINCT ON (record_id) * FROM (${sources.join(' UNION ALL ')}) ORDER BY ${timeColumn}, record_id) ` +
            `TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        const counted = await connection.runAndReadAll(
          `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM read_parquet(${sqlString(tmp)})`,
        );
        result.rows += Number(counted.getRowObjectsJson()[0]?.n ?? 0);
        fsyncFile(tmp);
        await lock.withLock(() => {
          renameSync(tmp, join(folder, name));
          for (const n of [...jsonl, ...parquet]) unlinkSync(join(folder, n));
        });
        result.partitions++;
        result.filesReplaced += jsonl.length + parquet.length;
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return result;
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeStaleTemporaries(folder: string): void {
  for (const n of readdirSync(folder)) {
    if (!n.startsWith('.part-compact-') || !n.endsWith('.tmp')) continue;
    const path = join(folder, n);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_TMP_MS) unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
