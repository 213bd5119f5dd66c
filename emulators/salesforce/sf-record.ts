/**
 * One stored record version. Versions are immutable: a write stores a new object, so query
 * cursors holding the old object keep a consistent snapshot, and indexes can tell a live entry
 * from a stale one by identity.
 */
export interface SfRecord {
  Id: string;
  IsDeleted: boolean;
  /** Epoch ms. */
  SystemModstamp: number;
  [field: string]: unknown;
}
