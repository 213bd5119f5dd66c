import type { EventEmitter } from 'node:events';

/**
 * Resolves `done` at the first of `events` on `emitter`, or when `stop()` is called, and then removes
 * every listener it added, so a long-lived emitter (a stream, the process) does not collect them.
 */
export function firstEvent(
  emitter: EventEmitter,
  events: readonly string[],
): { done: Promise<void>; stop(): void } {
  let stop!: () => void;
  const done = new Promise<void>((resolve) => {
    stop = () => {
      for (const e of events) emitter.off(e, stop);
      resolve();
    };
    for (const e of events) emitter.once(e, stop);
  });
  return { done, stop };
}
