import type { Clock } from '../ports/clock.ts';
import type { EventDedup } from '../ports/event-dedup.ts';

/**
 * Event ids in memory, for one long-running process (`tossup listen`). A restart forgets them: a
 * delivery retried across a restart is acted on again, which the pipeline makes harmless (an unchanged
 * decision writes nothing, tasks are idempotent per episode key).
 */
export class MemoryEventDedup implements EventDedup {
  /** Event id → when it is forgotten (epoch ms). */
  private readonly done = new Map<string, number>();

  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  async seen(eventIds: readonly string[]): Promise<Set<string>> {
    const now = this.clock.now().getTime();
    return new Set(eventIds.filter((id) => (this.done.get(id) ?? 0) > now));
  }

  async remember(eventIds: readonly string[], ttlSeconds: number): Promise<void> {
    const until = this.clock.now().getTime() + ttlSeconds * 1000;
    for (const id of eventIds) this.done.set(id, until);
    this.forgetLapsed();
  }

  /** Keeps the map from growing without bound over days of listening. */
  private forgetLapsed(): void {
    if (this.done.size < 10_000) return;
    const now = this.clock.now().getTime();
    for (const [id, until] of this.done) if (until <= now) this.done.delete(id);
  }
}
