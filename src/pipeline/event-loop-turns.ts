/**
 * Long CPU loops over a page (thousands of leads decided, normalized or fingerprinted) give the
 * event loop a turn every few milliseconds, so the I/O under way meanwhile — the next page's
 * searches, paced per second, and the answers of writes in flight — is served while the loop works
 * instead of after it: a 5,000-lead page held the loop for over two seconds and stalled the
 * read-ahead that long. Turns go by elapsed time, not by items, so a loaded machine (slower items)
 * still answers within a slice. A turn is a `setImmediate`, which runs after pending I/O callbacks;
 * it costs microseconds. The clock here only measures slices, it never decides anything.
 */
export class EventLoopTurns {
  private readonly sliceMs: number;
  private readonly now: () => number;
  private since: number;

  constructor(sliceMs = 4, now: () => number = () => performance.now()) {
    this.sliceMs = sliceMs;
    this.now = now;
    this.since = now();
  }

  /** Call once per item; resolves at once unless a slice has passed, then after one event-loop turn. */
  tick(): Promise<void> | undefined {
    if (this.now() - this.since < this.sliceMs) return undefined;
    return new Promise((resume) =>
      setImmediate(() => {
        this.since = this.now();
        resume();
      }),
    );
  }
}

/** `fn` over `items` in order, with an event-loop turn every slice. */
export async function mapWithTurns<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => R,
): Promise<R[]> {
  const turns = new EventLoopTurns();
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) {
    out.push(fn(items[i]!, i));
    await turns.tick();
  }
  return out;
}
