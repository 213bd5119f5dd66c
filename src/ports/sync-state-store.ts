import type { FailureKind } from '../domain/errors.ts';
import type { StateStore } from '../ports/state-store.ts';

/** Where in the pipeline a record was given up on. */
export type FailureStage = 'plan' | 'task' | 'write';

/** A record the pipeline skipped, kept so an admin can find and fix it; ids and codes only, no personal data. */
export interface SkippedRecord {
  /** Which sync the record belongs to (the cursor key, e.g. `salesforce:default`). */
  scope: string;
  leadId: string;
  objectType: string;
  stage: FailureStage;
  kind: FailureKind;
  code: string;
  /** Already stripped of personal data (see src/logging/scrub.ts). */
  message: string;
  /** When it was skipped (ISO UTC). */
  at: string;
}

/**
 * The state the sync pipeline keeps between runs, on top of the cursors and done-records of the
 * `StateStore` port: idempotent counters (manual-request quota) and the list of skipped records.
 * The in-memory and file stores implement it; the DynamoDB store will too (`test/state/
 * state-store.contract.ts` is the shared contract).
 */
export interface SyncStateStore extends StateStore {
  /**
   * Adds `member` to the set counted under `key` and returns the set's size. Idempotent: adding the
   * same member twice counts it once, so a retried toss-up never uses up a second quota slot.
   * The set expires `ttlSeconds` after its last change.
   */
  countOnce(key: string, member: string, ttlSeconds: number): Promise<number>;
  /** Members counted under `key` (empty when none or expired). */
  counted(key: string): Promise<string[]>;
  /** Records (or replaces) the skip of one lead in one scope; expires after `ttlSeconds`. */
  recordSkipped(record: SkippedRecord, ttlSeconds: number): Promise<void>;
  /** Skipped records of `scope`, newest first, at most `limit`. */
  listSkipped(scope: string, limit: number): Promise<SkippedRecord[]>;
}
