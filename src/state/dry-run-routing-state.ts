import type { RecordedAssignment, RouteResult, RoutingState } from '../ports/routing-state.ts';

/**
 * Routing state for a dry run: reads what real runs recorded (so a dry run shows the owner a retry
 * would keep and the capacity already used today), but every change stays in memory and is gone
 * when the run ends. Nothing a dry run does can change who a later real run picks.
 */
export class DryRunRoutingState implements RoutingState {
  readonly #base: RoutingState;
  readonly #assignments = new Map<string, RecordedAssignment>();
  /** Daily-count changes made by this run, by rep and date. */
  readonly #delta = new Map<string, number>();

  constructor(base: RoutingState) {
    this.#base = base;
  }

  async getAssignment(key: string): Promise<RecordedAssignment | null> {
    return this.#assignments.get(key) ?? (await this.#base.getAssignment(key));
  }

  async putAssignment(
    key: string,
    result: RouteResult,
    expectedVersion: number | null,
  ): Promise<{ stored: RecordedAssignment; written: boolean }> {
    const current = await this.getAssignment(key);
    if (current && current.version !== expectedVersion) return { stored: current, written: false };
    const stored = { result, version: (current?.version ?? 0) + 1 };
    this.#assignments.set(key, stored);
    return { stored, written: true };
  }

  async getDailyCount(repKey: string, businessDate: string): Promise<number> {
    return (
      (await this.#base.getDailyCount(repKey, businessDate)) + (this.#delta.get(k(repKey, businessDate)) ?? 0)
    );
  }

  async reserveSlot(repKey: string, businessDate: string, capacity: number | null): Promise<boolean> {
    const n = await this.getDailyCount(repKey, businessDate);
    if (capacity !== null && n >= capacity) return false;
    this.#add(repKey, businessDate, 1);
    return true;
  }

  async releaseSlot(repKey: string, businessDate: string): Promise<void> {
    if ((await this.getDailyCount(repKey, businessDate)) > 0) this.#add(repKey, businessDate, -1);
  }

  #add(repKey: string, businessDate: string, n: number): void {
    const key = k(repKey, businessDate);
    this.#delta.set(key, (this.#delta.get(key) ?? 0) + n);
  }
}

function k(repKey: string, businessDate: string): string {
  return `${repKey}\u0000${businessDate}`;
}
