/** `node:sqlite`, for the file stores (src/state) and the indexes that spill to a temporary database. */

/**
 * Loaded on first open, not imported: a module that only names a store, or an index that may spill
 * to disk, does not load SQLite (the Lambda bundle's dependencies, `tossup score`). Node 22 still
 * marks `node:sqlite` experimental and emits a one-time warning, synchronously, as it loads: that
 * line on stderr would look like a fault to someone running `tossup sync`, so it alone is dropped,
 * here, for every process that opens a database (CLI, benches, tests, a large Salesforce run's
 * response index) — nothing else is silenced and `process.emitWarning` is put back.
 */
export function sqlite(): typeof import('node:sqlite') {
  const emit = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('SQLite is an experimental feature')) return;
    return (emit as (...a: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
}

/**
 * A private temporary database: a file SQLite unlinks as it opens it (`new DatabaseSync('')`), gone
 * when closed or with the process, so neither journal nor sync — scratch a new process rebuilds,
 * nothing to recover after a crash. `cacheKib`: its page cache, all the memory it holds.
 */
export function scratchDatabase(cacheKib: number): import('node:sqlite').DatabaseSync {
  const { DatabaseSync } = sqlite();
  const db = new DatabaseSync('');
  db.exec('PRAGMA journal_mode = OFF');
  db.exec('PRAGMA synchronous = OFF');
  db.exec(`PRAGMA cache_size = -${cacheKib}`);
  return db;
}
