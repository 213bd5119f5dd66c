import type { RecordedAssignment, RouteResult, RoutingState } from '../ports/routing-state.ts';

/** Assignments a dry run remembers; older ones are forgotten so a million-lead dry run stays small. */
const MAX_LOCAL_ASSIGNMENTS = 10_000;

/**
 * Routing state for a dry run: reads what real runs recorded (so a dry run shows the owner a retry
 * would keep and the capacity already used today), but every change stays in memory and is gone
 * when the run ends. Nothing a dry run does can change who a later real run picks. Daily counts are
 * kept per rep and date (small); assignments only for the most recent leads, since a dry run writes
 * nothing and so never sees the same toss-up twice except by a record edited while it runs.
 */
export class DryRunRoutingState implements RoutingState {
  readonly #base: RoutingState;
  readonly #assignments = new Map<string, RecordedAssignment>();
  /** Daily-count changes made by this run, by rep and date. */
  readonly #delta = new Map<string, number>();
  /** Read-then-change steps await the base store, so they run one at a time to stay atomic. */
  #queue: Promise<unknown> = Promise.resolve();

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
    return this.#serial(async () => {
      const current = await this.getAssignment(key);
      if (current && current.version !== expectedVersion) return { stored: current, written: false };
      const stored = { result, version: (current?.version ?? 0) + 1 };
      this.#assignments.delete(key);
      this.#assignments.set(key, stored);
      if (this.#assignments.size > MAX_LOCAL_ASSIGNMENTS) {
        this.#assignments.delete(this.#assignments.keys().next().value!);
      }
      return { stored, written: true };
    });
  }

  async getDailyCount(repKey: string, businessDate: string): Promise<number> {
    return (
      (await this.#base.getDailyCount(repKey, businessDate)) + (this.#delta.get(k(repKey, businessDate)) ?? 0)
    );
  }

  async reserveSlot(repKey: string, businessDate: string, capacity: number | null): Promise<boolean> {
    return this.#serial(async () => {
      const n = await this.getDailyCount(repKey, businessDate);
      if (capacity !== null && n >= capacity) return false;
      this.#add(repKey, businessDate, 1);
      return true;
    });
  }

  async releaseSlot(repKey: string, businessDate: string): Promise<void> {
    await this.#serial(async () => {
      if ((await this.getDailyCount(repKey, businessDate)) > 0) this.#add(repKey, businessDate, -1);
    });
  }

  #serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step, step);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #add(repKey: string, businessDate: string, n: number): void {
    const key = k(repKey, businessDate);
    this.#delta.set(key, (this.#delta.get(key) ?? 0) + n);
  }
}

function k(repKey: string, businessDate: string): string {
  return `${repKey}\u0000${businessDate}`;
}
