/**
 * Drops Node's one-time "SQLite is an experimental feature" warning and no other: the file state
 * keeps its large stores in `node:sqlite` (src/state/sqlite-buckets.ts), which Node 22 still marks
 * experimental, and the line on stderr would look like a fault to someone running `tossup sync`.
 * Installed before any store opens (the module is loaded on first open, not imported).
 */
export function quietSqliteWarning(): void {
  const emit = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && text.startsWith('SQLite is an experimental feature')) return;
    return (emit as (...a: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
}
