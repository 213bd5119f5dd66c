import { MemoryRoutingState } from '../routing/memory-routing-state.ts';
import { route } from '../routing/route.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { isRepAvailable } from '../routing/routing-directory.ts';
import type { BusinessCalendar } from '../sla/business-calendar.ts';
import { addDays, zonedDate } from '../sla/zoned-time.ts';
import type { ReplayedDecision } from './replay-history.ts';

/** One owner's tasks in one ISO week. */
export interface WeekLoad {
  /** ISO week, e.g. `2026-W48` (of the business date the task counts against). */
  week: string;
  tasks: number;
  /** Daily capacity × the week's business days the rep was available (null: no limit, or not a rep). */
  capacity: number | null;
}

export interface OwnerLoad {
  /** routing.yaml key, else the CRM user or queue id. */
  owner: string;
  kind: 'rep' | 'queue' | 'user';
  /** routing.yaml's daily capacity for the rep (null: no limit, or not a rep of routing.yaml). */
  dailyCapacity: number | null;
  weeks: WeekLoad[];
  total: number;
  /** The busiest week's tasks. */
  peak: number;
  /** Weeks with more tasks than capacity. */
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

/** The calendar the sync routes with (sla.yaml's): tasks count against the day the rep will work them. */
export type LoadCalendar = Pick<BusinessCalendar, 'businessDateOf' | 'isBusinessDay'>;

/**
 * Tasks per owner per week if the replayed toss-ups had been routed by routing.yaml, in time order, with
 * fresh routing state (daily capacities counted from the period's start): each new toss-up is one task.
 * The same routing for the current and the candidate rules, so the two loads compare like for like. A
 * rep's capacity in a week is the daily capacity times the business days of that week they were
 * available (not away, active).
 */
export async function weeklyLoad(
  replayed: readonly ReplayedDecision[],
  config: RoutingConfig,
  calendar?: LoadCalendar,
): Promise<LoadReport> {
  const state = new MemoryRoutingState();
  const load = new Map<string, { kind: OwnerLoad['kind']; weeks: Map<string, number> }>();
  const weeks = new Set<string>();
  let overflow = 0;
  let tasks = 0;
  for (const r of replayed) {
    if (!r.newTossUp) continue;
    const { lead, row } = r.recorded;
    const result = await route({
      decision: r.decision,
      lead,
      crm: row.crm,
      config,
      state,
      ...(calendar ? { calendar } : {}),
    });
    tasks++;
    if (result.via === 'overflow') overflow++;
    const owner = result.ownerKey ?? result.ownerId;
    const kind: OwnerLoad['kind'] =
      result.ownerKind === 'queue' ? 'queue' : result.ownerKey !== undefined ? 'rep' : 'user';
    const week = isoWeek(result.businessDate || zonedDate(new Date(row.decided_at), config.timeZone)).week;
    weeks.add(week);
    const entry = load.get(owner) ?? { kind, weeks: new Map<string, number>() };
    entry.weeks.set(week, (entry.weeks.get(week) ?? 0) + 1);
    load.set(owner, entry);
  }
  const isBusinessDay = calendar ? (d: string) => calendar.isBusinessDay(d) : isWeekday;
  const owners = [...load.entries()]
    .map(([owner, { kind, weeks: perWeek }]): OwnerLoad => {
      const rep = kind === 'rep' ? config.reps.find((x) => x.key === owner) : undefined;
      const daily = rep ? (rep.dailyCapacity ?? config.defaults.dailyCapacity ?? null) : null;
      const list = [...perWeek.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([week, n]): WeekLoad => {
          const capacity =
            daily === null || !rep
              ? null
              : daily * daysOfWeek(week).filter((d) => isBusinessDay(d) && isRepAvailable(rep, d)).length;
          return { week, tasks: n, capacity };
        });
      return {
        owner,
        kind,
        dailyCapacity: daily,
        weeks: list,
        total: list.reduce((s, w) => s + w.tasks, 0),
        peak: Math.max(0, ...list.map((w) => w.tasks)),
        weeksOver: list.filter((w) => w.capacity !== null && w.tasks > w.capacity).length,
      };
    })
    .sort((a, b) => b.total - a.total || (a.owner < b.owner ? -1 : 1));
  return { weeks: [...weeks].sort(), owners, overflow, tasks };
}

/** ISO 8601 week of a calendar date (YYYY-MM-DD), e.g. `2026-W49`, and the Monday that starts it. */
export function isoWeek(date: string): { week: string; monday: string } {
  const d = new Date(`${date}T00:00:00Z`);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const monday = addDays(date, -day);
  d.setUTCDate(d.getUTCDate() - day + 3); // the week's Thursday decides its year
  const year = d.getUTCFullYear();
  const week = 1 + Math.floor((d.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return { week: `${year}-W${String(week).padStart(2, '0')}`, monday };
}

/** The seven dates of an ISO week (`2026-W49`), Monday first. */
export function daysOfWeek(week: string): string[] {
  const [y, w] = week.split('-W').map(Number) as [number, number];
  // 4 January is always in week 1.
  const monday = isoWeek(`${y}-01-04`).monday;
  const first = addDays(monday, (w - 1) * 7);
  return Array.from({ length: 7 }, (_, i) => addDays(first, i));
}

function isWeekday(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
}
