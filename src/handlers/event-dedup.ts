/**
 * Remembers webhook event ids for a while, so a replayed or re-sent event is acted on once. A claim
 * is released again when the work it guards could not be handed off (the sender retries it).
 */
export interface EventDedup {
  /** True for the first claim of `eventId` within `ttlSeconds`; false for a duplicate. */
  claim(eventId: string, ttlSeconds: number): Promise<boolean>;
  release(eventId: string): Promise<void>;
}
