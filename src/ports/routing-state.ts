/**
 * State the router needs between leads and between runs: who a lead was already given to (so a retry
 * lands on the same rep) and how many leads each rep took on a business day (daily capacity).
 * The in-memory store (tests, CLI demo) and later file/DynamoDB stores implement it.
 */

export type OwnerKind = 'user' | 'queue';

/** How the owner was chosen; `fallback` = the decided owner could not take the lead. */
export type RouteVia = 'account_owner' | 'queue' | 'requester' | 'pool' | 'overflow' | 'fallback';

export interface RouteResult {
  /** CRM id of the user or queue (for the CRM the lead lives in). */
  ownerId: string;
  ownerKind: OwnerKind;
  via: RouteVia;
  /** Rep or queue key in routing.yaml; absent for an account owner or requester not listed there. */
  ownerKey?: string;
  poolId?: string;
  /** Id of the routing rule that picked the pool or queue, when one did. */
  ruleId?: string;
  /** Why the route is not the obvious one (fallback, spill-over, overflow), for sales and admins. */
  note?: string;
  /** Business date (YYYY-MM-DD) the assignment counts against for daily capacity. */
  businessDate: string;
}

export interface RecordedAssignment {
  result: RouteResult;
  /** Monotonic per key, for compare-and-set. */
  version: number;
}

export interface RoutingState {
  /** The assignment recorded for `key` (lead + decision), or null. */
  getAssignment(key: string): Promise<RecordedAssignment | null>;
  /**
   * Stores `result` only if the stored version is still `expectedVersion` (`null` = nothing stored).
   * Returns what is stored afterwards and whether this call wrote it; when another run won the race,
   * `written` is false and `stored` is the winner's assignment. `reserved`: the rep whose daily slot
   * (on `result.businessDate`) was reserved for this result, for a state that may give it back
   * (`releaseRefused`).
   */
  putAssignment(
    key: string,
    result: RouteResult,
    expectedVersion: number | null,
    reserved?: string,
  ): Promise<{ stored: RecordedAssignment; written: boolean }>;
  /** Leads counted against `repKey` on `businessDate`. */
  getDailyCount(repKey: string, businessDate: string): Promise<number>;
  /**
   * Atomically counts one lead against `repKey` on `businessDate` if the count is below `capacity`
   * (`null` = no limit). Returns false, counting nothing, when the rep is full.
   */
  reserveSlot(repKey: string, businessDate: string, capacity: number | null): Promise<boolean>;
  /**
   * Undoes one `reserveSlot` (a concurrent run recorded a different assignment first, or the lead's
   * claim was refused).
   */
  releaseSlot(repKey: string, businessDate: string): Promise<void>;
  /**
   * Optional, for a state that keeps a lead's new assignments for its claim to write (the worker's,
   * src/aws/claim-carried-routing.ts): stores them now, for a lead decided without a claim (one
   * refused a claim: `releaseRefused`).
   */
  flushUnclaimed?(leadId: string): Promise<void>;
  /**
   * Optional, with `flushUnclaimed`: for a lead refused its claim, forgets the assignments made for
   * it and not yet stored (nothing was handed off under them: its retry routes afresh, or finds the
   * assignment of the claim in its way) and gives back the daily slots they reserved — only those,
   * so a rep's count is the toss-ups actually handed off.
   */
  releaseRefused?(leadId: string): Promise<void>;
}
