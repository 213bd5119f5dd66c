import type { CrmName } from '../domain/lead.ts';
import type { RecheckRecord } from './recheck-store.ts';

/**
 * Per-lead version records: the worker's guard against out-of-order and concurrent delivery.
 *
 * SQS may deliver two versions of one lead out of order, or the same version to two workers at once.
 * Before processing a lead at version `v` (its `modifiedAt` in epoch ms), a worker claims the lead:
 * - nothing stored, or `done` at an older version, or an abandoned claim (lease passed) at `v` or
 *   older → `claimed`: process it, then `complete` (or `release` on failure);
 * - a newer version stored (done or in progress) → `stale`: a newer decision exists or is being made,
 *   so this one is dropped (acknowledged without any CRM call);
 * - `done` at exactly `v` → `done`: a duplicate delivery of work already finished;
 * - a live claim at `v` or older by another worker → `busy`: retry later (the message comes back
 *   when that claim's lease ends, and finds the other worker's result).
 * A claim's lease ends with the claiming invocation's deadline, so a crashed worker's claim is taken
 * over by the redelivery (like Powertools' `in_progress_expiration`). Where the store offers
 * `claimDecided`, the worker claims once the lead is decided instead, and never completes (below).
 */
export type ClaimOutcome =
  | { status: 'claimed'; token: string }
  | { status: 'stale' | 'done'; storedVersion: number }
  | {
      status: 'busy';
      storedVersion: number;
      /** When the claim in the way lapses, where known: the retry need not wait longer. */
      leaseUntilMs?: number;
    };

export interface LeadVersions {
  claim(leadKey: string, version: number, leaseUntilMs: number): Promise<ClaimOutcome>;
  /** Marks the claimed version done; false when the claim was lost (taken over after its lease). */
  complete(leadKey: string, version: number, token: string): Promise<boolean>;
  /**
   * Optional, where the claim and the lead's re-check record share one stored item (DynamoDB, where
   * each item written costs a write unit: docs/cost.md): the claim taken once the lead is decided and
   * before anything is written, carrying `recheck`, the lead's re-check record as it will stand once
   * its writes succeed (null: leave the stored record as it is). One write a lead, and no completion:
   * the claim stays in progress until its lease lapses, so a newer version waits for the lease, and a
   * redelivery after a success decides again and repeats its writes (they are idempotent). A lead whose
   * writes fail is given its previous record back (`RecheckStore.schedule`) and its claim `release`d.
   * Where the store read the lead's record for this decision (`RecheckStore.getMany`), the claim also
   * requires that no other claim came between (→ `busy`: the lead is decided again from a fresh
   * read). Never returns `done`.
   */
  claimDecided?(
    leadKey: string,
    version: number,
    leaseUntilMs: number,
    crm: CrmName,
    recheck: RecheckRecord | null,
  ): Promise<ClaimOutcome>;
  /**
   * Optional, where re-check times are filed apart from the records (DynamoDB's rosters): files the
   * `recheckAt` of `records` before the claims that will write them, so a batch's claims share one
   * filing per instant; `claimDecided` files a record itself when this was not called for it.
   */
  fileRechecks?(crm: CrmName, records: readonly RecheckRecord[]): Promise<void>;
  /**
   * Optional, where `claimDecided`'s store reads eventually consistent: for a lead decided without a
   * claim (no version), null when its stored record is still as the read before deciding saw it; a
   * `busy` refusal when that read was stale or the record changed since — decide it again from a
   * fresh read, once `leaseUntilMs` has passed.
   */
  confirmRead?(leadKey: string): Promise<(ClaimOutcome & { status: 'busy' }) | null>;
  /** Gives the claim up at once so a redelivery need not wait for the lease. */
  release(leadKey: string, version: number, token: string): Promise<void>;
}

/** `lead|<crm>|<objectType>|<id>`: one record per CRM record. */
export function leadVersionKey(crm: string, objectType: string, id: string): string {
  return `${crm}|${objectType}|${id}`;
}
