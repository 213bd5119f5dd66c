import type { RoutingConfig } from '../routing/routing-config.ts';

/**
 * routing.yaml's daily capacity per rep key, as the review's load section reads it: the rep's own,
 * else the file's default (null: no limit). Pool members' own capacities are per pool and not summed.
 */
export function repCapacities(routing: RoutingConfig): Map<string, number | null> {
  const fallback = routing.defaults?.dailyCapacity ?? null;
  return new Map(
    routing.reps.map((r) => [r.key, r.dailyCapacity === undefined ? fallback : r.dailyCapacity]),
  );
}
