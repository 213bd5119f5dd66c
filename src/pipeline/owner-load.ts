import type { Condition } from '../config/rule-set-schema.ts';
import type { CrmName } from '../domain/lead.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import { crmIdOf, directoryFor } from '../routing/routing-directory.ts';
import type { CompiledRuleSet } from '../scoring/compile-rule-set.ts';
import { localDay } from '../scoring/time.ts';
import type { RunOwner, RunReport } from './run-report.ts';

/**
 * Who received this run's tasks, by name, and how that compares with what they can take a day
 * (routing.yaml `dailyCapacity`). Pools respect capacity, but account owners, requesters and queues
 * do not: a run can hand one rep 362 tasks due tomorrow, and the summary must say so.
 */

/** Names and daily capacity of the owners in a report, from the routing file. Unknown ids are left out. */
export function describeOwners(
  config: RoutingConfig,
  crm: CrmName,
  ownerIds: Iterable<string>,
): Record<string, RunOwner> {
  const dir = directoryFor(config);
  const queues = new Map<string, RoutingConfig['queues'][number]>();
  for (const q of config.queues) {
    const id = crmIdOf(q, crm);
    if (id) queues.set(crm === 'salesforce' ? id.slice(0, 15) : id, q);
  }
  const out: Record<string, RunOwner> = {};
  for (const id of ownerIds) {
    const rep = dir.repByCrmId(crm, id);
    if (rep) {
      out[id] = { name: rep.name, kind: 'rep', dailyCapacity: repCapacity(config, rep.key) };
      continue;
    }
    const q = queues.get(crm === 'salesforce' ? id.slice(0, 15) : id);
    if (q) out[id] = { name: q.name, kind: 'queue', dailyCapacity: null };
  }
  return out;
}

/** Owner id → name from the routing file (reps and queues), for lines printed lead by lead. */
export function ownerNamer(config: RoutingConfig, crm: CrmName): (ownerId: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (id) => {
    if (!cache.has(id)) cache.set(id, describeOwners(config, crm, [id])[id]?.name);
    return cache.get(id);
  };
}

/**
 * What a rep can take a day: their own capacity, else the largest a pool grants them, else the default.
 * `null` = no limit.
 */
function repCapacity(config: RoutingConfig, key: string): number | null {
  const rep = config.reps.find((r) => r.key === key);
  if (rep?.dailyCapacity !== undefined) return rep.dailyCapacity;
  const fromPools = config.pools
    .flatMap((p) => p.members)
    .filter((m) => m.rep === key && m.dailyCapacity !== undefined)
    .map((m) => m.dailyCapacity);
  if (fromPools.length > 0) return fromPools.includes(null) ? null : Math.max(...(fromPools as number[]));
  return config.defaults.dailyCapacity ?? null;
}

export interface OwnerLoad {
  ownerId: string;
  /** Display name, or the id when the routing file does not know it. */
  name: string;
  tasks: number;
  /** Of `tasks`, those that came as the account owner (pools do not cap them). */
  accountOwnerTasks: number;
  /** Leads made this owner's without a task (owner of record: customers showing no intent). */
  records: number;
  /** The due date with the most of this owner's tasks, and how many. */
  busiestDate: string | null;
  busiestCount: number;
  capacity: number | null;
  /** More tasks due on one day than the owner's daily capacity. */
  over: boolean;
}

/** Every owner with tasks or records (owner of record, no task) this run, most tasks first. */
export function ownerLoads(report: RunReport): OwnerLoad[] {
  const owners = report.owners ?? {};
  const records = report.recordsPerOwner ?? {};
  const ids = new Set([...Object.keys(report.tasksPerOwner), ...Object.keys(records).filter(isOwnerId)]);
  return [...ids]
    .map((ownerId) => {
      const tasks = report.tasksPerOwner[ownerId] ?? 0;
      let busiestDate: string | null = null;
      let busiestCount = 0;
      for (const [date, n] of Object.entries(report.tasksPerOwnerDue?.[ownerId] ?? {})) {
        if (n > busiestCount || (n === busiestCount && busiestDate !== null && date < busiestDate)) {
          busiestDate = date;
          busiestCount = n;
        }
      }
      const capacity = owners[ownerId]?.dailyCapacity ?? null;
      return {
        ownerId,
        name: owners[ownerId]?.name ?? ownerId,
        tasks,
        accountOwnerTasks: report.accountOwnerTasks?.[ownerId] ?? 0,
        records: records[ownerId] ?? 0,
        busiestDate,
        busiestCount,
        capacity,
        over: capacity !== null && busiestCount > capacity,
      };
    })
    .sort((a, b) => b.tasks - a.tasks || b.records - a.records || a.name.localeCompare(b.name));
}

/** `recordsPerOwner` keys that are not owners: `(other)` past the key cap, `(skipped:<why>)`. */
function isOwnerId(key: string): boolean {
  return !key.startsWith('(');
}

/** Leads whose decided owner could not own them (an inactive rep …), by why; empty when none. */
export function recordOwnersSkipped(report: RunReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(report.recordsPerOwner ?? {})) {
    const why = /^\(skipped:(.+)\)$/.exec(key)?.[1];
    if (why) out[why] = n;
  }
  return out;
}

/** Every owner id a report names (tasks and owner-of-record assignments), for `describeOwners`. */
export function reportOwnerIds(report: RunReport): string[] {
  return [
    ...new Set([...Object.keys(report.tasksPerOwner), ...Object.keys(report.recordsPerOwner ?? {})]),
  ].filter(isOwnerId);
}

/**
 * The thresholds the fit and behaviour scores were compared with at `at` (campaigns included), for
 * markers on the report's score charts. A score no rule compares with a threshold has none.
 */
export function scoreThresholdsAt(rules: CompiledRuleSet, at: Date): RunReport['scoreThresholds'] {
  const ms = at.getTime();
  const { thresholds } = rules.thresholdsOn(localDay(ms, rules.offsetAt(ms)));
  const out: NonNullable<RunReport['scoreThresholds']> = {};
  const visit = (c: Condition): void => {
    if ('all' in c) c.all.forEach(visit);
    else if ('any' in c) c.any.forEach(visit);
    else if ('not' in c) visit(c.not);
    else if (c.threshold !== undefined && thresholds[c.threshold] !== undefined) {
      if (c.fact === 'score.attribute') out.attribute ??= thresholds[c.threshold];
      if (c.fact === 'score.behaviour') out.behaviour ??= thresholds[c.threshold];
    }
  };
  for (const r of rules.source.rules) visit(r.when);
  return out;
}
