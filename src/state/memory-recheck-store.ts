import type { CrmName } from '../domain/lead.ts';
import {
  type DueRecheck,
  keepsRecheckRecord,
  type RecheckRecord,
  type RecheckRef,
  type RecheckStore,
  recheckKey,
} from '../ports/recheck-store.ts';

/**
 * Re-check records in memory, for one process (benchmarks, tests): the same contract as the file
 * and DynamoDB stores, without their I/O. `dueBefore` scans every record: fine at that scale.
 */
export class MemoryRecheckStore implements RecheckStore {
  readonly #records = new Map<CrmName, Map<string, RecheckRecord>>();

  async getMany(crm: CrmName, refs: readonly RecheckRef[]): Promise<Map<string, RecheckRecord>> {
    const records = this.#of(crm);
    const out = new Map<string, RecheckRecord>();
    for (const ref of refs) {
      const key = recheckKey(ref);
      const r = records.get(key);
      if (r) out.set(key, { ...r });
    }
    return out;
  }

  async schedule(crm: CrmName, records: readonly RecheckRecord[]): Promise<void> {
    const stored = this.#of(crm);
    for (const r of records) {
      if (keepsRecheckRecord(r)) stored.set(recheckKey(r), { ...r });
      else stored.delete(recheckKey(r));
    }
  }

  async dueBefore(crm: CrmName, at: Date, limit: number): Promise<DueRecheck[]> {
    const t = at.getTime();
    const due: DueRecheck[] = [];
    for (const r of this.#of(crm).values())
      if (r.recheckAt !== null && Date.parse(r.recheckAt) <= t)
        due.push({ objectType: r.objectType, leadId: r.leadId, recheckAt: r.recheckAt });
    due.sort((a, b) =>
      a.recheckAt !== b.recheckAt
        ? a.recheckAt < b.recheckAt
          ? -1
          : 1
        : recheckKey(a) < recheckKey(b)
          ? -1
          : 1,
    );
    return due.slice(0, limit);
  }

  async remove(crm: CrmName, refs: readonly RecheckRef[]): Promise<void> {
    const stored = this.#of(crm);
    for (const r of refs) stored.delete(recheckKey(r));
  }

  #of(crm: CrmName): Map<string, RecheckRecord> {
    let m = this.#records.get(crm);
    if (!m) {
      m = new Map();
      this.#records.set(crm, m);
    }
    return m;
  }
}
