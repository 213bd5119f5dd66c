import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Writes `entries` as the build before the due index left a SqliteBuckets store: schema version 1,
 * no `due_at` column. For the tests of what the current build makes of such a store.
 */
export function writeSqliteBucketsV1(dir: string, entries: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, 'entries.db'));
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`
      CREATE TABLE entries (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL, expires_at INTEGER);
      CREATE INDEX entries_expiry ON entries (expires_at) WHERE expires_at IS NOT NULL;
      PRAGMA user_version = 1;
    `);
    const insert = db.prepare('INSERT INTO entries (key, value, expires_at) VALUES (?, ?, NULL)');
    for (const [key, value] of Object.entries(entries)) insert.run(key, JSON.stringify(value));
  } finally {
    db.close();
  }
}

/** The `PRAGMA user_version` of the store in `dir`. */
export function sqliteBucketsVersion(dir: string): number {
  const db = new DatabaseSync(join(dir, 'entries.db'), { readOnly: true });
  try {
    return db.prepare('PRAGMA user_version').get()!.user_version as number;
  } finally {
    db.close();
  }
}
