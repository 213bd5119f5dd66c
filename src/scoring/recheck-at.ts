import type { Condition } from '../config/rule-set-schema.ts';
import type { Decision } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import { addDays, instantAt, zonedDate } from '../sla/zoned-time.ts';
import type { CompiledRuleSet } from './compile-rule-set.ts';
import type { CompiledLeaf, DecisionContext } from './conditions.ts';
import { decideWithDataIssues } from './data-issues.ts';
import { buildContext, type DecideOptions } from './decide.ts';
import { defaultHoldCalendar, holdExpiresAt, isHoldLike, toEpochMs } from './hold-expiry.ts';
import { isoToEpochMs, localDay } from './time.ts';

/**
 * `recheckAt(lead, rules, at)`: the earliest instant after `at` at which the same lead data could
 * be decided differently (flag, next action, priority, deciding rule or reason codes), or null when
 * it never can. Time reaches a decision only through:
 *
 * - the local day (`today` in the rule set's zone): an activity leaving an N-day window (each
 *   `activities.count` window, the behaviour window), decayed behaviour points crossing a
 *   comparison of `score.behaviour`, a campaign override starting (`from`) or ending (after `to`);
 * - an activity timestamped after `at` starting to count at its own instant;
 * - a hold reaching its `holdExpiresAfter` (from `options.holdSince`, else from `at`: a hold that
 *   starts now, as the pipeline then records it);
 * - a monthly quota (a quota rule decided, or a quota was used up): the first instant of the next
 *   month in the rule set's zone, returned unevaluated because next month's use is not known here;
 * - a UTC-offset change of the zone (summer time), returned unevaluated.
 *
 * Each such instant is a candidate; the inputs of the decision are constant between two
 * candidates, so deciding again at the candidates in order and returning the first whose decision
 * differs is exact. Only the first `MAX_EVALUATIONS` are decided; past that the next candidate is
 * returned as it is — earlier than necessary, which costs a needless re-check, never a missed one.
 * Reason parameters (a score that decays a point, a date) do not count as a different decision:
 * they refresh when the lead is next decided for any reason.
 */
export function recheckAt(
  lead: Lead,
  rules: CompiledRuleSet,
  at: Date | number,
  options: DecideOptions = {},
): Date | null {
  const atMs = typeof at === 'number' ? at : at.getTime();
  const first = decideWithDataIssues(lead, rules, atMs, options);
  const held = isHoldLike(first);
  // A hold without a recorded start starts now: that is what the caller records for it.
  const opts: DecideOptions =
    held && options.holdSince === undefined ? { ...options, holdSince: atMs } : options;

  const candidates = new Map<number, boolean>(); // instant → opaque (return without deciding)
  const add = (ms: number, opaque = false) => {
    if (!(ms > atMs) || !Number.isFinite(ms)) return;
    candidates.set(ms, (candidates.get(ms) ?? false) || opaque);
  };
  const offsetMs = rules.offsetAt(atMs);
  const today = localDay(atMs, offsetMs);
  const startOfDay = (day: number) => day * DAY_MS - offsetMs;
  const addDay = (day: number) => {
    if (day > today) add(startOfDay(day));
  };

  const info = infoFor(rules);
  // Unreadable activities are decided as restored "now" (data-issues.ts): the restored points are
  // added to a score that decays and loses activities by day, so for those rare leads every day up to
  // the last window edge is a candidate (the evaluation limit keeps it cheap and safe).
  const everyDay = lead.dataIssues.some((i) => i.field.startsWith('activities'));
  const days: number[] = new Array(lead.activities.length);
  let lastDay = Number.NEGATIVE_INFINITY;
  lead.activities.forEach((a, i) => {
    const t = isoToEpochMs(a.at);
    days[i] = Number.isNaN(t) ? Number.NaN : localDay(t, offsetMs);
    if (Number.isNaN(t)) return;
    if (t > atMs) {
      add(t);
      // And the start of its day: the day view (addLeafChanges) counts the day's activities from its
      // start, so a window edge at midnight followed by an activity later that day looks like no change.
      addDay(days[i]!);
    }
    if (days[i]! > lastDay) lastDay = days[i]!;
  });
  if (everyDay && Number.isFinite(lastDay)) {
    const end = Math.min(lastDay + Math.max(0, ...info.windows) + 1, today + MAX_EVALUATIONS + 1);
    for (let day = today + 1; day <= end; day++) addDay(day);
  }
  for (const o of info.overrides) {
    addDay(o.fromDay);
    addDay(o.toDay + 1);
  }
  if (info.timeLeaves.length > 0) addLeafChanges(lead, rules, atMs, today, days, info, addDay);

  if (held && opts.holdSince !== undefined) {
    const after = holdRuleExpiry(first, rules);
    if (after) {
      const since = toEpochMs(opts.holdSince);
      if (!Number.isNaN(since))
        add(holdExpiresAt(since, after, opts.calendar ?? defaultHoldCalendar(rules.source.timeZone)));
    }
  }
  if (info.quotaRules.has(first.ruleId) || first.reasons.some((r) => r.code === 'quota.exceeded'))
    add(nextMonthStart(atMs, rules.source.timeZone), true);
  if (!isFixedOffset(rules, info, atMs)) {
    const last = Math.max(atMs, ...candidates.keys());
    const change = nextOffsetChange(rules, atMs, Math.max(last, atMs + YEAR_MS));
    if (change !== null) add(change, true);
  }

  const sorted = [...candidates.keys()].sort((a, b) => a - b);
  let evaluations = 0;
  for (const ms of sorted) {
    if (candidates.get(ms) || evaluations >= MAX_EVALUATIONS) return new Date(ms);
    evaluations++;
    if (differs(first, decideWithDataIssues(lead, rules, ms, opts))) return new Date(ms);
  }
  return null;
}

/** Past this many decisions per lead the next candidate is returned undecided (safe, just early). */
const MAX_EVALUATIONS = 24;
const DAY_MS = 86_400_000;
const YEAR_MS = 366 * DAY_MS;

/** What the pipeline writes and sales see, minus parameters (scores, dates) that drift daily. */
export function differs(a: Decision, b: Decision): boolean {
  if (a.flag !== b.flag || a.nextAction !== b.nextAction || a.priority !== b.priority) return true;
  if (a.ruleId !== b.ruleId || a.reasons.length !== b.reasons.length) return true;
  return a.reasons.some((r, i) => r.code !== b.reasons[i]!.code);
}

/**
 * The `holdExpiresAfter` that applies to a hold: `missingData`'s when held for missing data, else
 * its rule's. (A hold for unreadable values never expires; a candidate for it decides the same.)
 */
function holdRuleExpiry(d: Decision, rules: CompiledRuleSet) {
  if (d.flag !== 'hold') return undefined;
  if (d.missing.length > 0) return rules.missingDataHoldExpiresAfter;
  return rules.rules.find((r) => r.rule.id === d.ruleId)?.holdExpiresAfter;
}

interface RuleSetTimeInfo {
  /** Every N of an "in the last N days" the decision looks at (counts and the behaviour window). */
  windows: number[];
  overrides: Array<{ fromDay: number; toDay: number }>;
  /** Conditions whose result moves with the day: `score.behaviour` and `activities.count`. */
  timeLeaves: CompiledLeaf[];
  quotaRules: Set<string>;
  /** Per UTC year of `at`: the zone keeps one offset all that year and the next (no summer time). */
  fixedOffsetByYear: Map<number, boolean>;
}

const infos = new WeakMap<CompiledRuleSet, RuleSetTimeInfo>();

function infoFor(rules: CompiledRuleSet): RuleSetTimeInfo {
  let info = infos.get(rules);
  if (info) return info;
  const rs = rules.source;
  const bs = rs.behaviourScore;
  const windows = new Set<number>();
  const activityScore = bs.source !== 'ma';
  if (activityScore) windows.add(bs.windowDays);
  const collect = (c: Condition) => {
    if ('all' in c) c.all.forEach(collect);
    else if ('any' in c) c.any.forEach(collect);
    else if ('not' in c) collect(c.not);
    else if (c.fact === 'activities.count') windows.add(c.withinDays ?? bs.windowDays);
  };
  for (const r of rs.rules) {
    collect(r.when);
    if (r.intent) collect(r.intent.when);
  }
  // An intent floor moves with the day like the rule's own conditions (intent-floor.ts).
  const timeLeaves = rules.rules
    .flatMap((r) => (r.intent ? [...r.when.leaves, ...r.intent.leaves] : r.when.leaves))
    .filter((l) => l.spec.fact === 'score.behaviour' || l.spec.fact === 'activities.count');
  info = {
    windows: [...windows],
    overrides: rs.overrides.map((o) => ({ fromDay: dayOf(o.from), toDay: dayOf(o.to) })),
    timeLeaves,
    quotaRules: new Set(rs.rules.filter((r) => r.quotaPerMonth !== undefined).map((r) => r.id)),
    fixedOffsetByYear: new Map(),
  };
  infos.set(rules, info);
  return info;
}

function dayOf(isoDate: string): number {
  return Math.floor(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
}

/**
 * Days on which a condition that moves with the day (a behaviour score decaying or losing an
 * activity that left its window; an activity count over the last N days) comes out otherwise than
 * the day before, thresholds as in force that day. Cheap: sums and counts per day up to the last
 * window edge, no decision; the decision is taken only on the days found.
 */
function addLeafChanges(
  lead: Lead,
  rules: CompiledRuleSet,
  atMs: number,
  today: number,
  days: readonly number[],
  info: RuleSetTimeInfo,
  addDay: (day: number) => void,
): void {
  let last = Number.NEGATIVE_INFINITY;
  for (const d of days) if (d > last) last = d;
  if (!Number.isFinite(last)) return;
  const end = last + Math.max(0, ...info.windows) + 1;
  if (end <= today) return;
  // Activities on their local day: from the start of a later day every one of them has happened (an
  // activity later today is a candidate of its own), so this view is exact for the days after `at`.
  const ctx: DecisionContext = { ...buildContext(lead, rules, atMs), activityDays: days };
  const leaves = info.timeLeaves;
  // The results of all leaves as one number (base 3, exact up to 33 leaves), so a day costs no
  // allocation; a rule set with more time-dependent conditions compares them as text.
  const exact = leaves.length <= 33;
  const results = (day: number): number | string => {
    ctx.today = day;
    ctx.thresholds = rules.thresholdsOn(day).thresholds;
    ctx.behaviour = rules.behaviour(ctx);
    if (!exact) return leaves.map((l) => l.test(ctx)).join('');
    let code = 0;
    for (const l of leaves) code = code * 3 + l.test(ctx);
    return code;
  };
  let previous = results(today);
  for (let day = today + 1; day <= end; day++) {
    const now = results(day);
    if (now !== previous) addDay(day);
    previous = now;
  }
}

function nextMonthStart(atMs: number, timeZone: string): number {
  const date = zonedDate(new Date(atMs), timeZone);
  const firstOfNext = addDays(`${date.slice(0, 8)}01`, 32).slice(0, 8);
  return instantAt(`${firstOfNext}01`, 0, timeZone).getTime();
}

/** Zones without summer time (Asia/Tokyo) need no offset-change candidate. */
function isFixedOffset(rules: CompiledRuleSet, info: RuleSetTimeInfo, atMs: number): boolean {
  const year = new Date(atMs).getUTCFullYear();
  let fixed = info.fixedOffsetByYear.get(year);
  if (fixed === undefined) {
    const samples = [0, 3, 6, 9].flatMap((m) => [Date.UTC(year, m, 1), Date.UTC(year + 1, m, 1)]);
    samples.push(Date.UTC(year + 2, 0, 1));
    const first = rules.offsetAt(samples[0]!);
    fixed = samples.every((t) => rules.offsetAt(t) === first);
    info.fixedOffsetByYear.set(year, fixed);
  }
  return fixed;
}

/** The first hour after `fromMs` (up to `toMs`) at which the zone's offset changes, or null. */
function nextOffsetChange(rules: CompiledRuleSet, fromMs: number, toMs: number): number | null {
  const base = rules.offsetAt(fromMs);
  for (let t = fromMs + DAY_MS; t <= toMs + DAY_MS; t += DAY_MS) {
    if (rules.offsetAt(t) === base) continue;
    let lo = t - DAY_MS;
    let hi = t;
    while (hi - lo > HOUR_MS) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (rules.offsetAt(mid) === base) lo = mid;
      else hi = mid;
    }
    // Offsets change on the hour; the hour containing `hi` starts at or before the change.
    return Math.floor(hi / HOUR_MS) * HOUR_MS;
  }
  return null;
}

const HOUR_MS = 3_600_000;
