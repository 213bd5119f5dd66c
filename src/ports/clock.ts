/** Time is an input: the engine, SLA calculator and pipeline never read the system clock directly. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(iso: string): Clock {
  const at = new Date(iso);
  return { now: () => new Date(at) };
}

/**
 * A clock that reads `atMs` now and then runs at real speed: runs "as of" a fixed instant (the demo,
 * `--at`) decide the same way every time, while durations and timeouts still pass normally.
 */
export function clockStartingAt(atMs: number, realNow: () => number = Date.now): Clock {
  const offset = atMs - realNow();
  return { now: () => new Date(realNow() + offset) };
}
