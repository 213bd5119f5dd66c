/**
 * Progress as plain lines on a stream (CI logs, cron mail): at most one every `intervalMs`, and only
 * when it says something new: the run reports its final state once more when it ends, and a log must
 * not show the same line twice.
 */
export function throttledLines<P>(options: {
  stream: NodeJS.WritableStream;
  line: (p: P) => string;
  intervalMs?: number;
  now?: () => number;
}): { update(p: P): void; stop(): void } {
  const interval = options.intervalMs ?? 5000;
  const now = options.now ?? Date.now;
  let last = Number.NEGATIVE_INFINITY;
  let printed = '';
  let pending: P | null = null;
  const print = (p: P) => {
    const text = options.line(p);
    if (text === printed) return;
    printed = text;
    options.stream.write(`${text}\n`);
  };
  return {
    update(p) {
      pending = p;
      if (now() - last < interval) return;
      last = now();
      pending = null;
      print(p);
    },
    stop() {
      // The final state is always shown once, even if it came within the interval.
      if (pending) print(pending);
      pending = null;
    },
  };
}
