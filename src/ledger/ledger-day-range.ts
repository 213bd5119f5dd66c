import type { LedgerQuery } from './ledger-queries.ts';

/**
 * The day partitions (`dt`, UTC dates) a ledger query reads of a table, from its declared
 * `partitions` and its parameters: `dt >= '…' AND dt <= '…'`, or '' when it may read them all.
 * Both readers use it — Athena to scan only those partitions, DuckDB to join and group only those
 * rows (a week's review need not group the whole ledger).
 */
export function dayFilter(
  q: LedgerQuery,
  table: 'decisions' | 'events',
  params: readonly (string | number | boolean)[],
): string {
  const range = q.partitions?.[table];
  if (!range || params.length === 0) return '';
  const day = (i: number | undefined): string | undefined => {
    if (i === undefined) return undefined;
    const v = params[i];
    const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(t))
      throw new RangeError(`parameter ${i + 1} (${q.params[i] ?? '?'}) must be an ISO instant, not ${v}`);
    return new Date(t).toISOString().slice(0, 10);
  };
  const from = day(range.from);
  const to = day(range.to);
  const bounds: string[] = [];
  // Dates are YYYY-MM-DD, checked above: nothing to escape.
  if (from) bounds.push(`dt >= '${from}'`);
  if (to) bounds.push(`dt <= '${to}'`);
  return bounds.join(' AND ');
}

/**
 * The query's SQL under common table expressions named like the tables it reads (`name AS (sql)`,
 * in order): prepended to its own WITH list when it starts with one.
 */
export function withTables(sql: string, tables: readonly string[]): string {
  const own = /^WITH\s+/i.exec(sql.trim());
  const defs = tables.join(',\n');
  return own ? `WITH ${defs},\n${sql.trim().slice(own[0].length)}` : `WITH ${defs}\n${sql.trim()}`;
}
