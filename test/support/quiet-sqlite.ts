import { quietSqliteWarning } from '../../src/cli/quiet-sqlite-warning.ts';

// Each test worker opens file stores in-process: without this, every worker prints Node's one-time
// "SQLite is an experimental feature" warning into the run's output, as the CLI would without it.
quietSqliteWarning();
