/**
 * Long CPU loops over a page (thousands of leads decided, normalized or fingerprinted) give the
 * event loop a turn every `every` items, so the I/O under way meanwhile — the next page's searches,
 * paced per second, and the answers of writes in flight — is served while the loop works instead of
 * after it: a 5,000-lead page held the loop for over two seconds and stalled the read-ahead that long.
 * A turn is a `setImmediate`, which runs after pending I/O callbacks; it costs microseconds.
 */
export class EventLoopTurns {
  private readonly every: number;
  private count = 0;

  constructor(every = 64) {
    this.every = every;
  }

  /** Call once per item; resolves at once except every `every` calls, after one event-loop turn. */
  tick(): Promise<void> | undefined {
    this.count += 1;
    if (this.count % this.every !== 0) return undefined;
    return new Promise((resume) => setImmediate(resume));
  }
}

/** `fn` over `items` in order, with an event-loop turn every `every` items. */
export async function mapWithTurns<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => R,
  every = 64,
): Promise<R[]> {
  const turns = new EventLoopTurns(every);
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) {
    out.push(fn(items[i]!, i));
    await turns.tick();
  }
  return out;
}
