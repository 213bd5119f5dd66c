import type { Clock } from '../ports/clock.ts';
import type { EventDedup } from '../ports/event-dedup.ts';

/**
 * Event ids in memory, for one long-running process (`tossup listen`). A restart forgets them: a
 * delivery retried across a restart is acted on again, which the pipeline makes harmless (an unchanged
 * decision writes nothing, tasks are idempotent per episode key).
 */
export class MemoryEventDedup implements EventDedup {
  private readonly claims = new Map<string, { done: boolean; untilMs: number }>();

  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  async claim(eventId: string, leaseSeconds: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    const held = this.claims.get(eventId);
    if (held && held.untilMs > now) return false;
    this.claims.set(eventId, { done: false, untilMs: now + leaseSeconds * 1000 });
    return true;
  }

  async confirm(eventId: string, ttlSeconds: number): Promise<void> {
    this.claims.set(eventId, { done: true, untilMs: this.clock.now().getTime() + ttlSeconds * 1000 });
    this.forgetLapsed();
  }

  async release(eventId: string): Promise<void> {
    if (this.claims.get(eventId)?.done === false) this.claims.delete(eventId);
  }

  /** Keeps the map from growing without bound over days of listening. */
  private forgetLapsed(): void {
    if (this.claims.size < 10_000) return;
    const now = this.clock.now().getTime();
    for (const [id, c] of this.claims) if (c.untilMs <= now) this.claims.delete(id);
  }
}
