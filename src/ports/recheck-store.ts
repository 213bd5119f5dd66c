import type { CrmName } from '../domain/lead.ts';

/** One lead of one CRM: the object it lives in and its id. */
export interface RecheckRef {
  objectType: string;
  leadId: string;
}

/**
 * What is kept per lead between runs (docs/routing-and-sla.md, "Re-checks"):
 * - `recheckAt`: when the same lead data could next be decided differently (`recheckAt` in
 *   src/scoring/recheck-at.ts), ISO UTC; null when never;
 * - `holdSince`: since when the lead has been on hold without a break (ISO UTC), null when it is
 *   not on hold. Kept while every decision is a hold or an expired hold, so `holdExpiresAfter` can
 *   count from it (src/scoring/hold-expiry.ts); the CRM record has no such field;
 * - `inputs`: the fingerprint of what the last settled decision read, as the CRM holds it after our
 *   write (src/pipeline/decision-inputs.ts): a lead read again with the same fingerprint, and no
 *   re-check due, is not decided again. Absent/null = unknown (decide).
 */
export interface RecheckRecord extends RecheckRef {
  recheckAt: string | null;
  holdSince: string | null;
  inputs?: string | null;
}

/** A record worth keeping: one of its fields is set (otherwise the store removes it). */
export function keepsRecheckRecord(r: RecheckRecord): boolean {
  return r.recheckAt !== null || r.holdSince !== null || (r.inputs ?? null) !== null;
}

/** An index entry: the lead is due for a re-check at `recheckAt`. */
export interface DueRecheck extends RecheckRef {
  recheckAt: string;
}

/**
 * Per-lead re-check times and hold starts, per CRM: the file store for the CLI, DynamoDB on AWS
 * (the state table, its sparse `due` index under a key prefix of its own). `dueBefore` reads an
 * index on `recheckAt`, never every record.
 */
export interface RecheckStore {
  /** The records of `refs` (absent ones are missing from the map), keyed by `recheckKey`. */
  getMany(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord>>;
  /**
   * Writes each record and moves its index entry; a record with none of `recheckAt`, `holdSince`
   * and `inputs` is removed. Last write wins: the decisions that produce them are deterministic.
   */
  schedule(crm: CrmName, records: readonly RecheckRecord[]): Promise<void>;
  /**
   * Optional, where `getMany` may answer from a stale copy (DynamoDB's eventually consistent reads):
   * the records read again, fresh; null when `getMany`'s read is fresh already.
   */
  readFresh?(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord> | null>;
  /**
   * Leads whose `recheckAt` is at or before `at`, earliest first, at most `limit`. May briefly list
   * a lead that was just rescheduled (DynamoDB indexes are eventually consistent): re-deciding it
   * is harmless, it only reschedules it.
   */
  dueBefore(crm: CrmName, at: Date, limit: number): Promise<DueRecheck[]>;
  remove(crm: CrmName, refs: readonly RecheckRef[]): Promise<void>;
}

export function recheckKey(ref: RecheckRef): string {
  return `${ref.objectType}|${ref.leadId}`;
}
