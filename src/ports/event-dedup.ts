/**
 * Remembers webhook event ids whose work was handed off, so a replayed or re-sent event is acted on
 * once. A request asks which of its event ids are remembered (`seen`), enqueues the rest, and only
 * after the enqueue succeeded remembers them (`remember`, for the de-duplication TTL): nothing is
 * remembered before its work is enqueued, so no failure can lose an event. One write an event.
 *
 * Given up for that: two deliveries of the same events at the same instant (neither remembered yet)
 * may both be enqueued, and a failed `remember` lets a later retry enqueue them again. Both are
 * harmless: the worker's per-lead version claims make a duplicate refresh decide nothing new and
 * create no second task; it costs the CRM reads of the duplicate refresh.
 */
export interface EventDedup {
  /** Which of `eventIds` are remembered as handed off (may miss one remembered an instant ago). */
  seen(eventIds: readonly string[]): Promise<Set<string>>;
  /** The events' work was handed off: remember them for `ttlSeconds`. */
  remember(eventIds: readonly string[], ttlSeconds: number): Promise<void>;
}
