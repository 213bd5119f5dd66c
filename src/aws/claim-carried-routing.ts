import type { CrmName } from '../domain/lead.ts';
import type { RecordedAssignment, RouteResult, RoutingState } from '../ports/routing-state.ts';
import type { DynamoLeadRecords } from './dynamodb-lead-records.ts';

/**
 * The worker's routing state: a lead's assignments ride on its claim (the lead's item, written once
 * the lead is decided and before its task exists: `DynamoLeadRecords.claimDecided`) instead of an item
 * of their own per toss-up, a write and a read a routed lead saved (docs/cost.md). A retried toss-up
 * still lands on the same rep: its claim carried the assignment before any task was created.
 *
 * - `getAssignment`: from the lead's item as the batch read it; a lead with no item has none (no read);
 *   otherwise the route items of `inner` (earlier builds, and leads decided without a claim).
 * - `putAssignment`: kept for the lead's claim. It cannot lose a race here: a claim made on a read
 *   another claim changed is refused (the lead is decided again). A lead the batch did not read, or
 *   that goes unclaimed (`flushUnclaimed`: decided without a claim), is stored in `inner` — or, for a
 *   lead that had no item, on a new one (`storeUnclaimed`), where its retry looks.
 * - `releaseRefused`: a lead refused its claim had nothing handed off under the assignments made
 *   for it; they are dropped and the daily slots reserved for them given back (its retry routes
 *   afresh, or finds the assignment the claim in its way carried), so a rep's count stays the
 *   toss-ups handed off.
 * - Daily capacity is `inner`'s.
 */
export class ClaimCarriedRouting implements RoutingState {
  readonly #inner: RoutingState;
  readonly #records: DynamoLeadRecords;
  readonly #crm: CrmName;

  constructor(inner: RoutingState, records: DynamoLeadRecords, crm: CrmName) {
    this.#inner = inner;
    this.#records = records;
    this.#crm = crm;
  }

  async getAssignment(key: string): Promise<RecordedAssignment | null> {
    const onItem = this.#records.assignmentOnItem(this.#crm, leadIdOf(key), key);
    return onItem === undefined ? this.#inner.getAssignment(key) : onItem;
  }

  async putAssignment(
    key: string,
    result: RouteResult,
    expectedVersion: number | null,
    reserved?: string,
  ): Promise<{ stored: RecordedAssignment; written: boolean }> {
    const stored = { result, version: (expectedVersion ?? 0) + 1 };
    if (this.#records.carryAssignment(this.#crm, leadIdOf(key), key, stored, reserved))
      return { stored, written: true };
    return this.#inner.putAssignment(key, result, expectedVersion);
  }

  async flushUnclaimed(leadId: string): Promise<void> {
    for (const [key, a] of Object.entries(await this.#records.storeUnclaimed(this.#crm, leadId)))
      await this.#inner.putAssignment(key, a.result, a.version > 1 ? a.version - 1 : null);
  }

  async releaseRefused(leadId: string): Promise<void> {
    for (const { repKey, businessDate } of this.#records.dropRefused(this.#crm, leadId))
      await this.#inner.releaseSlot(repKey, businessDate);
  }

  getDailyCount(repKey: string, businessDate: string): Promise<number> {
    return this.#inner.getDailyCount(repKey, businessDate);
  }

  reserveSlot(repKey: string, businessDate: string, capacity: number | null): Promise<boolean> {
    return this.#inner.reserveSlot(repKey, businessDate, capacity);
  }

  releaseSlot(repKey: string, businessDate: string): Promise<void> {
    return this.#inner.releaseSlot(repKey, businessDate);
  }
}

/** `route|<crm>|<leadId>|<decision key>` (src/routing/route.ts `assignmentKey`): the lead's id. */
function leadIdOf(key: string): string {
  return key.split('|')[2] ?? '';
}
