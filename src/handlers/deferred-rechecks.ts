import type { CrmName } from '../domain/lead.ts';
import {
  type DueRecheck,
  type RecheckRecord,
  type RecheckRef,
  type RecheckStore,
  recheckKey,
} from '../ports/recheck-store.ts';

/**
 * The worker's re-check store for one batch when a claim can carry the lead's re-check record
 * (`LeadVersions.completeWithRecheck`): every record the batch schedules waits here; a claimed lead's
 * is `take`n and written with its claim's completion, one write a lead instead of two (docs/cost.md).
 * `flush` writes whatever is still held, as `schedule` would have.
 */
export class DeferredRechecks implements RecheckStore {
  readonly #store: RecheckStore;
  readonly #held = new Map<string, RecheckRecord>();

  constructor(store: RecheckStore) {
    this.#store = store;
  }

  getMany(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord>> {
    return this.#store.getMany(crm, refs);
  }

  async schedule(_crm: CrmName, records: readonly RecheckRecord[]): Promise<void> {
    for (const r of records) this.#held.set(recheckKey(r), r);
  }

  dueBefore(crm: CrmName, at: Date, limit: number): Promise<DueRecheck[]> {
    return this.#store.dueBefore(crm, at, limit);
  }

  async remove(crm: CrmName, refs: readonly RecheckRef[]): Promise<void> {
    for (const ref of refs) this.#held.delete(recheckKey(ref));
    await this.#store.remove(crm, refs);
  }

  /** The held record of one lead, no longer held (its claim's completion writes it). */
  take(ref: RecheckRef): RecheckRecord | undefined {
    const key = recheckKey(ref);
    const r = this.#held.get(key);
    this.#held.delete(key);
    return r;
  }

  /** Gives a taken record back (its completion did not write it). */
  hold(r: RecheckRecord): void {
    this.#held.set(recheckKey(r), r);
  }

  /** Writes every record still held. */
  async flush(crm: CrmName): Promise<void> {
    const rest = [...this.#held.values()];
    this.#held.clear();
    if (rest.length > 0) await this.#store.schedule(crm, rest);
  }
}
