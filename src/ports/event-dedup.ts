/**
 * Remembers webhook event ids, so a replayed or re-sent event is acted on once. A claim has two
 * states: `pending` while the request that took it hands the work off (a short lease, so a claim
 * left behind by a crash or a failed release lapses before the sender retries), and `done` once the
 * work is enqueued (remembered for the de-duplication TTL). Only a `done` or live `pending` claim
 * makes a later delivery a duplicate, so no failure between claim and enqueue can lose an event.
 */
export interface EventDedup {
  /** A pending claim on `eventId` for `leaseSeconds`; false when it is done or pending elsewhere. */
  claim(eventId: string, leaseSeconds: number): Promise<boolean>;
  /** The event's work was handed off: remember it as done for `ttlSeconds`. */
  confirm(eventId: string, ttlSeconds: number): Promise<void>;
  /** Gives a pending claim back at once (the sender retries the event). */
  release(eventId: string): Promise<void>;
}
