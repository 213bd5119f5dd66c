import type { RecordedAssignment, RouteResult, RoutingState } from '../ports/routing-state.ts';

/**
 * Routing state in process memory, for tests and single-process CLI runs. Each method completes without
 * awaiting anything, so compare-and-set and reserve are atomic within the process.
 */
export class MemoryRoutingState implements RoutingState {
  readonly #assignments = new Map<string, RecordedAssignment>();
  readonly #counts = new Map<string, number>();

  async getAssignment(key: string): Promise<RecordedAssignment | null> {
    return this.#assignments.get(key) ?? null;
  }

  async putAssignment(
    key: string,
    result: RouteResult,
    expectedVersion: number | null,
  ): Promise<{ stored: RecordedAssignment; written: boolean }> {
    const current = this.#assignments.get(key) ?? null;
    if (current && current.version !== expectedVersion) return { stored: current, written: false };
    const stored = { result, version: (current?.version ?? 0) + 1 };
    this.#assignments.set(key, stored);
    return { stored, written: true };
  }

  async getDailyCount(repKey: string, businessDate: string): Promise<number> {
    return this.#counts.get(countKey(repKey, businessDate)) ?? 0;
  }

  async reserveSlot(repKey: string, businessDate: string, capacity: number | null): Promise<boolean> {
    const k = countKey(repKey, businessDate);
    const n = this.#counts.get(k) ?? 0;
    if (capacity !== null && n >= capacity) return false;
    this.#counts.set(k, n + 1);
    return true;
  }

  async releaseSlot(repKey: string, businessDate: string): Promise<void> {
    const k = countKey(repKey, businessDate);
    const n = this.#counts.get(k) ?? 0;
    if (n > 1) this.#counts.set(k, n - 1);
    else this.#counts.delete(k);
  }

  /** Counts per rep for one business date (for CLI summaries and tests). */
  dailyCounts(businessDate: string): Record<string, number> {
    const out: Record<string, number> = {};
    const suffix = `\u0000${businessDate}`;
    for (const [k, n] of this.#counts) if (k.endsWith(suffix)) out[k.slice(0, -suffix.length)] = n;
    return out;
  }
}

function countKey(repKey: string, businessDate: string): string {
  return `${repKey}\u0000${businessDate}`;
}
