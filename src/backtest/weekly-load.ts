import { MemoryRoutingState } from '../routing/memory-routing-state.ts';
import { route } from '../routing/route.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { zonedDate } from '../sla/zoned-time.ts';
import type { ReplayedDecision } from './replay-history.ts';

/** One owner's tasks in one ISO week. */
export interface WeekLoad {
  /** ISO week, e.g. `2026-W48` (of the business date the task counts against). */
  week: string;
  tasks: number;
}

export interface OwnerLoad {
  /** routing.yaml key, else the CRM user or queue id. */
  owner: string;
  kind: 'rep' | 'queue' | 'user';
  /** Daily capacity × 5 (null: no limit, or not a rep of routing.yaml). */
  weeklyCapacity: number | null;
  weeks: WeekLoad[];
  total: number;
  /** The busiest week's tasks. */
  peak: number;
  /** Weeks above the weekly capacity. */
  weeksOver: number;
}

export interface LoadReport {
  /** ISO weeks covered, in order. */
  weeks: string[];
  owners: OwnerLoad[];
  /** Tasks that went to an overflow owner because every pool member was full. */
  overflow: number;
  tasks: number;
}

/**
 * Tasks per owner per week if the replayed toss-ups had been routed by routing.yaml, in time order, with
 * fresh routing state (daily capacities counted from the period's start): each new toss-up is one task.
 * The same routing for the current and the candidate rules, so the two loads compare like for like.
 */
export async function weeklyLoad(
  replayed: readonly ReplayedDecision[],
  config: RoutingConfig,
): Promise<LoadReport> {
  const state = new MemoryRoutingState();
  const load = new Map<string, { kind: OwnerLoad['kind']; weeks: Map<string, number> }>();
  const weeks = new Set<string>();
  let overflow = 0;
  let tasks = 0;
  for (const r of replayed) {
    if (!r.newTossUp) continue;
    const { lead, row } = r.recorded;
    const result = await route({ decision: r.decision, lead, crm: row.crm, config, state });
    tasks++;
    if (result.via === 'overflow') overflow++;
    const owner = result.ownerKey ?? result.ownerId;
    const kind: OwnerLoad['kind'] =
      result.ownerKind === 'queue' ? 'queue' : result.ownerKey !== undefined ? 'rep' : 'user';
    const week = isoWeek(result.businessDate || zonedDate(new Date(row.decided_at), config.timeZone));
    weeks.add(week);
    const entry = load.get(owner) ?? { kind, weeks: new Map<string, number>() };
    entry.weeks.set(week, (entry.weeks.get(week) ?? 0) + 1);
    load.set(owner, entry);
  }
  const owners = [...load.entries()]
    .map(([owner, { kind, weeks: perWeek }]): OwnerLoad => {
      const daily =
        kind === 'rep'
          ? (config.reps.find((rep) => rep.key === owner)?.dailyCapacity ??
            config.defaults.dailyCapacity ??
            null)
          : null;
      const weeklyCapacity = daily === null || daily === undefined ? null : daily * 5;
      const list = [...perWeek.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([week, n]) => ({ week, tasks: n }));
      const total = list.reduce((s, w) => s + w.tasks, 0);
      return {
        owner,
        kind,
        weeklyCapacity,
        weeks: list,
        total,
        peak: Math.max(0, ...list.map((w) => w.tasks)),
        weeksOver: weeklyCapacity === null ? 0 : list.filter((w) => w.tasks > weeklyCapacity).length,
      };
    })
    .sort((a, b) => b.total - a.total || (a.owner < b.owner ? -1 : 1));
  return { weeks: [...weeks].sort(), owners, overflow, tasks };
}

/** ISO 8601 week of a calendar date (YYYY-MM-DD), e.g. `2026-W49`. */
export function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  d.setUTCDate(d.getUTCDate() - day + 3); // the week's Thursday decides its year
  const year = d.getUTCFullYear();
  const week = 1 + Math.floor((d.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}
