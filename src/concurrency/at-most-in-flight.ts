/**
 * Runs `tasks` with at most `limit` of them started and not yet settled, in the order given, and
 * resolves with their results in that order (rejects with the first failure, after starting no
 * more). The review sends its queries this way: DuckDB runs queries on separate connections side by
 * side, Athena runs them concurrently, and a cap keeps a workgroup's concurrent-query quota free
 * for others.
 */
export async function atMostInFlight<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be 1 or more, not ${limit}`);
  const results = new Array<T>(tasks.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < tasks.length) {
      const i = next++;
      const task = tasks[i];
      if (!task) continue;
      try {
        results[i] = await task();
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
