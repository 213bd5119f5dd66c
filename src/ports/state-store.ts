import type { SyncCursor } from './lead-source.ts';

export interface StoredCursor {
  cursor: SyncCursor;
  /** Monotonic version for compare-and-set; two runs cannot both advance the same cursor. */
  version: number;
}

export class CursorConflictError extends Error {
  constructor(key: string) {
    super(`cursor ${key} was advanced by another run`);
    this.name = 'CursorConflictError';
  }
}

/** Cursors and idempotency records; the file store (CLI) and DynamoDB store (AWS) both implement it. */
export interface StateStore {
  getCursor(key: string): Promise<StoredCursor | null>;
  /** Writes only if the stored version is still `expectedVersion` (`null` = must not exist). */
  putCursor(key: string, cursor: SyncCursor, expectedVersion: number | null): Promise<StoredCursor>;
  /** Records that a side effect identified by `key` completed, with what it produced. */
  markDone(key: string, result: string, ttlSeconds: number): Promise<void>;
  getDone(key: string): Promise<string | null>;
}
